/**
 * The `noisy_neighbour` scenario (issue 13): does one tenant's hanging
 * receivers slow another tenant's healthy one? On the same run and the same
 * healthy webhook, publish-to-arrival p95 is measured twice:
 *
 * 1. alone: `healthy` events to the healthy webhook, nothing else going on;
 * 2. with a neighbour: in another namespace, `hangingWebhooks` webhooks whose
 *    receiver never answers get `hangingEvents` events each (300 deliveries
 *    at full scale); as soon as the first of them (up to 50) are hanging at
 *    the receiver, the same `healthy` events again.
 *
 * Target: p95 with the neighbour <= max(2 s, 2 x p95 alone). The hanging
 * deliveries keep timing out and retrying after the measurement; the bench
 * runs this scenario last, and stopping the Worker ends them.
 */
import { percentiles, pool, r1, sleep, type Percentiles } from "./stats.ts";
import type { BenchReceiver } from "./receiver.ts";

export type NoisyNeighbourSpec = { healthy: number; hangingWebhooks: number; hangingEvents: number };

/** The sizes: 60 healthy events; 5 hanging webhooks x 60 events = 300 hanging deliveries. */
export const NOISY_NEIGHBOUR: NoisyNeighbourSpec = { healthy: 60, hangingWebhooks: 5, hangingEvents: 60 };

export type NoisyNeighbourResult = {
  healthy_events: number;
  hanging_webhooks: number;
  hanging_deliveries: number;
  /** The Worker's DELIVERY_TIMEOUT_MS in this run: how long each hanging POST holds on. */
  delivery_timeout_ms: number;
  latency_alone_ms: Percentiles;
  latency_with_neighbour_ms: Percentiles;
  /** max(2000, 2 x alone p95) */
  target_p95_ms: number;
  within_target: boolean;
  /** Hanging POSTs the receiver had seen when the healthy events were published (the first batch of them, up to 50). */
  hanging_posts_before_healthy: number;
};

type ApiLike = { json<T>(method: string, path: string, body: unknown, expect: number): Promise<T> };

export async function runNoisyNeighbour(
  spec: NoisyNeighbourSpec,
  ctx: { api: ApiLike; receiver: BenchReceiver; concurrency: number; timeoutMs: number; eventData: (i: number) => unknown; log: (s: string) => void },
): Promise<NoisyNeighbourResult> {
  const { api, receiver, log } = ctx;
  const stamp = Date.now().toString(36);
  const healthyNs = `bench-nn-healthy-${stamp}`;
  const noisyNs = `bench-nn-noisy-${stamp}`;
  const key = `nn-healthy-${stamp}`;
  await api.json("POST", `/v1/namespaces/${healthyNs}/webhooks`, { name: "healthy", url: `${receiver.url}/ok/${key}`, events: ["build.finished"] }, 201);

  /** Publishes `n` events to the healthy webhook and answers each one's publish-to-arrival time. */
  const healthyRound = async (phase: string): Promise<number[]> => {
    const publishedAt = new Map<string, number>();
    await pool(spec.healthy, ctx.concurrency, async (i) => {
      const id = `nn-${phase}-${i}`;
      publishedAt.set(id, Date.now());
      await api.json("POST", `/v1/namespaces/${healthyNs}/events`, { id, type: "build.finished", data: ctx.eventData(i) }, 202);
    });
    const deadline = Date.now() + 300_000;
    const arrivals = () => [...publishedAt.keys()].map((id) => receiver.delivered.get(key)?.get(id));
    while (arrivals().some((a) => a === undefined)) {
      if (Date.now() > deadline) throw new Error(`noisy_neighbour (${phase}): healthy deliveries still missing after 300 s`);
      await sleep(50);
    }
    return [...publishedAt].map(([id, at]) => (receiver.delivered.get(key)?.get(id) ?? at) - at);
  };

  log(`noisy_neighbour: ${spec.healthy} events to a healthy webhook, alone`);
  const alone = percentiles(await healthyRound("alone"));

  log(`noisy_neighbour: ${spec.hangingWebhooks} hanging webhooks x ${spec.hangingEvents} events in ${noisyNs}, then the healthy events again`);
  await pool(spec.hangingWebhooks, ctx.concurrency, async (i) => {
    await api.json("POST", `/v1/namespaces/${noisyNs}/webhooks`, { name: `hang-${i}`, url: `${receiver.url}/hang/${noisyNs}-${i}`, events: ["build.finished"] }, 201);
  });
  await pool(spec.hangingEvents, ctx.concurrency, async (i) => {
    await api.json("POST", `/v1/namespaces/${noisyNs}/events`, { id: `nn-hang-${i}`, type: "build.finished", data: ctx.eventData(i) }, 202);
  });
  // "While they go": the first hanging POSTs are in flight (up to a batch of them) before the healthy events follow.
  const hangingDeliveries = spec.hangingWebhooks * spec.hangingEvents;
  const inFlight = Math.min(hangingDeliveries, 50);
  const waitUntil = Date.now() + 30_000;
  while (receiver.hangingCount() < inFlight && Date.now() < waitUntil) await sleep(20);
  const hangingBefore = receiver.hangingCount();
  const withNeighbour = percentiles(await healthyRound("noisy"));

  const target = Math.max(2000, 2 * alone.p95);
  return {
    healthy_events: spec.healthy,
    hanging_webhooks: spec.hangingWebhooks,
    hanging_deliveries: hangingDeliveries,
    delivery_timeout_ms: ctx.timeoutMs,
    latency_alone_ms: alone,
    latency_with_neighbour_ms: withNeighbour,
    target_p95_ms: r1(target),
    within_target: withNeighbour.p95 <= target,
    hanging_posts_before_healthy: hangingBefore,
  };
}

/** The scenario's lines in the bench's printout. */
export function noisyNeighbourLines(r: NoisyNeighbourResult): string[] {
  const pct = (p: Percentiles) => `p50 ${p.p50}  p95 ${p.p95}  p99 ${p.p99}`;
  return [
    `== noisy_neighbour: ${r.healthy_events} events to a healthy webhook, alone and next to ${r.hanging_deliveries} deliveries to ${r.hanging_webhooks} hanging receivers (timeout ${r.delivery_timeout_ms} ms) in another namespace`,
    `  latency_ms alone                    ${pct(r.latency_alone_ms)}`,
    `  latency_ms with the neighbour       ${pct(r.latency_with_neighbour_ms)}`,
    `  target p95 (max(2 s, 2 x alone))    ${r.target_p95_ms}  ${r.within_target ? "met" : "NOT met"}`,
  ];
}

/** The scenario under bench/README.md's table. */
export function noisyNeighbourSentence(r: NoisyNeighbourResult): string {
  return (
    `\`noisy_neighbour\`: a healthy webhook's publish-to-arrival p95 is ${r.latency_alone_ms.p95} ms alone and ` +
    `${r.latency_with_neighbour_ms.p95} ms while ${r.hanging_deliveries} deliveries go to ${r.hanging_webhooks} hanging receivers in another namespace ` +
    `(${r.healthy_events} events each time; target <= ${r.target_p95_ms} ms: ${r.within_target ? "met" : "not met"}).`
  );
}
