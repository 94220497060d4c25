// Google Cloud Storage (`gs://bucket/prefix?endpoint=...`). Writes are conditional in the service:
// an object's version is its generation; create uploads with `ifGenerationMatch=0`, replace with
// `ifGenerationMatch=<generation>`, delete takes `ifGenerationMatch` too; 412 is a lost race.
// Credentials: Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud's login, the
// metadata server). An endpoint on the loopback interface (an emulator such as fake-gcs-server)
// is called without credentials, and so is STORAGE_EMULATOR_HOST, which the SDK honours itself.
import type * as Gcs from "@google-cloud/storage";
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

/** Where a Cloud Storage store is, as parsed from its URL. */
export interface GcsLocation {
  readonly bucket: string;
  /** "" or a key prefix ending in "/". */
  readonly prefix: string;
  /** Another JSON API endpoint (an emulator). @default https://storage.googleapis.com */
  readonly endpoint?: string;
}

interface ApiErrorLike {
  code?: number | string;
  message?: string;
}

const statusOf = (err: unknown): number | undefined => {
  const c = (err as ApiErrorLike | null)?.code;
  return typeof c === "number" ? c : undefined;
};

const isConflict = (err: unknown) => statusOf(err) === 412;
const LOOPBACK = /^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(\/|$)/;

/** Opens a Cloud Storage store; loads the SDK, calls nothing. */
export async function gcsStore(loc: GcsLocation, url: string, o: BackendOptions = {}): Promise<ObjectStore> {
  const sdk = await loadStorePackage<typeof Gcs>(url, "@google-cloud/storage", o.importer);
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const storage = new sdk.Storage({
    ...(loc.endpoint
      ? { apiEndpoint: loc.endpoint, useAuthWithCustomEndpoint: !LOOPBACK.test(loc.endpoint) }
      : {}),
    retryOptions: { autoRetry: true, maxRetries: 2, maxRetryDelay: 2, totalTimeout: timeoutMs / 1000 },
  });
  const bucket = storage.bucket(loc.bucket);
  const prefix = loc.prefix;
  const where = `gs://${loc.bucket}/${loc.prefix}`;
  const fixes: Fixes = {
    unreachable: loc.endpoint
      ? `check that ${loc.endpoint} answers (the URL's endpoint)`
      : "check the network (storage.googleapis.com)",
    credentials:
      "set up Application Default Credentials (gcloud auth application-default login, GOOGLE_APPLICATION_CREDENTIALS, or a service account on the runner)",
    notFound: `create the bucket (gcloud storage buckets create gs://${loc.bucket}), or name an existing one (e.g. gs://my-bucket/progressive)`,
    forbidden: `grant the identity roles/storage.objectUser on gs://${loc.bucket}`,
    unsupported: "the service ignores ifGenerationMatch; use Cloud Storage itself",
  };

  const classify =
    (what: string) =>
    (err: unknown, timedOut: string | undefined): StoreError => {
      if (err instanceof StoreError) return err;
      const text = describeError(err);
      const s = statusOf(err);
      const kind: StoreFailure =
        timedOut || isNetworkError(err)
          ? "unreachable"
          : s === 404
            ? "notFound"
            : s === 401 || /could not load the default credentials|invalid_grant|unauthenticated/i.test(text)
              ? "credentials"
              : s === 403
                ? "forbidden"
                : "failed";
      return storeError(kind, url, `${what} in ${where}`, timedOut ?? text.split("\n")[0] ?? "", fixes, err);
    };

  const send = <T>(what: string, signal: AbortSignal | undefined, call: (s: AbortSignal) => Promise<T>) =>
    storeCall(timeoutMs, signal, call, classify(what));

  /** A 404 that names the bucket is the bucket missing, not the object. */
  const bucketMissing = (err: unknown) =>
    statusOf(err) === 404 && /bucket/i.test(String((err as ApiErrorLike).message));

  const upload = async (name: string, body: string, ifGenerationMatch: number | undefined) => {
    const file = bucket.file(name);
    try {
      await file.save(Buffer.from(body, "utf8"), {
        resumable: false,
        contentType: contentType(name),
        ...(ifGenerationMatch !== undefined ? { preconditionOpts: { ifGenerationMatch } } : {}),
      });
    } catch (err) {
      if (isConflict(err) || (ifGenerationMatch && statusOf(err) === 404 && !bucketMissing(err)))
        return CONFLICT;
      throw err;
    }
    return { version: String(file.metadata.generation ?? "") };
  };

  /** A version this store handed out is a generation; anything else matches no object. */
  const generationOf = (version: string) => (/^[1-9]\d*$/.test(version) ? Number(version) : undefined);

  const remove = async (name: string, ifGenerationMatch: number | undefined) => {
    try {
      await bucket.file(name).delete(ifGenerationMatch !== undefined ? { ifGenerationMatch } : {});
      return "deleted" as const;
    } catch (err) {
      if (isConflict(err)) return CONFLICT;
      if (statusOf(err) === 404 && !bucketMissing(err)) return "absent" as const;
      throw err;
    }
  };

  return {
    url,

    async check(signal) {
      await send("read the bucket", signal, () => bucket.getMetadata());
      const probe = `${prefix}${probeName()}`;
      await proveConditionalWrites({
        create: (body) => send("write a probe object", signal, () => upload(probe, body, 0)),
        remove: () => send("remove the probe object", signal, () => remove(probe, undefined)),
        unsupported: (what) => storeError("unsupported", url, `use ${where}`, `the service ${what}`, fixes),
      });
    },

    async get(key, signal) {
      const name = fullName(prefix, key);
      return send(`read ${key}`, signal, async () => {
        // One request: the body and the generation it belongs to (x-goog-generation).
        let generation: string | undefined;
        const chunks: Buffer[] = [];
        try {
          const stream = bucket.file(name).createReadStream({ validation: false, decompress: true });
          stream.on("response", (res: { headers?: Record<string, string | string[] | undefined> }) => {
            const g = res.headers?.["x-goog-generation"];
            generation = Array.isArray(g) ? g[0] : g;
          });
          for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
        } catch (err) {
          if (statusOf(err) === 404 && !bucketMissing(err)) return undefined;
          throw err;
        }
        if (!generation) throw new Error(`the download of ${name} carried no x-goog-generation header`);
        return { body: Buffer.concat(chunks).toString("utf8"), version: generation };
      });
    },

    async put(key, body, precondition, signal) {
      const name = fullName(prefix, key);
      const ifGenerationMatch = !precondition
        ? undefined
        : "ifAbsent" in precondition
          ? 0
          : generationOf(precondition.ifVersion);
      if (precondition && ifGenerationMatch === undefined) return CONFLICT;
      return send(`write ${key}`, signal, () => upload(name, body, ifGenerationMatch));
    },

    async delete(key, precondition, signal) {
      const name = fullName(prefix, key);
      const gen = precondition ? generationOf(precondition.ifVersion) : undefined;
      if (precondition && gen === undefined) return CONFLICT;
      return send(`delete ${key}`, signal, () => remove(name, gen));
    },

    async list(p, signal) {
      const full = `${prefix}${checkPrefix(p)}`;
      const keys: string[] = [];
      let pageToken: string | undefined;
      do {
        const token = pageToken;
        const [files, next] = await send(`list ${p || "the store"}`, signal, () =>
          bucket.getFiles({
            prefix: full,
            autoPaginate: false,
            ...(o.pageSize ? { maxResults: o.pageSize } : {}),
            ...(token ? { pageToken: token } : {}),
          }),
        );
        for (const f of files) {
          const key = ownKey(f.name, prefix);
          if (key !== undefined) keys.push(key);
        }
        pageToken = (next as { pageToken?: string } | null | undefined)?.pageToken;
      } while (pageToken);
      return keys.sort();
    },
  };
}
