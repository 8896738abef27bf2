/// <reference types="vite/client" />
/**
 * What the real systems send (test/fixtures/real/, sources in SOURCES.md)
 * publishes with 202 and reaches its system's receiver, which accepts it by
 * its own rules: byte-for-byte as published for djinn and puppet (the body is
 * the payload), inside CircleCI's envelope for circleci.
 */
import { describe, expect, it } from "vitest";
import { api, createWebhook, received, receiverSecret, receiverUrl, settledDelivery, uniqueKey, waitFor } from "./support/api";
import { eventFixtures } from "./support/fixtures";

const ns = "real-samples";
const ENVELOPE = ["type", "id", "happened_at", "webhook"];

const files = import.meta.glob<Record<string, unknown>>("./fixtures/real/*/*.json", { eager: true, import: "default" });
const samples = Object.entries(files).map(([path, data]) => {
  const [dir, file] = path.split("/").slice(-2);
  return { source: `${dir}/${file}`, dir, name: file.replace(/\.json$/, ""), data };
});

async function judgedWebhook(format: string) {
  const key = uniqueKey();
  const hook = await createWebhook(ns, { format, url: receiverUrl(`/rules/${format}/${key}`), events: ["*"] });
  await receiverSecret(key, hook.secret);
  return { hook, key };
}

async function publish(source: string, body: Record<string, unknown>) {
  const res = await api("POST", `/v1/namespaces/${ns}/events`, body);
  expect(res.status, `${source}: ${JSON.stringify(res.body)}`).toBe(202);
  expect(res.body.deliveries, source).toBeGreaterThanOrEqual(1);
}

async function allSucceeded(hookId: string, count: number) {
  const list = await waitFor(
    () => api("GET", `/v1/namespaces/${ns}/webhooks/${hookId}/deliveries?limit=200`),
    (r) => r.status === 200 && r.body.data.length >= count,
  );
  expect(list.body.data).toHaveLength(count);
  for (const d of list.body.data) {
    const detail = await settledDelivery(ns, d.id);
    expect(detail.status, `${detail.event_type}: ${detail.attempts[0]?.response_body}`).toBe("succeeded");
  }
}

describe("real samples", () => {
  it("has every source's samples", () => {
    expect(samples.filter((s) => s.dir === "djinn-docs")).toHaveLength(11);
    expect(samples.filter((s) => s.dir === "circleci-docs")).toHaveLength(4);
    expect(samples.filter((s) => s.dir === "djinn-code").length).toBeGreaterThanOrEqual(4);
  });

  it("Djinn CI's (docs and code) reach a djinn receiver byte-for-byte, and Djinn's receiver accepts them", async () => {
    const { hook, key } = await judgedWebhook("djinn");
    const djinn = samples.filter((s) => s.dir.startsWith("djinn-"));
    const ids = new Map<string, (typeof djinn)[number]>();
    for (const s of djinn) {
      const id = uniqueKey("evt_");
      ids.set(id, s);
      await publish(s.source, { id, type: s.name, data: s.data });
    }
    const got = await waitFor(() => received(key), (r) => r.length >= djinn.length);
    for (const r of got) {
      const s = ids.get(r.headers["webhook-id"])!;
      expect(r.body, s.source).toBe(JSON.stringify(s.data));
      expect(r.headers["x-djinn-ci-event"]).toBe(s.name);
    }
    await allSucceeded(hook.id, djinn.length);
  });

  it("Puppet Pipelines' (the seed's examples, times fixed) reach a puppet receiver byte-for-byte", async () => {
    const { hook, key } = await judgedWebhook("puppet");
    const puppet = eventFixtures.filter((f) => f.file.endsWith(".puppet") || f.type.startsWith("deploy."));
    expect(puppet).toHaveLength(4);
    for (const f of puppet) await publish(f.file, { id: `evt_${f.file.replace(/\./g, "_")}`, type: f.type, data: f.data });
    const got = await waitFor(() => received(key), (r) => r.length >= puppet.length);
    for (const f of puppet) expect(got.find((r) => r.headers["webhook-id"] === `evt_${f.file.replace(/\./g, "_")}`)?.body).toBe(JSON.stringify(f.data));
    await allSucceeded(hook.id, puppet.length);
  });

  it("CircleCI's documented samples (with and without workflow) reach a circleci receiver inside the envelope; their UUID ids are kept", async () => {
    const { hook, key } = await judgedWebhook("circleci");
    const circle = samples.filter((s) => s.dir === "circleci-docs");
    for (const s of circle) await publish(s.source, { id: s.data.id, type: s.data.type, data: s.data });
    const got = await waitFor(() => received(key), (r) => r.length >= circle.length);
    const without = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([k]) => !ENVELOPE.includes(k)));
    for (const s of circle) {
      const r = got.find((x) => x.headers["webhook-id"] === s.data.id);
      expect(r, s.source).toBeDefined();
      const body = JSON.parse(r!.body);
      expect(body.id).toBe(s.data.id);
      expect(body.type).toBe(s.data.type);
      expect(without(body)).toEqual(without(s.data));
    }
    expect(circle.some((s) => s.data.type === "job-completed" && !("workflow" in s.data))).toBe(true);
    await allSucceeded(hook.id, circle.length);
  });
});
