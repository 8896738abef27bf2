/**
 * `npm run listen` end to end (scripts/listen.ts): the real command as a
 * child process against the local dispatcher (wrangler dev) and a loopback
 * receiver. An event arrives signed, its line is printed, a receiver that is
 * down is reported without stopping the listener, and Ctrl-C (SIGINT to the
 * process group, as a terminal sends it) deletes the temporary webhook.
 * Ports 8920-8929.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { quietEnv, ROOT, startDispatcher, type LocalDispatcher } from "../../scripts/lib/local-dispatcher.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";

const ADMIN = "dev-admin-token";
let dispatcher: LocalDispatcher;
let receiver: Receiver;
const listeners: ChildProcess[] = [];

beforeAll(async () => {
  receiver = await startReceiver(8921);
  dispatcher = await startDispatcher({ port: 8920, persistTo: ".wrangler/test-listen", vars: { ADMIN_TOKEN: ADMIN } });
}, 120_000);

afterAll(async () => {
  for (const l of listeners) {
    try {
      if (l.pid) process.kill(-l.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  await dispatcher?.stop();
  await receiver?.close();
});

/** How the process ended: its code, or npm passing on the SIGINT it got (a terminal's Ctrl-C ends npm the same way). */
type Listener = { child: ChildProcess; output: () => string; exited: Promise<string> };

function listen(ns: string, forwardTo: string): Listener {
  const child = spawn("npm", ["run", "--silent", "listen", "--", "--api", dispatcher.url, "--token", ADMIN, "--namespace", ns, "--events", "build.*", "--forward-to", forwardTo], {
    cwd: ROOT,
    env: quietEnv,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  listeners.push(child);
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<string>((r) => child.once("exit", (code, signal) => r(code === null ? String(signal) : String(code))));
  return { child, output: () => out, exited };
}

async function until<T>(probe: () => T | Promise<T>, ok: (v: T) => boolean, what: string, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const auth = { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" };
const publish = async (ns: string, type: string, data: unknown) => {
  const res = await fetch(`${dispatcher.url}/v1/namespaces/${ns}/events`, { method: "POST", headers: auth, body: JSON.stringify({ type, data }) });
  expect(res.status).toBe(202);
  return (await res.json()) as { id: string };
};
const webhookStatus = async (ns: string, id: string) => (await fetch(`${dispatcher.url}/v1/namespaces/${ns}/webhooks/${id}`, { headers: auth })).status;

describe("npm run listen", () => {
  it("forwards a signed event to the local receiver, prints its line, and deletes its webhook on Ctrl-C", async () => {
    const ns = `listen${Date.now()}`;
    const key = `lst${Date.now()}`;
    const l = listen(ns, `${receiver.url}/ok/${key}`);
    const ready = await until(l.output, (o) => /Webhook (wh_\S+), signing secret (\S+);/.test(o), "the ready line", 60_000);
    const [, hookId, secret] = /Webhook (wh_\S+), signing secret (\S+);/.exec(ready)!;
    expect(await webhookStatus(ns, hookId)).toBe(200);

    const event = await publish(ns, "build.finished", { build: { id: 7 } });
    const [got] = await until(() => receiver.requests.get(key) ?? [], (r) => r.length > 0, "the forwarded event");
    // Signed as a push would be: the receiver's own verifier accepts it.
    const payload = new Webhook(secret).verify(got.body, got.headers) as { type: string; data: unknown };
    expect(payload).toMatchObject({ type: "build.finished", data: { build: { id: 7 } } });
    expect(got.headers["webhook-id"]).toBe(event.id);
    const line = await until(l.output, (o) => o.includes(event.id), "the event's line");
    expect(line).toMatch(new RegExp(`\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\s+build\\.finished\\s+${event.id}\\s+-> 200 \\(\\d+ ms\\)`));

    process.kill(-l.child.pid!, "SIGINT");
    expect(["0", "SIGINT"]).toContain(await l.exited);
    expect(l.output()).toContain(`Deleted webhook ${hookId}.`);
    expect(await webhookStatus(ns, hookId)).toBe(404);
  }, 120_000);

  it("keeps going when the local receiver is down, and says so", async () => {
    const ns = `listendown${Date.now()}`;
    const l = listen(ns, "http://127.0.0.1:8922/nobody-home");
    await until(l.output, (o) => o.includes("Ctrl-C deletes it"), "the ready line", 60_000);
    const first = await publish(ns, "build.started", { n: 1 });
    await until(l.output, (o) => o.includes(`${first.id}  -> local receiver down`), "the first event reported");
    expect(l.output()).toContain("nothing answers at http://127.0.0.1:8922/nobody-home");
    const second = await publish(ns, "build.finished", { n: 2 });
    await until(l.output, (o) => o.includes(`${second.id}  -> local receiver down`), "the second event reported");
    expect(l.child.exitCode).toBeNull();
    process.kill(-l.child.pid!, "SIGINT");
    expect(["0", "SIGINT"]).toContain(await l.exited);
  }, 120_000);
});
