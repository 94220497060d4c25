// Azure Blob Storage (`azblob://account/container/prefix?endpoint=...`). Writes are conditional in
// the service: a block blob upload with `If-None-Match: *` creates, with `If-Match: <etag>`
// replaces; delete takes `If-Match` too. 412 ConditionNotMet and 409 BlobAlreadyExists are a lost
// race. Credentials, first found: AZURE_STORAGE_CONNECTION_STRING (account key or SAS),
// AZURE_STORAGE_KEY, AZURE_STORAGE_SAS_TOKEN, else @azure/identity's DefaultAzureCredential.
import type * as Blob from "@azure/storage-blob";
import { CONFLICT, type ObjectStore, StoreError, type StoreFailure } from "../object-store";
import {
  type BackendOptions,
  checkPrefix,
  contentType,
  DEFAULT_TIMEOUT_MS,
  describeError,
  type Fixes,
  fullName,
  isNetworkError,
  loadStorePackage,
  ownKey,
  probeName,
  proveConditionalWrites,
  storeCall,
  storeError,
} from "./common";

/** Where an Azure Blob store is, as parsed from its URL. */
export interface AzureBlobLocation {
  readonly account: string;
  readonly container: string;
  /** "" or a key prefix ending in "/". */
  readonly prefix: string;
  /** The blob service URL, e.g. Azurite's `http://127.0.0.1:10000/devstoreaccount1`. @default `https://<account>.blob.core.windows.net` */
  readonly endpoint?: string;
}

interface RestErrorLike {
  statusCode?: number;
  code?: string;
  name?: string;
  details?: { errorCode?: string };
}

const statusOf = (err: unknown) => (err as RestErrorLike | null)?.statusCode;
const codeOf = (err: unknown) => {
  const e = err as RestErrorLike | null;
  return e?.details?.errorCode ?? e?.code ?? "";
};

/** What the environment says about credentials for `account`, per the chain above. */
function credentialFrom(
  env: NodeJS.ProcessEnv,
  account: string,
  url: string,
): { key: string } | { sas: string } | "default" {
  const cs = env["AZURE_STORAGE_CONNECTION_STRING"];
  if (cs) {
    const parts = Object.fromEntries(
      cs
        .split(";")
        .filter((p) => p.includes("="))
        .map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]),
    );
    if (parts["AccountName"] && parts["AccountName"] !== account)
      throw new StoreError(
        "credentials",
        `store ${url}: AZURE_STORAGE_CONNECTION_STRING is for the account ${parts["AccountName"]}, not ${account}; set the connection string of ${account}`,
      );
    const key = parts["AccountKey"];
    const sas = parts["SharedAccessSignature"];
    if (key) return { key };
    if (sas) return { sas };
  }
  const key = env["AZURE_STORAGE_KEY"];
  const sas = env["AZURE_STORAGE_SAS_TOKEN"];
  if (key) return { key };
  if (sas) return { sas };
  return "default";
}

/** Opens an Azure Blob store; loads the SDK (and @azure/identity when needed), calls nothing. */
export async function azureBlobStore(
  loc: AzureBlobLocation,
  url: string,
  o: BackendOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<ObjectStore> {
  const sdk = await loadStorePackage<typeof Blob>(url, "@azure/storage-blob", o.importer);
  const cred = credentialFrom(env, loc.account, url);
  const endpoint = loc.endpoint ?? `https://${loc.account}.blob.core.windows.net`;
  const options = { retryOptions: { maxTries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 2000 } };
  let service: Blob.BlobServiceClient;
  if (cred === "default") {
    const identity = await loadStorePackage<typeof import("@azure/identity")>(
      url,
      "@azure/identity",
      o.importer,
    );
    service = new sdk.BlobServiceClient(endpoint, new identity.DefaultAzureCredential(), options);
  } else if ("key" in cred) {
    service = new sdk.BlobServiceClient(
      endpoint,
      new sdk.StorageSharedKeyCredential(loc.account, cred.key),
      options,
    );
  } else {
    service = new sdk.BlobServiceClient(`${endpoint}?${cred.sas.replace(/^\?/, "")}`, undefined, options);
  }
  const container = service.getContainerClient(loc.container);
  const prefix = loc.prefix;
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const where = `container ${loc.container} of ${loc.account}`;
  const fixes: Fixes = {
    unreachable: `check that ${endpoint} answers (the account name, the URL's endpoint, the network)`,
    credentials:
      "set AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_KEY for the account, or sign in for DefaultAzureCredential (az login, a managed identity, AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET)",
    notFound: `create the container (az storage container create --account-name ${loc.account} --name ${loc.container}), or name an existing one (e.g. azblob://myaccount/my-container/progressive)`,
    forbidden: `grant the identity "Storage Blob Data Contributor" on the ${where}`,
    unsupported: "the service ignores If-None-Match / If-Match on blobs; use Azure Storage or Azurite",
  };

  const classify =
    (what: string) =>
    (err: unknown, timedOut: string | undefined): StoreError => {
      if (err instanceof StoreError) return err;
      const c = codeOf(err);
      const name = (err as RestErrorLike | null)?.name ?? "";
      const kind: StoreFailure =
        timedOut || isNetworkError(err) || c === "REQUEST_SEND_ERROR"
          ? "unreachable"
          : c === "ContainerNotFound"
            ? "notFound"
            : c === "AuthenticationFailed" ||
                c === "InvalidAuthenticationInfo" ||
                // Azurite's word for a signature made with the wrong key.
                /failed to authenticate/i.test(describeError(err)) ||
                /CredentialUnavailableError|AuthenticationError|AggregateAuthenticationError/.test(name)
              ? "credentials"
              : statusOf(err) === 403
                ? "forbidden"
                : "failed";
      const reason = timedOut ?? `${c ? `${c}: ` : ""}${describeError(err).split("\n")[0]}`;
      return storeError(kind, url, `${what} in ${where}`, reason, fixes, err);
    };

  const send = <T>(what: string, signal: AbortSignal | undefined, call: (s: AbortSignal) => Promise<T>) =>
    storeCall(timeoutMs, signal, call, classify(what));

  /** Resolves CONFLICT when the service refused the precondition. */
  const orConflict = <T>(p: Promise<T>, alsoMissing: boolean): Promise<T | typeof CONFLICT> =>
    p.catch((err: unknown) => {
      const c = codeOf(err);
      if (statusOf(err) === 412 || c === "ConditionNotMet" || c === "BlobAlreadyExists") return CONFLICT;
      if (alsoMissing && c === "BlobNotFound") return CONFLICT;
      throw err;
    });

  const upload = (
    name: string,
    body: string,
    conditions: Blob.BlobRequestConditions,
    abortSignal: AbortSignal,
  ) => {
    const bytes = Buffer.from(body, "utf8");
    return container
      .getBlockBlobClient(name)
      .upload(bytes, bytes.length, {
        conditions,
        abortSignal,
        blobHTTPHeaders: { blobContentType: contentType(name) },
      })
      .then((res) => ({ version: res.etag ?? "" }));
  };

  const deleteBlob = (name: string, ifMatch: string | undefined, abortSignal: AbortSignal) =>
    container
      .getBlockBlobClient(name)
      .delete({ abortSignal, deleteSnapshots: "include", ...(ifMatch ? { conditions: { ifMatch } } : {}) })
      .then(() => "deleted" as const);

  return {
    url,

    async check(signal) {
      await send("read the container", signal, (abortSignal) => container.getProperties({ abortSignal }));
      const probe = `${prefix}${probeName()}`;
      await proveConditionalWrites({
        create: (body) =>
          send("write a probe blob", signal, (s) =>
            orConflict(upload(probe, body, { ifNoneMatch: "*" }, s), false),
          ),
        remove: () => send("remove the probe blob", signal, (s) => deleteBlob(probe, undefined, s)),
        unsupported: (what) =>
          storeError("unsupported", url, `use the ${where}`, `the service ${what}`, fixes),
      });
    },

    async get(key, signal) {
      const name = fullName(prefix, key);
      return send(`read ${key}`, signal, async (abortSignal) => {
        try {
          const res = await container.getBlockBlobClient(name).download(0, undefined, { abortSignal });
          const chunks: Buffer[] = [];
          for await (const chunk of res.readableStreamBody ?? []) chunks.push(Buffer.from(chunk as Buffer));
          return { body: Buffer.concat(chunks).toString("utf8"), version: res.etag ?? "" };
        } catch (err) {
          if (codeOf(err) === "BlobNotFound") return undefined;
          throw err;
        }
      });
    },

    async put(key, body, precondition, signal) {
      const name = fullName(prefix, key);
      const conditions: Blob.BlobRequestConditions = !precondition
        ? {}
        : "ifAbsent" in precondition
          ? { ifNoneMatch: "*" }
          : { ifMatch: precondition.ifVersion };
      return send(`write ${key}`, signal, (s) =>
        orConflict(upload(name, body, conditions, s), precondition !== undefined),
      );
    },

    async delete(key, precondition, signal) {
      const blob = container.getBlockBlobClient(fullName(prefix, key));
      return send(`delete ${key}`, signal, async (s) => {
        try {
          const r = await orConflict(deleteBlob(blob.name, precondition?.ifVersion, s), false);
          // A refused If-Match may mean the blob is gone (the service answers 412 or 404 for that).
          if (r === CONFLICT && !(await blob.exists({ abortSignal: s }))) return "absent";
          return r;
        } catch (err) {
          if (codeOf(err) === "BlobNotFound") return "absent";
          throw err;
        }
      });
    },

    async list(p, signal) {
      const full = `${prefix}${checkPrefix(p)}`;
      const keys: string[] = [];
      let continuationToken: string | undefined;
      do {
        const token = continuationToken;
        const page = await send(`list ${p || "the store"}`, signal, async (abortSignal) => {
          const pages = container.listBlobsFlat({ prefix: full, abortSignal }).byPage({
            ...(token ? { continuationToken: token } : {}),
            ...(o.pageSize ? { maxPageSize: o.pageSize } : {}),
          });
          return (await pages.next()).value as Blob.ContainerListBlobFlatSegmentResponse | undefined;
        });
        for (const item of page?.segment.blobItems ?? []) {
          const key = ownKey(item.name, prefix);
          if (key !== undefined) keys.push(key);
        }
        continuationToken = page?.continuationToken || undefined;
      } while (continuationToken);
      return keys.sort();
    },
  };
}
