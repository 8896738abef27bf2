/**
 * The served /openapi.json as a newcomer's tools see it: Spectral's
 * `spectral:oas` ruleset finds nothing to warn about, and a client generated
 * from it (openapi-typescript + openapi-fetch) drives the README walk-through
 * against a running dispatcher, typed end to end.
 */
import spectralCore from "@stoplight/spectral-core";
import { oas } from "@stoplight/spectral-rulesets";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import createClient from "openapi-fetch";
import openapiTS from "openapi-typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, startDispatcher, type LocalDispatcher } from "../../scripts/lib/local-dispatcher.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { updating } from "./support/ci.ts";
import type { paths } from "./generated/openapi.d.ts";

type Doc = { servers: { url: string }[]; paths: Record<string, Record<string, { operationId?: string }>>; webhooks: Record<string, { post: { operationId?: string } }> };

const ADMIN = "dev-admin-token";
let dispatcher: LocalDispatcher;
let receiver: Receiver;
let doc: Doc;

beforeAll(async () => {
  receiver = await startReceiver();
  dispatcher = await startDispatcher({ port: 8842, persistTo: ".wrangler/test-openapi-tools", vars: { ADMIN_TOKEN: ADMIN } });
  doc = (await (await fetch(`${dispatcher.url}/openapi.json`)).json()) as Doc;
});

afterAll(async () => {
  await dispatcher?.stop();
  await receiver?.close();
});

async function lint(document: unknown) {
  const spectral = new spectralCore.Spectral();
  spectral.setRuleset({ extends: [[oas as never, "recommended"]] });
  // A JSON string is parsed by Spectral itself, which then reports positions too.
  const results = await spectral.run(JSON.stringify(document));
  return results.map((r) => `${r.code} at ${r.path.join(".")}: ${r.message}`);
}

describe("Spectral (spectral:oas, recommended)", () => {
  it("reports nothing on the served document", async () => {
    expect(await lint(doc)).toEqual([]);
  });

  it("would report a missing operationId, and a malformed webhook", async () => {
    const broken = structuredClone(doc);
    delete broken.paths["/v1/namespaces/{ns}/webhooks"].post.operationId;
    (Object.values(broken.webhooks)[0].post as Record<string, unknown>).responses = "none";
    const found = await lint(broken);
    expect(found.filter((r) => r.startsWith("operation-operationId"))).toHaveLength(1);
    expect(found.some((r) => r.includes("webhooks."))).toBe(true);
  });
});

describe("generated client", () => {
  // The types the client below is checked against are generated from the
  // served document; UPDATE_OPENAPI_TYPES=1 rewrites them after an API change.
  it("types are the served document's", async () => {
    const generated = await openapiTS(doc as never);
    const file = join(ROOT, "test/node/generated/openapi.d.ts");
    if (updating("UPDATE_OPENAPI_TYPES")) writeFileSync(file, generated);
    else expect(readFileSync(file, "utf8"), "stale: run with UPDATE_OPENAPI_TYPES=1").toBe(generated);
  });

  it("drives the README walk-through", async () => {
    const client = createClient<paths>({ baseUrl: doc.servers[0].url, headers: { authorization: `Bearer ${ADMIN}` } });
    const ns = `tools${Date.now()}`;
    const params = { path: { ns } };

    const created = await client.POST("/v1/namespaces/{ns}/webhooks", {
      params,
      body: { name: "build-notifier", url: `${receiver.url}/ok/tools`, events: ["build.*"] },
    });
    expect(created.response.status).toBe(201);
    expect(created.data?.secret).toMatch(/^whsec_/);

    const published = await client.POST("/v1/namespaces/{ns}/events", {
      params,
      body: { id: "build-1", type: "build.finished", data: { id: 1, number: 1, status: "passed" } },
    });
    expect(published.response.status).toBe(202);

    const listed = await client.GET("/v1/namespaces/{ns}/webhooks", { params });
    const webhookId = listed.data?.data[0]?.id ?? "";
    expect(webhookId).toBe(created.data?.id);

    let deliveryId: string | undefined;
    const until = Date.now() + 30_000;
    while (!deliveryId && Date.now() < until) {
      const page = await client.GET("/v1/namespaces/{ns}/webhooks/{id}/deliveries", {
        params: { path: { ns, id: webhookId }, query: { status: "succeeded" } },
      });
      deliveryId = page.data?.data[0]?.id;
      if (!deliveryId) await new Promise((r) => setTimeout(r, 250));
    }
    expect(deliveryId).toBeDefined();

    const detail = await client.GET("/v1/namespaces/{ns}/deliveries/{id}", { params: { path: { ns, id: deliveryId ?? "" } } });
    expect(detail.data?.event_id).toBe("build-1");
    expect(detail.data?.attempts[0]).toMatchObject({ attempt: 1, trigger: "automatic", response_status: 200 });
    expect(receiver.requests.get("tools")).toHaveLength(1);

    // Errors come back typed as the Error component.
    const refused = await client.POST("/v1/namespaces/{ns}/webhooks", { params, body: { name: "bad name", url: `${receiver.url}/ok/x`, events: ["*"] } });
    expect(refused.response.status).toBe(422);
    expect(refused.error?.error.code).toBe("validation_failed");
  });
});
