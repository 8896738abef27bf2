/**
 * Judged by the receivers' own rules (test/support/receiver-rules.ts): the
 * rules first against their sources' own vectors, then every format's
 * deliveries, test pings, examples and deliveries during a rotation through
 * the real queue to loopback receivers that apply them (a refusal is a 400,
 * so the delivery would not succeed).
 */
import { describe, expect, it } from "vitest";
import { api, createWebhook, received, receiverSecret, receiverUrl, settledDelivery, uniqueKey, waitFor } from "./support/api";
import { fixture } from "./support/fixtures";
import { hookDb } from "./support/shards";
import {
  circleciDocumentedCheck,
  djinnIntegrationReceiver,
  firstV1StrictCheck,
  judge,
  typedCircleReceiver,
} from "./support/receiver-rules";

const ns = "receiver-rules";

describe("the rules, checked against their sources", () => {
  it("CircleCI's documented check accepts the guide's vectors and refuses a bad signature", async () => {
    const vectors: [string, string, string][] = [
      ["hello world", "secret", "734cc62f32841568f45715aeb9f4d7891324e6d948e4c6c60c0621cdac48623a"],
      ["lalala", "another-secret", "daa220016c8f29a8b214fbfc3671aeec2145cfb1e6790184ffb38b6d0425fa00"],
      ["an-important-request-payload", "hunter123", "9be2242094a9a8c00c64306f382a7f9d691de910b4a266f67bd314ef18ac49fa"],
      ["foo", "secret", "773ba44693c7553d6ee20f61ea5d2757a9a4f4a44d2841ae4e95b52e4cd62db4"],
    ];
    for (const [body, secret, sig] of vectors) {
      expect(await circleciDocumentedCheck({ headers: { "circleci-signature": `v1=${sig}` }, body }, secret)).toBeNull();
      expect(await firstV1StrictCheck({ headers: { "circleci-signature": `v1=${sig}` }, body }, secret)).toBeNull();
    }
    expect(await circleciDocumentedCheck({ headers: { "circleci-signature": "v1=not-a-valid-signature" }, body: "foo" }, "secret")).not.toBeNull();
  });

  it("two v1 entries: the documented check keeps the last, the strict parser the first (why we send one)", async () => {
    const good = "773ba44693c7553d6ee20f61ea5d2757a9a4f4a44d2841ae4e95b52e4cd62db4";
    const other = "0".repeat(64);
    const req = (h: string) => ({ headers: { "circleci-signature": h }, body: "foo" });
    expect(await circleciDocumentedCheck(req(`v1=${other},v1=${good}`), "secret")).toBeNull();
    expect(await firstV1StrictCheck(req(`v1=${other},v1=${good}`), "secret")).not.toBeNull();
    expect(await circleciDocumentedCheck(req(`v1=${good},v1=${other}`), "secret")).not.toBeNull();
    expect(await firstV1StrictCheck(req(`v1=${good},v1=${other}`), "secret")).toBeNull();
  });

  it("Djinn's receiver refuses names it does not know; the typed receiver refuses our old ids and User-Agent", async () => {
    const body = "{}";
    const sig = "sha256=" + "77325902caca812dc259733aacd046b73817372c777b8d95b402647474516e13";
    expect(await djinnIntegrationReceiver({ headers: { "x-djinn-ci-event": "ping", "x-djinn-ci-signature": sig }, body }, "secret")).toMatch(/unknown webhook event/);
    expect(await djinnIntegrationReceiver({ headers: { "x-djinn-ci-event": "cron", "x-djinn-ci-signature": sig }, body }, "secret")).toBeNull();
    expect(await djinnIntegrationReceiver({ headers: { "x-djinn-ci-event": "cron" }, body }, "secret")).toMatch(/expected X-Djinn-CI-Signature/);

    const circle = (ua: string, id: string, webhookId: string) => ({
      headers: { "user-agent": ua, "content-type": "application/json", "circleci-event-type": "ping" },
      body: JSON.stringify({ type: "ping", id, happened_at: "2021-09-01T22:49:34.317Z", webhook: { id: webhookId, name: "x" } }),
    });
    const uuid = "3888f21b-eaa7-38e3-8f3d-75a63bba8895";
    expect(await typedCircleReceiver(circle("CircleCI-Webhook/1.0", uuid, uuid), "")).toBeNull();
    expect(await typedCircleReceiver(circle("CircleCI/Webhook/1.0", uuid, uuid), "")).toMatch(/user-agent/);
    expect(await typedCircleReceiver(circle("CircleCI-Webhook/1.0", "evt_abc", uuid), "")).toMatch(/id is not a UUID/);
    expect(await typedCircleReceiver(circle("CircleCI-Webhook/1.0", uuid, "wh_abc"), "")).toMatch(/webhook.id is not a UUID/);
  });
});

type Format = "djinn" | "circleci" | "puppet" | "standard";

/** A webhook whose receiver applies the format's rules with the webhook's own secret. */
async function judgedWebhook(format: Format, events: string[], secret?: string) {
  const key = uniqueKey();
  const hook = await createWebhook(ns, { format, url: receiverUrl(`/rules/${format}/${key}`), events, ...(secret ? { secret } : {}) });
  await receiverSecret(key, hook.secret);
  return { hook, key };
}

async function publish(type: string, data: unknown): Promise<void> {
  const res = await api("POST", `/v1/namespaces/${ns}/events`, { type, data });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
}

/** Every delivery of the webhook so far, settled; each must have succeeded (the receiver answered 200). */
async function expectAllAccepted(hookId: string, count: number) {
  const list = await waitFor(
    () => api("GET", `/v1/namespaces/${ns}/webhooks/${hookId}/deliveries`),
    (r) => r.status === 200 && r.body.data.length >= count,
  );
  expect(list.body.data).toHaveLength(count);
  for (const d of list.body.data) {
    const detail = await settledDelivery(ns, d.id);
    expect(detail.status, `${detail.event_type}: ${detail.attempts[0]?.response_body}`).toBe("succeeded");
    expect(detail.attempts).toHaveLength(1);
  }
}

describe("every format's deliveries pass its receivers", () => {
  const own: Record<Format, [string, string][]> = {
    djinn: [["build.submitted", "build.submitted"], ["build.finished", "build.finished"], ["build.tagged", "build.tagged"], ["ssh_keys", "ssh_keys"]],
    circleci: [["workflow-completed", "workflow-completed"], ["job-completed", "job-completed"]],
    puppet: [["build.started", "build.started.puppet"], ["deploy.finished", "deploy.finished"]],
    standard: [["deploy.started", "deploy.started"], ["job-completed", "job-completed"], ["cron", "cron"]],
  };

  for (const format of Object.keys(own) as Format[]) {
    it(`${format}: events, the test ping and "send example"`, async () => {
      const { hook } = await judgedWebhook(format, ["*"]);
      for (const [type, file] of own[format]) await publish(type, fixture(file));
      // Another system's events never reach a system format's receiver.
      if (format !== "standard") await publish(format === "circleci" ? "cron" : "job-completed", fixture(format === "circleci" ? "cron" : "job-completed"));
      expect((await api("POST", `/v1/namespaces/${ns}/webhooks/${hook.id}/ping`)).status).toBe(202);
      expect((await api("POST", `/v1/namespaces/${ns}/webhooks/${hook.id}/test`, { type: own[format][0][0] })).status).toBe(202);
      await expectAllAccepted(hook.id, own[format].length + 2);
    });
  }

  it("during a rotation's grace period and after it, each format passes a receiver holding the secret it signs with", async () => {
    const hooks = await Promise.all(
      (["djinn", "circleci", "puppet", "standard"] as Format[]).map(async (format) => ({ format, ...(await judgedWebhook(format, ["*"])) })),
    );
    const rotated = new Map<string, string>();
    for (const h of hooks) {
      const res = await api("POST", `/v1/namespaces/${ns}/webhooks/${h.hook.id}/rotate-secret`, { grace_seconds: 600 });
      expect(res.status).toBe(200);
      rotated.set(h.hook.id, res.body.secret);
    }
    // During grace: the receivers still hold the old secret, and accept.
    const during = { djinn: "objects", circleci: "job-completed", puppet: "deploy.started", standard: "variables" } as const;
    for (const h of hooks) {
      expect((await api("POST", `/v1/namespaces/${ns}/webhooks/${h.hook.id}/test`, { type: during[h.format] })).status).toBe(202);
    }
    for (const h of hooks) await expectAllAccepted(h.hook.id, 1);

    // standard and puppet also sign with the new secret during grace: a receiver that switched early accepts too.
    for (const h of hooks.filter((x) => x.format === "standard" || x.format === "puppet")) {
      const [req] = await waitFor(() => received(h.key), (r) => r.length >= 1);
      expect(await judge(h.format, req, rotated.get(h.hook.id)!)).toEqual([]);
    }

    // Grace over, as its clock running out would end it (a long grace above, so "during" never races the clock).
    for (const h of hooks) await (await hookDb(h.hook.id)).prepare("UPDATE webhooks SET previous_secret_expires_at = ? WHERE id = ?").bind(Date.now() - 1, h.hook.id).run();
    for (const h of hooks) await receiverSecret(h.key, rotated.get(h.hook.id)!);
    for (const h of hooks) expect((await api("POST", `/v1/namespaces/${ns}/webhooks/${h.hook.id}/ping`)).status).toBe(202);
    for (const h of hooks) await expectAllAccepted(h.hook.id, 2);
  });
});
