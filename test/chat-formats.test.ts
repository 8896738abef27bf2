/**
 * Slack and Discord bodies: every catalog fixture (and a copy of each with
 * very long fields) against the receivers' documented shapes and limits, and
 * the real queue path to loopback receivers.
 */
import { describe, expect, it } from "vitest";
import { chatBody, type ChatFormat } from "../src/delivery/chat/chat-format";
import { eventCatalog } from "../src/events/catalog";
import { api, createWebhook, received, receiverUrl, settledDelivery, settledNamespace, uniqueKey, waitFor } from "./support/api";
import { eventFixtures, fixture } from "./support/fixtures";

const AT = Date.parse("2026-03-01T12:00:00Z");

function body(format: ChatFormat, type: string, data: unknown) {
  return JSON.parse(chatBody(format, { type, data: JSON.stringify(data), createdAt: AT }));
}

/** Block Kit, as Slack documents it for incoming webhooks. */
function checkSlack(m: any): string[] {
  const bad: string[] = [];
  const need = (ok: boolean, what: string) => ok || bad.push(what);
  need(Object.keys(m).sort().join() === "blocks,text", `keys ${Object.keys(m)}`);
  need(typeof m.text === "string" && m.text.length > 0 && m.text.length <= 3000, "text 1..3000");
  need(Array.isArray(m.blocks) && m.blocks.length >= 1 && m.blocks.length <= 50, "1..50 blocks");
  for (const b of m.blocks ?? []) {
    const texts: any[] = b.type === "context" ? b.elements : b.fields ?? [b.text];
    need(["section", "context"].includes(b.type), `block type ${b.type}`);
    if (b.type === "context") need(b.elements.length >= 1 && b.elements.length <= 10, "context elements 1..10");
    if (b.fields) need(b.fields.length >= 1 && b.fields.length <= 10 && !b.text, "section fields 1..10");
    for (const t of texts) {
      need(t.type === "mrkdwn" && typeof t.text === "string" && t.text.length > 0, "mrkdwn text object");
      need(t.text.length <= (b.fields ? 2000 : 3000), `text length ${t.text.length}`);
    }
  }
  return bad;
}

/** Discord's execute-webhook body with one embed. */
function checkDiscord(m: any): string[] {
  const bad: string[] = [];
  const need = (ok: boolean, what: string) => ok || bad.push(what);
  need(typeof m.content === "string" && m.content.length > 0 && m.content.length <= 2000, "content 1..2000");
  need(Array.isArray(m.embeds) && m.embeds.length === 1, "one embed");
  need(JSON.stringify(m.allowed_mentions) === '{"parse":[]}', "no mentions");
  const e = m.embeds?.[0] ?? {};
  need(typeof e.title === "string" && e.title.length > 0 && e.title.length <= 256, "title 1..256");
  need(e.description === undefined || (e.description.length > 0 && e.description.length <= 4096), "description ..4096");
  need(e.url === undefined || /^https?:\/\//.test(e.url), "url http(s)");
  need(Number.isInteger(e.color) && e.color >= 0 && e.color <= 0xffffff, "color");
  need(Array.isArray(e.fields) && e.fields.length <= 25, "fields ..25");
  for (const f of e.fields ?? []) need(f.name.length >= 1 && f.name.length <= 256 && f.value.length >= 1 && f.value.length <= 1024, "field lengths");
  need(e.footer.text.length <= 2048, "footer ..2048");
  need(!Number.isNaN(Date.parse(e.timestamp)), "timestamp");
  const total = e.title.length + (e.description?.length ?? 0) + e.footer.text.length + e.fields.reduce((n: number, f: any) => n + f.name.length + f.value.length, 0);
  need(total <= 6000, `embed total ${total}`);
  return bad;
}

/** Every string in the payload made very long (URLs stay URLs, just long). */
function stretched(v: unknown): unknown {
  if (typeof v === "string") return /^https?:/.test(v) ? `${v}/${"p".repeat(5000)}` : `${v} ${"<!channel> @everyone ".repeat(500)}`;
  if (Array.isArray(v)) return v.map(stretched);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, stretched(x)]));
  return v;
}

const cases = [
  ...eventFixtures.map((f) => ({ name: f.file, type: f.type, data: f.data })),
  ...eventFixtures.map((f) => ({ name: `${f.file} (long fields)`, type: f.type, data: stretched(f.data) })),
];

describe("chat bodies", () => {
  it("has a fixture for every catalog type", () => {
    expect(new Set(eventFixtures.map((f) => f.type))).toEqual(new Set(eventCatalog.map((e) => e.name)));
  });

  for (const c of cases) {
    it(`${c.name}: Slack and Discord shapes within limits`, () => {
      const slack = body("slack", c.type, c.data);
      const discord = body("discord", c.type, c.data);
      expect(checkSlack(slack)).toEqual([]);
      expect(checkDiscord(discord)).toEqual([]);
      // Payload text can never mention a channel in Slack (escaped) or anyone in Discord (allowed_mentions).
      expect(JSON.stringify(slack)).not.toContain("<!channel>");
      expect(slack.text).toContain(c.type === "ping" ? "connected" : "");
    });
  }

  it("drops a Slack link rather than cut it when the headline and URL are too long together", () => {
    const data = fixture("workflow-completed") as any;
    data.workflow.name = "&".repeat(600);
    data.workflow.url = `https://app.circleci.com/${"w".repeat(1970)}`;
    const first = body("slack", "workflow-completed", data).blocks[0].text.text as string;
    expect(first.length).toBeLessThanOrEqual(3000);
    expect(first).not.toContain("<https://");
    data.workflow.name = "build";
    expect(body("slack", "workflow-completed", data).blocks[0].text.text).toContain(`<${data.workflow.url}|Workflow build success>`);
  });

  it("says what happened: system, status, project, branch, commit and the workflow link", () => {
    const data = fixture("workflow-completed") as any;
    data.workflow.status = "failed";
    const slack = body("slack", "workflow-completed", data);
    const all = JSON.stringify(slack);
    expect(slack.text).toBe("❌ CircleCI: Workflow build-and-test failed (gh/circleci/web-ui)");
    expect(slack.blocks[0].text.text).toContain(`<${data.workflow.url}|Workflow build-and-test failed>`);
    for (const s of ["*Branch*\\nmain", "1dc6aa69 Add workflow webhooks", "`workflow-completed`"]) expect(all).toContain(s);
    const discord = body("discord", "workflow-completed", data);
    expect(discord.embeds[0]).toMatchObject({ url: data.workflow.url, color: 0xe01e5a, title: "❌ Workflow build-and-test failed" });
    expect(discord.embeds[0].fields).toContainEqual({ name: "Branch", value: "main", inline: true });
    expect(body("discord", "workflow-completed", fixture("workflow-completed")).embeds[0].color).toBe(0x2eb67d);
    const deploy = body("discord", "deploy.finished", fixture("deploy.finished"));
    expect(deploy.embeds[0].title).toContain("to rubyubunturbenvapp-beta Failed");
    expect(body("slack", "build.finished", fixture("build.finished.puppet")).text).toBe("✅ Puppet Pipelines: Build #6982 Success (rubyubunturbenvapp)");
  });
});

// Each test in a namespace of its own, so they run side by side (most of their time is waiting on retries).
describe.concurrent("chat webhooks through the queue", () => {
  it("need no secret, send no signature, and the test ping posts connected", async () => {
    const ns = uniqueKey("chat");
    for (const format of ["slack", "discord"] as const) {
      const key = uniqueKey();
      const hook = await createWebhook(ns, { url: receiverUrl(`/ok/${key}`), format });
      expect(hook.secret).toBeNull();
      const ping = await api("POST", `/v1/namespaces/${ns}/webhooks/${hook.id}/ping?wait=true`);
      expect(ping.status).toBe(200);
      expect(ping.body.status).toBe("succeeded");
      const [req] = await received(key);
      expect(req.headers["content-type"]).toBe("application/json");
      expect(req.headers["webhook-signature"]).toBeUndefined();
      const sent = JSON.parse(req.body);
      expect(format === "slack" ? sent.text : sent.content).toContain("connected");
      expect(checkSlack(sent).length === 0 || checkDiscord(sent).length === 0).toBe(true);
    }
  });

  it("a 404 from a chat webhook disables it with a reason; from a standard webhook it does not", async () => {
    const ns = uniqueKey("chat");
    const chat = await createWebhook(ns, { url: receiverUrl(`/status/404/${uniqueKey()}`), format: "slack", events: ["build.finished"] });
    const plain = await createWebhook(ns, { url: receiverUrl(`/status/404/${uniqueKey()}`), events: ["build.finished"] });
    await api("POST", `/v1/namespaces/${ns}/events`, { type: "build.finished", data: fixture("build.finished") });
    const off = await waitFor(
      () => api("GET", `/v1/namespaces/${ns}/webhooks/${chat.id}`),
      (r) => r.body.active === false,
    );
    expect(off.body.disabled_reason).toBe("chat_webhook_revoked");
    const list = await api("GET", `/v1/namespaces/${ns}/webhooks/${chat.id}/deliveries`);
    expect((await settledDelivery(ns, list.body.data[0].id)).failure_reason).toBe("chat_webhook_revoked");
    const plainList = await waitFor(
      () => api("GET", `/v1/namespaces/${ns}/webhooks/${plain.id}/deliveries`),
      (r) => r.body.data[0]?.last_response_status === 404,
    );
    expect(plainList.body.data[0].status).toBe("pending");
    expect((await api("GET", `/v1/namespaces/${ns}/webhooks/${plain.id}`)).body.active).toBe(true);
  });

  it("a chat 404 on the last automatic attempt is reported once, as webhook.disabled, not also as delivery.exhausted", async () => {
    const space = uniqueKey("chat-last");
    const watchKey = uniqueKey();
    const watcher = await createWebhook(space, { url: receiverUrl(`/ok/${watchKey}`), events: ["webhook.disabled", "delivery.exhausted"] });
    // 8 attempts in tests (RETRY_SCHEDULE has 7 delays): 500 seven times, then the 404 of a deleted Slack webhook.
    const chat = await createWebhook(space, { url: receiverUrl(`/fail-then/7/404/${uniqueKey()}`), format: "slack", events: ["build.finished"] });
    await api("POST", `/v1/namespaces/${space}/events`, { type: "build.finished", data: fixture("build.finished") });
    const list = await waitFor(
      () => api("GET", `/v1/namespaces/${space}/webhooks/${chat.id}/deliveries`),
      (r) => r.body.data[0]?.status === "failed",
      60_000,
    );
    expect(list.body.data[0]).toMatchObject({ attempts: 8, status: "failed" });
    expect((await api("GET", `/v1/namespaces/${space}/webhooks/${chat.id}`)).body.disabled_reason).toBe("chat_webhook_revoked");
    // Settled, with one notice delivery in all: nothing else is still to come.
    const rows = await settledNamespace(space);
    expect(rows.filter((d) => d.webhook_id === watcher.id).map((d) => [d.event_type, d.status])).toEqual([["webhook.disabled", "succeeded"]]);
    expect((await received(watchKey)).map((r) => JSON.parse(r.body).type)).toEqual(["webhook.disabled"]);
  });

  it("a 429 with Retry-After from a chat webhook waits that long", async () => {
    const ns = uniqueKey("chat");
    const hook = await createWebhook(ns, { url: receiverUrl(`/status/429/retry-after/30/${uniqueKey()}`), format: "discord", events: ["deploy.finished"] });
    await api("POST", `/v1/namespaces/${ns}/events`, { type: "deploy.finished", data: fixture("deploy.finished") });
    const list = await waitFor(
      () => api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}/deliveries`),
      (r) => r.body.data[0]?.last_response_status === 429,
    );
    const d = list.body.data[0];
    expect(Date.parse(d.next_attempt_at) - Date.parse(d.updated_at)).toBeGreaterThanOrEqual(28_000);
  });
});
