/**
 * The queue consumer, in stages (one message = one delivery = at most one
 * HTTP attempt):
 *
 * 1. route the batch's messages: recovery continuations apart, duplicates of
 *    one delivery folded;
 * 2. claim (claim.ts): every delivery that may be sent now, in one statement;
 *    the rest is skipped, moved to the slow lane or deferred (routing.ts);
 * 3. prepare and send (send.ts), each delivery on its own;
 * 4. settle (settle.ts): a pure decision on the result;
 * 5. record (record.ts) as each attempt ends, writes coalesced, then ack or
 *    retry that delivery's message at once: a hanging POST holds up nobody
 *    else's record or ack. A failure is never acked as if it were delivered;
 * 6. reactions (reactions.ts): listeners given by the Worker.
 */
import { config } from "../config";
import { messageShard, shardDb, type ShardEnv } from "../db/shards";
import type { AppEnv, DeliveryMessage } from "../env";
import { usage } from "../usage";
import { circuitOf, CLOSED, type CircuitState } from "./circuit";
import { claimDeliveries } from "./claim";
import { laneOf, moveToSlowLane, retryLater, type Lane } from "./lanes";
import { react, type DeliveryListener } from "./reactions";
import { sendHeads } from "./ordering";
import { Recorder } from "./record";
import { continueRecovery } from "./recover";
import { continueMove } from "../namespaces/move";
import { continuePurge } from "../namespaces/purge";
import { routeUnclaimed } from "./routing";
import { prepareAndSend, type Sent } from "./send";
import { endReason, settle, type Outcome } from "./settle";

export type { Outcome, SettledDelivery } from "./settle";

/** Seconds to wait before retrying a message whose processing threw. */
const ERROR_RETRY_SECONDS = 10;

/**
 * Test seams: a hook that throws simulates the Worker dying at that point
 * (after the claim; after a delivery's POST, before it is recorded).
 */
export type ConsumerHooks = {
  afterClaim?: (claimed: number[]) => void | Promise<void>;
  afterFetch?: (attempted: number[]) => void | Promise<void>;
};

export type ConsumerOptions = ConsumerHooks & {
  /** Which lane's rules apply; handleDeliveryBatch takes it from the queue's name. Default: slow (no routing). */
  lane?: Lane;
  reactions?: readonly DeliveryListener[];
};

export async function handleDeliveryBatch(batch: MessageBatch<DeliveryMessage>, env: AppEnv, options: ConsumerOptions = {}): Promise<void> {
  const lane = options.lane ?? laneOf(batch.queue);
  // Seqs are per shard: a batch may mix shards, each is claimed on its own.
  const byShard = new Map<string, { senv: ShardEnv; bySeq: Map<number, Message<DeliveryMessage>[]> }>();
  await Promise.all(
    batch.messages.map(async (message) => {
      if (message.body.purge !== undefined || message.body.move !== undefined) return namespaceMessage(env, message);
      if (!message.body.recover) {
        const senv = knownShard(env, message);
        if (!senv) return;
        const group = byShard.get(senv.shard) ?? { senv, bySeq: new Map() };
        byShard.set(senv.shard, group);
        return void group.bySeq.set(message.body.d, [...(group.bySeq.get(message.body.d) ?? []), message]);
      }
      try {
        await continueRecovery(messageShard(env, message.body), message.body.recover);
        usage.queueAcks++;
        message.ack();
      } catch (err) {
        console.error("recovery continuation failed; retrying the message", { error: String(err) });
        usage.queueRetries++;
        message.retry({ delaySeconds: ERROR_RETRY_SECONDS });
      }
    }),
  );
  await Promise.all([...byShard.values()].map(({ senv, bySeq }) => handleShardMessages(senv, bySeq, { ...options, lane })));
}

/**
 * A step of a deleted namespace's purge (namespaces/purge.ts) or of a move
 * (namespaces/move.ts): acked when done, retried when it failed midway (the
 * next try starts from what is left, or from the message's cursor).
 */
async function namespaceMessage(env: AppEnv, message: Message<DeliveryMessage>): Promise<void> {
  const { s, purge, move, at } = message.body;
  try {
    if (purge !== undefined) await continuePurge(env, s ?? "", purge);
    else await continueMove(env, s ?? "", move!, at);
    usage.queueAcks++;
    message.ack();
  } catch (err) {
    console.error(`namespace ${purge !== undefined ? "purge" : "move"} step failed; retrying the message`, { namespace: purge ?? move, error: String(err) });
    usage.queueRetries++;
    message.retry({ delaySeconds: ERROR_RETRY_SECONDS });
  }
}

/** The message's shard; a shard no longer in SHARDS leaves the message to its retries and the dead-letter queue. */
function knownShard(env: AppEnv, message: Message<DeliveryMessage>): ShardEnv | null {
  try {
    return messageShard(env, message.body);
  } catch (err) {
    console.error("delivery message for an unknown shard; retrying it", { shard: message.body.s, error: String(err) });
    usage.queueRetries++;
    message.retry({ delaySeconds: ERROR_RETRY_SECONDS });
    return null;
  }
}

async function handleShardMessages(env: ShardEnv, bySeq: Map<number, Message<DeliveryMessage>[]>, options: ConsumerOptions & { lane: Lane }) {
  const lane = options.lane;
  const handled = new Set<number>();
  // One message carries the delivery on; its duplicates are acked.
  const answer = async (seq: number, outcome: Outcome) => {
    handled.add(seq);
    const [first, ...duplicates] = bySeq.get(seq) ?? [];
    for (const m of duplicates) {
      usage.queueAcks++;
      m.ack();
    }
    if (!first) return;
    try {
      if (outcome.kind === "routed") await moveToSlowLane(env, first, 0);
      else if (outcome.kind === "deferred") await retryLater(env, lane, first, outcome.delaySeconds);
      else if (outcome.kind === "retry" && lane === "main") await moveToSlowLane(env, first, outcome.delaySeconds);
      else if (outcome.kind === "retry") await retryLater(env, lane, first, outcome.delaySeconds);
      else {
        usage.queueAcks++;
        first.ack();
      }
    } catch (err) {
      // The slow lane could not take it: this message comes back instead (never acked unsent).
      console.error("could not hand a delivery on; retrying its message", { delivery: seq, error: String(err) });
      usage.queueRetries++;
      first.retry({ delaySeconds: ERROR_RETRY_SECONDS });
    }
  };
  try {
    await processDeliveries(env, [...bySeq.keys()], Date.now(), options, answer);
  } catch (err) {
    const left = [...bySeq].filter(([seq]) => !handled.has(seq)).flatMap(([, ms]) => ms);
    console.error("delivery batch failed; retrying its unanswered messages", { count: left.length, error: String(err) });
    for (const m of left) {
      usage.queueRetries++;
      m.retry({ delaySeconds: ERROR_RETRY_SECONDS });
    }
  }
}

export async function processDelivery(env: ShardEnv, seq: number, now = Date.now(), options?: ConsumerOptions): Promise<Outcome> {
  return (await processDeliveries(env, [seq], now, options)).get(seq) ?? { kind: "skipped" };
}

/**
 * Claims, sends, settles and records the deliveries; `answer` hears each
 * one's outcome as soon as it is on record. Throws (after every other
 * delivery is done) if any delivery's processing threw.
 */
export async function processDeliveries(
  env: ShardEnv,
  seqs: number[],
  now = Date.now(),
  options: ConsumerOptions = {},
  answer?: (seq: number, outcome: Outcome) => Promise<void>,
): Promise<Map<number, Outcome>> {
  const cfg = config(env);
  const lane = options.lane ?? "slow";
  const unique = [...new Set(seqs)];
  const outcomes = new Map<number, Outcome>(unique.map((s) => [s, { kind: "skipped" }]));
  const done = async (seq: number, outcome: Outcome) => {
    outcomes.set(seq, outcome);
    await answer?.(seq, outcome);
  };

  const { claimed, unclaimed } = await claimDeliveries(env, unique, now, lane, cfg.deliveryTimeoutMs);
  for (const [seq, route] of routeUnclaimed(lane, unclaimed, now)) await done(seq, route);
  if (claimed.length === 0) return outcomes;
  await options.afterClaim?.(claimed.map((c) => c.seq));

  const recorder = new Recorder(shardDb(env), now, claimed.length, (heads) => sendHeads(env, heads));
  // Each webhook's circuit as this invocation last saw it, so attempts ending one after another fold in order.
  const circuits = new Map<string, CircuitState>();
  const knobs = { threshold: cfg.circuitThreshold, cooldownMs: cfg.circuitCooldownMs, maxCooldownMs: cfg.circuitMaxCooldownMs };
  const errors: unknown[] = [];
  await Promise.all(
    claimed.map(async (claim) => {
      let recording = false;
      try {
        let sent: Sent | undefined;
        if (claim.webhook && claim.event && !endReason(claim, cfg.retrySchedule)) {
          const cutAfterMs = lane === "main" ? cfg.slowReceiverMs : undefined;
          sent = await prepareAndSend(env, cfg, { ...claim, webhook: claim.webhook, event: claim.event }, now, cutAfterMs);
          await options.afterFetch?.([claim.seq]);
        }
        const wid = claim.webhook?.id ?? "";
        const settlement = settle({
          claim,
          sent,
          retrySchedule: cfg.retrySchedule,
          circuit: circuits.get(wid) ?? (claim.webhook ? circuitOf(claim.webhook) : CLOSED),
          circuitKnobs: knobs,
        });
        if (settlement.settled.circuit) circuits.set(wid, settlement.settled.circuit.state);
        if (settlement.settled.status === "succeeded") usage.deliverySuccesses++;
        recording = true;
        await recorder.record(settlement);
        await done(claim.seq, settlement.outcome);
        await react(env, options.reactions ?? [], settlement.settled);
      } catch (err) {
        if (!recording) recorder.forget();
        errors.push(err);
      }
    }),
  );
  if (errors.length) throw errors[0];
  return outcomes;
}
