// The Azure Blob store against Azurite (the `azurite` devDependency), started on 127.0.0.1 for the
// suite and stopped by PID: the ObjectStore contract and check()'s failures (a missing container,
// a key the service refuses, a closed port). The account key reaches the store through the
// environment (AZURE_STORAGE_KEY), as it does for users.
import * as assert from "node:assert/strict";
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { azureBlobStore } from "../../automation/store/backends/azure-blob";
import { StoreError } from "../../automation/store/object-store";
import { openBackend, parseStoreUrl } from "../../automation/store/open";
import { freePort } from "../../harness/net";
import {
  AZURITE_ACCOUNT,
  AZURITE_KEY,
  launchAzurite,
  requireEmulator,
  type ServerProcess,
} from "../support/emulators";
import { describeConformance } from "../unit/store/conformance";

const CONTAINER = "progressive-state";
const PAGE = 3;

describe("Azure Blob store on Azurite", function () {
  this.timeout(120_000);
  let azurite: ServerProcess | undefined;
  let closedPort = 0;
  let run = 0;
  let saved: string | undefined;

  const url = (container: string, endpoint = azurite?.endpoint) =>
    `azblob://${AZURITE_ACCOUNT}/${container}/run-${++run}?endpoint=${endpoint}`;
  const withEnv = (u: string, env: NodeJS.ProcessEnv) => {
    const loc = parseStoreUrl(u);
    assert.ok(loc.kind === "azblob");
    return azureBlobStore(loc, u, { pageSize: PAGE }, env);
  };

  before(async function () {
    azurite = await requireEmulator(this, "Azure Blob emulator tests", launchAzurite);
    saved = process.env.AZURE_STORAGE_KEY;
    process.env.AZURE_STORAGE_KEY = AZURITE_KEY;
    const service = new BlobServiceClient(
      azurite.endpoint,
      new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY),
    );
    await service.getContainerClient(CONTAINER).create();
    closedPort = await freePort();
  });

  after(async () => {
    if (saved === undefined) delete process.env.AZURE_STORAGE_KEY;
    else process.env.AZURE_STORAGE_KEY = saved;
    await azurite?.stop();
  });

  describeConformance(`azure blob (azurite)`, () => ({
    fresh: async () => (await openBackend(url(CONTAINER), { pageSize: PAGE })).objects,
    pageSize: PAGE,
    failing: () => [
      {
        label: "a container that does not exist",
        open: async () => (await openBackend(url("no-such-container"))).objects,
        failure: "notFound",
        mentions: [/ContainerNotFound/, /create the container/],
      },
      {
        label: "an account key the service refuses",
        open: () =>
          withEnv(url(CONTAINER), { AZURE_STORAGE_KEY: Buffer.from("wrong key").toString("base64") }),
        failure: "credentials",
        mentions: [/failed to authenticate/, /AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_KEY/],
      },
      {
        label: "an endpoint where nothing listens",
        open: async () =>
          (await openBackend(url(CONTAINER, `http://127.0.0.1:${closedPort}/${AZURITE_ACCOUNT}`))).objects,
        failure: "unreachable",
        mentions: [/ECONNREFUSED/, new RegExp(`check that http://127.0.0.1:${closedPort}/\\S+ answers`)],
      },
    ],
  }));

  it("a connection string of another account is refused when the store is opened", async () => {
    const cs = `DefaultEndpointsProtocol=http;AccountName=otheraccount;AccountKey=${AZURITE_KEY}`;
    await assert.rejects(withEnv(url(CONTAINER), { AZURE_STORAGE_CONNECTION_STRING: cs }), (e: unknown) => {
      assert.ok(e instanceof StoreError);
      assert.equal(e.failure, "credentials");
      assert.match(e.message, /is for the account otheraccount, not devstoreaccount1/);
      assert.ok(!e.message.includes(AZURITE_KEY), "the key must not be printed");
      return true;
    });
  });

  it("the account's connection string works as well as its key", async () => {
    const cs = `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY}`;
    const store = await withEnv(url(CONTAINER), { AZURE_STORAGE_CONNECTION_STRING: cs });
    await store.check();
    assert.ok((await store.put("k.json", "{}", { ifAbsent: true })) !== "conflict");
  });
});
