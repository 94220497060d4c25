// Naming: child resource names, names that Kubernetes (and most cloud APIs) accept, and the
// metadata keys that record a release so a policy pack can read them.

/** Child resource name: `${name}-${role}`. */
export function childName(name: string, role: string): string {
  return `${name}-${role}`;
}

/** Short, stable hash (FNV-1a, 32 bit, hex) used to keep truncated names unique. */
export function shortHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0").slice(0, 6);
}

/**
 * A DNS-1035 label (Kubernetes Service names, also valid for Deployments): lowercase letters,
 * digits and `-`, starting with a letter, at most `max` characters. Longer names are cut and end
 * with a hash of the full name so two long names stay distinct.
 */
export function dnsLabel(text: string, max = 63): string {
  let name = text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (!/^[a-z]/.test(name)) name = `x-${name}`.replace(/-+$/, "");
  if (name.length <= max) return name;
  const hash = shortHash(text);
  return `${name.slice(0, max - hash.length - 1).replace(/-+$/, "")}-${hash}`;
}

/** `${dnsLabel(name)}-${role}` within `max` characters (63, a DNS label, by default); the role is kept whole. */
export function roleName(name: string, role: string, max = 63): string {
  return `${dnsLabel(name, max - 1 - role.length)}-${role}`;
}

/** A valid Kubernetes label value: at most 63 of `[A-Za-z0-9._-]`, starting and ending alphanumeric. */
export function labelValue(text: string): string {
  let value = text.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
  if (value.length > 63) value = `${value.slice(0, 56).replace(/[^A-Za-z0-9]+$/, "")}-${shortHash(text)}`;
  return value;
}

/** Prefix of the metadata keys this project writes. */
export const METADATA_PREFIX = "progressive.pulumi.io";

/** Keys of the annotations (tags, labels) that record a release on every platform. */
export const MetadataKey = {
  /** The strategy kind: canary, blueGreen, rolling, recreate. */
  strategy: `${METADATA_PREFIX}/strategy`,
  /** The slot: stable, canary, blue, green, active, preview, entry. */
  role: `${METADATA_PREFIX}/role`,
  /** The version label the slot runs. */
  version: `${METADATA_PREFIX}/version`,
  /** The candidate weight the service was deployed with. */
  weight: `${METADATA_PREFIX}/candidate-weight`,
} as const;

/**
 * The same keys as Azure tag names, which cannot contain `<`, `>`, `%`, `&`, `\\`, `?` or `/`
 * (https://learn.microsoft.com/azure/azure-resource-manager/management/tag-resources#limitations):
 * `progressive-strategy` for `progressive.pulumi.io/strategy`.
 */
export const AzureTagKey = {
  strategy: "progressive-strategy",
  role: "progressive-role",
  version: "progressive-version",
  weight: "progressive-candidate-weight",
} as const satisfies Record<keyof typeof MetadataKey, string>;
