// Rules on images: image-tag, image-digest, allowed-registries. Each starts from the passing
// fixture (images pinned by digest, from ghcr.io/acme) and changes one field.

import * as assert from "node:assert/strict";
import { fromRegistry, parseImage } from "../../../policies/images";
import { allowedRegistries, imageDigest, imageTag } from "../../../policies/rules";
import { prodStack } from "./fixture";
import { assertNoViolations, assertViolation, run } from "./util";

describe("policies: image references", () => {
  it("parses registry, repository, tag and digest the way Docker does", () => {
    assert.deepEqual(parseImage("nginx"), { registry: "docker.io", repository: "library/nginx" });
    assert.deepEqual(parseImage("acme/web:1.2"), {
      registry: "docker.io",
      repository: "acme/web",
      tag: "1.2",
    });
    assert.deepEqual(parseImage("localhost:5000/web"), { registry: "localhost:5000", repository: "web" });
    assert.deepEqual(parseImage("ghcr.io/acme/web:v1@sha256:abc"), {
      registry: "ghcr.io",
      repository: "acme/web",
      tag: "v1",
      digest: "sha256:abc",
    });
  });

  it("matches a registry host or a path prefix on a segment boundary", () => {
    const image = parseImage("ghcr.io/acme/web:v1");
    assert.equal(fromRegistry(image, "ghcr.io"), true);
    assert.equal(fromRegistry(image, "ghcr.io/acme/"), true);
    assert.equal(fromRegistry(image, "ghcr.io/ac"), false);
    assert.equal(fromRegistry(image, "docker.io"), false);
  });
});

describe("policies: image-tag", () => {
  const policy = imageTag();

  it("accepts images pinned by tag and digest", async () => {
    await assertNoViolations(policy, prodStack());
  });

  it("refuses the latest tag", async () => {
    const args = prodStack((f) => {
      f.web.container.image = "ghcr.io/acme/web:latest";
    });
    await assertViolation(
      policy,
      args,
      'Pin the image of container "app" of "web-stable" to a version tag or a digest: "ghcr.io/acme/web:latest" uses the moving tag "latest".',
      "web-stable",
    );
  });

  it("refuses an image without a tag", async () => {
    const args = prodStack((f) => {
      f.web.container.image = "ghcr.io/acme/web";
    });
    await assertViolation(
      policy,
      args,
      'Pin the image of container "app" of "web-stable" to a version tag or a digest: "ghcr.io/acme/web" has no tag, which means latest.',
    );
  });

  it("accepts latest when a digest pins it", async () => {
    const args = prodStack((f) => {
      f.web.container.image = `ghcr.io/acme/web:latest@sha256:${"0".repeat(64)}`;
    });
    await assertNoViolations(policy, args);
  });

  it("takes the moving tags from config", async () => {
    const args = prodStack(
      (f) => {
        f.web.container.image = "ghcr.io/acme/web:main";
      },
      { config: { forbiddenTags: ["latest", "main"] } },
    );
    const outcome = await run(policy, args);
    assert.equal(outcome.violations.length, 1);
  });
});

describe("policies: image-digest", () => {
  const policy = imageDigest();

  it("is advisory by default and mandatory when asked", () => {
    assert.equal(policy.enforcementLevel, "advisory");
    assert.equal(imageDigest({ enforcementLevel: "mandatory" }).enforcementLevel, "mandatory");
  });

  it("accepts images with a digest", async () => {
    await assertNoViolations(policy, prodStack());
  });

  it("reports an image pinned by tag only", async () => {
    const args = prodStack((f) => {
      f.web.container.image = "ghcr.io/acme/web:v1";
    });
    await assertViolation(
      policy,
      args,
      'Pin the image of container "app" of "web-stable" by digest (image@sha256:...): "ghcr.io/acme/web:v1" has no digest, and its tag can be pushed again.',
      "web-stable",
    );
  });
});

describe("policies: allowed-registries", () => {
  const policy = allowedRegistries({ registries: ["ghcr.io/acme"] });

  it("accepts images from an allowed registry path", async () => {
    await assertNoViolations(policy, prodStack());
  });

  it("refuses an image from another registry", async () => {
    const args = prodStack((f) => {
      f.web.container.image = "docker.io/library/nginx:1.27";
    });
    await assertViolation(
      policy,
      args,
      'Pull the image of container "app" of "web-stable" from an allowed registry (ghcr.io/acme): "docker.io/library/nginx:1.27" comes from docker.io/library/nginx.',
      "web-stable",
    );
  });

  it("checks init containers too", async () => {
    const args = prodStack((f) => {
      const spec = f.web.stable.spec?.template?.spec;
      if (spec) spec.initContainers = [{ name: "migrate", image: "quay.io/tools/migrate:1" }];
    });
    await assertViolation(
      policy,
      args,
      'Pull the image of init container "migrate" of "web-stable" from an allowed registry (ghcr.io/acme): "quay.io/tools/migrate:1" comes from quay.io/tools/migrate.',
    );
  });

  it("is not applicable until registries are configured", async () => {
    const outcome = await run(allowedRegistries(), prodStack());
    assert.equal(outcome.notApplicable, "no registries configured (set allowed-registries.registries)");
  });
});
