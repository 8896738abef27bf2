/**
 * The benchmark's core: starts the real Worker (`wrangler dev`, as `npm
 * start` does), the bare ceiling Worker and a loopback receiver, runs the
 * scenarios and returns every figure. bench/run.ts prints and saves them;
 * test/node/bench-smoke.test.ts runs it small so it never rots.
 *
 * Counts come from the Worker itself (GET /v1/admin/usage: D1's own `meta`
 * summed where the queries run, queue operations, invocations), reset around
 * each scenario. Retention's later deletes are measured too: after a
 * scenario, POST /v1/admin/retention/prune runs the same pruneExpired the
 * cron runs, as if RETENTION_DAYS had passed.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { freePort, quietEnv, ROOT, startDispatcher, type LocalDispatcher } from "../scripts/lib/local-dispatcher.ts";
import { marginalPerMillion, monthTotal, type Bill, type PerDelivery } from "./cost.ts";
import { PRICES_AS_OF, PRICE_PAGES } from "./prices.ts";
import { NOISY_NEIGHBOUR, runNoisyNeighbour, type NoisyNeighbourResult } from "./noisy-neighbour.ts";
import { POLL, runPollScenario, type PollResult } from "./poll.ts";
import { startBenchReceiver, type BenchReceiver } from "./receiver.ts";
import { storedBytes } from "./storage.ts";
import { percentiles, pool, r1, sleep, type Percentiles } from "./stats.ts";

export const ADMIN_TOKEN = "dev-admin-token";
/** The Worker's DELIVERY_TIMEOUT_MS in the bench. */
const TIMEOUT_MS = 5000;

export type ScenarioSpec = {
  name: string;
  events: number;
  webhooks: number;
  receiver: "ok" | "fail-first" | "fail-20";
  /** Events carry ordering_key `key-<i mod orderingKeys>` (docs/ordering.md). */
  orderingKeys?: number;
  /** The webhooks are created with `ordered: true`. */
  ordered?: boolean;
};

/**
 * The four scenarios, at full size, and ordered delivery's pair
 * (issue 24): the same 100-key events to a receiver failing 20 % of first
 * attempts, to an unordered webhook and to an ordered one.
 */
export const SCENARIOS: ScenarioSpec[] = [
  { name: "fan_out_1", events: 2000, webhooks: 1, receiver: "ok" },
  { name: "fan_out_10", events: 200, webhooks: 10, receiver: "ok" },
  { name: "fan_out_500", events: 4, webhooks: 500, receiver: "ok" },
  { name: "retry", events: 500, webhooks: 1, receiver: "fail-first" },
  { name: "unordered_keys", events: 1000, webhooks: 1, receiver: "fail-20", orderingKeys: 100 },
  { name: "ordered", events: 1000, webhooks: 1, receiver: "fail-20", orderingKeys: 100, ordered: true },
];

export type BenchOptions = {
  /** Shrinks event counts (and fan-outs above 10) for a smoke run; 1 = the sizes. */
  scale?: number;
  /** Three ports: Worker, receiver, ceiling Worker. */
  ports?: { dispatcher: number; receiver: number; ceiling: number };
  /** Concurrent publishing clients. */
  publishConcurrency?: number;
  log?: (line: string) => void;
};

type Usage = Record<string, number>;

/** D1's size limit for one database. */
const SHARD_BYTES = 10e9;

export type ScenarioResult = {
  events: number;
  webhooks_per_event: number;
  deliveries: number;
  duration_ms: number;
  deliveries_per_second: number;
  ceiling_deliveries_per_second: number;
  ratio_to_ceiling: number;
  publish_ms: Percentiles;
  latency_ms: Percentiles;
  rows_written_per_delivery: number;
  rows_written_per_delivery_hot_path: number;
  rows_written_per_delivery_retention: number;
  rows_read_per_delivery: number;
  rows_read_per_delivery_hot_path: number;
  /** Bytes the scenario's rows occupy (dbstat, before retention) ÷ deliveries. */
  bytes_stored_per_delivery: number;
  /** How many such deliveries one 10 GB D1 database (a shard) holds: 10 GB ÷ bytes_stored_per_delivery. */
  deliveries_per_10gb_shard: number;
  /** ... and so, with 30 days' retention, the average rate one shard sustains (31 days stored: retention drops whole days, docs/storage.md). */
  deliveries_per_second_per_10gb_shard_30_days: number;
  d1_queries_per_delivery: number;
  d1_queries_per_delivery_hot_path: number;
  queue_messages_sent_per_delivery: number;
  queue_operations_per_delivery: number;
  queue_retries_per_delivery: number;
  worker_invocations_per_delivery: number;
  /** Not exposed by the local runtime: always null here (see worker_cpu_ms_note). */
  worker_cpu_ms_per_delivery: number | null;
  /** CPU of the local workerd process per delivery: an upper bound (it also runs local D1 and Queues). */
  workerd_process_cpu_ms_per_delivery: number | null;
  usd_per_million_deliveries_marginal: number;
  usd_per_million_deliveries_marginal_breakdown: Bill;
  usd_month_total_one_million_deliveries: number;
  usd_month_total_breakdown: Bill & { subscription: number };
  counters_hot_path: Usage;
  counters_retention: Usage;
};

export type BenchResult = {
  generated_at: string;
  machine: { cpus: number; cpu_model: string; platform: string; node: string; note: string };
  scale: number;
  publish_concurrency: number;
  prices_as_of: string;
  price_pages: string[];
  worker_cpu_ms_note: string;
  ceiling: { deliveries_per_second: number; posts: number; ms: number; concurrency: number };
  scenarios: Record<string, ScenarioResult>;
  /** Separate from `scenarios`: latency only, alone and next to hanging receivers (bench/noisy-neighbour.ts). */
  noisy_neighbour: NoisyNeighbourResult;
  /** Separate from `scenarios`: rows per polled item (bench/poll.ts). */
  poll: PollResult;
};

const CPU_NOTE =
  "The local runtime (workerd under wrangler dev) does not expose a Worker's CPU time, so worker_cpu_ms_per_delivery is null " +
  "and the bill uses workerd_process_cpu_ms_per_delivery instead: the CPU the whole local workerd process spent (Worker code plus " +
  "local D1/SQLite and the local queue), an upper bound on what Cloudflare would bill.";

const r3 = (n: number) => Math.round(n * 1000) / 1000;

/** CPU ms (user + system) of every `workerd` process below `rootPid`; null where /proc is missing. */
function workerdCpuMs(rootPid: number | undefined): number | null {
  if (!rootPid || process.platform !== "linux") return null;
  try {
    const tick = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;
    const procs = new Map<number, { ppid: number; comm: string; cpu: number }>();
    for (const name of readdirSync("/proc")) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, "utf8");
        const close = stat.lastIndexOf(")");
        const comm = stat.slice(stat.indexOf("(") + 1, close);
        const f = stat.slice(close + 2).split(" ");
        procs.set(Number(name), { ppid: Number(f[1]), comm, cpu: Number(f[11]) + Number(f[12]) });
      } catch {
        // gone meanwhile
      }
    }
    let total = 0;
    const below = (pid: number): boolean => {
      for (let p = pid, guard = 0; p > 1 && guard < 64; guard++) {
        if (p === rootPid) return true;
        p = procs.get(p)?.ppid ?? 0;
      }
      return false;
    };
    for (const [pid, p] of procs) if (p.comm.includes("workerd") && below(pid)) total += p.cpu;
    return (total * 1000) / tick;
  } catch {
    return null;
  }
}

/** The bare ceiling Worker under its own wrangler config. */
async function startCeiling(port: number): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const wrangler = join(ROOT, "node_modules", ".bin", "wrangler");
  const args = ["dev", "-c", "bench/ceiling.wrangler.toml", "--ip", "127.0.0.1", "--port", String(port), "--show-interactive-dev-session=false"];
  args.push("--inspector-port", String(await freePort()), "--persist-to", ".wrangler/bench-ceiling");
  const child = spawn(wrangler, args, { cwd: ROOT, env: quietEnv, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output = (output + d).slice(-10_000)));
  child.stderr?.on("data", (d: Buffer) => (output = (output + d).slice(-10_000)));
  const url = `http://127.0.0.1:${port}`;
  const kill = (sig: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  };
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      kill("SIGTERM");
      setTimeout(() => kill("SIGKILL"), 5_000).unref();
    });
  const until = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null || Date.now() > until) {
      process.stderr.write(output);
      await stop();
      throw new Error("the ceiling Worker did not start");
    }
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not up yet
    }
    await sleep(250);
  }
  return { url, child, stop };
}

class Api {
  usageReads = 0;
  readonly base: string;
  constructor(base: string) {
    this.base = base;
  }
  async call(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(this.base + path, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }
  async json<T>(method: string, path: string, body: unknown, expect: number): Promise<T> {
    const res = await this.call(method, path, body);
    const text = await res.text();
    if (res.status !== expect) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : null) as T;
  }
  async usage(): Promise<Usage> {
    this.usageReads++;
    return this.json<Usage>("GET", "/v1/admin/usage", undefined, 200);
  }
  async resetUsage(): Promise<void> {
    await this.json("POST", "/v1/admin/usage/reset", undefined, 204);
    this.usageReads = 0;
  }
}

/** A CI build payload of realistic size (~0.6 KB), the same for every event. */
function eventData(i: number) {
  return {
    id: 4000 + i,
    number: i,
    namespace: { id: 1, name: "bench" },
    user: { id: 7, username: "bench", email: "bench@example.com" },
    status: "passed",
    output: null,
    tags: ["bench", "main"],
    manifest: "driver:\n  type: docker\n  image: node:22\nstages:\n  - test\njobs:\n  - stage: test\n    commands:\n      - npm ci\n      - npm test\n",
    url: `https://ci.example.com/b/bench/${i}`,
    created_at: "2026-11-23T00:00:00Z",
    started_at: "2026-11-23T00:00:05Z",
    finished_at: "2026-11-23T00:02:05Z",
  };
}

function diff(after: Usage, before: Usage): Usage {
  return Object.fromEntries(Object.keys(after).map((k) => [k, (after[k] ?? 0) - (before[k] ?? 0)]));
}

async function runScenario(
  spec: ScenarioSpec,
  ctx: { api: Api; receiver: BenchReceiver; dispatcher: LocalDispatcher; persistTo: string; concurrency: number; ceilingPerSecond: number; log: (s: string) => void },
): Promise<ScenarioResult> {
  const { api, receiver, log } = ctx;
  const ns = `bench-${spec.name.replace(/_/g, "-")}-${Date.now().toString(36)}`;
  const keys = Array.from({ length: spec.webhooks }, (_, i) => `${spec.name}-w${i}`);
  log(`${spec.name}: creating ${spec.webhooks} webhook(s) in ${ns}`);
  await pool(spec.webhooks, ctx.concurrency, async (i) => {
    await api.json(
      "POST",
      `/v1/namespaces/${ns}/webhooks`,
      { name: keys[i], url: `${receiver.url}/${spec.receiver}/${keys[i]}`, events: ["build.finished"], ordered: spec.ordered ?? false },
      201,
    );
  });
  receiver.reset();
  await api.resetUsage();
  const expected = spec.events * spec.webhooks;
  const cpuBefore = workerdCpuMs(ctx.dispatcher.child.pid);
  const bytesBefore = storedBytes(ctx.persistTo);

  log(`${spec.name}: publishing ${spec.events} event(s), ${ctx.concurrency} at a time, ${expected} deliveries expected`);
  const publishedAt = new Map<string, number>();
  const publishMs: number[] = [];
  const firstPublish = Date.now();
  await pool(spec.events, ctx.concurrency, async (i) => {
    const id = `${spec.name}-${i}`;
    const t0 = performance.now();
    publishedAt.set(id, Date.now());
    const keyed = spec.orderingKeys ? { ordering_key: `key-${i % spec.orderingKeys}` } : {};
    await api.json("POST", `/v1/namespaces/${ns}/events`, { id, type: "build.finished", data: eventData(i), ...keyed }, 202);
    publishMs.push(performance.now() - t0);
  });

  const arrived = () => keys.reduce((n, k) => n + (receiver.delivered.get(k)?.size ?? 0), 0);
  const deadline = Date.now() + 120_000 + expected * 200;
  while (arrived() < expected) {
    if (Date.now() > deadline) throw new Error(`${spec.name}: only ${arrived()} of ${expected} deliveries arrived in time`);
    await sleep(50);
  }
  const lastArrival = Math.max(...keys.flatMap((k) => [...(receiver.delivered.get(k)?.values() ?? [])]));
  const durationMs = Math.max(1, lastArrival - firstPublish);

  // The consumer records each result after the receiver's answer: wait until every delivery is acked.
  let hot = await api.usage();
  while (hot.queueAcks < expected || hot.deliverySuccesses < expected) {
    if (Date.now() > deadline) throw new Error(`${spec.name}: acks stuck at ${hot.queueAcks} of ${expected}`);
    await sleep(200);
    hot = await api.usage();
  }
  await sleep(300); // let the last batch's invocation finish its bookkeeping
  hot = await api.usage();
  const cpuAfter = workerdCpuMs(ctx.dispatcher.child.pid);
  hot.workerInvocations -= api.usageReads; // our own usage reads are not part of the workload

  const bytesAfter = storedBytes(ctx.persistTo);
  const bytesPerDelivery = (bytesAfter.total - bytesBefore.total) / expected;
  const bytesByName = Object.fromEntries(
    Object.entries(bytesAfter.byName).map(([name, n]) => [name, Math.round((n - (bytesBefore.byName[name] ?? 0)) / expected)]),
  );
  log(`${spec.name}: bytes per delivery ${Math.round(bytesPerDelivery)} (${JSON.stringify(bytesByName)})`);

  // Retention's deletes, measured: run the cron's pruneExpired as if the retention period had passed.
  const beforePrune = await api.usage();
  const removed = { events: 0, deliveries: 0, attempts: 0 };
  for (;;) {
    const r = await api.json<typeof removed>("POST", "/v1/admin/retention/prune", { now: Date.now() + 10 * 365 * 86_400_000 }, 200);
    removed.events += r.events;
    removed.deliveries += r.deliveries;
    removed.attempts += r.attempts;
    if (r.events + r.deliveries + r.attempts === 0) break;
  }
  const afterPrune = await api.usage();
  const retention = diff(afterPrune, beforePrune);
  retention.workerInvocations = 0; // the cron's one invocation a minute is shared by everything it prunes
  if (removed.deliveries !== expected || removed.events !== spec.events) {
    throw new Error(`${spec.name}: retention removed ${JSON.stringify(removed)}, expected ${spec.events} events and ${expected} deliveries`);
  }

  const per = (n: number) => n / expected;
  // Billed queue operations: a write per message sent, a read per message handed to the consumer (retries included), a delete per ack.
  const queueOps = hot.queueMessagesSent + hot.queueMessagesReceived + hot.queueAcks;
  const processCpu = cpuBefore !== null && cpuAfter !== null ? per(cpuAfter - cpuBefore) : null;
  const perDelivery: PerDelivery = {
    workerRequests: per(hot.workerInvocations),
    workerCpuMs: processCpu,
    queueOperations: per(queueOps),
    d1RowsWritten: per(hot.d1RowsWritten + retention.d1RowsWritten),
    d1RowsRead: per(hot.d1RowsRead + retention.d1RowsRead),
  };
  const marginal = marginalPerMillion(perDelivery);
  const month = monthTotal(perDelivery);
  const latencies: number[] = [];
  for (const k of keys) for (const [id, at] of receiver.delivered.get(k) ?? []) latencies.push(at - (publishedAt.get(id) ?? at));

  const deliveriesPerSecond = r1((expected * 1000) / durationMs);
  return {
    events: spec.events,
    webhooks_per_event: spec.webhooks,
    deliveries: expected,
    duration_ms: durationMs,
    deliveries_per_second: deliveriesPerSecond,
    ceiling_deliveries_per_second: ctx.ceilingPerSecond,
    ratio_to_ceiling: r3(deliveriesPerSecond / ctx.ceilingPerSecond),
    publish_ms: percentiles(publishMs),
    latency_ms: percentiles(latencies),
    rows_written_per_delivery: r3(perDelivery.d1RowsWritten),
    rows_written_per_delivery_hot_path: r3(per(hot.d1RowsWritten)),
    rows_written_per_delivery_retention: r3(per(retention.d1RowsWritten)),
    rows_read_per_delivery: r3(perDelivery.d1RowsRead),
    rows_read_per_delivery_hot_path: r3(per(hot.d1RowsRead)),
    bytes_stored_per_delivery: Math.round(bytesPerDelivery),
    deliveries_per_10gb_shard: Math.round(SHARD_BYTES / bytesPerDelivery),
    deliveries_per_second_per_10gb_shard_30_days: r1(SHARD_BYTES / bytesPerDelivery / (31 * 86_400)),
    d1_queries_per_delivery: r3(per(hot.d1Queries + retention.d1Queries)),
    d1_queries_per_delivery_hot_path: r3(per(hot.d1Queries)),
    queue_messages_sent_per_delivery: r3(per(hot.queueMessagesSent)),
    queue_operations_per_delivery: r3(perDelivery.queueOperations),
    queue_retries_per_delivery: r3(per(hot.queueRetries)),
    worker_invocations_per_delivery: r3(perDelivery.workerRequests),
    worker_cpu_ms_per_delivery: null,
    workerd_process_cpu_ms_per_delivery: processCpu === null ? null : r3(processCpu),
    usd_per_million_deliveries_marginal: r3(marginal.total),
    usd_per_million_deliveries_marginal_breakdown: marginal,
    usd_month_total_one_million_deliveries: r3(month.total),
    usd_month_total_breakdown: month,
    counters_hot_path: hot,
    counters_retention: retention,
  };
}

async function measureCeiling(
  ceilingUrl: string,
  receiver: BenchReceiver,
  posts: number,
  log: (s: string) => void,
): Promise<BenchResult["ceiling"]> {
  const sample = receiver.sample;
  if (!sample) throw new Error("no delivery reached the receiver to copy for the ceiling");
  const concurrency = 50; // the consumer's max_batch_size: as many POSTs in flight as one batch has
  const fire = async (n: number) => {
    const res = await fetch(`${ceilingUrl}/fire`, {
      method: "POST",
      body: JSON.stringify({ url: `${receiver.url}/ceiling/c`, body: sample.body, headers: sample.headers, n, concurrency }),
    });
    const out = (await res.json()) as { ok: number; failed: number };
    if (out.failed) throw new Error(`ceiling: ${out.failed} POSTs failed`);
  };
  await fire(Math.min(100, posts)); // warm up
  const t0 = Date.now();
  await fire(posts);
  const ms = Math.max(1, Date.now() - t0);
  const perSecond = r1((posts * 1000) / ms);
  log(`ceiling: ${posts} POSTs in ${ms} ms = ${perSecond}/s`);
  return { deliveries_per_second: perSecond, posts, ms, concurrency };
}

export async function runBench(opts: BenchOptions = {}): Promise<BenchResult> {
  const scale = opts.scale ?? 1;
  const ports = opts.ports ?? { dispatcher: 8870, receiver: 8871, ceiling: 8872 };
  const concurrency = opts.publishConcurrency ?? 8;
  const log = opts.log ?? (() => {});
  const specs = SCENARIOS.map((s) => ({
    ...s,
    events: Math.max(2, Math.round(s.events * scale)),
    webhooks: s.webhooks > 10 ? Math.max(10, Math.round(s.webhooks * scale)) : s.webhooks,
  }));
  const persistTo = `.wrangler/bench-${Date.now().toString(36)}`;
  const receiver = await startBenchReceiver(ports.receiver);
  let dispatcher: LocalDispatcher | undefined;
  let ceiling: Awaited<ReturnType<typeof startCeiling>> | undefined;
  try {
    log(`starting the Worker (wrangler dev on :${ports.dispatcher}, state in ${persistTo}) and the ceiling Worker (:${ports.ceiling})`);
    [dispatcher, ceiling] = await Promise.all([
      startDispatcher({
        port: ports.dispatcher,
        persistTo,
        // The cron would add sweep and retention reads to the counts: the bench runs retention itself.
        cronEveryMs: 86_400_000,
        // fan_out_500 has 500 webhooks in one namespace: the tenant limit (default 100) is raised on purpose.
        // The retry scenario fails every first attempt on purpose: the circuit breaker would open on it and
        // turn a retry's cost into waiting (docs/reliability-isolation.md), so it is kept out of the way here.
        vars: {
          ADMIN_TOKEN,
          RETRY_SCHEDULE: "1",
          DELIVERY_TIMEOUT_MS: String(TIMEOUT_MS),
          ALLOW_LOOPBACK_TARGETS: "true",
          ENVIRONMENT: "development",
          NAMESPACE_MAX_WEBHOOKS: "1000",
          CIRCUIT_FAILURE_THRESHOLD: "1000000",
        },
      }),
      startCeiling(ports.ceiling),
    ]);
    const api = new Api(dispatcher.url);

    // Warm-up (not measured): one delivery, which also gives the ceiling its body.
    await runScenario(
      { name: "warmup", events: 2, webhooks: 1, receiver: "ok" },
      { api, receiver, dispatcher, persistTo: join(ROOT, persistTo), concurrency, ceilingPerSecond: 1, log: () => {} },
    );
    const ceilingResult = await measureCeiling(ceiling.url, receiver, Math.max(50, specs[0].events), log);

    const scenarios: Record<string, ScenarioResult> = {};
    for (const spec of specs) {
      scenarios[spec.name] = await runScenario(spec, { api, receiver, dispatcher, persistTo: join(ROOT, persistTo), concurrency, ceilingPerSecond: ceilingResult.deliveries_per_second, log });
      log(`${spec.name}: ${scenarios[spec.name].deliveries_per_second} deliveries/s`);
    }
    const poll = await runPollScenario(
      { events: Math.max(20, Math.round(POLL.events * scale)), tail: Math.max(3, Math.round(POLL.tail * scale)) },
      { api, concurrency, eventData, log },
    );
    log(`poll: ${poll.catch_up.rows_written_per_item} rows written, ${poll.catch_up.rows_read_per_item} read per polled item`);
    // Last: its hanging deliveries go on retrying until the Worker stops.
    const noisy = await runNoisyNeighbour(
      {
        healthy: Math.max(5, Math.round(NOISY_NEIGHBOUR.healthy * scale)),
        hangingWebhooks: NOISY_NEIGHBOUR.hangingWebhooks,
        hangingEvents: Math.max(2, Math.round(NOISY_NEIGHBOUR.hangingEvents * scale)),
      },
      { api, receiver, concurrency, timeoutMs: TIMEOUT_MS, eventData, log },
    );
    log(`noisy_neighbour: p95 ${noisy.latency_alone_ms.p95} ms alone, ${noisy.latency_with_neighbour_ms.p95} ms with the neighbour`);
    return {
      generated_at: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        cpu_model: cpus()[0]?.model ?? "unknown",
        platform: `${process.platform} ${process.arch}`,
        node: process.version,
        note: "shared machine: other work may run at the same time",
      },
      scale,
      publish_concurrency: concurrency,
      prices_as_of: PRICES_AS_OF,
      price_pages: PRICE_PAGES,
      worker_cpu_ms_note: CPU_NOTE,
      ceiling: ceilingResult,
      scenarios,
      noisy_neighbour: noisy,
      poll,
    };
  } finally {
    await Promise.all([dispatcher?.stop(), ceiling?.stop()]);
    await receiver.close();
    rmSync(join(ROOT, persistTo), { recursive: true, force: true });
  }
}
