// Container image references: `[registry/]repository[:tag][@digest]`, read the way Docker reads
// them (a first segment with a dot or a port, or `localhost`, is a registry; else Docker Hub).

/** A parsed image reference. */
export interface ImageRef {
  /** Registry host, e.g. "ghcr.io"; "docker.io" when the reference names none. */
  readonly registry: string;
  /** Repository path below the registry, e.g. "acme/web" ("library/nginx" on Docker Hub). */
  readonly repository: string;
  /** @default unset */
  readonly tag?: string;
  /** e.g. "sha256:..." @default unset */
  readonly digest?: string;
}

/** Parses an image reference. */
export function parseImage(reference: string): ImageRef {
  const ref = reference.trim();
  const at = ref.indexOf("@");
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  const name = at >= 0 ? ref.slice(0, at) : ref;
  const slash = name.lastIndexOf("/");
  const colon = name.lastIndexOf(":");
  const tag = colon > slash ? name.slice(colon + 1) : undefined;
  const path = colon > slash ? name.slice(0, colon) : name;
  const parts = path.split("/");
  const first = parts[0] ?? "";
  const hasRegistry = parts.length > 1 && (/[.:]/.test(first) || first === "localhost");
  const registry = hasRegistry ? first : "docker.io";
  let repository = hasRegistry ? parts.slice(1).join("/") : path;
  if (registry === "docker.io" && !repository.includes("/")) repository = `library/${repository}`;
  return {
    registry,
    repository,
    ...(tag ? { tag } : {}),
    ...(digest ? { digest } : {}),
  };
}

/** Whether an image comes from an allowed registry entry: a host ("ghcr.io") or a host and path prefix ("ghcr.io/acme"). */
export function fromRegistry(image: ImageRef, entry: string): boolean {
  const allowed = entry.trim().replace(/\/+$/, "").toLowerCase();
  const full = `${image.registry}/${image.repository}`.toLowerCase();
  return allowed === image.registry.toLowerCase() || full === allowed || full.startsWith(`${allowed}/`);
}
