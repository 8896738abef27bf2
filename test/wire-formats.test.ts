/**
 * The three wire formats as receivers see them, checked with the receivers'
 * own verifiers (standardwebhooks, svix, @octokit/webhooks-methods) and, for
 * CircleCI's `v1=`, an HMAC recomputed here with WebCrypto.
 */
import { djinnHookId } from "../src/delivery/djinn-hook-id";
import { verify as verifySha256 } from "@octokit/webhooks-methods";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { Webhook as SvixWebhook } from "svix";
import { describe, expect, it } from "vitest";
import { api, createWebhook, onlyDeliveryOf, received, receiverUrl, settledDelivery, uniqueKey, waitFor, type Recorded } from "./support/api";
import { circleEventId, circleWebhookId, nameBasedUuid } from "../src/delivery/circleci-ids";
import { buildRequest } from "../src/delivery/formats";
import { fixture } from "./support/fixtures";

const ns = "wire-formats";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function publishAndReceive(key: string, type: string, data: unknown, id = uniqueKey("evt_")): Promise<Recorded> {
  const res = await api("POST", `/v1/namespaces/${ns}/events`, { id, type, data });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const got = await waitFor(() => received(key), (r) => r.some((x) => x.headers["webhook-id"] === id));
  return got.find((x) => x.headers["webhook-id"] === id)!;
}

async function hmacHex(secret: string, body: string): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(body)));
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Standard Webhooks over a secret used as UTF-8 bytes: the library takes it base64'd. */
const utf8AsWhsec = (secret: string) => `whsec_${btoa(secret)}`;

describe("standard format", () => {
  it("verifies with standardwebhooks and svix; body is {type, timestamp, data}", async () => {
    const key = uniqueKey();
    const hook = await createWebhook(ns, { url: receiverUrl(`/ok/${key}`), events: ["deploy.*"] });
    expect(hook.format).toBe("standard");
    const data = fixture("deploy.finished");
    const r = await publishAndReceive(key, "deploy.finished", data);
    expect(r.headers["content-type"]).toBe("application/json");
    expect(r.headers["webhook-id"]).toMatch(/^evt_/);
    expect(Number(r.headers["webhook-timestamp"])).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(r.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new StandardWebhook(hook.secret).verify(r.body, r.headers)).toEqual(JSON.parse(r.body));
    // svix's verify returns nothing and throws on a bad signature.
    expect(() => new SvixWebhook(hook.secret).verify(r.body, r.headers)).not.toThrow();
    expect(() => new SvixWebhook(hook.secret).verify(`${r.body} `, r.headers)).toThrow();
    const body = JSON.parse(r.body);
    expect(Object.keys(body)).toEqual(["type", "timestamp", "data"]);
    expect(body.type).toBe("deploy.finished");
    expect(body.data).toEqual(data);
    // A wrong secret or a changed body fails the same verifier.
    expect(() => new StandardWebhook(`whsec_${btoa("x".repeat(32))}`).verify(r.body, r.headers)).toThrow();
    expect(() => new StandardWebhook(hook.secret).verify(r.body.replace("44933", "44934"), r.headers)).toThrow();
  });
});

describe("djinn format", () => {
  it("sends the entity itself with Djinn CI's headers; sha256= verifies with @octokit/webhooks-methods", async () => {
    const key = uniqueKey();
    const secret = "a-djinn-secret-the-user-chose";
    const hook = await createWebhook(ns, { format: "djinn", secret, url: receiverUrl(`/ok/${key}`), events: ["build.*"] });
    const data = fixture("build.submitted");
    const r = await publishAndReceive(key, "build.submitted", data);
    expect(r.headers).toMatchObject({
      "content-type": "application/json; charset=utf-8",
      accept: "*/*",
      "user-agent": "Djinn-CI-Hook",
      "x-djinn-ci-event": "build.submitted",
      // Djinn sends its hook's int64 id: ours is derived from the webhook id, the same every time.
      "x-djinn-ci-hook-id": await djinnHookId(hook.id),
    });
    expect(r.headers["x-djinn-ci-hook-id"]).toMatch(/^[1-9]\d*$/);
    expect(r.headers["x-djinn-ci-signature"]).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(await verifySha256(secret, r.body, r.headers["x-djinn-ci-signature"])).toBe(true);
    expect(await verifySha256("another-secret-entirely", r.body, r.headers["x-djinn-ci-signature"])).toBe(false);
    expect(JSON.parse(r.body)).toEqual(data);
    // Standard Webhooks headers over the same bytes, keyed by the secret's UTF-8 bytes.
    expect(new StandardWebhook(utf8AsWhsec(secret)).verify(r.body, r.headers)).toEqual(data);
  });

  it("a generated whsec_ secret: sha256= over its UTF-8 string, webhook-signature over its decoded bytes", async () => {
    const key = uniqueKey();
    const hook = await createWebhook(ns, { format: "djinn", url: receiverUrl(`/ok/${key}`), events: ["invite.*"] });
    expect(hook.secret).toMatch(/^whsec_/);
    const r = await publishAndReceive(key, "invite.sent", fixture("invite.sent"));
    expect(await verifySha256(hook.secret, r.body, r.headers["x-djinn-ci-signature"])).toBe(true);
    expect(() => new StandardWebhook(hook.secret).verify(r.body, r.headers)).not.toThrow();
  });

  it("without a secret: no signature headers, but webhook-id and webhook-timestamp", async () => {
    const key = uniqueKey();
    const hook = await createWebhook(ns, { format: "djinn", secret: null, url: receiverUrl(`/ok/${key}`), events: ["namespaces"] });
    expect(hook.secret).toBeNull();
    const r = await publishAndReceive(key, "namespaces", fixture("namespaces"));
    expect(r.headers["x-djinn-ci-signature"]).toBeUndefined();
    expect(r.headers["webhook-signature"]).toBeUndefined();
    expect(r.headers["webhook-id"]).toMatch(/^evt_/);
    expect(r.headers["webhook-timestamp"]).toMatch(/^\d+$/);
    expect(r.headers["x-djinn-ci-hook-id"]).toBe(await djinnHookId(hook.id));
  });

  it("only a djinn webhook may go without a secret", async () => {
    for (const format of ["standard", "circleci"]) {
      const res = await api("POST", `/v1/namespaces/${ns}/webhooks`, { name: `nosecret-${format}`, format, secret: null, url: receiverUrl("/ok/x"), events: ["*"] });
      expect(res.status).toBe(422);
      expect(res.body.error.details[0].path).toBe("secret");
    }
  });
});

describe("circleci format", () => {
  it("envelope {type, id, happened_at, webhook, ...entities}; v1= recomputes; envelope keys win; UUID ids; CircleCI's User-Agent", async () => {
    const key = uniqueKey();
    const secret = "circle-secret-token-1234";
    const hook = await createWebhook(ns, { format: "circleci", secret, url: receiverUrl(`/ok/${key}`), events: ["job-completed"] });
    const data = { ...fixture("job-completed"), id: "spoofed", type: "spoofed", happened_at: "spoofed", webhook: { id: "spoofed" } };
    const eventId = uniqueKey("evt_");
    const r = await publishAndReceive(key, "job-completed", data, eventId);
    expect(r.headers).toMatchObject({
      "content-type": "application/json",
      "user-agent": "CircleCI-Webhook/1.0",
      "circleci-event-type": "job-completed",
    });
    const sig = r.headers["circleci-signature"];
    expect(sig).toMatch(/^v1=[0-9a-f]{64}$/);
    // Receivers split the comma-separated list and take v1.
    const v1 = sig.split(",").map((s) => s.trim()).filter((s) => s.startsWith("v1=")).map((s) => s.slice(3));
    expect(v1).toContain(await hmacHex(secret, r.body));
    expect(new StandardWebhook(utf8AsWhsec(secret)).verify(r.body, r.headers)).toBeTruthy();

    const body = JSON.parse(r.body);
    expect(Object.keys(body).slice(0, 4)).toEqual(["type", "id", "happened_at", "webhook"]);
    expect(body.type).toBe("job-completed");
    // The evt_ id becomes a UUID derived from (namespace, event id); the webhook's is derived from its id.
    expect(body.id).toMatch(UUID);
    expect(body.id).toBe(await circleEventId(ns, eventId));
    expect(body.id).not.toBe(await circleEventId("another-namespace", eventId));
    expect(new Date(body.happened_at).toISOString()).toBe(body.happened_at);
    expect(body.webhook).toEqual({ id: await circleWebhookId(hook.id), name: hook.name });
    expect(body.webhook.id).toMatch(UUID);
    for (const k of ["project", "organization", "workflow", "pipeline", "job"]) expect(body[k]).toEqual(data[k as keyof typeof data]);
  });

  it("the top-level id is the same on every retry", async () => {
    const key = uniqueKey();
    const hook = await createWebhook(ns, { format: "circleci", url: receiverUrl(`/fail/1/${key}`), events: ["workflow-completed"] });
    const res = await api("POST", `/v1/namespaces/${ns}/events`, { type: "workflow-completed", data: fixture("workflow-completed") });
    expect(res.status).toBe(202);
    const got = await waitFor(() => received(key), (r) => r.length >= 2, 30_000);
    const ids = got.map((g) => JSON.parse(g.body).id);
    expect(ids[0]).toMatch(UUID);
    expect(ids).toEqual([ids[0], ids[0]]);
    expect(got.map((g) => JSON.parse(g.body).webhook.id)).toEqual([await circleWebhookId(hook.id), await circleWebhookId(hook.id)]);
    expect(got.map((g) => g.headers["webhook-id"])).toEqual([res.body.id, res.body.id]);
    for (const g of got) expect(g.headers["circleci-signature"]).toBe(`v1=${await hmacHex(hook.secret, g.body)}`);
    const d = await onlyDeliveryOf(ns, hook.id);
    expect((await settledDelivery(ns, d.id)).status).toBe("succeeded");
  });
});

describe("circleci ids", () => {
  it("a publisher's UUID is the body id as is; derived ids are RFC 4122 name-based (v5) UUIDs", async () => {
    expect(await nameBasedUuid("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org")).toBe("886313e1-3b8a-5372-9b90-0c9aee199e5d");
    const key = uniqueKey();
    await createWebhook(ns, { format: "circleci", url: receiverUrl(`/ok/${key}`), events: ["workflow-completed"] });
    const id = crypto.randomUUID();
    const r = await publishAndReceive(key, "workflow-completed", fixture("workflow-completed"), id);
    expect(JSON.parse(r.body).id).toBe(id);
    expect(r.headers["webhook-id"]).toBe(id);
  });
});

describe("format through the webhooks API", () => {
  it("is shown, changeable with PATCH, and the next delivery uses the new format", async () => {
    const key = uniqueKey();
    const hook = await createWebhook(ns, { url: receiverUrl(`/ok/${key}`), events: ["ping", "objects"] });
    expect((await api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}`)).body.format).toBe("standard");
    // djinn does not carry CircleCI's ping: the change is refused, naming the format that does.
    const refused = await api("PATCH", `/v1/namespaces/${ns}/webhooks/${hook.id}`, { format: "djinn" });
    expect(refused.status).toBe(422);
    expect(refused.body.error.details).toEqual([{ path: "events.0", message: expect.stringContaining("`circleci`") }]);
    const patched = await api("PATCH", `/v1/namespaces/${ns}/webhooks/${hook.id}`, { format: "djinn", events: ["objects"] });
    expect(patched.status).toBe(200);
    expect(patched.body.format).toBe("djinn");
    expect((await api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}`)).body.format).toBe("djinn");
    const r = await publishAndReceive(key, "objects", fixture("objects"));
    expect(r.headers["x-djinn-ci-event"]).toBe("objects");
    expect(await verifySha256(hook.secret, r.body, r.headers["x-djinn-ci-signature"])).toBe(true);

    const bad = await api("PATCH", `/v1/namespaces/${ns}/webhooks/${hook.id}`, { format: "telegraph" });
    expect(bad.status).toBe(422);
    // A secret that does not suit the new format is refused.
    const plain = await api("PATCH", `/v1/namespaces/${ns}/webhooks/${hook.id}`, { secret: "plain-secret-string-1" });
    expect(plain.status).toBe(200);
    const toStandard = await api("PATCH", `/v1/namespaces/${ns}/webhooks/${hook.id}`, { format: "standard" });
    expect(toStandard.status).toBe(422);
    expect(toStandard.body.error.details[0].path).toBe("secret");
  });
});

describe("signatures during a secret rotation (buildRequest)", () => {
  const event = { id: "evt_rot", namespace: "rot", type: "build.finished", data: JSON.stringify(fixture("build.finished")), createdAt: Date.now() };
  const webhook = { id: "wh_rot", name: "rot" };
  const oldSecret = "old-secret-string-0001";
  const newSecret = `whsec_${btoa("n".repeat(32))}`;
  const now = () => Math.floor(Date.now() / 1000);

  it("standard sends both signatures; each secret verifies", async () => {
    const r = await buildRequest("standard", event, webhook, { current: newSecret, previous: `whsec_${btoa("o".repeat(32))}` }, now());
    expect(r.headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(() => new StandardWebhook(newSecret).verify(r.body, r.headers)).not.toThrow();
    expect(() => new StandardWebhook(`whsec_${btoa("o".repeat(32))}`).verify(r.body, r.headers)).not.toThrow();
  });

  it("circleci, like djinn, sends one v1= with the old secret until the grace period ends", async () => {
    const during = await buildRequest("circleci", event, webhook, { current: newSecret, previous: oldSecret }, now());
    expect(during.headers["circleci-signature"]).toBe(`v1=${await hmacHex(oldSecret, during.body)}`);
    expect(new StandardWebhook(utf8AsWhsec(oldSecret)).verify(during.body, during.headers)).toBeTruthy();
    const after = await buildRequest("circleci", event, webhook, { current: newSecret, previous: null }, now());
    expect(after.headers["circleci-signature"]).toBe(`v1=${await hmacHex(newSecret, after.body)}`);
  });

  it("puppet, like standard, sends both Standard Webhooks signatures during the grace period", async () => {
    const old = `whsec_${btoa("o".repeat(32))}`;
    const r = await buildRequest("puppet", event, webhook, { current: newSecret, previous: old }, now());
    expect(r.body).toBe(event.data);
    expect(r.headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(() => new StandardWebhook(newSecret).verify(r.body, r.headers)).not.toThrow();
    expect(() => new StandardWebhook(old).verify(r.body, r.headers)).not.toThrow();
  });

  it("djinn, with room for one, keeps the old secret until the grace period ends", async () => {
    const during = await buildRequest("djinn", event, webhook, { current: newSecret, previous: oldSecret }, now());
    expect(await verifySha256(oldSecret, during.body, during.headers["x-djinn-ci-signature"])).toBe(true);
    expect(new StandardWebhook(utf8AsWhsec(oldSecret)).verify(during.body, during.headers)).toBeTruthy();
    const after = await buildRequest("djinn", event, webhook, { current: newSecret, previous: null }, now());
    expect(await verifySha256(newSecret, after.body, after.headers["x-djinn-ci-signature"])).toBe(true);
    expect(after.body).toBe(event.data);
  });
});
