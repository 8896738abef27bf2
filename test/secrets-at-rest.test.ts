/**
 * Secrets at rest: after a full create → publish → deliver → rotate cycle,
 * no D1 row and no API answer (after the create/rotate answers that show a
 * secret once) holds a webhook secret, its base64 part, or an API token.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { resealSecrets } from "../src/security/reseal";
import { currentSecretOf, destinationCredentialsOf, previousSecretOf, seal, unseal } from "../src/security/secret-box";
import { toBase64 } from "../src/signing/encoding";
import { api, type ApiAnswer, createWebhook, received, receiverUrl, settledDelivery, uniqueKey, waitFor } from "./support/api";
import { fixture } from "./support/fixtures";
import { hookDb } from "./support/shards";
import { awsKeys, cfToken, hex32, knowAwsSecret, knowCloudflareToken, standInReceived, standInsUrl } from "./support/destinations";

const ns = "secrets";

/** The strings that must never be seen again, in each form they could leak in. */
function forms(secret: string): string[] {
  const out = [secret];
  if (secret.startsWith("whsec_")) {
    const b64 = secret.slice("whsec_".length);
    out.push(b64, b64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""));
  }
  if (secret.startsWith("cwh_")) out.push(secret.slice(4));
  return out;
}

describe("secrets at rest", () => {
  it("a full create, publish, deliver, rotate cycle leaves no secret or token in clear in D1 or in any later answer", async () => {
    const seen: ApiAnswer[] = [];
    const call = async (method: string, path: string, body?: unknown, token?: string | null) => {
      const res = await api(method, path, body, token);
      seen.push(res);
      return res;
    };

    const minted = await api("POST", `/v1/namespaces/${ns}/tokens`, { name: "publisher", scopes: ["events:publish", "webhooks:read", "webhooks:write"] });
    expect(minted.status).toBe(201);
    const token: string = minted.body.token;

    const sKey = uniqueKey();
    const cKey = uniqueKey();
    const standard = await createWebhook(ns, { url: receiverUrl(`/ok/${sKey}`), events: ["build.finished"] });
    const circleSecret = `circle-${crypto.randomUUID()}`;
    // circleci carries only CircleCI's events (api-contract.md): each round publishes one of each.
    const circle = await createWebhook(ns, { url: receiverUrl(`/ok/${cKey}`), events: ["workflow-completed"], format: "circleci", secret: circleSecret });
    expect(standard.secret).toMatch(/^whsec_/);

    const first = await call("POST", `/v1/namespaces/${ns}/events`, { type: "build.finished", data: { id: 1 } }, token);
    expect(first.status).toBe(202);
    expect((await call("POST", `/v1/namespaces/${ns}/events`, { type: "workflow-completed", data: fixture("workflow-completed") }, token)).status).toBe(202);
    await waitFor(async () => [...(await received(sKey)), ...(await received(cKey))], (r) => r.length >= 2, 20_000);

    const rotated = await api("POST", `/v1/namespaces/${ns}/webhooks/${standard.id}/rotate-secret`, {}, token);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    const circleRotated = await api("POST", `/v1/namespaces/${ns}/webhooks/${circle.id}/rotate-secret`, {});
    expect(circleRotated.status).toBe(200);
    // A secret set by PATCH is never answered at all.
    const patchedSecret = `patched-${crypto.randomUUID()}`;
    const patched = await call("PATCH", `/v1/namespaces/${ns}/webhooks/${circle.id}`, { secret: patchedSecret }, token);
    expect(patched.status).toBe(200);

    const second = await call("POST", `/v1/namespaces/${ns}/events`, { type: "build.finished", data: { id: 2 } }, token);
    expect(second.status).toBe(202);
    expect((await call("POST", `/v1/namespaces/${ns}/events`, { type: "workflow-completed", data: fixture("workflow-completed") }, token)).status).toBe(202);
    const deliveries = await waitFor(
      () => call("GET", `/v1/namespaces/${ns}/deliveries?limit=200`),
      (r) => r.status === 200 && r.body.data.length >= 4,
      20_000,
    );
    for (const d of deliveries.body.data) await settledDelivery(ns, d.id);
    for (const d of deliveries.body.data) await call("GET", `/v1/namespaces/${ns}/deliveries/${d.id}`, undefined, token);
    for (const hook of [standard, circle]) {
      await call("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}`);
      await call("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}/deliveries`, undefined, token);
      await call("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}/stats`);
    }
    await call("GET", `/v1/namespaces/${ns}/webhooks`, undefined, token);
    await call("GET", `/v1/namespaces/${ns}/events/${first.body.id}`);
    await call("GET", `/v1/namespaces/${ns}/tokens`);
    await call("GET", "/openapi.json", undefined, null);
    expect(seen.every((r) => r.status < 400)).toBe(true);

    const forbidden = [standard.secret, rotated.body.secret, circleSecret, circleRotated.body.secret, patchedSecret, token].flatMap(forms);
    expect(new Set(forbidden).size).toBe(forbidden.length);

    // The control database and every shard.
    const dump: Record<string, unknown[]> = {};
    for (const db of [env.DB, env.SHARD_0, env.SHARD_1]) {
      const tables = await db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all<{ name: string }>();
      // _cf_* tables are D1's own bookkeeping, closed to queries (SQLITE_AUTH); everything else is ours.
      const names = tables.results.map((t) => t.name).filter((n) => !n.startsWith("_cf_"));
      // A day's events or deliveries (`deliveries_g336`, db/generations.ts) count as their table's.
      for (const name of names) {
        const table = name.replace(/_g[0-9]+$/, "");
        dump[table] = [...(dump[table] ?? []), ...(await db.prepare(`SELECT * FROM "${name.replace(/"/g, '""')}"`).all()).results];
      }
    }
    expect(Object.keys(dump)).toEqual(expect.arrayContaining(["webhooks", "events", "deliveries", "attempts", "tokens"]));
    // The cycle really wrote: attempts (attempt 1 in its delivery row, later ones in attempts) and sealed secrets are there to be searched.
    const firstAttempts = (dump.deliveries as { first_started_at: number | null }[]).filter((d) => d.first_started_at !== null);
    expect(firstAttempts.length + dump.attempts.length).toBeGreaterThanOrEqual(4);
    expect(JSON.stringify(dump.deliveries)).toContain("[redacted]"); // the first attempts' request headers, redacted
    const rows = JSON.stringify(dump);
    expect(rows).toContain("v2."); // row-bound seals (issue 15)

    const answers = JSON.stringify(seen.map((r) => ({ body: r.body, headers: [...r.headers] })));
    for (const f of forbidden) {
      expect(rows.includes(f), `D1 holds ${f.slice(0, 10)}…`).toBe(false);
      expect(answers.includes(f), `an answer holds ${f.slice(0, 10)}…`).toBe(false);
    }
    // The secret did reach the receiver's signing: deliveries carry signatures, not secrets.
    const [req] = await received(cKey);
    expect(req.headers["circleci-signature"]).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(JSON.stringify(req)).not.toContain(circleSecret);
  });
});

/** Every D1 row of the control database and the shards, as one string. */
async function dumpAll(): Promise<string> {
  const out: unknown[] = [];
  for (const db of [env.DB, env.SHARD_0, env.SHARD_1]) {
    const tables = await db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all<{ name: string }>();
    for (const { name } of tables.results.filter((t) => !t.name.startsWith("_cf_"))) {
      out.push(...(await db.prepare(`SELECT * FROM "${name.replace(/"/g, '""')}"`).all()).results);
    }
  }
  return JSON.stringify(out);
}

describe("destination credentials at rest (issue 25)", () => {
  it("no credential of any destination type is in clear in D1, in any answer or in any log line, through create, deliver, update and a failing delivery", async () => {
    const logged: unknown[][] = [];
    for (const level of ["log", "info", "warn", "error", "debug"] as const) vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void logged.push(args));
    try {
      const seen: ApiAnswer[] = [];
      const call = async (method: string, path: string, body?: unknown) => {
        const res = await api(method, path, body);
        seen.push(res);
        return res;
      };
      const token = cfToken();
      await knowCloudflareToken(token);
      const sqsKeys = awsKeys();
      await knowAwsSecret(sqsKeys.access_key_id, sqsKeys.secret_access_key);
      const busKeys = awsKeys(); // never registered: the stand-in refuses them (403), a failing delivery
      const pair = (await crypto.subtle.generateKey(
        { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
        true,
        ["sign"],
      )) as CryptoKeyPair;
      const keyB64 = toBase64(new Uint8Array((await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer));
      const privateKey = `-----BEGIN PRIVATE KEY-----\n${keyB64.replace(/(.{64})/g, "$1\n")}\n-----END PRIVATE KEY-----\n`;
      const serviceAccountJson = JSON.stringify({ type: "service_account", private_key_id: "k123", private_key: privateKey, client_email: "sa@p-123456.iam.gserviceaccount.com" });
      const queue = hex32();
      const sqsQueue = uniqueKey("q");
      const destinations = [
        { type: "cloudflare_queue", account_id: hex32(), queue_id: queue, api_token: token, endpoint: standInsUrl() },
        { type: "sqs", queue_url: `https://sqs.eu-west-1.amazonaws.com/123456789012/${sqsQueue}`, region: "eu-west-1", ...sqsKeys, endpoint: standInsUrl() },
        { type: "eventbridge", region: "eu-west-1", event_bus_name: uniqueKey("bus"), source: "com.example.ci", ...busKeys, endpoint: standInsUrl() },
        // No stand-in key for this account: its token exchange fails, another failing delivery.
        { type: "pubsub", topic: `projects/p-123456/topics/${uniqueKey("t")}`, service_account_json: serviceAccountJson, endpoint: standInsUrl() },
      ];
      const hooks = [];
      for (const destination of destinations) {
        const res = await api("POST", `/v1/namespaces/${ns}/webhooks`, { name: uniqueKey("d"), events: ["build.finished"], destination });
        expect(res.status, JSON.stringify(res.body)).toBe(201);
        seen.push(res);
        hooks.push(res.body);
      }
      const pub = await call("POST", `/v1/namespaces/${ns}/events`, { type: "build.finished", data: { id: 99 } });
      expect(pub.status).toBe(202);
      await waitFor(async () => [...(await standInReceived(queue)), ...(await standInReceived(sqsQueue))], (r) => r.length >= 2, 20_000);
      const list = await waitFor(
        () => call("GET", `/v1/namespaces/${ns}/events/${pub.body.id}`),
        (r) => r.status === 200 && r.body.deliveries >= 4,
        20_000,
      );
      for (const hook of hooks) {
        const d = await waitFor(
          () => call("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}/deliveries`),
          (r) => r.body.data.length > 0 && r.body.data[0].attempts > 0,
          20_000,
        );
        await call("GET", `/v1/namespaces/${ns}/deliveries/${d.body.data[0].id}`);
        await call("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}`);
        // An update that keeps the credentials, and one that replaces a field.
        await call("PATCH", `/v1/namespaces/${ns}/webhooks/${hook.id}`, { description: "moved" });
      }
      expect(list.status).toBe(200);
      await call("GET", `/v1/namespaces/${ns}/webhooks`);

      const forbidden = [token, sqsKeys.access_key_id, sqsKeys.secret_access_key, busKeys.access_key_id, busKeys.secret_access_key, serviceAccountJson, keyB64.slice(0, 64), keyB64.slice(-80, -16)];
      const rows = await dumpAll();
      expect(rows).toContain("destination_sealed");
      const answers = JSON.stringify(seen.map((r) => ({ body: r.body, headers: [...r.headers] })));
      const logs = logged.map((args) => args.map((a) => (typeof a === "string" ? a : a instanceof Error ? `${a.stack}` : JSON.stringify(a))).join(" ")).join("\n");
      for (const f of forbidden) {
        expect(rows.includes(f), `D1 holds ${f.slice(0, 8)}…`).toBe(false);
        expect(answers.includes(f), `an answer holds ${f.slice(0, 8)}…`).toBe(false);
        expect(logs.includes(f), `a log line holds ${f.slice(0, 8)}…`).toBe(false);
      }
    } finally {
      vi.restoreAllMocks();
    }
  });
});

describe("SECRETS_KEY rotation", () => {
  const keyA = btoa("A".repeat(32));
  const keyB = btoa("B".repeat(32));

  it("unseals with SECRETS_KEY_PREVIOUS after the key changed, and only then", async () => {
    const at = currentSecretOf("wh_a");
    const sealed = await seal(keyA, "whsec_dGhlLXNlY3JldA==", at);
    expect(await unseal({ SECRETS_KEY: keyA }, sealed, at)).toBe("whsec_dGhlLXNlY3JldA==");
    await expect(unseal({ SECRETS_KEY: keyB }, sealed, at)).rejects.toThrow();
    expect(await unseal({ SECRETS_KEY: keyB, SECRETS_KEY_PREVIOUS: keyA }, sealed, at)).toBe("whsec_dGhlLXNlY3JldA==");
    // New seals use the current key: they open without the previous one.
    const fresh = await seal(keyB, "x".repeat(20), at);
    expect(await unseal({ SECRETS_KEY: keyB }, fresh, at)).toBe("x".repeat(20));
    // Bound to their place (issue 15): another webhook or column does not open them.
    await expect(unseal({ SECRETS_KEY: keyB }, fresh, currentSecretOf("wh_b"))).rejects.toThrow();
    await expect(unseal({ SECRETS_KEY: keyB }, fresh, previousSecretOf("wh_a"))).rejects.toThrow();
  });

  it("the test Worker's own sealed secrets open with its key", async () => {
    const hook = await createWebhook(ns);
    const row = await (await hookDb(hook.id)).prepare("SELECT secret_sealed FROM webhooks WHERE id = ?").bind(hook.id).first<{ secret_sealed: string }>();
    expect(row?.secret_sealed).not.toContain(hook.secret);
    expect(await unseal(env, row!.secret_sealed, currentSecretOf(hook.id))).toBe(hook.secret);
  });

  it("re-sealing moves every stored secret to the new key, page by page, and deliveries still verify", async () => {
    for (let i = 0; i < 3; i++) await createWebhook(ns);
    const rotated = await createWebhook(ns);
    await api("POST", `/v1/namespaces/${ns}/webhooks/${rotated.id}/rotate-secret`, {});
    const newKey = btoa("N".repeat(32));
    const rotatedEnv = Object.assign({}, env, { SECRETS_KEY: newKey, SECRETS_KEY_PREVIOUS: env.SECRETS_KEY });
    const sealedNow = async () =>
      (
        await Promise.all(
          [env.SHARD_0, env.SHARD_1].map(
            async (db) =>
              (
                await db
                  .prepare("SELECT id, secret_sealed, previous_secret_sealed, destination_sealed FROM webhooks")
                  .all<{ id: string; secret_sealed: string | null; previous_secret_sealed: string | null; destination_sealed: string | null }>()
              )
                .results,
          ),
        )
      ).flat();
    const before = await sealedNow();
    const plain = new Map<string, string>();
    for (const r of before) {
      if (r.secret_sealed) plain.set(r.secret_sealed, await unseal(env, r.secret_sealed, currentSecretOf(r.id)));
      if (r.previous_secret_sealed) plain.set(r.previous_secret_sealed, await unseal(env, r.previous_secret_sealed, previousSecretOf(r.id)));
      if (r.destination_sealed) plain.set(r.destination_sealed, await unseal(env, r.destination_sealed, destinationCredentialsOf(r.id)));
    }
    // Destination credentials (issue 25) are re-sealed too.
    expect(before.some((r) => r.destination_sealed !== null)).toBe(true);

    let resealed = 0;
    let after: string | undefined;
    do {
      const page = await resealSecrets(rotatedEnv, after);
      resealed += page.resealed;
      after = page.next ?? undefined;
    } while (after);
    expect(resealed).toBe(before.length);
    const afterRows = await sealedNow();
    for (const [i, r] of afterRows.entries()) {
      const old = before.find((b) => b.id === r.id)!;
      const pairs = [
        [old.secret_sealed, r.secret_sealed, currentSecretOf(r.id)],
        [old.previous_secret_sealed, r.previous_secret_sealed, previousSecretOf(r.id)],
        [old.destination_sealed, r.destination_sealed, destinationCredentialsOf(r.id)],
      ] as const;
      for (const [was, now, place] of pairs) {
        if (was === null) expect(now, `row ${i}`).toBeNull();
        else expect(await unseal({ SECRETS_KEY: newKey }, now!, place)).toBe(plain.get(was));
      }
    }
    // A second pass finds nothing left to do; then move back so the Worker (old key) can read them again.
    expect((await resealSecrets(rotatedEnv, undefined)).resealed).toBe(0);
    await resealSecrets(Object.assign({}, env, { SECRETS_KEY_PREVIOUS: newKey }), undefined);
    expect((await api("GET", `/v1/admin/secrets/reseal`)).status).toBe(405);
    expect(await api("POST", "/v1/admin/secrets/reseal", {})).toMatchObject({ status: 200, body: { resealed: 0, next: null } });
  });
});
