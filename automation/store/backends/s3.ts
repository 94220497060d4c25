// S3 and S3-compatible object storage (`s3://bucket/prefix?region=...&endpoint=...`). Writes are
// conditional in S3 itself: create is PutObject with `If-None-Match: *`, replace is PutObject with
// `If-Match: <etag>`, delete is DeleteObject with `If-Match: <etag>`; a 412 (or the 409 S3 answers
// to concurrent conditional writes on one key) is a lost race. check() proves the server honours
// all three on a probe object, since an old S3-compatible server ignores the headers silently.
// Credentials: the AWS SDK's default chain (environment, profile, SSO, container and instance roles).
import type * as S3 from "@aws-sdk/client-s3";
import { CONFLICT, type ObjectStore, type StoreError } from "../object-store";
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

/** Where an S3 store is, as parsed from its URL. */
export interface S3Location {
  readonly bucket: string;
  /** "" or a key prefix ending in "/". */
  readonly prefix: string;
  /** @default the SDK's (AWS_REGION, the profile's region) */
  readonly region?: string;
  /** An S3-compatible server (moto, MinIO); requests are then path-style. @default AWS */
  readonly endpoint?: string;
  /** A profile of the shared AWS config files. @default AWS_PROFILE, else "default" */
  readonly profile?: string;
}

interface AwsError {
  name?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

const status = (err: unknown) => (err as AwsError | null)?.$metadata?.httpStatusCode;
const errName = (err: unknown) => (err as AwsError | null)?.name ?? (err as AwsError | null)?.Code ?? "";

/** A precondition that did not hold, or concurrent conditional writes S3 refused (409). */
function isConflict(err: unknown): boolean {
  const n = errName(err);
  return status(err) === 412 || n === "PreconditionFailed" || n === "ConditionalRequestConflict";
}

const isMissingKey = (err: unknown) =>
  errName(err) === "NoSuchKey" || errName(err) === "NotFound" || status(err) === 404;

/** Opens an S3 store; loads the SDK (an optional peer), calls nothing. */
export async function s3Store(loc: S3Location, url: string, o: BackendOptions = {}): Promise<ObjectStore> {
  const sdk = await loadStorePackage<typeof S3>(url, "@aws-sdk/client-s3", o.importer);
  const client = new sdk.S3Client({
    ...(loc.region ? { region: loc.region } : {}),
    ...(loc.endpoint ? { endpoint: loc.endpoint, forcePathStyle: true } : {}),
    ...(loc.profile ? { profile: loc.profile } : {}),
    maxAttempts: 3,
    // Checksums only where S3 requires them: S3-compatible servers differ in what they accept.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const Bucket = loc.bucket;
  const prefix = loc.prefix;
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const where = `s3://${loc.bucket}/${loc.prefix}`;
  const fixes: Fixes = {
    unreachable: loc.endpoint
      ? `check that ${loc.endpoint} answers (the URL's endpoint)`
      : "check the network and the region (?region=)",
    credentials:
      "set AWS credentials for the SDK's default chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or a role)",
    notFound: `create the bucket ${loc.bucket}, or name an existing one (e.g. s3://my-bucket/progressive?region=eu-west-1)`,
    forbidden: `allow s3:GetObject, s3:PutObject, s3:DeleteObject on arn:aws:s3:::${loc.bucket}/${loc.prefix}* and s3:ListBucket on arn:aws:s3:::${loc.bucket}`,
    unsupported:
      "the server ignores S3 conditional writes (If-None-Match / If-Match on PutObject and DeleteObject); use AWS S3 or a server that implements them, or another store",
    badUrl: "add ?region=<region> to the store URL or set AWS_REGION",
  };

  const classify =
    (what: string) =>
    (err: unknown, timedOut: string | undefined): StoreError => {
      const n = errName(err);
      const reason = timedOut ?? `${n && n !== "Error" ? `${n}: ` : ""}${describeError(err)}`;
      const kind = (() => {
        if (timedOut || isNetworkError(err)) return "unreachable";
        if (/region is missing/i.test(String((err as AwsError)?.message))) return "badUrl";
        if (n === "NoSuchBucket") return "notFound";
        if (
          /^(InvalidAccessKeyId|SignatureDoesNotMatch|ExpiredToken|InvalidToken|CredentialsProviderError|TokenRefreshRequired)$/.test(
            n,
          ) ||
          /could not load credentials/i.test(String((err as AwsError)?.message)) ||
          status(err) === 401
        )
          return "credentials";
        if (n === "AccessDenied" || status(err) === 403) return "forbidden";
        if (n === "NotImplemented" || status(err) === 501) return "unsupported";
        return "failed";
      })();
      return storeError(kind, url, `${what} in ${where}`, reason, fixes, err);
    };

  const send = <T>(what: string, signal: AbortSignal | undefined, call: (s: AbortSignal) => Promise<T>) =>
    storeCall(timeoutMs, signal, call, classify(what));

  /** PutObject of a full object name; CONFLICT when its precondition did not hold. */
  const putObject = async (
    Key: string,
    body: string,
    cond: { IfNoneMatch?: string; IfMatch?: string },
    s: AbortSignal,
  ) => {
    try {
      const bytes = Buffer.from(body, "utf8");
      const input = {
        Bucket,
        Key,
        Body: bytes,
        ContentLength: bytes.length,
        ContentType: contentType(Key),
        ...cond,
      };
      return { version: (await client.send(new sdk.PutObjectCommand(input), { abortSignal: s })).ETag ?? "" };
    } catch (err) {
      // If-Match on a key that is gone answers 404: the version asked for is not there either.
      if (isConflict(err) || (cond.IfMatch && isMissingKey(err))) return CONFLICT;
      throw err;
    }
  };

  /** DeleteObject of a full object name, at a version when `IfMatch` is given. */
  const deleteObject = async (Key: string, IfMatch: string | undefined, s: AbortSignal) => {
    try {
      await client.send(new sdk.DeleteObjectCommand({ Bucket, Key, ...(IfMatch ? { IfMatch } : {}) }), {
        abortSignal: s,
      });
      return "deleted" as const;
    } catch (err) {
      if (isConflict(err)) return CONFLICT;
      if (isMissingKey(err) && errName(err) !== "NoSuchBucket") return "absent" as const;
      throw err;
    }
  };

  const list = async (p: string, signal?: AbortSignal, pageSize = o.pageSize): Promise<string[]> => {
    const Prefix = `${prefix}${checkPrefix(p)}`;
    const keys: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await send(`list ${p || "the store"}`, signal, (abortSignal) =>
        client.send(
          new sdk.ListObjectsV2Command({
            Bucket,
            Prefix,
            ...(ContinuationToken ? { ContinuationToken } : {}),
            ...(pageSize ? { MaxKeys: pageSize } : {}),
          }),
          { abortSignal },
        ),
      );
      for (const obj of page.Contents ?? []) {
        const key = obj.Key === undefined ? undefined : ownKey(obj.Key, prefix);
        if (key !== undefined) keys.push(key);
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return keys.sort();
  };

  return {
    url,

    async check(signal) {
      await list("", signal, 1);
      const probe = `${prefix}${probeName()}`;
      await proveConditionalWrites({
        create: (body) =>
          send("write a probe object", signal, (s) => putObject(probe, body, { IfNoneMatch: "*" }, s)),
        // S3-compatible servers differ here most: prove the delete precondition too.
        deleteStale: () =>
          send("delete the probe at a stale version", signal, (s) => deleteObject(probe, '"0"', s)),
        remove: () => send("remove the probe object", signal, (s) => deleteObject(probe, undefined, s)),
        unsupported: (what) => storeError("unsupported", url, `use ${where}`, `the server ${what}`, fixes),
      });
    },

    async get(key, signal) {
      const Key = fullName(prefix, key);
      return send(`read ${key}`, signal, async (abortSignal) => {
        try {
          const res = await client.send(new sdk.GetObjectCommand({ Bucket, Key }), { abortSignal });
          return { body: (await res.Body?.transformToString("utf-8")) ?? "", version: res.ETag ?? "" };
        } catch (err) {
          if (errName(err) === "NoSuchKey") return undefined;
          throw err;
        }
      });
    },

    async put(key, body, precondition, signal) {
      const Key = fullName(prefix, key);
      const cond = !precondition
        ? {}
        : "ifAbsent" in precondition
          ? { IfNoneMatch: "*" }
          : { IfMatch: precondition.ifVersion };
      return send(`write ${key}`, signal, (s) => putObject(Key, body, cond, s));
    },

    async delete(key, precondition, signal) {
      const Key = fullName(prefix, key);
      return send(`delete ${key}`, signal, async (s) => {
        if (!precondition) {
          // S3 answers 204 whether or not the key was there; a HEAD tells which to report.
          try {
            await client.send(new sdk.HeadObjectCommand({ Bucket, Key }), { abortSignal: s });
          } catch (err) {
            if (isMissingKey(err) && errName(err) !== "NoSuchBucket") return "absent";
            throw err;
          }
        }
        return deleteObject(Key, precondition?.ifVersion, s);
      });
    },

    list: (p, signal) => list(p, signal),
  };
}
