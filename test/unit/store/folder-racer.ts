// One racing writer process for folder.test.ts: for each round, a create-if-absent and a replace
// at the version the parent read, at once; prints "won <key> <body>" for each write it won. It
// prints "ready" and waits for "go" on stdin first, so that all racers start together.
// Usage: folder-racer.ts <folder> <writer id> <JSON array of each round's base version>
import { FolderObjectStore } from "../../../automation/store/backends/folder";
import { CONFLICT } from "../../../automation/store/object-store";

async function main(): Promise<void> {
  const [root, id, basesJson] = process.argv.slice(2) as [string, string, string];
  const bases = JSON.parse(basesJson) as string[];
  const store = new FolderObjectStore(root);
  const body = `writer-${id}`;
  process.stdout.write("ready\n");
  await new Promise<void>((resolve) => process.stdin.once("data", () => resolve()));
  await Promise.all(
    bases.flatMap((base, r) => [
      store.put(`create-${r}.json`, body, { ifAbsent: true }).then((res) => {
        if (res !== CONFLICT) process.stdout.write(`won create-${r} ${body}\n`);
      }),
      store.put(`replace-${r}.json`, body, { ifVersion: base }).then((res) => {
        if (res !== CONFLICT) process.stdout.write(`won replace-${r} ${body}\n`);
      }),
    ]),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
