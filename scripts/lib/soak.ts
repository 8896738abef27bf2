/**
 * The chaos soak's core (scripts/soak.ts is its command line; a small run is
 * in test/node/soak.test.ts): the dispatcher as `npm start` runs it, a fleet
 * of loopback receivers that misbehave at random, N events over several
 * namespaces and webhooks, one SIGKILL + restart mid-run, then a count of
 * what became of every delivery, read through the API and checked against
 * what the receivers saw.
 *
 * The local queue keeps messages in memory, so the kill loses every message
 * in flight: only the recovery sweep (D1 is the record) can bring those
 * deliveries back. The sweep re-sends a claim cut off by the kill at the
 * first sweep after its lease (the timeout + CLAIM_LEASE_MARGIN_SECONDS), a never-attempted
 * delivery after SWEEP_GRACE_SECONDS, and a lost retry message only
 * SWEEP_RESEND_BACKOFF_SECONDS after the delivery was last enqueued (a retry
 * merely waiting in the queue looks the same until then). Production's
 * minute and ten minutes are compressed to SWEEP_VARS below, in proportion to
 * the soak's compressed retry schedule, and the cron fires on the wall clock
 * once a minute: the sweep's rules and clock are the product's, only its
 * settings are the soak's (docs/configuration.md). Everything is measured on
 * the wall clock.
 */
import { rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { join } from "node:path";
import { adminCall as call, LOCAL_ADMIN_TOKEN, ROOT, startDispatcher, type LocalDispatcher } from "./local-dispatcher.ts";

export type SoakOptions = {
  events: number;
  /** The dispatcher's port; the receivers take the next `receivers` ports. */
  port?: number;
  receivers?: number;
  namespaces?: number;
  /** Give up waiting for final states after this long. */
  waitTimeoutMs?: number;
  log?: (line: string) => void;
  verbose?: boolean;
  /** How often the cron fires and the sweep's vars: by default once a minute with SWEEP_VARS. */
  sweep?: SweepSettings;
};

export type SweepSettings = { cronEveryMs: number; vars: Record<keyof typeof SWEEP_VARS, string> };

export type SoakFigures = {
  eventsAccepted: number;
  deliveriesExpected: number;
  delivered: number;
  duplicatesAfterLostAnswer: number;
  duplicatesOther: number;
  failedOnRecord: number;
  lost: number;
  /** Deliveries still pending 4 minutes (wall clock) after the last publish (listing caps at 200 per namespace). */
  pendingFourMinutesAfterLastPublish: number;
  /** Wall-clock minutes from the last publish until nothing was pending; null if that never happened. */
  minutesUntilNothingPending: number | null;
  seconds: number;
  /** When the dispatcher was killed: deliveries pending (listing caps at 200 per namespace) and requests the receivers had not answered yet. */
  inFlightAtKill: { pending: number; unanswered: number };
  /** Periodic cron firings that did not answer 2xx (a sweep that threw). */
  cronFailures: number;
  /** The restarted Worker's usage counters at the end (GET /v1/admin/usage): queue messages sent for the attempts made. */
  afterRestart: { queueMessagesSent: number; deliveryAttempts: number };
  /** Details for a failed run: deliveries counted lost, duplicate keys not explained. */
  notes: string[];
};

const TIMEOUT_MS = 2000;
/**
 * The sweep's settings in the soak, with the cron firing once a minute as
 * Cloudflare's does: a claim cut off by the kill is re-sent at the first
 * sweep 5 s after its timeout, a lost first message after 30 s, a lost retry
 * 90 s after its last enqueue. The back-off stays well above how long a
 * message can wait in the local queue's backlog, so the sweep does not feed
 * it duplicates of deliveries merely queued (each re-send is a message the
 * consumer must read: at 30 s and a firing every 5 s the re-sends became the
 * backlog); a duplicate is harmless otherwise, the claim takes a due row once.
 */
export const SWEEP_VARS = { SWEEP_GRACE_SECONDS: "30", SWEEP_RESEND_BACKOFF_SECONDS: "90", CLAIM_LEASE_MARGIN_SECONDS: "5" };
/**
 * For the small runs in `npm test` (a few hundred deliveries, whose slow-lane
 * backlog drains in seconds): the cron every 10 s and the waits a third of
 * the soak's, so what the kill lost comes back within about 40 s instead of
 * 150. Still the wall clock and the product's sweep; the tests check the
 * re-sends do not flood the queue.
 */
export const QUICK_SWEEP: SweepSettings = {
  cronEveryMs: 10_000,
  vars: { SWEEP_GRACE_SECONDS: "10", SWEEP_RESEND_BACKOFF_SECONDS: "30", CLAIM_LEASE_MARGIN_SECONDS: "3" },
};
const TYPES = ["build.submitted", "build.started", "build.finished", "deploy.started", "deploy.finished"];

type Answer = { status: number | "hang" | "reset"; arrivedAt: number; answeredAt?: number; lostAnswer: boolean };

/** A webhook of the soak: its receiver path, what it subscribes to, how it behaves. */
type HookPlan = { ns: string; name: string; events: string[]; profile: "chaos" | "gone"; port: number; id?: string };

/** Reasons a delivery ends without (more) attempts because its webhook went away: on record, not lost. */
const ENDED_BY_WEBHOOK = new Set(["receiver_gone", "failing_too_long", "webhook_disabled", "webhook_deleted"]);

const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One request's fate. `chaos`: mostly 2xx, else 4xx, 5xx (Retry-After 1 on
 * some), a hang past the timeout, a reset, a redirect, or a slow answer
 * (clearly inside or clearly past the timeout). `gone`: fine for a while,
 * then 410 for good (the webhook is disabled).
 */
type Fate = { kind: "status"; status: number; delayMs: number; retryAfter?: string } | { kind: "hang" } | { kind: "reset" };

function choose(profile: HookPlan["profile"], seen: number): Fate {
  if (profile === "gone") return seen < 40 ? { kind: "status", status: 200, delayMs: 0 } : { kind: "status", status: 410, delayMs: 0 };
  const r = Math.random();
  if (r < 0.55) return { kind: "status", status: 200, delayMs: 0 };
  if (r < 0.6) return { kind: "status", status: 204, delayMs: 0 };
  if (r < 0.66) return { kind: "status", status: pick([400, 404, 422]), delayMs: 0 };
  if (r < 0.74) {
    const status = pick([500, 502, 503, 429]);
    return { kind: "status", status, delayMs: 0, retryAfter: status === 500 ? undefined : "1" };
  }
  if (r < 0.79) return { kind: "hang" };
  if (r < 0.84) return { kind: "reset" };
  if (r < 0.89) return { kind: "status", status: pick([301, 302, 307]), delayMs: 0 };
  // Slow: inside the timeout, or well past it (an answer the dispatcher never reads).
  return { kind: "status", status: 200, delayMs: Math.random() < 0.6 ? 100 + Math.random() * 1000 : TIMEOUT_MS + 1000 + Math.random() * 1500 };
}

type Fleet = { servers: Server[]; answers: Map<string, Answer[]>; close(): Promise<void> };

async function startFleet(ports: number[], plans: Map<string, HookPlan>): Promise<Fleet> {
  const answers = new Map<string, Answer[]>();
  const seenPerHook = new Map<string, number>();
  const sockets = new Set<Socket>();
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const name = (req.url ?? "/").split("/").filter(Boolean)[1] ?? "";
      const plan = plans.get(name);
      const key = `${name}|${String(req.headers["webhook-id"] ?? "")}`;
      const list = answers.get(key) ?? [];
      answers.set(key, list);
      const seen = seenPerHook.get(name) ?? 0;
      seenPerHook.set(name, seen + 1);
      const fate: Fate = plan ? choose(plan.profile, seen) : { kind: "status", status: 404, delayMs: 0 };
      const arrivedAt = Date.now();
      if (fate.kind === "hang") return list.push({ status: "hang", arrivedAt, lostAnswer: true });
      if (fate.kind === "reset") {
        list.push({ status: "reset", arrivedAt, lostAnswer: true });
        req.socket.destroy();
        return;
      }
      const entry: Answer = { status: fate.status, arrivedAt, lostAnswer: false };
      list.push(entry);
      const answer = () => {
        entry.answeredAt = Date.now();
        // Past the timeout, or the client already gone: the dispatcher never read this answer.
        entry.lostAnswer = req.socket.destroyed || entry.answeredAt - arrivedAt >= TIMEOUT_MS;
        const headers: Record<string, string> = { "content-type": "text/plain" };
        if (fate.retryAfter) headers["retry-after"] = fate.retryAfter;
        if (fate.status >= 300 && fate.status < 400) headers.location = "/elsewhere";
        if (!req.socket.destroyed) {
          res.writeHead(fate.status, headers);
          res.end(`status ${fate.status}`);
        }
      };
      if (fate.delayMs > 0) setTimeout(answer, fate.delayMs);
      else answer();
    });
  };
  const servers = await Promise.all(
    ports.map(
      (port) =>
        new Promise<Server>((resolve, reject) => {
          const server = createServer(handler);
          server.on("connection", (s) => {
            sockets.add(s);
            s.on("close", () => sockets.delete(s));
          });
          server.once("error", reject);
          server.listen(port, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  return {
    servers,
    answers,
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}

/** Runs `work` over `items` with at most `limit` at a time. */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

type DeliverySummary = { ns?: string; id: string; event_id: string | null; webhook_id: string; status: string; attempts: number; failure_reason: string | null };

export async function runSoak(opts: SoakOptions): Promise<SoakFigures> {
  const log = opts.log ?? (() => {});
  const started = Date.now();
  const port = opts.port ?? 8850;
  const receiverPorts = Array.from({ length: opts.receivers ?? 3 }, (_, i) => port + 1 + i);
  const persistTo = join(ROOT, ".wrangler", `soak-${port}-${Date.now()}`);
  const namespaces = Array.from({ length: opts.namespaces ?? 3 }, (_, i) => `soak${i}${Date.now().toString(36)}`);

  // Per namespace: two chaotic webhooks for everything, one for builds only;
  // the first namespace also has one that turns 410 (and is disabled).
  const plans = new Map<string, HookPlan>();
  namespaces.forEach((ns, i) => {
    const add = (suffix: string, events: string[], profile: HookPlan["profile"]) => {
      const name = `${ns}-${suffix}`;
      plans.set(name, { ns, name, events, profile, port: receiverPorts[plans.size % receiverPorts.length] });
    };
    add("all-a", ["*"], "chaos");
    add("all-b", ["*"], "chaos");
    add("builds", ["build.started", "build.finished"], "chaos");
    if (i === 0) add("gone", ["*"], "gone");
  });

  const fleet = await startFleet(receiverPorts, plans);
  const dispatcherOptions = {
    port,
    persistTo,
    // On the wall clock, once a minute as Cloudflare fires `* * * * *` (see the header).
    cronEveryMs: opts.sweep?.cronEveryMs ?? 60_000,
    verbose: opts.verbose,
    vars: {
      ADMIN_TOKEN: LOCAL_ADMIN_TOKEN,
      RETRY_SCHEDULE: "1,1,2,2,3",
      // The circuit's clock is compressed like the retry schedule: a chaos
      // receiver fails about half its requests, so with production's 30 s
      // cool-down doubling up to an hour its circuit could rightly keep
      // deliveries waiting past the 4-minute mark, and the soak would measure
      // the cool-down instead of recovery from the kill.
      CIRCUIT_COOLDOWN_SECONDS: "2",
      CIRCUIT_MAX_COOLDOWN_SECONDS: "10",
      DELIVERY_TIMEOUT_MS: String(TIMEOUT_MS),
      // The main lane's patience clear of the receivers' "inside the timeout" answers (up to 1.1 s):
      // at production's 1 s a busy machine cuts some, the slow lane sends them again, and the soak
      // could not tell that lost answer from a duplicate (hangs and answers past 3 s still go there).
      SLOW_RECEIVER_MS: "1600",
      ALLOW_LOOPBACK_TARGETS: "true",
      ...(opts.sweep?.vars ?? SWEEP_VARS),
    },
  };
  let dispatcher: LocalDispatcher | null = null;
  const notes: string[] = [];
  let killAt = 0;
  let restartedAt = 0;
  try {
    dispatcher = await startDispatcher(dispatcherOptions);
    const base = dispatcher.url;
    for (const plan of plans.values()) {
      const created = await call<{ id: string }>(base, "POST", `/v1/namespaces/${plan.ns}/webhooks`, {
        name: plan.name,
        url: `http://127.0.0.1:${plan.port}/h/${plan.name}`,
        events: plan.events,
      });
      if (created.status !== 201) throw new Error(`creating webhook ${plan.name}: ${created.status} ${JSON.stringify(created.body)}`);
      plan.id = created.body.id;
    }
    const nameById = new Map([...plans.values()].map((p) => [p.id!, p.name]));

    let accepted = 0;
    let expected = 0;
    const publish = async (count: number, from: number) => {
      const indexes = Array.from({ length: count }, (_, i) => from + i);
      await pool(indexes, 8, async (i) => {
        const ns = namespaces[i % namespaces.length];
        for (let tries = 0; ; tries++) {
          const r = await call<{ deliveries: number }>(dispatcher!.url, "POST", `/v1/namespaces/${ns}/events`, {
            id: `evt_soak${i}`,
            type: TYPES[i % TYPES.length],
            data: { i },
          }).catch((err: unknown) => ({ status: 0, body: { deliveries: 0, error: String(err) } }));
          // 202: accepted now; 200: an earlier try was accepted (same id, same body).
          if (r.status === 202 || r.status === 200) {
            accepted++;
            expected += r.body.deliveries;
            return;
          }
          if (tries >= 5) throw new Error(`publishing event ${i}: ${r.status} ${JSON.stringify(r.body)}`);
          await sleep(500);
        }
      });
    };

    const pendingNow = async (d: LocalDispatcher) => {
      let pending = 0;
      for (const ns of namespaces) {
        const r = await call<{ data: unknown[] }>(d.url, "GET", `/v1/namespaces/${ns}/deliveries?status=pending&limit=200`);
        pending += r.body.data.length;
      }
      return pending;
    };
    // Requests the dispatcher is still waiting on: a slow answer not given yet, or a hang younger than its timeout.
    const unanswered = () =>
      [...fleet.answers.values()].flat().filter((a) => (a.status === "hang" ? a.arrivedAt > Date.now() - TIMEOUT_MS : a.status !== "reset" && a.answeredAt === undefined)).length;
    const firstHalf = Math.floor(opts.events / 2);
    await publish(firstHalf, 0);
    log(`published ${firstHalf} events; waiting for deliveries to be under way, then SIGKILL`);
    // Under way: requests have reached the receivers, some still unanswered, and deliveries are pending.
    const underWayBy = Date.now() + 30_000;
    let inFlightAtKill = { pending: 0, unanswered: 0 };
    for (;;) {
      inFlightAtKill = { pending: await pendingNow(dispatcher), unanswered: unanswered() };
      if ((inFlightAtKill.pending > 0 && inFlightAtKill.unanswered > 0) || Date.now() > underWayBy) break;
      await sleep(100);
    }
    if (inFlightAtKill.pending === 0) notes.push("nothing was pending when the dispatcher was killed: the kill tested nothing");
    if (dispatcher.cronFailures().count) notes.push(`cron firings failed before the kill: ${dispatcher.cronFailures().last}`);
    let cronFailures = dispatcher.cronFailures().count;
    killAt = Date.now();
    await dispatcher.stop("SIGKILL");
    dispatcher = await startDispatcher(dispatcherOptions);
    restartedAt = Date.now();
    log(`restarted after ${((restartedAt - killAt) / 1000).toFixed(1)} s on the same state; publishing the rest`);
    await publish(opts.events - firstHalf, firstHalf);
    const lastPublishAt = Date.now();

    // Wait until nothing is pending anywhere.
    const until = Date.now() + (opts.waitTimeoutMs ?? 30 * 60_000);
    let pendingAtFourMinutes: number | null = null;
    let minutesUntilNothingPending: number | null = null;
    for (;;) {
      const pending = await pendingNow(dispatcher);
      if (pendingAtFourMinutes === null && Date.now() - lastPublishAt >= 4 * 60_000) pendingAtFourMinutes = pending;
      if (pending === 0) {
        minutesUntilNothingPending = Math.round((Date.now() - lastPublishAt) / 6_000) / 10;
        break;
      }
      if (Date.now() > until) {
        notes.push(`gave up waiting with ${pending}+ deliveries pending`);
        break;
      }
      log(`pending: ${pending}${pending >= 200 ? "+" : ""}`);
      await sleep(5_000);
    }

    // Every delivery, as the API reports it.
    const deliveries: DeliverySummary[] = [];
    for (const ns of namespaces) {
      let cursor: string | null = null;
      do {
        const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
        const r: { status: number; body: { data: DeliverySummary[]; next_cursor: string | null } } = await call(
          dispatcher.url,
          "GET",
          `/v1/namespaces/${ns}/deliveries?limit=200${q}`,
        );
        deliveries.push(...r.body.data.map((d) => ({ ...d, ns })));
        cursor = r.body.next_cursor;
      } while (cursor);
    }

    // Failed deliveries: attempts on record (their log), or ended by a reason without one (webhook disabled or deleted).
    let failedOnRecord = 0;
    const failed = deliveries.filter((d) => d.status === "failed");
    await pool(failed, 8, async (d) => {
      const r = await call<{ attempts: unknown[]; failure_reason: string | null }>(dispatcher!.url, "GET", `/v1/namespaces/${d.ns}/deliveries/${d.id}`);
      if (r.status === 200 && (r.body.attempts.length > 0 || ENDED_BY_WEBHOOK.has(r.body.failure_reason ?? ""))) failedOnRecord++;
      else notes.push(`failed without a record: ${d.id} (${d.failure_reason})`);
    });

    // Delivered: succeeded in D1 and a 2xx seen by the receiver.
    const is2xx = (a: Answer) => typeof a.status === "number" && a.status >= 200 && a.status < 300;
    let delivered = 0;
    for (const d of deliveries) {
      if (d.status !== "succeeded") continue;
      const seen = fleet.answers.get(`${nameById.get(d.webhook_id)}|${d.event_id}`) ?? [];
      if (seen.some(is2xx)) delivered++;
      else notes.push(`succeeded but no 2xx reached the receiver: ${d.id}`);
    }

    // Duplicates: POSTs after the receiver had already answered 2xx. Allowed
    // only when that answer was lost: past the timeout, or around the kill.
    let duplicatesAfterLostAnswer = 0;
    let duplicatesOther = 0;
    const aroundKill = (a: Answer) => (a.answeredAt ?? a.arrivedAt) >= killAt - TIMEOUT_MS - 10_000 && a.arrivedAt <= restartedAt;
    for (const [key, list] of fleet.answers) {
      const ordered = [...list].sort((a, b) => a.arrivedAt - b.arrivedAt);
      const first2xx = ordered.findIndex(is2xx);
      if (first2xx < 0) continue;
      const extra = ordered.length - first2xx - 1;
      if (extra === 0) continue;
      // Each re-send needs its own lost answer before it.
      for (let i = first2xx + 1; i < ordered.length; i++) {
        const previous = ordered[i - 1];
        if (previous.lostAnswer || aroundKill(previous) || !is2xx(previous)) duplicatesAfterLostAnswer++;
        else {
          duplicatesOther++;
          notes.push(`duplicate POST not explained by a lost answer: ${key}`);
        }
      }
    }

    const lost = expected - delivered - failedOnRecord;
    const usage = await call<{ queueMessagesSent: number; deliveryAttempts: number }>(dispatcher.url, "GET", "/v1/admin/usage");
    const afterRestart = { queueMessagesSent: usage.body.queueMessagesSent, deliveryAttempts: usage.body.deliveryAttempts };
    cronFailures += dispatcher.cronFailures().count;
    if (dispatcher.cronFailures().count) notes.push(`cron firings failed after the restart: ${dispatcher.cronFailures().last}`);
    if (deliveries.length !== expected) notes.push(`the API lists ${deliveries.length} deliveries, ${expected} were expected`);
    return {
      eventsAccepted: accepted,
      deliveriesExpected: expected,
      delivered,
      duplicatesAfterLostAnswer,
      duplicatesOther,
      failedOnRecord,
      lost,
      pendingFourMinutesAfterLastPublish: pendingAtFourMinutes ?? 0,
      minutesUntilNothingPending,
      seconds: Math.round((Date.now() - started) / 1000),
      inFlightAtKill,
      cronFailures,
      afterRestart,
      notes,
    };
  } finally {
    await dispatcher?.stop();
    await fleet.close();
    rmSync(persistTo, { recursive: true, force: true });
  }
}

export function formatFigures(f: SoakFigures): string[] {
  return [
    `events accepted: ${f.eventsAccepted}`,
    `deliveries expected: ${f.deliveriesExpected}`,
    `delivered: ${f.delivered}`,
    `duplicate POSTs after a lost answer (timeout or kill): ${f.duplicatesAfterLostAnswer}`,
    `duplicate POSTs otherwise: ${f.duplicatesOther}`,
    `failed with attempts on record: ${f.failedOnRecord}`,
    `lost: ${f.lost}`,
    `still pending 4 minutes after the last publish: ${f.pendingFourMinutesAfterLastPublish}`,
    `nothing pending: ${f.minutesUntilNothingPending === null ? "never (gave up waiting)" : `${f.minutesUntilNothingPending} minutes after the last publish`}`,
    `in flight at the kill: ${f.inFlightAtKill.pending} deliveries pending, ${f.inFlightAtKill.unanswered} requests unanswered`,
    `cron firings that failed: ${f.cronFailures}`,
    `after the restart: ${f.afterRestart.queueMessagesSent} queue messages sent for ${f.afterRestart.deliveryAttempts} attempts`,
    `time: ${f.seconds} s`,
  ];
}
