/**
 * `npm run listen -- --api <base URL> --token <token> --namespace <ns>
 *   [--events <pattern>]... [--format <format>] [--ttl <seconds>] --forward-to <local URL>`
 *
 * Forwards a namespace's events to a receiver on this machine, which needs
 * no public URL and no open port (docs/pull.md): it creates a temporary
 * polling webhook (expires_at, renewed while this runs), long-polls it, and
 * POSTs every item to the local URL with the headers and body a push would
 * carry (signatures included: verify them with the secret printed at start).
 * One line per item: time, type, event id, the local answer's status and
 * duration. A local receiver that is down is reported and the next item is
 * tried. Ctrl-C deletes the webhook; one left behind by a killed process is
 * deleted by the dispatcher's cron once it expires.
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    api: { type: "string" },
    token: { type: "string" },
    namespace: { type: "string" },
    events: { type: "string", multiple: true },
    format: { type: "string" },
    ttl: { type: "string" },
    "forward-to": { type: "string" },
  },
});

const api = values.api?.replace(/\/+$/, "");
const { token, namespace } = values;
const forwardTo = values["forward-to"];
if (!api || !token || !namespace || !forwardTo) {
  console.error("usage: npm run listen -- --api <base URL> --token <token> --namespace <ns> [--events <pattern>]... [--format <format>] --forward-to <local URL>");
  process.exit(2);
}
/** The webhook lives this long past the last renewal; renewed every third of it. */
const ttlMs = Number(values.ttl ?? 300) * 1000;
/** Held open by the dispatcher until an item arrives (at most 30 s). */
const WAIT_SECONDS = 25;

const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
const base = `${api}/v1/namespaces/${encodeURIComponent(namespace)}/webhooks`;
const stop = new AbortController();

async function call<T>(method: string, url: string, body?: unknown): Promise<T> {
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: stop.signal });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url.slice(api!.length)}: ${res.status} ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : null) as T;
}

const expiresAt = () => new Date(Date.now() + ttlMs).toISOString();

const hook = await call<{ id: string; secret: string | null; format: string; events: string[] }>("POST", base, {
  name: `listen-${Date.now().toString(36)}`,
  mode: "poll",
  events: values.events?.length ? values.events : ["*"],
  ...(values.format ? { format: values.format } : {}),
  expires_at: expiresAt(),
  description: "npm run listen (temporary)",
});
console.log(`Ready: forwarding ${hook.events.join(", ")} (${hook.format}) to ${forwardTo}`);
console.log(`Webhook ${hook.id}, signing secret ${hook.secret ?? "(none)"}; Ctrl-C deletes it.`);

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  stop.abort();
  try {
    const res = await fetch(`${base}/${hook.id}`, { method: "DELETE", headers });
    console.log(res.status === 204 ? `Deleted webhook ${hook.id}.` : `Could not delete webhook ${hook.id} (${res.status}); it expires on its own.`);
  } catch (err) {
    console.log(`Could not delete webhook ${hook.id} (${String(err)}); it expires on its own.`);
  }
  process.exit(0);
}
process.on("SIGINT", () => void shutdown());
process.on("SIGTERM", () => void shutdown());

const renew = setInterval(() => {
  call("PATCH", `${base}/${hook.id}`, { expires_at: expiresAt() }).catch((err: unknown) => {
    if (!stopping) console.error(`could not renew the webhook: ${String(err)}`);
  });
}, ttlMs / 3);
renew.unref();

type Item = { id: string; event_id: string; event_type: string; created_at: string; headers: Record<string, string>; body: string };

let receiverDown = false;
async function forward(item: Item): Promise<void> {
  const started = performance.now();
  const time = new Date().toISOString();
  try {
    const res = await fetch(forwardTo!, { method: "POST", headers: item.headers, body: item.body, signal: AbortSignal.timeout(15_000) });
    await res.arrayBuffer();
    if (receiverDown) console.log(`${time}  the local receiver at ${forwardTo} answers again`);
    receiverDown = false;
    console.log(`${time}  ${item.event_type}  ${item.event_id}  -> ${res.status} (${Math.round(performance.now() - started)} ms)`);
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    console.log(`${time}  ${item.event_type}  ${item.event_id}  -> local receiver down (${cause}, ${Math.round(performance.now() - started)} ms)`);
    if (!receiverDown) console.log(`${time}  nothing answers at ${forwardTo}; listening on, each event is reported as it comes`);
    receiverDown = true;
  }
}

let cursor: string | undefined;
while (!stopping) {
  try {
    const q = new URLSearchParams({ wait: String(WAIT_SECONDS), limit: "50" });
    if (cursor) q.set("cursor", cursor);
    const page = await call<{ data: Item[]; next_cursor: string }>("GET", `${base}/${hook.id}/poll?${q}`);
    for (const item of page.data) {
      if (stopping) break;
      await forward(item);
    }
    cursor = page.next_cursor;
  } catch (err) {
    if (stopping) break;
    console.error(`${new Date().toISOString()}  polling failed: ${String(err)}; trying again`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}
