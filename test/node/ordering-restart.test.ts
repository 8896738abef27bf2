/**
 * Ordered delivery across a crash (docs/ordering.md), with the soak's
 * machinery (scripts/lib/local-dispatcher.ts): the dispatcher as `npm start`
 * runs it, SIGKILLed in the middle of 6 keys x 10 events to a receiver that
 * fails ~30 % of requests at random after a random delay, restarted on the
 * same state. The local queue loses every message in flight with it, so
 * what was under way comes back only through the recovery sweep (on the wall
 * clock, with the soak's compressed settings). Each key's events must
 * still reach the receiver in publish order, one at a time, and all succeed;
 * an unordered webhook beside it gets all of its deliveries. Ports 8970-8979.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { adminCall as call, LOCAL_ADMIN_TOKEN, ROOT, startDispatcher, type LocalDispatcher } from "../../scripts/lib/local-dispatcher.ts";
import { QUICK_SWEEP } from "../../scripts/lib/soak.ts";
import { checkOrder, eventOf, type Seen } from "../support/order-check.ts";
import { startReceiver } from "../support/receiver.ts";

const PORT = 8970;
const RECEIVER_PORT = 8971;
const NS = `ordered${Date.now().toString(36)}`;
const KEYS = Array.from({ length: 6 }, (_, i) => `pipeline-${i}`);
const PER_KEY = 10;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("ordered delivery across a dispatcher restart", () => {
  it("keeps each key in publish order, one at a time, and loses nothing across a SIGKILL", { timeout: 420_000 }, async () => {
    const receiver = await startReceiver(RECEIVER_PORT);
    const options = {
      port: PORT,
      persistTo: join(ROOT, ".wrangler", `ordering-${PORT}-${Date.now()}`),
      // On the wall clock, with the small soak's compressed sweep: what the kill lost comes back within about 40 s.
      cronEveryMs: QUICK_SWEEP.cronEveryMs,
      vars: {
        ...QUICK_SWEEP.vars,
        ADMIN_TOKEN: LOCAL_ADMIN_TOKEN,
        // Nine attempts: a delivery failing all of them at 30 % is a 1-in-50,000 event.
        RETRY_SCHEDULE: "1,1,1,2,2,2,3,3",
        CIRCUIT_COOLDOWN_SECONDS: "2",
        CIRCUIT_MAX_COOLDOWN_SECONDS: "10",
        DELIVERY_TIMEOUT_MS: "2000",
        ALLOW_LOOPBACK_TARGETS: "true",
      },
    };
    let dispatcher: LocalDispatcher | null = null;
    try {
      dispatcher = await startDispatcher(options);
      const hook = async (name: string, ordered: boolean) => {
        const r = await call<{ id: string }>(dispatcher!.url, "POST", `/v1/namespaces/${NS}/webhooks`, {
          name,
          url: `${receiver.url}/chaos/30/200/${name}`,
          events: ["build.*"],
          ordered,
        });
        expect(r.status, JSON.stringify(r.body)).toBe(201);
        return r.body.id;
      };
      const orderedId = await hook("ordered", true);
      const unorderedId = await hook("unordered", false);

      const publish = async (n: number) => {
        for (const k of KEYS) {
          for (let tries = 0; ; tries++) {
            const r = await call<unknown>(dispatcher!.url, "POST", `/v1/namespaces/${NS}/events`, {
              id: `evt_${k.replace(/\W/g, "")}_${n}`,
              type: "build.started",
              data: { id: n, k, n },
              ordering_key: k,
            }).catch(() => ({ status: 0, body: null }));
            if (r.status === 202 || r.status === 200) break;
            if (tries >= 5) throw new Error(`publish ${k}/${n}: ${r.status}`);
            await sleep(500);
          }
        }
      };
      const list = (id: string) => call<{ data: { status: string }[] }>(dispatcher!.url, "GET", `/v1/namespaces/${NS}/webhooks/${id}/deliveries?limit=200`);
      for (let n = 0; n < PER_KEY / 2; n++) await publish(n);
      await sleep(1_500);
      // The kill cuts the run in the middle: ordered deliveries are still owed (parked, in flight or waiting to retry).
      const owed = (await list(orderedId)).body.data.filter((d) => d.status === "pending").length;
      expect(owed).toBeGreaterThan(0);
      await dispatcher.stop("SIGKILL");
      dispatcher = await startDispatcher(options);
      for (let n = PER_KEY / 2; n < PER_KEY; n++) await publish(n);

      const until = Date.now() + 240_000;
      for (;;) {
        const [o, u] = [(await list(orderedId)).body.data, (await list(unorderedId)).body.data];
        const done = (l: { status: string }[]) => l.length === KEYS.length * PER_KEY && l.every((d) => d.status !== "pending");
        if (done(o) && done(u)) {
          expect(o.filter((d) => d.status !== "succeeded")).toEqual([]);
          expect(u.filter((d) => d.status !== "succeeded")).toEqual([]);
          break;
        }
        if (Date.now() > until) throw new Error(`still pending: ${o.filter((d) => d.status === "pending").length} ordered, ${u.filter((d) => d.status === "pending").length} unordered`);
        await sleep(2_000);
      }

      const seen = (name: string): Seen[] => receiver.requests.get(name) ?? [];
      checkOrder(seen("ordered"), KEYS, PER_KEY);
      const unorderedOk = new Set(seen("unordered").filter((r) => r.status === 200).map((r) => JSON.stringify(eventOf(r))));
      expect(unorderedOk.size).toBe(KEYS.length * PER_KEY);
    } finally {
      await dispatcher?.stop("SIGKILL");
      await receiver.close();
      rmSync(options.persistTo, { recursive: true, force: true });
    }
  });
});
