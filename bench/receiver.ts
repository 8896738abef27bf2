/**
 * The benchmark's receiver: answers at once and keeps only what the figures
 * need (when each delivery first arrived with a 2xx answer), so it stays far
 * cheaper than the thing it measures.
 *
 *   POST /ok/<key>          200
 *   POST /fail-first/<key>  500 the first time a (key, webhook-id) arrives, then 200
 *   POST /fail-20/<key>     500 the first time for one (key, webhook-id) in five (chosen by a hash of both, so every run fails the same ones), then 200
 *   POST /ceiling/<key>     200 (the bare Worker's POSTs)
 *   POST /hang/<key>        never answers (the noisy neighbour's receivers); counted in hangingCount()
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export type Arrival = { at: number };

export type BenchReceiver = {
  url: string;
  /** key -> webhook-id -> first 2xx arrival time (ms). */
  delivered: Map<string, Map<string, number>>;
  /** Successful (2xx) arrivals, all keys; duplicates included. */
  okCount(): number;
  failedCount(): number;
  lastOkAt(): number;
  /** Requests to /hang/ received so far (never answered). */
  hangingCount(): number;
  /** The first request a real delivery brought: the ceiling Worker POSTs the same. */
  sample: { body: string; headers: Record<string, string> } | null;
  reset(): void;
  close(): Promise<void>;
};

export async function startBenchReceiver(port: number): Promise<BenchReceiver> {
  const delivered = new Map<string, Map<string, number>>();
  const failedOnce = new Set<string>();
  let ok = 0;
  let failed = 0;
  let lastOk = 0;
  let hanging = 0;
  const state: BenchReceiver = {
    url: "",
    delivered,
    okCount: () => ok,
    failedCount: () => failed,
    lastOkAt: () => lastOk,
    hangingCount: () => hanging,
    sample: null,
    reset() {
      delivered.clear();
      failedOnce.clear();
      ok = 0;
      failed = 0;
      lastOk = 0;
      hanging = 0;
    },
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const at = Date.now();
      const [mode = "", key = ""] = (req.url ?? "/").split("?")[0].split("/").filter(Boolean);
      const id = String(req.headers["webhook-id"] ?? "");
      if (mode === "hang") {
        hanging++; // no answer: the dispatcher's timeout ends it
        return;
      }
      const failsFirst = mode === "fail-first" || (mode === "fail-20" && fnv1a(`${key} ${id}`) % 5 === 0);
      if (failsFirst && !failedOnce.has(`${key} ${id}`)) {
        failedOnce.add(`${key} ${id}`);
        failed++;
        res.writeHead(500, { "content-type": "text/plain" }).end("not yet");
        return;
      }
      ok++;
      lastOk = at;
      if (mode !== "ceiling") {
        let m = delivered.get(key);
        if (!m) delivered.set(key, (m = new Map()));
        if (!m.has(id)) m.set(id, at);
        if (!state.sample) {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && (k.startsWith("webhook-") || k === "content-type" || k === "user-agent")) headers[k] = v;
          state.sample = { body: Buffer.concat(chunks).toString("utf8"), headers };
        }
      }
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

/** FNV-1a, 32 bits: a cheap stable hash to pick which deliveries fail. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
