/**
 * Standard Webhooks `v1a` (Ed25519) signatures, issue 22: deliveries reach a
 * loopback receiver in Node that verifies them with node:crypto and the
 * public key alone (test/support/ed25519-verify.ts, the snippet of
 * docs/formats.md), before, during and after a rotation.
 */
import { describe, expect, it } from "vitest";
import { api, createWebhook, received, receiverSecret, receiverUrl, uniqueKey, waitFor } from "./support/api";
import { page, postForm } from "./support/dashboard";
import { hookDb } from "./support/shards";

const NS = "ed25519";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rawPublicKey = (pk: string) => Uint8Array.from(atob(pk.slice("whpk_".length)), (c) => c.charCodeAt(0));
const v1aEntries = (header: string) => header.split(" ").filter((e) => /^v1a,[A-Za-z0-9+/]{86}==$/.test(e));

/** Publishes one event and answers the receiver's request for it and its response status. */
async function deliverOne(hookId: string, key: string, n: number) {
  const before = (await received(key)).length;
  const res = await api("POST", `/v1/namespaces/${NS}/events`, { type: "build.started", data: { n, hook: hookId } });
  expect(res.status).toBe(202);
  const got = await waitFor(() => received(key), (r) => r.length > before);
  const deliveries = await api("GET", `/v1/namespaces/${NS}/webhooks/${hookId}/deliveries?limit=1`);
  const detail = await waitFor(
    () => api("GET", `/v1/namespaces/${NS}/deliveries/${deliveries.body.data[0].id}`),
    (r) => r.body.attempts.length > 0 && r.body.attempts[0].response_status !== null,
  );
  return { request: got[got.length - 1], status: detail.body.attempts[0].response_status as number, detail: detail.body };
}

describe("ed25519 signatures (v1a)", () => {
  it("a delivery verifies with node:crypto and the public key alone; another key does not verify it", async () => {
    const key = uniqueKey();
    const hook = await createWebhook(NS, { url: receiverUrl(`/ed25519/${key}`), events: ["build.started"], signature_scheme: "ed25519" });
    expect(hook.signature_scheme).toBe("ed25519");
    expect(hook.public_key).toMatch(/^whpk_[A-Za-z0-9+/]{43}=$/);
    expect(rawPublicKey(hook.public_key)).toHaveLength(32);
    // The private key is never shown: no secret, no hint.
    expect(hook.secret).toBeNull();
    expect(hook.secret_hint).toBeNull();
    const got = await api("GET", `/v1/namespaces/${NS}/webhooks/${hook.id}`);
    expect(got.body).toMatchObject({ signature_scheme: "ed25519", public_key: hook.public_key, secret_hint: null });
    expect(JSON.stringify(got.body)).not.toMatch(/whsk_/);
    // Sealed at rest like a secret (bound to the webhook, secret-box.ts).
    const row = await (await hookDb(hook.id)).prepare("SELECT secret_sealed, public_key FROM webhooks WHERE id = ?").bind(hook.id).first<{ secret_sealed: string; public_key: string }>();
    expect(row!.secret_sealed).toMatch(/^v2\./);
    expect(row!.public_key).toBe(hook.public_key);

    await receiverSecret(key, hook.public_key);
    const { request, status, detail } = await deliverOne(hook.id, key, 1);
    expect(v1aEntries(request.headers["webhook-signature"])).toHaveLength(1);
    expect(request.headers["webhook-signature"]).toBe(v1aEntries(request.headers["webhook-signature"])[0]);
    expect(status).toBe(200);
    // The log keeps the scheme only.
    expect(detail.attempts[0].request_headers["webhook-signature"]).toBe("v1a,[redacted]");

    // Another webhook's public key does not verify it (the receiver answers 400).
    const other = await createWebhook(NS, { url: receiverUrl(`/ok/${uniqueKey()}`), events: ["deploy.started"], signature_scheme: "ed25519" });
    expect(other.public_key).not.toBe(hook.public_key);
    await receiverSecret(key, other.public_key);
    expect((await deliverOne(hook.id, key, 2)).status).toBe(400);
  });

  it("rotation: a new key pair; during the grace period both v1a entries verify, after it only the new key's", async () => {
    const key = uniqueKey();
    const hook = await createWebhook(NS, { url: receiverUrl(`/ed25519/${key}`), events: ["build.started"], signature_scheme: "ed25519" });
    await receiverSecret(key, hook.public_key);
    expect((await deliverOne(hook.id, key, 1)).status).toBe(200);

    const refused = await api("POST", `/v1/namespaces/${NS}/webhooks/${hook.id}/rotate-secret`, { secret: `whsec_${btoa("x".repeat(32))}` });
    expect(refused.status).toBe(422);
    expect(refused.body.error.details[0].path).toBe("secret");

    const rot = await api("POST", `/v1/namespaces/${NS}/webhooks/${hook.id}/rotate-secret`, { grace_seconds: 4 });
    expect(rot.status).toBe(200);
    expect(rot.body).toMatchObject({ signature_scheme: "ed25519", secret: null, secret_hint: null });
    const fresh = rot.body.public_key as string;
    expect(fresh).toMatch(/^whpk_/);
    expect(fresh).not.toBe(hook.public_key);

    // During the grace period: two v1a entries; the receiver checks that each key verifies one.
    await receiverSecret(key, `${hook.public_key} ${fresh}`);
    const during = await deliverOne(hook.id, key, 2);
    expect(v1aEntries(during.request.headers["webhook-signature"])).toHaveLength(2);
    expect(during.status).toBe(200);

    await sleep(4500);
    await receiverSecret(key, fresh);
    const after = await deliverOne(hook.id, key, 3);
    expect(v1aEntries(after.request.headers["webhook-signature"])).toHaveLength(1);
    expect(after.status).toBe(200);
    await receiverSecret(key, hook.public_key);
    expect((await deliverOne(hook.id, key, 4)).status).toBe(400);
  });

  it("hmac-sha256 stays the default; ed25519 is for standard webhooks only and takes no secret", async () => {
    const hmac = await createWebhook(NS, { events: ["build.*"] });
    expect(hmac).toMatchObject({ signature_scheme: "hmac-sha256", public_key: null });
    expect(hmac.secret).toMatch(/^whsec_/);

    for (const body of [
      { format: "djinn", events: ["build.finished"], signature_scheme: "ed25519" },
      { format: "circleci", events: ["workflow-completed"], signature_scheme: "ed25519" },
      { events: ["build.*"], signature_scheme: "ed25519", secret: `whsec_${btoa("y".repeat(32))}` },
      { events: ["build.*"], signature_scheme: "rsa" },
    ]) {
      const res = await api("POST", `/v1/namespaces/${NS}/webhooks`, { name: `bad-${uniqueKey()}`, url: receiverUrl("/ok/x"), ...body });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.error.code).toBe("validation_failed");
    }

    // Changing the scheme: to ed25519 makes a key pair; a format without ed25519 is refused; back to hmac needs the secret.
    const toEd = await api("PATCH", `/v1/namespaces/${NS}/webhooks/${hmac.id}`, { signature_scheme: "ed25519" });
    expect(toEd.status).toBe(200);
    expect(toEd.body).toMatchObject({ signature_scheme: "ed25519", secret_hint: null });
    expect(toEd.body.public_key).toMatch(/^whpk_/);
    expect((await api("PATCH", `/v1/namespaces/${NS}/webhooks/${hmac.id}`, { format: "djinn", events: ["build.finished"] })).status).toBe(422);
    expect((await api("PATCH", `/v1/namespaces/${NS}/webhooks/${hmac.id}`, { secret: `whsec_${btoa("z".repeat(32))}` })).status).toBe(422);
    expect((await api("PATCH", `/v1/namespaces/${NS}/webhooks/${hmac.id}`, { signature_scheme: "hmac-sha256" })).status).toBe(422);
    const secret = `whsec_${btoa("w".repeat(32))}`;
    const back = await api("PATCH", `/v1/namespaces/${NS}/webhooks/${hmac.id}`, { signature_scheme: "hmac-sha256", secret });
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ signature_scheme: "hmac-sha256", public_key: null, secret_hint: secret.slice(-4) });
  });

  it("dashboard: the create form chooses the scheme for a standard webhook; the page shows it and the public key", async () => {
    const form = await (await page("/webhooks/new", NS)).text();
    expect(form).toContain('<select id="signature_scheme" name="signature_scheme"');
    expect(await (await page("/webhooks/new?format=djinn", NS)).text()).not.toContain('name="signature_scheme"');

    const name = `dash-${uniqueKey()}`;
    const created = await postForm("/webhooks", NS, [
      ["name", name],
      ["url", receiverUrl(`/ok/${uniqueKey()}`)],
      ["format", "standard"],
      ["events", "build.started"],
      ["active", "on"],
      ["signature_scheme", "ed25519"],
    ]);
    expect(created.status).toBe(201);
    const hook = (await api("GET", `/v1/namespaces/${NS}/webhooks?limit=200`)).body.data.find((w: { name: string }) => w.name === name);
    expect(hook.signature_scheme).toBe("ed25519");
    const createdPage = await created.text();
    expect(createdPage).toContain(`value="${hook.public_key}"`);
    expect(createdPage).not.toContain("whsk_");

    const shown = await (await page(`/webhooks/${hook.id}`, NS)).text();
    expect(shown).toContain('<dd id="signature-scheme">Ed25519 (v1a)</dd>');
    expect(shown).toContain(`<code class="mono" id="public-key">${hook.public_key}</code>`);
    const hmac = await createWebhook(NS, { events: ["build.started"] });
    expect(await (await page(`/webhooks/${hmac.id}`, NS)).text()).toContain('<dd id="signature-scheme">HMAC-SHA256</dd>');
  });
});
