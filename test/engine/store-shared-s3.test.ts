// Two "machines" sharing a release store in S3 (moto on 127.0.0.1): every two-machine scenario of
// test/support/shared-store.ts, including the store that stops answering mid-release (a TCP relay
// in front of moto that refuses connections, then accepts them again on the same port).
import * as net from "node:net";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { freePort } from "../../harness/net";
import { MOTO_ENV, startMoto } from "../support/moto";
import { describeSharedStore } from "../support/shared-store";

/** A TCP relay to `target` that can stop answering (connections refused, open ones cut) and come back. */
async function relay(
  target: number,
): Promise<{ port: number; cut(): Promise<void>; restore(): Promise<void>; stop(): Promise<void> }> {
  const port = await freePort();
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = net.createServer((client) => {
        const upstream = net.connect(target, "127.0.0.1");
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on("close", () => sockets.delete(s));
          s.on("error", () => undefined);
        }
        client.pipe(upstream).pipe(client);
      });
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
  const close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      if (server) server.close(() => resolve());
      else resolve();
      server = undefined;
    });
  await listen();
  return { port, cut: close, restore: listen, stop: close };
}

describeSharedStore(
  "release state shared by two machines: S3 on moto (engine tier)",
  async (ctx) => {
    const moto = await startMoto(ctx);
    await new S3Client({
      endpoint: moto.endpoint,
      forcePathStyle: true,
      region: MOTO_ENV.AWS_REGION,
      credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    }).send(new CreateBucketCommand({ Bucket: "releases" }));
    const r = await relay(Number(new URL(moto.endpoint).port));
    return {
      url: `s3://releases/progressive?region=${MOTO_ENV.AWS_REGION}&endpoint=http://127.0.0.1:${r.port}`,
      env: { ...MOTO_ENV },
      cut: r.cut,
      restore: r.restore,
      stop: async () => {
        await r.stop();
        await moto.stop();
      },
    };
  },
  ["pause", "kill", "race", "history", "flag", "outage"],
);
