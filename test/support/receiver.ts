/**
 * Loopback webhook receivers for tests, the soak and the benchmark: a real
 * HTTP server in Node whose behaviour is chosen by the path. Every request is
 * recorded under its key and can be read back with GET /__requests/<key>.
 *
 *   /ok/<key>                 200
 *   /status/<code>/<key>      that status
 *   /status/<code>/retry-after/<s>/<key>  that status with Retry-After: s
 *   /fail/<n>/<key>           500 for the first n requests, then 200
 *   /retry-after/<s>/<key>    503 with Retry-After: s once, then 200
 *   /hang/<key>               never answers (until the client gives up)
 *   /trickle/<key>            200, then one byte a second, forever
 *   /big/<key>                200 with a 1 MiB body
 *   /redirect/<code>/<key>    <code> to /sentinel/<key>
 *   /reset/<key>              destroys the connection
 *   /slow/<ms>/<key>          200 after ms milliseconds
 *   /chaos/<pct>/<ms>/<key>   after a random 0..ms delay, 500 for about pct % of
 *                             requests (at random, at most 3 times per delivery), else 200
 *
 * Each recorded request gets `answeredAt` once its answer is sent.
 *   /rules/<set>/<key>        200 if every receiver of the rule set accepts
 *                             (receiver-rules.ts), else 400 with the reasons;
 *                             the secret is set by POST /__secret/<key>
 *   /ed25519/<key>            200 if the `v1a` signatures verify with every
 *                             public key (`whpk_...`, space-separated) set by
 *                             POST /__secret/<key> (ed25519-verify.ts, node:crypto), else 400
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { verifyV1a } from "./ed25519-verify.ts";
import { judge } from "./receiver-rules.ts";

export type RecordedRequest = { method: string; path: string; headers: Record<string, string>; body: string; at: number; answeredAt?: number; status?: number };

export type Receiver = { url: string; server: Server; requests: Map<string, RecordedRequest[]>; close(): Promise<void> };

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export async function startReceiver(port = 0): Promise<Receiver> {
  const requests = new Map<string, RecordedRequest[]>();
  const secrets = new Map<string, string>();
  /** How often /chaos has failed each delivery (by webhook-id). */
  const chaosFailures = new Map<string, number>();
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? "/";
    const parts = path.split("?")[0].split("/").filter(Boolean);
    if (req.method === "GET" && parts[0] === "__requests") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(requests.get(parts[1] ?? "") ?? []));
      return;
    }
    const body = await readBody(req);
    if (req.method === "POST" && parts[0] === "__secret") {
      secrets.set(parts[1] ?? "", body);
      res.writeHead(204);
      res.end();
      return;
    }
    const key = parts[parts.length - 1] ?? "";
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(", ") : (v ?? "");
    const list = requests.get(key) ?? [];
    const entry: RecordedRequest = { method: req.method ?? "", path, headers, body, at: Date.now() };
    list.push(entry);
    requests.set(key, list);
    const seen = list.length;
    const reply = (status: number, text = "", extra: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "text/plain", ...extra });
      res.end(text);
      entry.answeredAt = Date.now();
      entry.status = status;
    };
    switch (parts[0]) {
      case "ok":
        return reply(200, "thanks");
      case "status":
        return reply(Number(parts[1]), `status ${parts[1]}`, parts[2] === "retry-after" ? { "retry-after": parts[3] } : {});
      case "fail":
        return seen <= Number(parts[1]) ? reply(500, "not yet") : reply(200, "thanks");
      case "fail-then":
        // fail-then/<n>/<status>: 500 for the first n requests, then <status>.
        return seen <= Number(parts[1]) ? reply(500, "not yet") : reply(Number(parts[2]), `status ${parts[2]}`);
      case "retry-after":
        return seen === 1 ? reply(503, "busy", { "retry-after": parts[1] }) : reply(200, "thanks");
      case "hang":
        return; // never answers
      case "trickle": {
        res.writeHead(200, { "content-type": "text/plain" });
        const timer = setInterval(() => res.write("."), 1000);
        res.on("close", () => clearInterval(timer));
        return;
      }
      case "big":
        return reply(200, "x".repeat(1024 * 1024));
      case "chatty":
        return reply(200, "thanks", {
          server: "bench-receiver",
          "x-request-id": `req-${key}`,
          "set-cookie": "session=abc; HttpOnly",
          "cache-control": "no-store",
          "strict-transport-security": "max-age=63072000",
          "x-powered-by": "node",
        });
      case "redirect":
        return reply(Number(parts[1]), "", { location: `/sentinel/${key}-sentinel` });
      case "reset":
        req.socket.destroy();
        return;
      case "rules": {
        const refusals = await judge(parts[1] ?? "", { headers, body }, secrets.get(key) ?? "");
        return refusals.length ? reply(400, refusals.join("; ")) : reply(200, "accepted");
      }
      case "ed25519": {
        const keys = (secrets.get(key) ?? "").split(" ").filter(Boolean);
        const refused = keys.length ? keys.filter((k) => !verifyV1a(k, headers, body)) : ["no public key set"];
        return refused.length ? reply(400, `not verified by ${refused.join(" ")}`) : reply(200, "verified");
      }
      case "slow":
        setTimeout(() => reply(200, "thanks"), Number(parts[1]));
        return;
      case "chaos": {
        // At random, but never a 4th time for one delivery (webhook-id): the test's 8 attempts always suffice.
        const id = String(req.headers["webhook-id"] ?? "");
        const fails = (chaosFailures.get(id) ?? 0) < 3 && Math.random() * 100 < Number(parts[1]);
        if (fails) chaosFailures.set(id, (chaosFailures.get(id) ?? 0) + 1);
        setTimeout(() => (fails ? reply(500, "chaos") : reply(200, "thanks")), Math.random() * Number(parts[2]));
        return;
      }
      default:
        return reply(200, "thanks");
    }
  });
  const { url, close } = await listenOnLoopback(server, port);
  return { url, server, requests, close };
}

/** Listens on 127.0.0.1 (`port` 0: any free one); `close` cuts open connections (a hanging request too) and stops. */
export async function listenOnLoopback(server: Server, port = 0): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
