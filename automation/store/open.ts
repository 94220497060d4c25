// From a store URL to an opened backend. The URL is checked whole before anything is loaded or
// called: a wrong one is a StoreError("badUrl") naming the URL, what is wrong and a URL that works.
// Each backend's SDK is loaded here (an optional peer dependency, imported only for the scheme in
// use), so a missing package is also an error before anything moves. Nothing here reaches the
// network; check() does.
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { type AzureBlobLocation, azureBlobStore } from "./backends/azure-blob";
import type { BackendOptions } from "./backends/common";
import { FolderObjectStore, type FolderStoreOptions } from "./backends/folder";
import { type GcsLocation, gcsStore } from "./backends/gcs";
import { type KubernetesLocation, kubernetesBackend } from "./backends/kubernetes";
import { type S3Location, s3Store } from "./backends/s3";
import { type Backend, checkKey, StoreError } from "./object-store";

/** A store URL, parsed (each backend defines its part). */
export type StoreLocation =
  | ({ readonly kind: "s3" } & S3Location)
  | ({ readonly kind: "azblob" } & AzureBlobLocation)
  | ({ readonly kind: "gs" } & GcsLocation)
  | ({ readonly kind: "k8s" } & KubernetesLocation)
  | { readonly kind: "file"; readonly path: string };

/** Options of {@link openBackend}. */
export interface OpenOptions extends BackendOptions, FolderStoreOptions {}

const EXAMPLES: Record<StoreLocation["kind"], string> = {
  s3: "s3://my-bucket/progressive?region=eu-west-1",
  azblob: "azblob://myaccount/my-container/progressive",
  gs: "gs://my-bucket/progressive",
  k8s: "k8s://progressive-system?context=prod",
  file: "file:///var/lib/progressive",
};

/** Query parameters each scheme takes. */
const PARAMS: Record<StoreLocation["kind"], readonly string[]> = {
  s3: ["region", "endpoint", "profile"],
  azblob: ["endpoint"],
  gs: ["endpoint"],
  k8s: ["context", "kubeconfig", "name"],
  file: [],
};

const NAME_RULES = {
  s3: [/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "3-63 lowercase letters, digits, '.' and '-'"],
  gs: [/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/, "3-222 lowercase letters, digits, '.', '_' and '-'"],
  account: [/^[a-z0-9]{3,24}$/, "3-24 lowercase letters and digits"],
  container: [/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, "3-63 lowercase letters, digits and single '-'"],
  namespace: [/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "a DNS label: 1-63 lowercase letters, digits and '-'"],
  storeName: [/^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/, "1-40 lowercase letters, digits and '-'"],
} as const satisfies Record<string, readonly [RegExp, string]>;

/** `url` as it may be printed: no user or password, and only the values of parameters we know. */
function redact(url: string): string {
  const m = /^([a-z0-9+.-]+:\/\/)([^/?#]*@)?([^?#]*)(\?[^#]*)?(#.*)?$/i.exec(url);
  if (!m) return url;
  const [, scheme = "", userinfo, rest = "", query, hash = ""] = m;
  const known = new Set(Object.values(PARAMS).flat());
  const q = query
    ?.slice(1)
    .split("&")
    .map((pair) => {
      const k = pair.split("=")[0] ?? "";
      return known.has(decodeURIComponent(k)) || !pair.includes("=") ? pair : `${k}=***`;
    })
    .join("&");
  return `${scheme}${userinfo ? "***@" : ""}${rest}${q !== undefined ? `?${q}` : ""}${hash}`;
}

function badUrl(url: string, kind: StoreLocation["kind"] | undefined, what: string): StoreError {
  const example = kind
    ? EXAMPLES[kind]
    : Object.values(EXAMPLES)
        .map((e) => `'${e}'`)
        .join(", ");
  return new StoreError(
    "badUrl",
    `store URL ${JSON.stringify(redact(url))}: ${what}; for example ${example}`,
  );
}

/** Parses a store URL (also a plain absolute path, for a folder); throws StoreError("badUrl"). */
export function parseStoreUrl(url: string): StoreLocation {
  if (path.isAbsolute(url) && !url.includes("://")) return { kind: "file", path: path.resolve(url) };
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw badUrl(url, undefined, "is not a URL or an absolute path");
  }
  const scheme = u.protocol.replace(/:$/, "");
  const kind = (["s3", "azblob", "gs", "k8s", "file"] as const).find((k) => k === scheme);
  if (!kind) throw badUrl(url, undefined, `the scheme ${JSON.stringify(`${scheme}:`)} is not a store`);
  const fail = (what: string) => badUrl(url, kind, what);
  if (u.username || u.password)
    throw fail(
      "credentials do not belong in the store URL (they would be printed and stored); use the SDK's credentials",
    );
  if (u.hash) throw fail("a store URL has no #fragment");
  const params: Record<string, string> = {};
  for (const [k, v] of u.searchParams) {
    if (!PARAMS[kind].includes(k))
      throw fail(
        `unknown parameter ${JSON.stringify(k)}${PARAMS[kind].length ? ` (${kind} takes ${PARAMS[kind].join(", ")})` : ""}`,
      );
    if (k in params) throw fail(`the parameter ${JSON.stringify(k)} is given twice`);
    if (v === "") throw fail(`the parameter ${JSON.stringify(k)} is empty`);
    params[k] = v;
  }
  const named = (rule: keyof typeof NAME_RULES, what: string, value: string) => {
    const [re, text] = NAME_RULES[rule];
    if (!re.test(value)) throw fail(`${what} ${JSON.stringify(value)} is not ${text}`);
    return value;
  };
  const segments = decodeURIComponent(u.pathname)
    .split("/")
    .filter((s) => s !== "");
  const prefixOf = (segs: string[]) => {
    if (segs.length === 0) return "";
    const p = segs.join("/");
    try {
      checkKey(p);
    } catch {
      throw fail(`the prefix ${JSON.stringify(p)} is not made of [A-Za-z0-9._-] segments`);
    }
    return `${p}/`;
  };
  const endpoint = () => {
    const e = params["endpoint"];
    if (e === undefined) return {};
    let eu: URL;
    try {
      eu = new URL(e);
    } catch {
      throw fail(`the endpoint ${JSON.stringify(e)} is not a URL (e.g. http://127.0.0.1:9000)`);
    }
    if (eu.protocol !== "http:" && eu.protocol !== "https:")
      throw fail(`the endpoint ${JSON.stringify(e)} must be http:// or https://`);
    if (eu.username || eu.password) throw fail("the endpoint must not carry credentials");
    return { endpoint: e.replace(/\/$/, "") };
  };

  switch (kind) {
    case "file": {
      if (u.host !== "") throw fail(`file URLs name a local path, not the host ${JSON.stringify(u.host)}`);
      return { kind, path: path.resolve(fileURLToPath(u)) };
    }
    case "s3":
    case "gs": {
      const bucket = named(kind, "the bucket", u.host);
      const prefix = prefixOf(segments);
      if (kind === "gs") return { kind, bucket, prefix, ...endpoint() };
      const region = params["region"];
      if (region !== undefined && !/^[a-z]{2}(-[a-z0-9]+)+-\d+$/.test(region) && region !== "auto")
        throw fail(`the region ${JSON.stringify(region)} is not an AWS region such as eu-west-1`);
      return {
        kind,
        bucket,
        prefix,
        ...(region ? { region } : {}),
        ...endpoint(),
        ...(params["profile"] ? { profile: params["profile"] } : {}),
      };
    }
    case "azblob": {
      const account = named("account", "the storage account", u.host);
      const [container, ...rest] = segments;
      if (container === undefined)
        throw fail("the container is missing (azblob://<account>/<container>/<prefix>)");
      return {
        kind,
        account,
        container: named("container", "the container", container),
        prefix: prefixOf(rest),
        ...endpoint(),
      };
    }
    case "k8s": {
      if (segments.length)
        throw fail("a Kubernetes store is a namespace only (k8s://<namespace>?name=<store>)");
      const namespace = named("namespace", "the namespace", u.host);
      const name = named("storeName", "the store name", params["name"] ?? "progressive");
      return {
        kind,
        namespace,
        name,
        ...(params["context"] ? { context: params["context"] } : {}),
        ...(params["kubeconfig"] ? { kubeconfig: params["kubeconfig"] } : {}),
      };
    }
  }
}

/** The URL printed for a location: canonical, and without anything secret (there is nothing to hide). */
export function storeUrl(loc: StoreLocation): string {
  const q = (params: Record<string, string | undefined>) => {
    const s = new URLSearchParams(
      Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined),
    ).toString();
    return s ? `?${s}` : "";
  };
  switch (loc.kind) {
    case "file":
      return `file://${loc.path}`;
    case "s3":
      return `s3://${loc.bucket}/${loc.prefix}${q({ region: loc.region, endpoint: loc.endpoint, profile: loc.profile })}`;
    case "gs":
      return `gs://${loc.bucket}/${loc.prefix}${q({ endpoint: loc.endpoint })}`;
    case "azblob":
      return `azblob://${loc.account}/${loc.container}/${loc.prefix}${q({ endpoint: loc.endpoint })}`;
    case "k8s":
      return `k8s://${loc.namespace}${q({ name: loc.name, context: loc.context, kubeconfig: loc.kubeconfig })}`;
  }
}

/**
 * Opens the store a URL names: parses it, loads the backend and its SDK, and returns its objects
 * (and its native leases on Kubernetes). Calls no service; run `objects.check()` for that.
 */
export async function openBackend(url: string, opts: OpenOptions = {}): Promise<Backend> {
  const loc = parseStoreUrl(url);
  const printable = storeUrl(loc);
  switch (loc.kind) {
    case "file":
      // A folder a URL names must exist (or be asked for): an unmounted volume is not replaced by a local folder.
      return { objects: new FolderObjectStore(loc.path, { ...opts, create: opts.create ?? false }) };
    case "s3":
      return { objects: await s3Store(loc, printable, opts) };
    case "azblob":
      return { objects: await azureBlobStore(loc, printable, opts) };
    case "gs":
      return { objects: await gcsStore(loc, printable, opts) };
    case "k8s":
      return kubernetesBackend(loc, printable, opts);
  }
}
