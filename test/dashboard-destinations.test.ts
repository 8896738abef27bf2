/**
 * Issue 25: the webhook form offers the destination types with their fields;
 * credentials are write-only (never in the page; on edit, empty keeps them).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { destinationCredentialsOf, unseal } from "../src/security/secret-box";
import { api, uniqueKey } from "./support/api";
import { awsKeys, hex32 } from "./support/destinations";
import { page, postForm } from "./support/dashboard";
import { hookDb } from "./support/shards";

const ns = "dash-destinations";

const sealedOf = async (id: string) =>
  JSON.parse(
    await unseal(
      env,
      (await (await hookDb(id)).prepare("SELECT destination_sealed FROM webhooks WHERE id = ?").bind(id).first<{ destination_sealed: string }>())!.destination_sealed,
      destinationCredentialsOf(id),
    ),
  );

describe("dashboard: destinations", () => {
  it("the create form offers every destination type and its fields", async () => {
    const html = await (await page("/webhooks/new", ns)).text();
    for (const type of ["http", "cloudflare_queue", "sqs", "eventbridge", "pubsub"]) expect(html).toContain(`<option value="${type}"`);
    for (const name of ["dest_cloudflare_queue_api_token", "dest_sqs_queue_url", "dest_sqs_secret_access_key", "dest_eventbridge_source", "dest_pubsub_service_account_json", "dest_sqs_endpoint"]) {
      expect(html).toContain(`name="${name}"`);
    }
    expect(html).toMatch(/<input id="dest_sqs_secret_access_key" name="dest_sqs_secret_access_key" type="password"/);
  });

  it("creates an SQS webhook from the form, shows only hints on edit, and an empty credential keeps the stored one", async () => {
    const keys = awsKeys();
    const name = `sqs-${uniqueKey()}`;
    const created = await postForm("/webhooks", ns, [
      ["name", name],
      ["url", ""],
      ["destination_type", "sqs"],
      ["dest_sqs_queue_url", "https://sqs.eu-west-1.amazonaws.com/123456789012/ci-events"],
      ["dest_sqs_region", "eu-west-1"],
      ["dest_sqs_access_key_id", keys.access_key_id],
      ["dest_sqs_secret_access_key", keys.secret_access_key],
      ["events", "build.finished"],
    ]);
    expect(created.status, await created.clone().text()).toBe(201);
    expect(await created.text()).not.toContain(keys.secret_access_key);
    const hook = ((await api("GET", `/v1/namespaces/${ns}/webhooks`)).body.data as { id: string; name: string; destination: { type: string } }[]).find((w) => w.name === name)!;
    expect(hook.destination.type).toBe("sqs");

    const edit = await (await page(`/webhooks/${hook.id}/edit`, ns)).text();
    expect(edit).toMatch(/<option value="sqs" selected/);
    expect(edit).toContain('value="https://sqs.eu-west-1.amazonaws.com/123456789012/ci-events"');
    expect(edit).toContain(`stored …${keys.secret_access_key.slice(-4)}; empty keeps it`);
    expect(edit).not.toContain(keys.secret_access_key);
    expect(edit).not.toContain(keys.access_key_id);

    const saved = await postForm(`/webhooks/${hook.id}`, ns, [
      ["name", name],
      ["url", ""],
      ["destination_type", "sqs"],
      ["dest_sqs_queue_url", "https://sqs.eu-west-1.amazonaws.com/123456789012/ci-events-2"],
      ["dest_sqs_region", "eu-west-1"],
      ["dest_sqs_access_key_id", ""],
      ["dest_sqs_secret_access_key", ""],
      ["events", "build.finished"],
    ]);
    expect(saved.status, await saved.clone().text()).toBe(303);
    const after = (await api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}`)).body;
    expect(after.destination.queue_url).toMatch(/ci-events-2$/);
    expect(await sealedOf(hook.id)).toEqual(keys);

    // The webhook's page names the destination, credentials as hints.
    const shown = await (await page(`/webhooks/${hook.id}`, ns)).text();
    expect(shown).toContain("Amazon SQS");
    expect(shown).toContain(`secret_access_key: …${keys.secret_access_key.slice(-4)}`);
    expect(shown).not.toContain(keys.secret_access_key);
  });

  it("a missing credential on create shows the API's error at that field, input kept", async () => {
    const account = hex32();
    const res = await postForm("/webhooks", ns, [
      ["name", `cfq-${uniqueKey()}`],
      ["destination_type", "cloudflare_queue"],
      ["dest_cloudflare_queue_account_id", account],
      ["dest_cloudflare_queue_queue_id", hex32()],
      ["dest_cloudflare_queue_api_token", ""],
      ["events", "build.finished"],
    ]);
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toMatch(/id="dest_cloudflare_queue_api_token-error"/);
    expect(html).toContain(`value="${account}"`);
    expect(html).toMatch(/<details open=""><summary>Cloudflare Queue<\/summary>|<details open><summary>Cloudflare Queue/);
  });
});
