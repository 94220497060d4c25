// What the clouds answer and the emulators cannot: a refusal for lack of permission, an expired
// token, an operation the server does not implement, missing credentials. A loopback HTTP server
// answers each request the way the service documents it, and check() must turn it into the right
// failure kind with the fix. (The emulators cover the rest: see test/engine/store-*.test.ts.)
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { StoreError, type StoreFailure } from "../../../automation/store/object-store";
import { openBackend } from "../../../automation/store/open";

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly headers?: Record<string, string>;
}

/** A server that gives every request the same answer. */
async function answering(a: Answer): Promise<{ endpoint: string; close(): void }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(a.status, a.headers ?? {}).end(a.body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => server.close(),
  };
}

const s3Error = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
const azureError = (status: number, code: string, message: string): Answer => ({
  status,
  body: `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
  headers: { "content-type": "application/xml", "x-ms-error-code": code },
});
const gcsError = (status: number, message: string): Answer => ({
  status,
  body: JSON.stringify({ error: { code: status, message, errors: [{ message, reason: "forbidden" }] } }),
  headers: { "content-type": "application/json" },
});

/** Environment for one case, restored after it. */
function withEnv(env: Record<string, string | undefined>): () => void {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  return () => withEnv(saved);
}

const AWS = { AWS_ACCESS_KEY_ID: "AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY: "example", AWS_REGION: "us-east-1" };

describe("store failures the emulators cannot show", () => {
  const cases: [string, (endpoint: string) => string, Answer, StoreFailure, RegExp][] = [
    [
      "S3: access denied",
      (e) => `s3://bucket/p?endpoint=${e}`,
      { status: 403, body: s3Error("AccessDenied", "Access Denied") },
      "forbidden",
      /AccessDenied.*allow s3:GetObject, s3:PutObject, s3:DeleteObject on arn:aws:s3:::bucket\/p\/\*/,
    ],
    [
      "S3: an expired session token",
      (e) => `s3://bucket/p?endpoint=${e}`,
      { status: 400, body: s3Error("ExpiredToken", "The provided token has expired.") },
      "credentials",
      /ExpiredToken.*set AWS credentials/,
    ],
    [
      "S3: a server that does not implement the call",
      (e) => `s3://bucket/p?endpoint=${e}`,
      {
        status: 501,
        body: s3Error(
          "NotImplemented",
          "A header you provided implies functionality that is not implemented",
        ),
      },
      "unsupported",
      /NotImplemented.*ignores S3 conditional writes/,
    ],
    [
      "Azure: a role without data access",
      (e) => `azblob://myaccount/my-container?endpoint=${e}/myaccount`,
      azureError(
        403,
        "AuthorizationPermissionMismatch",
        "This request is not authorized to perform this operation using this permission.",
      ),
      "forbidden",
      /AuthorizationPermissionMismatch.*"Storage Blob Data Contributor"/,
    ],
    [
      "Azure: a key the account refuses",
      (e) => `azblob://myaccount/my-container?endpoint=${e}/myaccount`,
      azureError(403, "AuthenticationFailed", "Server failed to authenticate the request."),
      "credentials",
      /AuthenticationFailed.*AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_KEY/,
    ],
    [
      "Cloud Storage: no permission on the bucket",
      (e) => `gs://my-bucket/p?endpoint=${e}`,
      gcsError(403, "ci@project.iam.gserviceaccount.com does not have storage.buckets.get access"),
      "forbidden",
      /does not have storage.buckets.get access.*roles\/storage.objectUser on gs:\/\/my-bucket/,
    ],
    [
      "Cloud Storage: credentials refused",
      (e) => `gs://my-bucket/p?endpoint=${e}`,
      gcsError(401, "Invalid Credentials"),
      "credentials",
      /Invalid Credentials.*Application Default Credentials/,
    ],
  ];
  for (const [label, url, answer, failure, message] of cases)
    it(`${label}: ${failure}`, async () => {
      const server = await answering(answer);
      const restore = withEnv({ ...AWS, AZURE_STORAGE_KEY: Buffer.from("key").toString("base64") });
      try {
        const { objects } = await openBackend(url(server.endpoint), { timeoutMs: 10_000 });
        await assert.rejects(objects.check(), (e: unknown) => {
          assert.ok(e instanceof StoreError, String(e));
          assert.equal(e.failure, failure, e.message);
          assert.ok(e.message.startsWith(`store ${objects.url}: could not `), e.message);
          assert.match(e.message, message);
          return true;
        });
      } finally {
        restore();
        server.close();
      }
    });

  it("S3 with no credentials anywhere: credentials, naming the chain to set", async function () {
    this.timeout(30_000);
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "store-nocreds-"));
    const restore = withEnv({
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_SESSION_TOKEN: undefined,
      AWS_PROFILE: undefined,
      AWS_REGION: "us-east-1",
      AWS_SHARED_CREDENTIALS_FILE: path.join(home, "credentials"),
      AWS_CONFIG_FILE: path.join(home, "config"),
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
      AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
    });
    try {
      const { objects } = await openBackend("s3://bucket/p?endpoint=http://127.0.0.1:9");
      await assert.rejects(objects.check(), (e: unknown) => {
        assert.ok(e instanceof StoreError, String(e));
        assert.equal(e.failure, "credentials", e.message);
        assert.match(e.message, /AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or a role/);
        return true;
      });
    } finally {
      restore();
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
