/**
 * Issue 15, item 5: a sealed secret is bound to its row. AES-GCM's additional
 * data names the webhook id and the column, so a sealed value copied into
 * another webhook (or into the other column) does not open there. Values
 * sealed before the binding (no additional data) open only in the re-seal
 * route, which moves them to bound ones.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { fromBase64, toBase64 } from "../src/signing/encoding";
import { api, createWebhook, received, receiverUrl, uniqueKey, waitFor } from "./support/api";
import { hookDb } from "./support/shards";

const ns = "secret-binding";

async function hmacHex(secret: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body)));
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A secret as the dispatcher sealed it before issue 15: AES-GCM without additional data. */
async function legacySeal(plaintext: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", fromBase64(env.SECRETS_KEY), "AES-GCM", false, ["encrypt"]);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, new TextEncoder().encode(plaintext));
  return `v1.${toBase64(iv)}.${toBase64(new Uint8Array(ct))}`;
}

const sealedOf = async (id: string) =>
  (await (await hookDb(id)).prepare("SELECT secret_sealed FROM webhooks WHERE id = ?").bind(id).first<{ secret_sealed: string }>())!.secret_sealed;

/** Pings and returns the delivery once its first attempt is on record (a failing one then retries on the schedule). */
async function ping(hookId: string) {
  const res = await api("POST", `/v1/namespaces/${ns}/webhooks/${hookId}/ping`);
  expect(res.status).toBe(202);
  return (
    await waitFor(
      () => api("GET", `/v1/namespaces/${ns}/deliveries/${res.body.delivery_id}`),
      (r) => r.status === 200 && r.body.attempts.length >= 1,
    )
  ).body;
}

const firstOk = (d: { attempts: { response_status: number | null }[] }) => d.attempts[0].response_status === 200;

describe("sealed secrets bound to their row (issue 15)", () => {
  it("a sealed secret copied into another webhook does not sign there", async () => {
    const secretA = "secret-of-webhook-a-0123456789";
    const keyB = uniqueKey();
    const a = await createWebhook(ns, { format: "djinn", secret: secretA, events: ["build.started"] });
    const b = await createWebhook(ns, { format: "djinn", secret: "secret-of-webhook-b-0123456789", url: receiverUrl(`/ok/${keyB}`), events: ["build.started"] });
    await (await hookDb(b.id)).prepare("UPDATE webhooks SET secret_sealed = ? WHERE id = ?").bind(await sealedOf(a.id), b.id).run();
    const detail = await ping(b.id);
    const sent = await received(keyB);
    // Before the binding, B signed with A's secret.
    for (const req of sent) expect(req.headers["x-djinn-ci-signature"]).not.toBe(`sha256=${await hmacHex(secretA, req.body)}`);
    expect(sent).toHaveLength(0);
    expect(firstOk(detail)).toBe(false);
    expect(detail.attempts[0].error).toMatchObject({ class: "internal" });
  });

  it("the current secret moved into the previous column does not open either", async () => {
    const secret = "secret-moved-between-columns-0123";
    const key = uniqueKey();
    const hook = await createWebhook(ns, { format: "circleci", secret, url: receiverUrl(`/ok/${key}`), events: ["workflow-completed"] });
    await (await hookDb(hook.id)).prepare("UPDATE webhooks SET previous_secret_sealed = secret_sealed, previous_secret_expires_at = ? WHERE id = ?")
      .bind(Date.now() + 3_600_000, hook.id)
      .run();
    const detail = await ping(hook.id);
    expect(firstOk(detail)).toBe(false);
    expect(await received(key)).toHaveLength(0);
  });

  it("a value sealed without binding signs nothing until the re-seal route has moved it; then it verifies", async () => {
    const secret = "legacy-sealed-secret-0123456789";
    const key = uniqueKey();
    const hook = await createWebhook(ns, { format: "djinn", secret: "placeholder-secret-0123456789", url: receiverUrl(`/ok/${key}`), events: ["build.started"] });
    await (await hookDb(hook.id)).prepare("UPDATE webhooks SET secret_sealed = ? WHERE id = ?").bind(await legacySeal(secret), hook.id).run();
    const before = await ping(hook.id);
    expect(firstOk(before)).toBe(false);
    expect(await received(key)).toHaveLength(0);

    let after: string | undefined;
    let resealed = 0;
    do {
      const page = await api("POST", "/v1/admin/secrets/reseal", after ? { after } : {});
      expect(page.status).toBe(200);
      resealed += page.body.resealed;
      after = page.body.next ?? undefined;
    } while (after);
    expect(resealed).toBeGreaterThanOrEqual(1);
    expect(await sealedOf(hook.id)).toMatch(/^v2\./);

    expect(firstOk(await ping(hook.id))).toBe(true);
    // Every request that reached the receiver (the fresh ping, perhaps a retry of the first) verifies.
    const sent = await received(key);
    expect(sent.length).toBeGreaterThanOrEqual(1);
    for (const req of sent) expect(req.headers["x-djinn-ci-signature"]).toBe(`sha256=${await hmacHex(secret, req.body)}`);
  });
});
