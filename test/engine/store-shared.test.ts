// Two "machines" sharing a release store that is a folder they both name with file:// (a volume
// several machines mount): drivers started at the same instant on both, exactly one runs. The full
// set of two-machine scenarios runs on S3 (store-shared-s3.test.ts) and on Kubernetes (the cluster
// tier); test/support/shared-store.ts says what each does.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describeSharedStore } from "../support/shared-store";

describeSharedStore("release state shared by two machines: a shared folder (engine tier)", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "progressive-shared-folder-"));
  return { url: `file://${dir}`, stop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
}, ["race", "flag"]);
