/**
 * Ordered delivery and the recovery sweep (delivery/ordering.ts): a parked
 * delivery is never re-sent while an earlier one of its key (here on
 * yesterday's table) has not ended, and once it has, a head whose message
 * was lost (the Worker died between the record and the send) is re-sent by
 * the sweep. Its own file: the sweep reads the whole shard.
 */
import { env } from "cloudflare:test";
import { expect, it } from "vitest";
import { processDeliveries, processDelivery } from "../src/delivery/consumer";
import { sweepOverdueDeliveries } from "../src/delivery/recovery-sweep";
import { generationAt } from "../src/db/generations";
import { onShard } from "../src/db/shards";
import type { AppEnv } from "../src/env";
import { deliveryId } from "../src/ids";
import { api, received, receiverUrl, uniqueKey, waitFor } from "./support/api";
import { page, postForm } from "./support/dashboard";
import { deliveryRow, hookAt, seedOnDay, updateDeliveries } from "./support/deliveries";

const appEnv = onShard(env as unknown as AppEnv, "SHARD_0");
const MINUTE = 60_000;

it("holds a delivery behind an earlier one of its key on yesterday's table, sweep or not; re-sends it once that one ended and its message was lost", async () => {
  const { ns, key, hook } = await hookAt("/ok", { ordered: true, events: ["build.*"] });
  const now = Date.now();
  const today = generationAt(now);
  const a = await seedOnDay(env.SHARD_0, today - 1, { ns, eventId: "evt_ord_a", webhookId: hook.id, at: now - 3 * MINUTE });
  const b = await seedOnDay(env.SHARD_0, today, { ns, eventId: "evt_ord_b", webhookId: hook.id, at: now - 2 * MINUTE });
  await updateDeliveries(env.SHARD_0, "UPDATE deliveries SET ordered = 1, ordering_key = 'pipeline-7' WHERE seq IN (?1, ?2)", a, b);
  // A waits for a retry due later: not overdue, not ended.
  await updateDeliveries(env.SHARD_0, "UPDATE deliveries SET next_attempt_at = ?2 WHERE seq = ?1", a, now + 10 * MINUTE);

  await sweepOverdueDeliveries(appEnv, now);
  const parked = await deliveryRow(b);
  expect(parked.enqueued_at).toBe(now - 2 * MINUTE);
  // Its message (say the publish's) is acked without a write: parked.
  expect(await processDelivery(appEnv, b, now)).toEqual({ kind: "waiting" });
  expect(await deliveryRow(b)).toEqual(parked);
  const shown = await api("GET", `/v1/namespaces/${ns}/deliveries/${deliveryId(b)}`);
  expect(shown.body).toMatchObject({ status: "pending", waiting_for: deliveryId(a), ordering_key: "pipeline-7", attempt_count: 0 });
  expect((await api("GET", `/v1/namespaces/${ns}/deliveries/${deliveryId(a)}`)).body.waiting_for).toBeNull();
  // The dashboard shows both: the key, and a link to the delivery it waits for.
  const deliveryPage = await (await page(`/deliveries/${deliveryId(b)}`, ns)).text();
  expect(deliveryPage).toContain("<code>pipeline-7</code>");
  expect(deliveryPage).toContain(`href="/deliveries/${deliveryId(a)}"`);
  expect(deliveryPage).toMatch(/Waits for <a [^>]+>dlv_/);
  expect(await (await page(`/webhooks/${hook.id}`, ns)).text()).toContain("key pipeline-7");

  // A ends, and the message that would have released B is lost: the sweep sends it.
  await updateDeliveries(env.SHARD_0, "UPDATE deliveries SET status = 'succeeded' WHERE seq = ?1", a);
  await sweepOverdueDeliveries(appEnv, Date.now());
  expect((await deliveryRow(b)).enqueued_at).toBeGreaterThan(now - 2 * MINUTE);
  await waitFor(() => deliveryRow(b), (r) => r.status === "succeeded");
  expect(await received(key)).toHaveLength(1);
});

it("the dashboard's webhook form sets and clears ordered", async () => {
  const ns = "ordering-form";
  const name = `ordered-${uniqueKey()}`;
  const fields = (ordered: boolean): [string, string][] => [
    ["name", name],
    ["url", receiverUrl(`/ok/${uniqueKey()}`)],
    ["format", "standard"],
    ["events", "build.started"],
    ["active", "on"],
    ...(ordered ? ([["ordered", "on"]] as [string, string][]) : []),
  ];
  expect((await postForm("/webhooks", ns, fields(true))).status).toBe(201);
  const hook = (await api("GET", `/v1/namespaces/${ns}/webhooks`)).body.data.find((w: { name: string }) => w.name === name);
  expect(hook.ordered).toBe(true);
  expect(await (await page(`/webhooks/${hook.id}/edit`, ns)).text()).toMatch(/name="ordered" value="on" checked/);
  expect((await postForm(`/webhooks/${hook.id}`, ns, fields(false))).status).toBe(303);
  expect((await api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}`)).body.ordered).toBe(false);
});

it("an open circuit holds every key: the head waits for the circuit, the rest for the head; once closed, the key resumes in order", async () => {
  const { ns, key, hook } = await hookAt("/ok", { ordered: true, events: ["build.*"] });
  const now = Date.now();
  const today = generationAt(now);
  const a = await seedOnDay(env.SHARD_0, today, { ns, eventId: "evt_circ_a", webhookId: hook.id, at: now - 1000 });
  const b = await seedOnDay(env.SHARD_0, today, { ns, eventId: "evt_circ_b", webhookId: hook.id, at: now - 1000 });
  await updateDeliveries(env.SHARD_0, "UPDATE deliveries SET ordered = 1, ordering_key = 'pipeline-9' WHERE seq IN (?1, ?2)", a, b);
  await env.SHARD_0.prepare("UPDATE webhooks SET circuit_state = 'open', circuit_since = ?2, circuit_next_probe_at = ?3, circuit_failures = 5 WHERE id = ?1")
    .bind(hook.id, now, now + 60_000)
    .run();

  const held = await processDeliveries(appEnv, [a, b], now, { lane: "slow" });
  expect(held.get(a)).toMatchObject({ kind: "deferred", reason: "circuit_open" });
  expect(held.get(b)).toEqual({ kind: "waiting" });
  expect(await received(key)).toHaveLength(0);

  await env.SHARD_0.prepare("UPDATE webhooks SET circuit_state = 'closed', circuit_since = NULL, circuit_next_probe_at = NULL, circuit_failures = 0 WHERE id = ?1").bind(hook.id).run();
  // The head's message comes back and succeeds; its end sends the next one (through the real queue).
  expect(await processDelivery(appEnv, a, Date.now(), { lane: "slow" })).toMatchObject({ kind: "settled", status: "succeeded" });
  await waitFor(() => deliveryRow(b), (r) => r.status === "succeeded");
  expect((await received(key)).map((r) => r.headers["webhook-id"])).toEqual(["evt_circ_a", "evt_circ_b"]);
});
