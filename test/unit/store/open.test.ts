// Store URLs: what each scheme parses to, the canonical form printed back, and a wrong URL refused
// before anything is loaded or called, with the URL, what is wrong and a URL that works. A missing
// SDK is named with the command that installs it.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { StoreError } from "../../../automation/store/object-store";
import { openBackend, parseStoreUrl, type StoreLocation, storeUrl } from "../../../automation/store/open";

describe("store URLs", () => {
  const cases: [string, StoreLocation, string][] = [
    [
      "s3://my-bucket/progressive/state?region=eu-west-1",
      { kind: "s3", bucket: "my-bucket", prefix: "progressive/state/", region: "eu-west-1" },
      "s3://my-bucket/progressive/state/?region=eu-west-1",
    ],
    [
      "s3://my-bucket?endpoint=http://127.0.0.1:9000/&profile=ci",
      { kind: "s3", bucket: "my-bucket", prefix: "", endpoint: "http://127.0.0.1:9000", profile: "ci" },
      "s3://my-bucket/?endpoint=http%3A%2F%2F127.0.0.1%3A9000&profile=ci",
    ],
    [
      "azblob://myaccount/my-container/progressive",
      { kind: "azblob", account: "myaccount", container: "my-container", prefix: "progressive/" },
      "azblob://myaccount/my-container/progressive/",
    ],
    [
      "gs://my-bucket/a/b/?endpoint=http://localhost:4443",
      { kind: "gs", bucket: "my-bucket", prefix: "a/b/", endpoint: "http://localhost:4443" },
      "gs://my-bucket/a/b/?endpoint=http%3A%2F%2Flocalhost%3A4443",
    ],
    [
      "k8s://progressive-system",
      { kind: "k8s", namespace: "progressive-system", name: "progressive" },
      "k8s://progressive-system?name=progressive",
    ],
    [
      "k8s://ns?context=prod&kubeconfig=/home/me/.kube/prod&name=shop",
      { kind: "k8s", namespace: "ns", name: "shop", context: "prod", kubeconfig: "/home/me/.kube/prod" },
      "k8s://ns?name=shop&context=prod&kubeconfig=%2Fhome%2Fme%2F.kube%2Fprod",
    ],
    [
      "file:///var/lib/progressive/",
      { kind: "file", path: "/var/lib/progressive" },
      "file:///var/lib/progressive",
    ],
    ["/var/lib/progressive", { kind: "file", path: "/var/lib/progressive" }, "file:///var/lib/progressive"],
  ];
  for (const [url, loc, printed] of cases)
    it(`parses ${url}`, () => {
      assert.deepEqual(parseStoreUrl(url), loc);
      assert.equal(storeUrl(loc), printed);
      assert.deepEqual(parseStoreUrl(printed), loc, "the printed form parses back to the same store");
    });

  const bad: [string, RegExp][] = [
    ["progressive-state", /is not a URL or an absolute path; for example .*'s3:\/\/my-bucket/],
    ["ftp://host/x", /the scheme "ftp:" is not a store/],
    [
      "s3://My_Bucket/x",
      /the bucket "My_Bucket" is not 3-63 lowercase letters.*for example s3:\/\/my-bucket\/progressive\?region=eu-west-1/,
    ],
    ["s3://bucket/x?regoin=eu-west-1", /unknown parameter "regoin" \(s3 takes region, endpoint, profile\)/],
    ["s3://bucket/x?region=europe", /the region "europe" is not an AWS region/],
    ["s3://bucket/x?region=", /the parameter "region" is empty/],
    ["s3://bucket/x?region=eu-west-1&region=us-east-1", /"region" is given twice/],
    ["s3://AKIA:secret@bucket/x", /credentials do not belong in the store URL/],
    ["s3://bucket/x?endpoint=127.0.0.1:9000", /the endpoint "127.0.0.1:9000" is not a URL/],
    [
      "s3://bucket/x?endpoint=ftp://127.0.0.1",
      /the endpoint "ftp:\/\/127.0.0.1" must be http:\/\/ or https:\/\//,
    ],
    ["s3://bucket/x?endpoint=http://user:pw@127.0.0.1:9000", /the endpoint must not carry credentials/],
    ["s3://bucket/a%20b", /the prefix "a b" is not made of \[A-Za-z0-9._-\] segments/],
    ["gs://bucket/x#frag", /no #fragment/],
    ["azblob://myaccount", /the container is missing/],
    ["azblob://my-account/c", /the storage account "my-account" is not 3-24 lowercase letters and digits/],
    ["azblob://myaccount/a--b", /the container "a--b" is not/],
    ["k8s://Prod", /the namespace "Prod" is not a DNS label/],
    ["k8s://ns/extra", /a Kubernetes store is a namespace only/],
    ["k8s://ns?name=Shop_Store", /the store name "Shop_Store" is not 1-40 lowercase letters/],
    ["file://host/path", /file URLs name a local path, not the host "host"/],
    ["file:///x?mode=1", /unknown parameter "mode"/],
    ["azblob://myaccount/c1?sv=2024&sig=s3cr3t", /unknown parameter "sv" \(azblob takes endpoint\)/],
  ];
  for (const [url, message] of bad)
    it(`refuses ${url}`, async () => {
      for (const attempt of [() => parseStoreUrl(url), () => openBackend(url)])
        await assert.rejects(
          async () => attempt(),
          (e: unknown) => {
            assert.ok(e instanceof StoreError, String(e));
            assert.equal(e.failure, "badUrl");
            // Printed without credentials, and without the values of parameters no store takes.
            const printed = url
              .replace("AKIA:secret@", "***@")
              .replace(/(regoin|mode|sv|sig)=[^&]*/g, "$1=***");
            assert.ok(e.message.startsWith(`store URL ${JSON.stringify(printed)}: `), e.message);
            assert.match(e.message, message);
            assert.match(e.message, /; for example /);
            assert.ok(!/secret|s3cr3t/.test(e.message), `no credentials printed: ${e.message}`);
            return true;
          },
        );
    });
});

describe("openBackend", () => {
  it("a folder a URL names must exist (an unmounted volume is an error), unless create is asked", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "store-open-"));
    try {
      const missing = path.join(dir, "state");
      const { objects, leases } = await openBackend(`file://${missing}`);
      assert.equal(objects.url, `file://${missing}`);
      assert.equal(leases, undefined, "leases are objects of the folder");
      await assert.rejects(
        objects.check(),
        (e: unknown) => e instanceof StoreError && e.failure === "notFound",
      );
      assert.equal(fs.existsSync(missing), false);
      await openBackend(missing, { create: true }).then((b) => b.objects.check());
      assert.equal(fs.statSync(missing).isDirectory(), true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const [url, pkg] of [
    ["s3://my-bucket/x?region=eu-west-1", "@aws-sdk/client-s3"],
    ["azblob://myaccount/my-container", "@azure/storage-blob"],
    ["gs://my-bucket", "@google-cloud/storage"],
  ] as const)
    it(`names the package to install when ${pkg} is missing`, async () => {
      const importer = async (name: string) => {
        const err = new Error(`Cannot find package '${name}' imported from x`) as Error & { code: string };
        err.code = "ERR_MODULE_NOT_FOUND";
        throw err;
      };
      await assert.rejects(openBackend(url, { importer }), (e: unknown) => {
        assert.ok(e instanceof StoreError);
        assert.equal(e.failure, "failed");
        assert.match(e.message, new RegExp(`needs the package ${pkg}.*npm install ${pkg}`));
        return true;
      });
    });

  it("Azure without a key or connection string needs @azure/identity, and says so", async () => {
    const importer = async (name: string) => {
      if (name === "@azure/identity") {
        const err = new Error(`Cannot find package '${name}' imported from x`) as Error & { code: string };
        err.code = "ERR_MODULE_NOT_FOUND";
        throw err;
      }
      return import(name);
    };
    const saved = { ...process.env };
    for (const k of ["AZURE_STORAGE_CONNECTION_STRING", "AZURE_STORAGE_KEY", "AZURE_STORAGE_SAS_TOKEN"])
      delete process.env[k];
    try {
      await assert.rejects(
        openBackend("azblob://myaccount/my-container", { importer }),
        /npm install @azure\/identity/,
      );
    } finally {
      Object.assign(process.env, saved);
    }
  });

  it("a kubeconfig that cannot be read is a credentials failure naming the fix", async () => {
    await assert.rejects(openBackend("k8s://ns?kubeconfig=/nonexistent/kubeconfig"), (e: unknown) => {
      assert.ok(e instanceof StoreError);
      assert.equal(e.failure, "credentials");
      assert.match(
        e.message,
        /store k8s:\/\/ns\?name=progressive&kubeconfig=%2Fnonexistent%2Fkubeconfig: cannot use the kubeconfig: .*\/nonexistent\/kubeconfig/,
      );
      return true;
    });
  });
});
