// Opens a release store backend from its URL. (Interim: folders only; the shared backends land
// with their conformance tests.)
import { FolderObjectStore } from "./backends/folder";
import { type Backend, StoreError } from "./object-store";

/** Opens the backend a URL names. */
export async function openBackend(url: string): Promise<Backend> {
  if (url.startsWith("file://")) return { objects: new FolderObjectStore(decodeURIComponent(url.slice(7))) };
  throw new StoreError(
    "badUrl",
    `${url.replace(/\?.*$/, "")}: this build has no backend for that scheme; use file:///<folder>`,
  );
}
