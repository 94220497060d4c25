// A metric endpoint the test controls: the Prometheus HTTP API's instant query
// (`/api/v1/query`, GET or POST) answering every query with the scalar in `value`, on a free
// 127.0.0.1 port. The cluster tier has no pod serving traffic, so its checks read this instead;
// the real Prometheus is exercised by test/engine/prometheus.test.ts.
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface FakePrometheus {
  /** Base URL for `progressive:metrics.prometheus.url`. */
  readonly url: string;
  /** What every query returns; change it to make the next measurement pass or fail. */
  value: number;
  /** Queries received, in order. */
  readonly queries: string[];
  close(): Promise<void>;
}

export async function startFakePrometheus(value = 0): Promise<FakePrometheus> {
  const queries: string[] = [];
  const state = { value };
  const server = http.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => {
      body += c;
    });
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      if (url.pathname !== "/api/v1/query") {
        res.writeHead(404, { "content-type": "text/plain" }).end("not found");
        return;
      }
      const params = req.method === "POST" ? new URLSearchParams(body) : url.searchParams;
      queries.push(params.get("query") ?? "");
      const result = [Date.now() / 1000, String(state.value)];
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ status: "success", data: { resultType: "scalar", result } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get value() {
      return state.value;
    },
    set value(v: number) {
      state.value = v;
    },
    queries,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
