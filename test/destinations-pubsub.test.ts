/**
 * Issue 25: a Google Pub/Sub destination through the real pipeline. The test
 * makes a service account key pair; the loopback stand-in
 * (destination-stand-ins.ts) verifies the JWT of the token exchange against
 * the account's public key, issues a token, and accepts a publish only with
 * a token it issued.
 */
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { toBase64 } from "../src/signing/encoding";
import { api, createWebhook, onlyDeliveryOf, settledDelivery, uniqueKey, waitFor } from "./support/api";
import { knowGooglePublicKey, planAnswers, standInReceived, standInsUrl } from "./support/destinations";

const ns = "dest-pubsub";

const pem = (label: string, der: ArrayBuffer) => `-----BEGIN ${label}-----\n${toBase64(new Uint8Array(der)).replace(/(.{64})/g, "$1\n")}\n-----END ${label}-----\n`;

/** A fresh service account: its JSON key file, and its public key registered with the stand-in (unless `register` is false). */
async function serviceAccount(register = true) {
  const pair = (await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  const email = `${uniqueKey("sa")}@test-project.iam.gserviceaccount.com`;
  const privateKeyId = uniqueKey("kid") + "abcd";
  if (register) await knowGooglePublicKey(email, pem("PUBLIC KEY", (await crypto.subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer));
  const json = JSON.stringify({
    type: "service_account",
    project_id: "test-project",
    private_key_id: privateKeyId,
    private_key: pem("PRIVATE KEY", (await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer),
    client_email: email,
    token_uri: "https://oauth2.googleapis.com/token",
  });
  return { json, email, privateKeyId };
}

async function topicHook(account: { json: string }) {
  const topic = uniqueKey("t");
  const hook = await createWebhook(ns, {
    url: undefined,
    events: ["build.finished"],
    destination: { type: "pubsub", topic: `projects/test-project/topics/${topic}`, service_account_json: account.json, endpoint: standInsUrl() },
  });
  return { hook, topic };
}

async function publish(webhookId: string, id = 1) {
  const pub = await api("POST", `/v1/namespaces/${ns}/events`, { type: "build.finished", data: { id } });
  expect(pub.status).toBe(202);
  return { event: pub.body, delivery: await onlyDeliveryOf(ns, webhookId) };
}

describe("pubsub destination", () => {
  it("publishes with a token from a JWT that verifies against the account's public key; the token is cached", async () => {
    const account = await serviceAccount();
    const { hook, topic } = await topicHook(account);
    expect(hook.url).toBe(`${standInsUrl()}/v1/projects/test-project/topics/${topic}:publish`);
    expect(hook.destination).toMatchObject({ type: "pubsub", client_email: account.email, service_account_json_hint: "abcd" });
    expect(JSON.stringify(hook)).not.toContain("PRIVATE KEY");
    const { event, delivery } = await publish(hook.id);
    expect((await settledDelivery(ns, delivery.id)).status).toBe("succeeded");

    const [exchange] = await standInReceived(`token-${account.email}`);
    expect(exchange.verdict).toMatchObject({ ok: true, scope: "https://www.googleapis.com/auth/pubsub", kid: account.privateKeyId });
    const [req] = await standInReceived(topic);
    expect(req.verdict).toEqual({ ok: true, tokenFor: account.email });
    const { messages } = JSON.parse(req.body) as { messages: { data: string; attributes: Record<string, string> }[] };
    expect(messages).toHaveLength(1);
    const body = new TextDecoder().decode(Uint8Array.from(atob(messages[0].data), (c) => c.charCodeAt(0)));
    expect(messages[0].attributes["webhook-id"]).toBe(event.id);
    expect(new Webhook(hook.secret).verify(body, messages[0].attributes)).toEqual({ type: "build.finished", timestamp: event.created_at, data: { id: 1 } });

    // A second delivery reuses the token: no second exchange.
    const pub = await api("POST", `/v1/namespaces/${ns}/events`, { type: "build.finished", data: { id: 2 } });
    await waitFor(() => standInReceived(topic), (r) => r.length === 2, 20_000);
    expect(pub.status).toBe(202);
    const publishes = await standInReceived(topic);
    expect(publishes.every((r) => r.verdict.ok)).toBe(true);
    expect(publishes[1].headers.authorization).toBe(publishes[0].headers.authorization);
    expect(await standInReceived(`token-${account.email}`)).toHaveLength(1);
  });

  it("a key the service does not know: the exchange's 400 is the attempt's answer (class auth), retried", async () => {
    const account = await serviceAccount(false);
    const { hook, topic } = await topicHook(account);
    const { delivery } = await publish(hook.id);
    const pending = await waitFor(
      () => api("GET", `/v1/namespaces/${ns}/deliveries/${delivery.id}`),
      (r) => r.body.attempts.length >= 1,
      20_000,
    );
    expect(pending.body.status).toBe("pending");
    expect(pending.body.attempts[0]).toMatchObject({ response_status: 400, error: { class: "auth" } });
    expect((await standInReceived(`token-${account.email}`))[0].verdict.ok).toBe(false);
    expect(await standInReceived(topic)).toHaveLength(0);
  });

  it("answering 500, then 200: two attempts, succeeded", async () => {
    const account = await serviceAccount();
    const { hook, topic } = await topicHook(account);
    await planAnswers(topic, [{ status: 500, body: JSON.stringify({ error: { code: 500, status: "INTERNAL" } }) }]);
    const { delivery } = await publish(hook.id);
    const detail = await settledDelivery(ns, delivery.id);
    expect(detail.status).toBe("succeeded");
    expect(detail.attempts.map((a: { response_status: number }) => a.response_status)).toEqual([500, 200]);
  });

  it("Pub/Sub's throttling answer (429 RESOURCE_EXHAUSTED) is retried later", async () => {
    const account = await serviceAccount();
    const { hook, topic } = await topicHook(account);
    await planAnswers(topic, [{ status: 429, body: JSON.stringify({ error: { code: 429, status: "RESOURCE_EXHAUSTED", message: "quota" } }) }]);
    const { delivery } = await publish(hook.id);
    const detail = await settledDelivery(ns, delivery.id);
    expect(detail.status).toBe("succeeded");
    expect(detail.attempts.map((a: { response_status: number }) => a.response_status)).toEqual([429, 200]);
    expect(Date.parse(detail.attempts[1].started_at) - Date.parse(detail.attempts[0].started_at)).toBeGreaterThanOrEqual(4_000);
  });
});
