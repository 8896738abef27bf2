import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, createWebhook, received, receiverUrl, settledDelivery, uniqueKey, waitFor } from "./support/api";
import { payloadFilterSql } from "../src/events/payload-filter";
import { fixture } from "./support/fixtures";
import { hookDb } from "./support/shards";

const ns = "payload-filter";
const EXAMPLE = { "pipeline.vcs.branch": "main", "workflow.status": ["failed", "error"] };

function workflow(status: string, branch: string) {
  const data = fixture("workflow-completed") as any;
  data.workflow.status = status;
  data.pipeline.vcs.branch = branch;
  return data;
}

async function deliveryRows(webhookId: string): Promise<number> {
  const row = await (await hookDb(webhookId)).prepare("SELECT count(*) AS n FROM all_deliveries WHERE webhook_id = ?").bind(webhookId).first<{ n: number }>();
  return row!.n;
}

async function publish(type: string, data: unknown) {
  const r = await api("POST", `/v1/namespaces/${ns}/events`, { type, data });
  expect(r.status).toBe(202);
  return r.body;
}

describe("payload filters", () => {
  // First in the file, so no delivery of another test is being processed while usage is counted.
  it("an event the filter turns away writes as many D1 rows as one that no webhook subscribes to", async () => {
    const rowsWrittenBy = async (namespace: string) => {
      expect((await api("POST", "/v1/admin/usage/reset")).status).toBeLessThan(300);
      await api("POST", `/v1/namespaces/${namespace}/events`, { type: "workflow-completed", data: workflow("success", "main") });
      return (await api("GET", "/v1/admin/usage")).body.d1RowsWritten as number;
    };
    await createWebhook("pf-cost-filtered", { url: receiverUrl(`/ok/${uniqueKey()}`), events: ["workflow-completed"], filter: EXAMPLE });
    await createWebhook("pf-cost-matched", { url: receiverUrl(`/ok/${uniqueKey()}`), events: ["workflow-completed"], filter: { "workflow.status": "success" } });
    // Placing a namespace on a shard (its first write) writes one directory row, once: place it first.
    await api("POST", "/v1/namespaces/pf-cost-empty/events", { type: "workflow-completed", data: workflow("success", "main") });
    const none = await rowsWrittenBy("pf-cost-empty");
    expect(await rowsWrittenBy("pf-cost-filtered")).toBe(none);
    expect(await rowsWrittenBy("pf-cost-matched")).toBeGreaterThan(none);
  });

  it("delivers a failed workflow on main through the queue, and writes no delivery row for a success or another branch", async () => {
    const key = uniqueKey();
    const hook = await createWebhook(ns, { url: receiverUrl(`/ok/${key}`), events: ["workflow-completed"], filter: EXAMPLE });
    expect(hook.filter).toEqual(EXAMPLE);

    const skipped = [await publish("workflow-completed", workflow("success", "main")), await publish("workflow-completed", workflow("failed", "feature/x"))];
    expect(skipped.map((e) => e.deliveries)).toEqual([0, 0]);
    expect(await deliveryRows(hook.id)).toBe(0);

    const wanted = await publish("workflow-completed", workflow("failed", "main"));
    const also = await publish("workflow-completed", workflow("error", "main"));
    expect([wanted.deliveries, also.deliveries]).toEqual([1, 1]);
    expect(await deliveryRows(hook.id)).toBe(2);

    const reqs = await waitFor(() => received(key), (r) => r.length >= 2);
    const got = reqs.map((r) => JSON.parse(r.body).data.workflow.status).sort();
    expect(got).toEqual(["error", "failed"]);
    for (const r of reqs) expect(JSON.parse(r.body).data.pipeline.vcs.branch).toBe("main");
  });

  it("matches globs, numbers, booleans, null and missing paths by JSON type", async () => {
    const hookFor = async (filter: Record<string, unknown>) =>
      createWebhook(ns, { url: receiverUrl(`/ok/${uniqueKey()}`), events: ["build.finished", "build.submitted"], filter });
    const glob = await hookFor({ "namespace.path": "acme/*" });
    const literal = await hookFor({ "namespace.path": "a?c[1]" });
    const num = await hookFor({ number: [7, 8] });
    const nul = await hookFor({ finished_at: null });
    const str = await hookFor({ number: "7" });
    const build = (number: number, path: string, finished: string | null) => ({
      ...(fixture("build.finished") as object),
      number,
      finished_at: finished,
      namespace: { ...((fixture("build.finished") as any).namespace ?? {}), path },
    });
    await publish("build.finished", build(7, "acme/web", null));
    await publish("build.finished", build(9, "a?c[1]", "2026-01-01T00:00:00Z"));
    await publish("build.submitted", { id: 3 }); // no namespace, no number, no finished_at: matches none
    expect(await deliveryRows(glob.id)).toBe(1);
    expect(await deliveryRows(literal.id)).toBe(1);
    expect(await deliveryRows(num.id)).toBe(1);
    expect(await deliveryRows(nul.id)).toBe(1);
    expect(await deliveryRows(str.id)).toBe(0);
  });

  it("evaluates every value kind in D1 by JSON type (the fragment itself)", async () => {
    const matches = async (filter: unknown, data: unknown) => {
      const row = await env.SHARD_0.prepare(`SELECT ${payloadFilterSql("?2")} AS ok FROM (SELECT ?1 AS filter) w`)
        .bind(filter === null ? null : JSON.stringify(filter), JSON.stringify(data))
        .first<{ ok: number }>();
      return row!.ok === 1;
    };
    expect(await matches(null, {})).toBe(true);
    expect(await matches({ "a.b": true }, { a: { b: true } })).toBe(true);
    expect(await matches({ "a.b": true }, { a: { b: 1 } })).toBe(false);
    expect(await matches({ "a.b": false }, { a: { b: false } })).toBe(true);
    expect(await matches({ "a.b": null }, { a: { b: null } })).toBe(true);
    expect(await matches({ "a.b": null }, { a: {} })).toBe(false);
    expect(await matches({ n: 1 }, { n: 1.0 })).toBe(true);
    expect(await matches({ n: 1 }, { n: "1" })).toBe(false);
    expect(await matches({ n: "1" }, { n: 1 })).toBe(false);
    expect(await matches({ s: "rel-*" }, { s: "rel-2.0" })).toBe(true);
    expect(await matches({ s: "rel-*" }, { s: "Rel-2.0" })).toBe(false);
    expect(await matches({ s: "[ab]?" }, { s: "a1" })).toBe(false);
    expect(await matches({ s: "[ab]?" }, { s: "[ab]?" })).toBe(true);
    expect(await matches({ s: ["x", 2, null] }, { s: null })).toBe(true);
    expect(await matches({ s: ["x", 2, null] }, { s: "y" })).toBe(false);
    expect(await matches({ "k-1": "v", "o.p_q": 3 }, { "k-1": "v", o: { p_q: 3 } })).toBe(true);
    expect(await matches({ "k-1": "v", "o.p_q": 3 }, { "k-1": "v", o: { p_q: 4 } })).toBe(false);
  });

  it("lets a PATCH null clear the filter", async () => {
    const hook = await createWebhook(ns, { url: receiverUrl(`/ok/${uniqueKey()}`), events: ["deploy.finished"], filter: { env_name: "prod*" } });
    const deploy = fixture("deploy.finished");
    await publish("deploy.finished", { ...deploy, env_name: "staging" });
    await publish("deploy.finished", { ...deploy, env_name: "production" });
    expect(await deliveryRows(hook.id)).toBe(1);
    const cleared = await api("PATCH", `/v1/namespaces/${ns}/webhooks/${hook.id}`, { filter: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body.filter).toBeNull();
    await publish("deploy.finished", { ...deploy, env_name: "staging" });
    expect(await deliveryRows(hook.id)).toBe(2);
  });

  it("shows filter: null on webhooks without one, and the test ping ignores the filter", async () => {
    const plain = await createWebhook(ns);
    expect(plain.filter).toBeNull();
    const listed = await api("GET", `/v1/namespaces/${ns}/webhooks/${plain.id}`);
    expect(listed.body.filter).toBeNull();
    const filtered = await createWebhook(ns, { events: ["workflow-completed"], filter: EXAMPLE });
    const ping = await api("POST", `/v1/namespaces/${ns}/webhooks/${filtered.id}/ping`);
    expect(ping.status).toBe(202);
    expect((await settledDelivery(ns, ping.body.delivery_id)).status).toBe("succeeded");
  });

  it("refuses bad filters with 422 naming the key", async () => {
    const bad = async (filter: unknown, events = ["workflow-completed"]) => {
      const r = await api("POST", `/v1/namespaces/${ns}/webhooks`, { name: `f-${uniqueKey()}`, url: receiverUrl("/ok/x"), events, filter });
      expect(r.status).toBe(422);
      return r.body.error;
    };
    const unknown = await bad({ "pipeline.vcs.brnach": "main" });
    expect(unknown.message).toContain("pipeline.vcs.brnach");
    expect(unknown.details).toEqual([expect.objectContaining({ path: "filter.pipeline.vcs.brnach" })]);
    const prefixed = await bad({ "data.pipeline.vcs.branch": "main" });
    expect(prefixed.details[0].message).toContain('use "pipeline.vcs.branch"');
    // A path only another type has: deploy fields on a CircleCI-only webhook.
    expect((await bad({ env_name: "prod" })).details[0].path).toBe("filter.env_name");
    expect((await bad({ "a..b": 1 })).details[0].path).toMatch(/^filter/);
    expect((await bad({ 'a"b': 1 })).details[0].path).toMatch(/^filter/);
    expect((await bad({ "workflow.status": { nested: 1 } })).details[0].path).toMatch(/^filter/);
    expect((await bad({ "workflow.status": [] })).details[0].path).toMatch(/^filter/);
    expect((await bad({})).details[0].path).toMatch(/^filter/);
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 1]));
    expect((await bad(eleven)).message + JSON.stringify((await bad(eleven)).details)).toContain("at most 10");

    // Changing the events re-checks the stored filter.
    const hook = await createWebhook(ns, { events: ["workflow-completed"], filter: EXAMPLE });
    const r = await api("PATCH", `/v1/namespaces/${ns}/webhooks/${hook.id}`, { events: ["deploy.finished"] });
    expect(r.status).toBe(422);
    expect(r.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(["filter.pipeline.vcs.branch", "filter.workflow.status"]);
  });

  it("lists each type's filterable paths in GET /v1/event-types", async () => {
    const r = await api("GET", "/v1/event-types");
    const byName = new Map(r.body.data.map((t: { name: string; filterable_paths: string[] }) => [t.name, t.filterable_paths]));
    expect(byName.get("workflow-completed")).toEqual(expect.arrayContaining(["pipeline.vcs.branch", "workflow.status", "project.slug"]));
    expect(byName.get("deploy.finished")).toEqual(expect.arrayContaining(["env_name", "servers.failed"]));
    expect(byName.get("build.finished")).toEqual(expect.arrayContaining(["status", "commit.branch", "namespace.path"]));
    expect(byName.get("workflow-completed")).not.toContain("pipeline.vcs");
  });
});
