/**
 * Issue 25: a webhook's destination through the API: checked on create (a
 * malformed key is 422 with its path), credentials sealed bound to the
 * webhook and answered only as hints, kept on update when omitted.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { destinationCredentialsOf, unseal } from "../src/security/secret-box";
import { api, receiverUrl, uniqueKey } from "./support/api";
import { awsKeys, cfToken, hex32, standInsUrl } from "./support/destinations";
import { hookDb } from "./support/shards";

const ns = "dest-api";
const create = (body: Record<string, unknown>) => api("POST", `/v1/namespaces/${ns}/webhooks`, { name: uniqueKey("h"), events: ["*"], ...body });
const sqs = (over: Record<string, unknown> = {}) => ({
  type: "sqs",
  queue_url: "https://sqs.eu-west-1.amazonaws.com/123456789012/ci-events",
  region: "eu-west-1",
  ...awsKeys(),
  ...over,
});

describe("destination validation", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ["a bad region", { destination: sqs({ region: "europe" }) }, "destination.region"],
    ["a queue URL of another region", { destination: sqs({ region: "us-east-1" }) }, "destination.queue_url"],
    ["a queue URL without account and name", { destination: sqs({ queue_url: "https://sqs.eu-west-1.amazonaws.com/ci-events" }) }, "destination.queue_url"],
    ["a malformed secret access key", { destination: sqs({ secret_access_key: "short" }) }, "destination.secret_access_key"],
    ["a missing credential", { destination: { type: "cloudflare_queue", account_id: hex32(), queue_id: hex32() } }, "destination.api_token"],
    ["a bad topic", { destination: { type: "pubsub", topic: "my-topic", service_account_json: "{}" } }, "destination.topic"],
    ["a service account that is not JSON", { destination: { type: "pubsub", topic: "projects/my-project/topics/ci-events", service_account_json: "nope" } }, "destination.service_account_json"],
    [
      "a service account whose key is not PEM",
      {
        destination: {
          type: "pubsub",
          topic: "projects/my-project/topics/ci-events",
          service_account_json: JSON.stringify({ type: "service_account", client_email: "a@b.iam.gserviceaccount.com", private_key: "not a key" }),
        },
      },
      "destination.service_account_json",
    ],
    [
      "a PEM that holds no RSA key",
      {
        destination: {
          type: "pubsub",
          topic: "projects/my-project/topics/ci-events",
          service_account_json: JSON.stringify({
            type: "service_account",
            client_email: "a@b.iam.gserviceaccount.com",
            private_key: "-----BEGIN PRIVATE KEY-----\nAAAAAAAAAAAAAAAA\n-----END PRIVATE KEY-----\n",
          }),
        },
      },
      "destination.service_account_json",
    ],
    ["a url on a queue destination", { url: receiverUrl("/ok/x"), destination: { type: "cloudflare_queue", account_id: hex32(), queue_id: hex32(), api_token: cfToken() } }, "url"],
    ["an http destination without url", { destination: { type: "http" } }, "url"],
    ["custom headers on a queue destination", { headers: { "x-token": "abc" }, destination: sqs() }, "headers"],
  ];
  for (const [what, body, path] of cases) {
    it(`${what} is 422 at ${path}`, async () => {
      const res = await create(body);
      expect(res.status, JSON.stringify(res.body)).toBe(422);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
      expect(JSON.stringify(res.body)).not.toMatch(/AKIA[0-9A-F]{16}/);
    });
  }

  it("an endpoint the SSRF guard refuses is 422 url_not_allowed", async () => {
    const res = await create({ destination: sqs({ endpoint: "http://10.0.0.7:9324" }) });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: "url_not_allowed", details: [{ path: "destination.endpoint" }] });
  });
});

describe("destination credentials", () => {
  it("are sealed bound to the webhook, answered as hints only, and kept on update when omitted", async () => {
    const keys = awsKeys();
    const res = await create({ destination: sqs(keys) });
    expect(res.status).toBe(201);
    const hook = res.body;
    expect(hook.url).toBe("https://sqs.eu-west-1.amazonaws.com/");
    expect(hook.destination).toEqual({
      type: "sqs",
      queue_url: "https://sqs.eu-west-1.amazonaws.com/123456789012/ci-events",
      region: "eu-west-1",
      endpoint: null,
      access_key_id_hint: keys.access_key_id.slice(-4),
      secret_access_key_hint: keys.secret_access_key.slice(-4),
    });
    const row = await (await hookDb(hook.id)).prepare("SELECT * FROM webhooks WHERE id = ?").bind(hook.id).first<Record<string, string>>();
    expect(JSON.stringify(row)).not.toContain(keys.secret_access_key);
    expect(JSON.stringify(row)).not.toContain(keys.access_key_id);
    expect(row!.destination_sealed).toMatch(/^v2\./);
    expect(JSON.parse(await unseal(env, row!.destination_sealed, destinationCredentialsOf(hook.id)))).toEqual(keys);
    // Bound to this webhook: another webhook's place does not open it.
    await expect(unseal(env, row!.destination_sealed, destinationCredentialsOf("wh_other"))).rejects.toThrow();

    // Same type, credentials omitted: kept; the queue changes.
    const moved = await api("PATCH", `/v1/namespaces/${ns}/webhooks/${hook.id}`, {
      destination: { type: "sqs", queue_url: "https://sqs.eu-west-1.amazonaws.com/123456789012/ci-events-2", region: "eu-west-1" },
    });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body.destination.queue_url).toMatch(/ci-events-2$/);
    expect(moved.body.destination.secret_access_key_hint).toBe(keys.secret_access_key.slice(-4));
    const after = await (await hookDb(hook.id)).prepare("SELECT destination_sealed FROM webhooks WHERE id = ?").bind(hook.id).first<{ destination_sealed: string }>();
    expect(JSON.parse(await unseal(env, after!.destination_sealed, destinationCredentialsOf(hook.id)))).toEqual(keys);

    // Another type needs its own credentials.
    const other = await api("PATCH", `/v1/namespaces/${ns}/webhooks/${hook.id}`, { destination: { type: "cloudflare_queue", account_id: hex32(), queue_id: hex32() } });
    expect(other.status).toBe(422);
    expect(other.body.error.details[0].path).toBe("destination.api_token");
    // A url is refused while the destination is not http; back to http it is required, and credentials are dropped.
    expect((await api("PATCH", `/v1/namespaces/${ns}/webhooks/${hook.id}`, { url: receiverUrl("/ok/x") })).status).toBe(422);
    expect((await api("PATCH", `/v1/namespaces/${ns}/webhooks/${hook.id}`, { destination: { type: "http" } })).status).toBe(422);
    const back = await api("PATCH", `/v1/namespaces/${ns}/webhooks/${hook.id}`, { destination: { type: "http" }, url: receiverUrl("/ok/x") });
    expect(back.status).toBe(200);
    expect(back.body.destination).toEqual({ type: "http" });
    const http = await (await hookDb(hook.id)).prepare("SELECT destination, destination_sealed FROM webhooks WHERE id = ?").bind(hook.id).first();
    expect(http).toEqual({ destination: null, destination_sealed: null });
  });

  it("an http webhook answers destination {type: http}", async () => {
    const res = await create({ url: receiverUrl("/ok/x") });
    expect(res.status).toBe(201);
    expect(res.body.destination).toEqual({ type: "http" });
  });

  it("an endpoint on loopback passes (tests) and becomes the service URL", async () => {
    const res = await create({ destination: sqs({ endpoint: `${standInsUrl()}/` }) });
    expect(res.status).toBe(201);
    expect(res.body.url).toBe(`${standInsUrl()}/`);
    expect(res.body.destination.endpoint).toBe(standInsUrl());
  });
});
