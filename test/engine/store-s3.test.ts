// The S3 store against moto's S3 (scripts/ensure-moto.sh), started on 127.0.0.1 for the suite and
// stopped by PID: the ObjectStore contract, check()'s failures (a missing bucket, credentials moto
// refuses, a closed port), and a server that ignores conditional writes. Credentials reach the SDK
// through its default chain (the environment), as they do for users.
import * as assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { type ObjectStore, StoreError } from "../../automation/store/object-store";
import { openBackend } from "../../automation/store/open";
import { freePort } from "../../harness/net";
import { MOTO_ENV, type Moto, startMoto } from "../support/moto";
import { describeConformance } from "../unit/store/conformance";

const BUCKET = "progressive-state";
const PAGE = 3;

describe("S3 store on moto", function () {
  this.timeout(120_000);
  let moto: Moto | undefined;
  let strict: Moto | undefined;
  let closedPort = 0;
  let run = 0;
  const saved: Record<string, string | undefined> = {};

  const open = async (url: string): Promise<ObjectStore> =>
    (await openBackend(url, { pageSize: PAGE })).objects;

  before(async function () {
    moto = await startMoto(this);
    // A second moto that checks credentials: it knows no access key, so every request is refused.
    strict = await startMoto(this, { INITIAL_NO_AUTH_ACTION_COUNT: "0" });
    for (const [k, v] of Object.entries(MOTO_ENV)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    await new S3Client({ endpoint: moto.endpoint, forcePathStyle: true }).send(
      new CreateBucketCommand({ Bucket: BUCKET }),
    );
    closedPort = await freePort();
  });

  after(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await moto?.stop();
    await strict?.stop();
  });

  describeConformance("s3 (moto 5.2.5)", () => ({
    fresh: () => open(`s3://${BUCKET}/run-${++run}/state?endpoint=${moto?.endpoint}&region=us-east-1`),
    pageSize: PAGE,
    failing: () => [
      {
        label: "a bucket that does not exist",
        open: () => open(`s3://no-such-bucket/x?endpoint=${moto?.endpoint}&region=us-east-1`),
        failure: "notFound",
        mentions: [/NoSuchBucket/, /create the bucket no-such-bucket/],
      },
      {
        label: "credentials the server refuses",
        open: () => open(`s3://${BUCKET}/x?endpoint=${strict?.endpoint}&region=us-east-1`),
        failure: "credentials",
        mentions: [/InvalidAccessKeyId/, /AWS_ACCESS_KEY_ID/],
      },
      {
        label: "an endpoint where nothing listens",
        open: () => open(`s3://${BUCKET}/x?endpoint=http://127.0.0.1:${closedPort}&region=us-east-1`),
        failure: "unreachable",
        mentions: [/ECONNREFUSED/, new RegExp(`check that http://127.0.0.1:${closedPort} answers`)],
      },
    ],
  }));

  it("check() refuses a server that ignores If-None-Match, before anything is written", async () => {
    // An S3-compatible server that accepts every PUT and answers every GET as empty: what an old
    // server that does not know conditional writes looks like to the SDK.
    const server = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        if (req.method === "GET")
          res
            .writeHead(200, { "content-type": "application/xml" })
            .end(
              '<?xml version="1.0"?><ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>',
            );
        else res.writeHead(req.method === "DELETE" ? 204 : 200, { etag: '"e"' }).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const store = await open(`s3://${BUCKET}/x?endpoint=http://127.0.0.1:${port}&region=us-east-1`);
      await assert.rejects(store.check(), (e: unknown) => {
        assert.ok(e instanceof StoreError);
        assert.equal(e.failure, "unsupported");
        assert.match(e.message, /overwrote an object despite a create-if-absent precondition/);
        return true;
      });
    } finally {
      server.close();
    }
  });
});
