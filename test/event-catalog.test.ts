/**
 * The event catalog: every fixture validates and reaches a loopback receiver
 * through the real queue; malformed and unknown events are refused usefully;
 * GET /v1/event-types lists it all; webhooks cannot subscribe to unknown names.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { eventAliases, eventCatalog, resolveEventType } from "../src/events/catalog";
import { publishEvent } from "../src/events/publish";
import { api, createWebhook, received, receiverUrl, uniqueKey, waitFor } from "./support/api";
import { eventFixtures, fixture } from "./support/fixtures";

const ENVELOPE = ["type", "id", "happened_at", "webhook"];

describe("event catalog schemas", () => {
  it("has a fixture for every catalog type, and every fixture validates", () => {
    const types = new Set(eventFixtures.map((f) => f.type));
    for (const def of eventCatalog) expect(types.has(def.name), `fixture for ${def.name}`).toBe(true);
    for (const f of eventFixtures) {
      const def = resolveEventType(f.type)!;
      expect(def, f.file).toBeDefined();
      const parsed = (def.schemaFor?.(f.data) ?? def.schema).safeParse(f.data);
      expect(parsed.success, `${f.file}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
    }
  });

  it("the seed's impossible times are refused (why the fixtures fix them)", () => {
    const def = resolveEventType("build.finished")!;
    const seed = { ...fixture("build.finished.puppet"), end_time: "2015-11-20T23:43:90Z" };
    const r = (def.schemaFor?.(seed) ?? def.schema).safeParse(seed);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0].path).toEqual(["end_time"]);
  });

  it("open maps: unknown fields at every level are kept", () => {
    const def = resolveEventType("cron")!;
    const data = fixture("cron") as { cron: Record<string, unknown> & { user: Record<string, unknown> } };
    data.cron.user.nickname = "x";
    (data as Record<string, unknown>).extra = [1, 2];
    expect(def.schema.parse(data)).toEqual(data);
  });
});

describe("publishing the catalog", () => {
  it("every fixture goes through the queue to a receiver of each format that carries it, JSON-equal", async () => {
    const ns = "catalog-all";
    const operational = eventCatalog.filter((e) => e.operational).map((e) => e.name);
    const keys = { standard: uniqueKey("std"), djinn: uniqueKey("dj"), circleci: uniqueKey("cc"), puppet: uniqueKey("pp") };
    for (const [format, key] of Object.entries(keys)) {
      // Only standard carries the operational events (system formats refuse them).
      await createWebhook(ns, { format, url: receiverUrl(`/ok/${key}`), events: format === "standard" ? ["*", ...operational] : ["*"] });
    }
    // Which system's receivers get a fixture: its type's system, or for a shared name the payload's shape.
    const systemOf = (f: (typeof eventFixtures)[number]) => (f.file.endsWith(".puppet") ? "puppet-pipelines" : resolveEventType(f.type)!.system);
    const carriedBy = { djinn: "djinn-ci", circleci: "circleci", puppet: "puppet-pipelines" } as const;
    for (const f of eventFixtures) {
      const def = resolveEventType(f.type)!;
      if (def.operational) {
        // Only the dispatcher emits these; publish them the way it does.
        await publishEvent(env, ns, { id: `evt_${f.file.replace(/\./g, "_")}`, type: f.type, data: f.data }, { operational: true });
      } else {
        const res = await api("POST", `/v1/namespaces/${ns}/events`, { id: `evt_${f.file.replace(/\./g, "_")}`, type: f.type, data: f.data });
        expect(res.status, `${f.file}: ${JSON.stringify(res.body)}`).toBe(202);
        // standard, plus the one system format of the payload's system.
        expect(res.body.deliveries, f.file).toBe(2);
      }
    }
    const n = eventFixtures.length;
    const count = (format: keyof typeof carriedBy) => eventFixtures.filter((f) => systemOf(f) === carriedBy[format]).length;
    const [std, dj, cc, pp] = await Promise.all([
      waitFor(() => received(keys.standard), (r) => r.length >= n, 45_000),
      waitFor(() => received(keys.djinn), (r) => r.length >= count("djinn"), 45_000),
      waitFor(() => received(keys.circleci), (r) => r.length >= count("circleci"), 45_000),
      waitFor(() => received(keys.puppet), (r) => r.length >= count("puppet"), 45_000),
    ]);
    expect([dj.length, cc.length, pp.length]).toEqual([count("djinn"), count("circleci"), count("puppet")]);
    for (const f of eventFixtures) {
      const id = `evt_${f.file.replace(/\./g, "_")}`;
      const s = std.find((r) => r.headers["webhook-id"] === id);
      expect(s, `standard ${f.file}`).toBeDefined();
      const sb = JSON.parse(s!.body);
      expect(sb.type).toBe(f.type);
      expect(sb.data).toEqual(f.data);

      const d = dj.find((r) => r.headers["webhook-id"] === id);
      expect(d !== undefined, `djinn ${f.file}`).toBe(systemOf(f) === "djinn-ci");
      if (d) {
        expect(d.headers["x-djinn-ci-event"]).toBe(f.type);
        expect(JSON.parse(d.body)).toEqual(f.data);
      }

      const p = pp.find((r) => r.headers["webhook-id"] === id);
      expect(p !== undefined, `puppet ${f.file}`).toBe(systemOf(f) === "puppet-pipelines");
      if (p) expect(JSON.parse(p.body)).toEqual(f.data);

      const c = cc.find((r) => r.headers["webhook-id"] === id);
      expect(c !== undefined, `circleci ${f.file}`).toBe(systemOf(f) === "circleci");
      if (c) {
        expect(c.headers["circleci-event-type"]).toBe(f.type);
        const cb = JSON.parse(c.body);
        expect(cb.type).toBe(f.type);
        const rest = Object.fromEntries(Object.entries(cb).filter(([k]) => !ENVELOPE.includes(k)));
        const expected = Object.fromEntries(Object.entries(f.data).filter(([k]) => !ENVELOPE.includes(k)));
        expect(rest).toEqual(expected);
      }
    }
  });

  it("the older underscore names are stored under the current name", async () => {
    const ns = "catalog-alias";
    const key = uniqueKey();
    const hook = await createWebhook(ns, { format: "djinn", url: receiverUrl(`/ok/${key}`), events: ["build_submitted", "collaborator_joined"] });
    // The subscription is stored normalized too.
    expect(hook.events).toEqual(["build.submitted", "invite.accepted"]);
    for (const [old, current] of Object.entries(eventAliases)) {
      const file = current === "invite.accepted" ? "invite.accepted" : current;
      const res = await api("POST", `/v1/namespaces/${ns}/events`, { id: `alias_${old}`, type: old, data: fixture(file) });
      expect(res.status).toBe(202);
      expect(res.body.type).toBe(current);
      const stored = await api("GET", `/v1/namespaces/${ns}/events/alias_${old}`);
      expect(stored.body.type).toBe(current);
    }
    const got = await waitFor(() => received(key), (r) => r.length >= 2);
    expect(got.map((r) => r.headers["x-djinn-ci-event"]).sort()).toEqual(["build.submitted", "invite.accepted"]);
  });
});

describe("refusals", () => {
  it("a wrong type in a documented field is a 422 naming the path", async () => {
    const res = await api("POST", "/v1/namespaces/catalog-bad/events", { type: "build.finished", data: { number: "one" } });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("validation_failed");
    expect(res.body.error.details).toEqual([expect.objectContaining({ path: "data.number" })]);

    const nested = fixture("build.finished.puppet");
    (nested.commit as Record<string, unknown>).date = "yesterday";
    const r2 = await api("POST", "/v1/namespaces/catalog-bad/events", { type: "build.finished", data: nested });
    expect(r2.status).toBe(422);
    expect(r2.body.error.details.map((d: { path: string }) => d.path)).toEqual(["data.commit.date"]);

    const action = await api("POST", "/v1/namespaces/catalog-bad/events", { type: "cron", data: { action: "renamed" } });
    expect(action.status).toBe(422);
    expect(action.body.error.details[0].path).toBe("data.action");

    const circle = fixture("job-completed");
    delete circle.job;
    const r3 = await api("POST", "/v1/namespaces/catalog-bad/events", { type: "job-completed", data: circle });
    expect(r3.status).toBe(422);
    expect(r3.body.error.details[0].path).toBe("data.job");

    const big = await api("POST", "/v1/namespaces/catalog-bad/events", { type: "build.finished", data: { id: 2 ** 60 } });
    expect(big.status).toBe(422);
    expect(big.body.error.details[0].path).toBe("data.id");
  });

  it("an unknown type is a 422 that says how to discover the known ones", async () => {
    const res = await api("POST", "/v1/namespaces/catalog-bad/events", { type: "build.exploded", data: {} });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("unknown_event_type");
    expect(res.body.error.message).toContain("GET /v1/event-types");
    const op = await api("POST", "/v1/namespaces/catalog-bad/events", { type: "webhook.disabled", data: fixture("webhook.disabled") });
    expect(op.status).toBe(422);
    expect(op.body.error.code).toBe("unknown_event_type");
  });

  it("unknown names in a webhook's events are refused at create and update, naming which", async () => {
    const create = await api("POST", "/v1/namespaces/catalog-bad/webhooks", {
      name: "bad-events",
      url: receiverUrl(`/ok/${uniqueKey()}`),
      events: ["build.*", "build.exploded", "nothing.*"],
    });
    expect(create.status).toBe(422);
    expect(create.body.error.code).toBe("unknown_event_type");
    expect(create.body.error.message).toContain("build.exploded");
    expect(create.body.error.details).toEqual([
      { path: "events.1", message: expect.stringContaining("build.exploded") },
      { path: "events.2", message: expect.stringContaining("nothing.*") },
    ]);
    const hook = await createWebhook("catalog-bad", { events: ["deploy.*", "ping"] });
    const update = await api("PATCH", `/v1/namespaces/catalog-bad/webhooks/${hook.id}`, { events: ["deploy.finished", "deploys"] });
    expect(update.status).toBe(422);
    expect(update.body.error.details).toEqual([{ path: "events.1", message: expect.stringContaining("deploys") }]);
    const ok = await api("PATCH", `/v1/namespaces/catalog-bad/webhooks/${hook.id}`, { events: ["workflow-completed", "job-completed"] });
    expect(ok.status).toBe(200);
    expect(ok.body.events).toEqual(["workflow-completed", "job-completed"]);
  });
});

describe("GET /v1/event-types", () => {
  it("lists every name with its system, description, aliases and JSON Schema", async () => {
    const res = await api("GET", "/v1/event-types");
    expect(res.status).toBe(200);
    const byName = new Map<string, any>(res.body.data.map((t: { name: string }) => [t.name, t]));
    expect([...byName.keys()].sort()).toEqual(eventCatalog.map((e) => e.name).sort());
    for (const t of byName.values()) {
      expect(["djinn-ci", "puppet-pipelines", "circleci", "ci-webhooks"]).toContain(t.system);
      expect(t.description.length).toBeGreaterThan(5);
      expect(typeof t.schema).toBe("object");
    }
    expect(byName.get("deploy.finished").system).toBe("puppet-pipelines");
    expect(byName.get("build.started").also_from).toEqual(["puppet-pipelines"]);
    expect(byName.get("build.submitted").also_from).toEqual([]);
    expect(byName.get("invite.accepted").aliases).toEqual(["collaborator_joined"]);
    const build = byName.get("build.finished").schema;
    expect(build.anyOf).toHaveLength(2);
    expect(build.anyOf[0].properties.number.type).toBe("integer");
    expect(build.anyOf[0].properties.created_at.anyOf[0].format).toBe("date-time");
    expect(byName.get("cron").schema.properties.action.enum).toEqual(["created", "updated", "deleted"]);
    expect(byName.get("job-completed").schema.required).toContain("job");
    expect(byName.get("workflow-completed").schema.required ?? []).not.toContain("job");
    expect(byName.get("webhook.disabled").operational).toBe(true);
    const anon = await api("GET", "/v1/event-types", undefined, null);
    expect(anon.status).toBe(401);
  });
});
