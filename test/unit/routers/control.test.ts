// The factory, the no-op and unknown routers, and the lazy, optional Kubernetes client.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { routerControl } from "../../../automation/routers";
import {
  KUBERNETES_CLIENT_PACKAGE,
  loadKubernetesClient,
  MISSING_CLIENT_MESSAGE,
} from "../../../automation/routers/kubernetes/client";
import type { RouterDescriptor } from "../../../components/core/contract";

const STATE = { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 10 };
const ROUTERS = path.resolve(__dirname, "../../../automation/routers");

function moduleError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe("router control", () => {
  it("none: nothing to read, nothing to write", async () => {
    const c = routerControl({ kind: "none" }, {});
    assert.equal(c.kind, "none");
    assert.deepEqual(await c.read(STATE), {
      verified: false,
      reason: "this router has no weights to read (rolling/recreate)",
    });
    const brake = await c.sendAllToStable(STATE, "v2");
    assert.equal(brake.applied, false);
    assert.match(brake.reason ?? "", /no weights to write/);
  });

  it("a kind from a newer contract: unverified, naming the kind, never throws", async () => {
    const c = routerControl({ kind: "future-router", endpoint: "x" } as unknown as RouterDescriptor, {});
    assert.equal(c.kind, "unknown");
    const r = await c.read(STATE);
    assert.ok(!r.verified);
    assert.match(r.reason, /router kind "future-router" is not known to this driver.*upgrade/);
    const brake = await c.sendAllToStable(STATE, "v2");
    assert.equal(brake.applied, false);
    assert.match(brake.reason ?? "", /"future-router"/);
    assert.equal(routerControl(null as unknown as RouterDescriptor, {}).kind, "unknown");
  });

  describe("loadKubernetesClient", () => {
    it("says how to install the client when it is missing", () => {
      const load = () => {
        throw moduleError(
          `Cannot find module '${KUBERNETES_CLIENT_PACKAGE}'\nRequire stack:\n- x.js`,
          "MODULE_NOT_FOUND",
        );
      };
      assert.throws(() => loadKubernetesClient(load), {
        message:
          "install @kubernetes/client-node to release Kubernetes services (npm install @kubernetes/client-node)",
      });
      assert.equal(
        MISSING_CLIENT_MESSAGE,
        "install @kubernetes/client-node to release Kubernetes services (npm install @kubernetes/client-node)",
      );
    });

    it("names the Node.js needed when it cannot require() an ES module", () => {
      const load = () => {
        throw moduleError("require() of ES Module not supported", "ERR_REQUIRE_ESM");
      };
      assert.throws(
        () => loadKubernetesClient(load),
        /is an ES module that Node.js v[\d.]+ cannot require\(\); use Node.js 20.19 or later/,
      );
    });

    it("reports a broken install (a dependency of the client missing) as such", () => {
      const load = () => {
        throw moduleError(
          "Cannot find module 'node-fetch'\nRequire stack:\n- .../@kubernetes/client-node/dist/x.js",
          "MODULE_NOT_FOUND",
        );
      };
      assert.throws(
        () => loadKubernetesClient(load),
        /could not load @kubernetes\/client-node: Cannot find module 'node-fetch'; reinstall it/,
      );
      assert.throws(
        () => loadKubernetesClient(() => ({})),
        /loaded without KubeConfig or CoreV1Api; install version 1 or later/,
      );
    });

    it("loads the installed client", function () {
      this.timeout(60_000);
      const k = loadKubernetesClient();
      assert.equal(typeof k.KubeConfig, "function");
      assert.equal(loadKubernetesClient(), k, "cached");
    });
  });

  it("imports the Kubernetes client only as types at module level (the local path never loads it)", () => {
    const files = fs
      .readdirSync(ROUTERS, { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".ts"))
      .map((f) => path.join(ROUTERS, f));
    assert.ok(files.length >= 8, `found ${files.length} router files`);
    const loaders: string[] = [];
    for (const file of files) {
      const text = fs.readFileSync(file, "utf8");
      for (const line of text.split("\n")) {
        if (!line.includes(KUBERNETES_CLIENT_PACKAGE)) continue;
        if (/^import\s/.test(line)) assert.match(line, /^import type /, `${file}: ${line}`);
      }
      if (/\brequire\b/.test(text.replace(/\/\/.*$/gm, ""))) loaders.push(path.relative(ROUTERS, file));
    }
    assert.deepEqual(loaders, [path.join("kubernetes", "client.ts")]);
  });
});
