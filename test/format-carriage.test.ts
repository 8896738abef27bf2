/**
 * Formats speak their own system's events (api-contract.md): a system
 * format's `*` and prefixes mean that system's events only, naming another
 * system's event is refused, shared names go by the payload's shape (stored
 * on the event row), and `puppet` sends Puppet's payload as the body.
 */
import { env } from "cloudflare:workers";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { formatsCarryingEventType } from "../src/events/carriage";
import { publishEvent } from "../src/events/publish";
import { api, createWebhook, perWebhook, received, receiverUrl, settledNamespace, uniqueKey, waitFor } from "./support/api";
import { fixture } from "./support/fixtures";
import { nsDb } from "./support/shards";

const ns = "carriage";

describe("which format carries which events", () => {
  it("on `*`: djinn, circleci and puppet get only their system's events; standard gets them all", async () => {
    const keys = { standard: uniqueKey("s"), djinn: uniqueKey("d"), circleci: uniqueKey("c"), puppet: uniqueKey("p") };
    const hooks: Record<string, string> = {};
    for (const [format, key] of Object.entries(keys)) {
      const events = format === "standard" ? ["*", "webhook.disabled"] : ["*"];
      hooks[format] = (await createWebhook(ns, { format, url: receiverUrl(`/ok/${key}`), events })).id;
    }
    const published: [string, string, Record<string, unknown>][] = [
      [uniqueKey("evt_"), "build.finished", fixture("build.finished")],
      [uniqueKey("evt_"), "build.finished", fixture("build.finished.puppet")],
      [uniqueKey("evt_"), "deploy.started", fixture("deploy.started")],
      [uniqueKey("evt_"), "job-completed", fixture("job-completed")],
      [uniqueKey("evt_"), "ping", {}],
    ];
    for (const [id, type, data] of published) {
      const res = await api("POST", `/v1/namespaces/${ns}/events`, { id, type, data });
      expect(res.status).toBe(202);
    }
    await publishEvent(env, ns, { id: uniqueKey("evt_"), type: "webhook.disabled", data: fixture("webhook.disabled") }, { operational: true });

    const ids = (rs: { headers: Record<string, string> }[]) => rs.map((r) => r.headers["webhook-id"]).sort();
    const [djinnId, puppetBuildId, deployId, jobId] = published.map((p) => p[0]);
    const std = await waitFor(() => received(keys.standard), (r) => r.length >= 6);
    expect(std).toHaveLength(6);
    const dj = await waitFor(() => received(keys.djinn), (r) => r.length >= 1);
    const pp = await waitFor(() => received(keys.puppet), (r) => r.length >= 2);
    const cc = await waitFor(() => received(keys.circleci), (r) => r.length >= 2);
    // A wrongly routed delivery would be a row by now (fan-out is written with the event): count them, all settled.
    const settled = await settledNamespace(ns);
    expect(perWebhook(settled)).toEqual({ [hooks.standard]: 6, [hooks.djinn]: 1, [hooks.puppet]: 2, [hooks.circleci]: 2 });
    expect(ids(await received(keys.djinn))).toEqual([djinnId]);
    expect(ids(await received(keys.puppet))).toEqual([puppetBuildId, deployId].sort());
    expect(ids(await received(keys.circleci))).toHaveLength(2);
    expect(cc.map((r) => r.headers["circleci-event-type"]).sort()).toEqual(["job-completed", "ping"]);
    expect(dj[0].headers["x-djinn-ci-event"]).toBe("build.finished");
    expect(pp.every((r) => !("x-djinn-ci-event" in r.headers))).toBe(true);

    // The decision is stored with the event.
    const rows = await (await nsDb(ns)).prepare(`SELECT id, system FROM all_events WHERE namespace = ? AND id IN (?, ?, ?)`)
      .bind(ns, djinnId, puppetBuildId, jobId)
      .all<{ id: string; system: string }>();
    const systems = Object.fromEntries(rows.results.map((r) => [r.id, r.system]));
    expect(systems).toEqual({ [djinnId]: "djinn-ci", [puppetBuildId]: "puppet-pipelines", [jobId]: "circleci" });
  });

  it("puppet: Puppet's payload itself as the body, application/json, Standard Webhooks headers", async () => {
    const key = uniqueKey();
    const hook = await createWebhook(ns, { format: "puppet", url: receiverUrl(`/ok/${key}`), events: ["deploy.*"] });
    expect(hook.format).toBe("puppet");
    const id = uniqueKey("evt_");
    const data = fixture("deploy.finished");
    const sent = JSON.stringify({ id, type: "deploy.finished", data });
    expect((await api("POST", `/v1/namespaces/${ns}/events`, sent)).status).toBe(202);
    const [r] = await waitFor(() => received(key), (x) => x.length >= 1);
    expect(r.headers["content-type"]).toBe("application/json");
    expect(r.headers["webhook-id"]).toBe(id);
    expect(JSON.parse(r.body)).toEqual(data);
    expect(JSON.parse(r.body).app_name).toBe(data.app_name);
    expect(new StandardWebhook(hook.secret).verify(r.body, r.headers)).toEqual(data);
  });

  it("naming another system's event, or an operational one, is 422 naming the format that carries it", async () => {
    const cases: [string, string[], string][] = [
      ["djinn", ["build.*", "job-completed"], "`circleci`"],
      ["djinn", ["ping"], "`circleci`"],
      ["puppet", ["build.submitted"], "`djinn`"],
      ["puppet", ["invite.*"], "`djinn`"],
      ["circleci", ["deploy.finished"], "`puppet`"],
      ["djinn", ["webhook.disabled"], "`standard`"],
    ];
    for (const [format, events, carrier] of cases) {
      const res = await api("POST", `/v1/namespaces/${ns}/webhooks`, { name: uniqueKey("bad"), format, url: receiverUrl("/ok/x"), events });
      expect(res.status, `${format} ${events}`).toBe(422);
      expect(res.body.error.code).toBe("validation_failed");
      expect(res.body.error.message).toContain(carrier);
      expect(res.body.error.details).toEqual([{ path: `events.${events.length - 1}`, message: expect.stringContaining(carrier) }]);
    }
    // Shared names and prefixes that reach the format's own events are fine.
    for (const [format, events] of [
      ["puppet", ["build.*", "build.finished", "deploy.*"]],
      ["djinn", ["build.*", "invite.*", "ssh_keys"]],
      ["circleci", ["workflow-completed", "job-completed", "ping"]],
      ["standard", ["*", "ping", "delivery.exhausted"]],
    ] as const) {
      expect((await api("POST", `/v1/namespaces/${ns}/webhooks`, { name: uniqueKey("ok"), format, url: receiverUrl("/ok/x"), events })).status).toBe(201);
    }
    // Changing the format re-checks the stored subscription.
    const hook = await createWebhook(ns, { format: "djinn", events: ["build.submitted"] });
    const toPuppet = await api("PATCH", `/v1/namespaces/${ns}/webhooks/${hook.id}`, { format: "puppet" });
    expect(toPuppet.status).toBe(422);
    expect(toPuppet.body.error.message).toContain("`djinn`");
  });

  it("GET /v1/event-types says which formats carry each type (formatsCarryingEventType)", async () => {
    // standard and the chat formats carry every event; a system format its own.
    const every = ["standard", "slack", "discord"];
    expect(formatsCarryingEventType("build.finished")).toEqual([...every, "djinn", "puppet"]);
    expect(formatsCarryingEventType("build.submitted")).toEqual([...every, "djinn"]);
    expect(formatsCarryingEventType("collaborator_joined")).toEqual([...every, "djinn"]);
    expect(formatsCarryingEventType("deploy.started")).toEqual([...every, "puppet"]);
    expect(formatsCarryingEventType("ping")).toEqual([...every, "circleci"]);
    expect(formatsCarryingEventType("delivery.exhausted")).toEqual(every);
    expect(formatsCarryingEventType("nope")).toEqual([]);
    const res = await api("GET", "/v1/event-types");
    const byName = new Map<string, { formats: string[] }>(res.body.data.map((t: { name: string; formats: string[] }) => [t.name, t]));
    for (const [name, t] of byName) expect(t.formats, name).toEqual(formatsCarryingEventType(name));
  });
});
