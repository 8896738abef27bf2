import { Webhook } from "standardwebhooks";
import workflowCompleted from "../src/events/examples/workflow-completed.json";
import { describe, expect, it } from "vitest";
import { api, createWebhook, received, receiverUrl, uniqueKey, waitFor } from "./support/api";
import { hookDb } from "./support/shards";

const NS = "rotation";

/**
 * Ends a rotation's grace period now, as its clock running out would: the
 * tests rotate with a long grace, so "during" never depends on how fast the
 * machine delivers, and "after" never on a sleep.
 */
async function endGrace(webhookId: string) {
  await (await hookDb(webhookId)).prepare("UPDATE webhooks SET previous_secret_expires_at = ? WHERE id = ?").bind(Date.now() - 1, webhookId).run();
}

/** What a receiver computes: lowercase hex HMAC-SHA256 of the raw body with the secret's UTF-8 bytes. */
async function hexHmac(secret: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body)));
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function deliverOne(key: string, type: string, data: unknown) {
  const before = (await received(key)).length;
  const res = await api("POST", `/v1/namespaces/${NS}/events`, { type, data });
  expect(res.status).toBe(202);
  const got = await waitFor(() => received(key), (r) => r.length > before);
  return got[got.length - 1];
}

const verifies = (secret: string, r: { body: string; headers: Record<string, string> }) => {
  try {
    new Webhook(secret).verify(r.body, r.headers);
    return true;
  } catch {
    return false;
  }
};

describe("secret rotation", () => {
  it("standard: during grace both the old and the new secret verify; after it only the new one", async () => {
    const key = uniqueKey();
    const hook = await createWebhook(NS, { url: receiverUrl(`/ok/${key}`), events: ["build.started"] });
    const old = hook.secret as string;

    const rot = await api("POST", `/v1/namespaces/${NS}/webhooks/${hook.id}/rotate-secret`, { grace_seconds: 600 });
    expect(rot.status).toBe(200);
    const fresh = rot.body.secret as string;
    expect(fresh).toMatch(/^whsec_/);
    expect(fresh).not.toBe(old);
    expect(rot.body).toMatchObject({ id: hook.id, secret_hint: fresh.slice(-4) });
    const expiresIn = Date.parse(rot.body.previous_secret_expires_at) - Date.now();
    expect(expiresIn).toBeGreaterThan(590_000);
    expect(expiresIn).toBeLessThanOrEqual(600_000);
    // The secret is shown once: GET never carries it.
    const got = await api("GET", `/v1/namespaces/${NS}/webhooks/${hook.id}`);
    expect(got.body.secret).toBeUndefined();
    expect(got.body.secret_hint).toBe(fresh.slice(-4));

    const during = await deliverOne(key, "build.started", { n: 1 });
    expect(during.headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(verifies(old, during)).toBe(true);
    expect(verifies(fresh, during)).toBe(true);

    await endGrace(hook.id);
    const after = await deliverOne(key, "build.started", { n: 2 });
    expect(after.headers["webhook-signature"].split(" ")).toHaveLength(1);
    expect(verifies(fresh, after)).toBe(true);
    expect(verifies(old, after)).toBe(false);
  });

  it("circleci and djinn keep the old secret (one signature) until grace ends", async () => {
    const cKey = uniqueKey();
    const oldC = "circle-old-secret-0123";
    const newC = "circle-new-secret-4567";
    const circle = await createWebhook(NS, { url: receiverUrl(`/ok/${cKey}`), events: ["workflow-completed"], format: "circleci", secret: oldC });
    const rc = await api("POST", `/v1/namespaces/${NS}/webhooks/${circle.id}/rotate-secret`, { secret: newC, grace_seconds: 600 });
    expect(rc.status).toBe(200);
    expect(rc.body.secret).toBe(newC);
    const c = await deliverOne(cKey, "workflow-completed", workflowCompleted);
    // One v1= entry: receivers disagree on which of two they keep (api-contract.md, "Signing keys").
    expect(c.headers["circleci-signature"]).toBe(`v1=${await hexHmac(oldC, c.body)}`);

    const dKey = uniqueKey();
    const oldD = "djinn-old-secret-0123";
    const newD = "djinn-new-secret-4567";
    const djinn = await createWebhook(NS, { url: receiverUrl(`/ok/${dKey}`), events: ["build.finished"], format: "djinn", secret: oldD });
    expect((await api("POST", `/v1/namespaces/${NS}/webhooks/${djinn.id}/rotate-secret`, { secret: newD, grace_seconds: 600 })).status).toBe(200);
    const d1 = await deliverOne(dKey, "build.finished", { id: 1 });
    expect(d1.headers["x-djinn-ci-signature"]).toBe(`sha256=${await hexHmac(oldD, d1.body)}`);
    await endGrace(djinn.id);
    await endGrace(circle.id);
    const d2 = await deliverOne(dKey, "build.finished", { id: 2 });
    expect(d2.headers["x-djinn-ci-signature"]).toBe(`sha256=${await hexHmac(newD, d2.body)}`);
    const c2 = await deliverOne(cKey, "workflow-completed", workflowCompleted);
    expect(c2.headers["circleci-signature"]).toBe(`v1=${await hexHmac(newC, c2.body)}`);
  });

  it("default grace is 24 h; grace_seconds 0 ends the old secret at once; the secret must suit the format", async () => {
    const key = uniqueKey();
    const hook = await createWebhook(NS, { url: receiverUrl(`/ok/${key}`), events: ["build.tagged"] });
    const noBody = await api("POST", `/v1/namespaces/${NS}/webhooks/${hook.id}/rotate-secret`);
    expect(noBody.status).toBe(200);
    const expires = Date.parse(noBody.body.previous_secret_expires_at) - Date.now();
    expect(expires).toBeGreaterThan(86_400_000 - 60_000);
    expect(expires).toBeLessThanOrEqual(86_400_000);

    const now = await api("POST", `/v1/namespaces/${NS}/webhooks/${hook.id}/rotate-secret`, { grace_seconds: 0 });
    expect(now.status).toBe(200);
    expect(now.body.previous_secret_expires_at).toBeNull();
    const r = await deliverOne(key, "build.tagged", { id: 3 });
    expect(verifies(now.body.secret, r)).toBe(true);
    expect(verifies(noBody.body.secret, r)).toBe(false);
    expect(verifies(hook.secret, r)).toBe(false);

    const bad = await api("POST", `/v1/namespaces/${NS}/webhooks/${hook.id}/rotate-secret`, { secret: "not-a-whsec-secret" });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details[0].path).toBe("secret");
    const badGrace = await api("POST", `/v1/namespaces/${NS}/webhooks/${hook.id}/rotate-secret`, { grace_seconds: -1 });
    expect(badGrace.status).toBe(422);
    expect((await api("POST", `/v1/namespaces/${NS}/webhooks/wh_nope/rotate-secret`, {})).status).toBe(404);
  });
});
