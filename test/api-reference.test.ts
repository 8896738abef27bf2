import SwaggerParser from "@apidevtools/swagger-parser";
import { describe, expect, it } from "vitest";
import { app } from "../src/index";
import { errorStatus } from "../src/errors";
import { renderError } from "../src/api/app";
import { formatsCarryingEventType } from "../src/events/carriage";
import { eventCatalog } from "../src/events/catalog";
import { ADMIN, api } from "./support/api";

type Operation = { responses: Record<string, { description: string }>; security?: unknown };
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { securitySchemes: Record<string, { type: string; scheme: string }> } };

/** Hono paths (`:ns`) written the OpenAPI way (`{ns}`). */
const openApiPath = (p: string) => p.replace(/:([A-Za-z0-9_]+)/g, "{$1}");

async function fetchDoc(): Promise<Doc> {
  const res = await api<Doc>("GET", "/openapi.json", undefined, null);
  expect(res.status).toBe(200);
  return res.body;
}

describe("OpenAPI document", () => {
  it("is served without a token and passes a third-party validator", async () => {
    const doc = await fetchDoc();
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
    // validate() dereferences in place: give it a copy.
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
    // The validator is not a no-op: a response without its required description fails.
    const broken = structuredClone(doc);
    const [firstPath] = Object.values(broken.paths);
    delete (Object.values(Object.values(firstPath)[0].responses)[0] as { description?: string }).description;
    await expect(SwaggerParser.validate(broken as never)).rejects.toThrow();
  });

  it("describes every /v1 route registered on the app", async () => {
    const doc = await fetchDoc();
    const registered = app.routes.filter((r) => r.path.startsWith("/v1/") && r.method !== "ALL" && !r.path.includes("*"));
    expect(registered.length).toBeGreaterThan(5);
    const missing = registered.filter((r) => !doc.paths[openApiPath(r.path)]?.[r.method.toLowerCase()]).map((r) => `${r.method} ${r.path}`);
    expect(missing).toEqual([]);
  });
});

describe("operations and webhooks in the document", () => {
  type Op = { operationId?: string; parameters?: { name: string; in: string; required: boolean }[]; requestBody?: { content: Record<string, { schema: Record<string, unknown> }> } };
  type FullDoc = { paths: Record<string, Record<string, Op>>; webhooks: Record<string, { post: Op }>; components: { schemas: Record<string, unknown> }; tags: { name: string }[] };

  it("gives every operation a unique operationId, the walk-through's under their stable names", async () => {
    const doc = (await fetchDoc()) as unknown as FullDoc;
    const ids = [...Object.values(doc.paths).flatMap((m) => Object.values(m)), ...Object.values(doc.webhooks).map((w) => w.post)].map((op) => op.operationId);
    expect(ids.filter((id) => !id)).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.paths["/v1/namespaces/{ns}/webhooks"].post.operationId).toBe("createWebhook");
    expect(doc.paths["/v1/namespaces/{ns}/events"].post.operationId).toBe("publishEvent");
    expect(doc.paths["/v1/namespaces/{ns}/deliveries"].get.operationId).toBe("listDeliveries");
  });

  it("lists every catalog type under each format that carries it, with its data schema and signing headers", async () => {
    const doc = (await fetchDoc()) as unknown as FullDoc;
    const expected = eventCatalog.flatMap((t) => formatsCarryingEventType(t.name).map((f) => `${t.name} (${f})`));
    expect(Object.keys(doc.webhooks).sort()).toEqual(expected.sort());
    expect(expected.length).toBeGreaterThan(eventCatalog.length);
    for (const [key, { post }] of Object.entries(doc.webhooks)) {
      const headers = (post.parameters ?? []).filter((p) => p.in === "header").map((p) => p.name);
      expect(headers, key).toEqual(expect.arrayContaining(["webhook-id", "webhook-timestamp", "webhook-signature"]));
      const schema = JSON.stringify(post.requestBody?.content["application/json"].schema);
      if (/\((slack|discord)\)$/.test(key)) {
        // A chat message is built from the event, not its data.
        expect(schema, key).toMatch(/"required":\["(text","blocks|content","embeds)"\]/);
        continue;
      }
      const ref = /#\/components\/schemas\/([A-Za-z]+)/.exec(schema)?.[1];
      expect(ref && doc.components.schemas[ref], key).toBeTruthy();
    }
    const standard = doc.webhooks["build.finished (standard)"].post.requestBody?.content["application/json"].schema;
    expect(standard).toMatchObject({ required: ["type", "timestamp", "data"], properties: { type: { const: "build.finished" } } });
    expect(doc.webhooks["build.finished (djinn)"].post.parameters?.map((p) => p.name)).toContain("x-djinn-ci-signature");
    expect(doc.webhooks["workflow-completed (circleci)"].post.parameters?.map((p) => p.name)).toContain("circleci-signature");
    expect(doc.webhooks["workflow-completed (djinn)"]).toBeUndefined();
    const declared = new Set(doc.tags.map((t) => t.name));
    for (const op of [...Object.values(doc.paths).flatMap((m) => Object.values(m)), ...Object.values(doc.webhooks).map((w) => w.post)]) {
      for (const tag of (op as { tags?: string[] }).tags ?? []) expect(declared, tag).toContain(tag);
    }
  });
});

describe("/docs", () => {
  it("answers HTML that references only same-origin assets, and they answer", async () => {
    const page = await api<string>("GET", "/docs", undefined, null);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    const refs = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThanOrEqual(2);
    for (const ref of refs) {
      expect(ref, "same-origin path").toMatch(/^\/[^/]/);
      const asset = await api<string>("GET", ref, undefined, null);
      expect(asset.status, ref).toBe(200);
      expect(asset.body.length, ref).toBeGreaterThan(10);
    }
    expect(page.body).not.toMatch(/https?:\/\//);
  });
});

describe("error codes in the document", () => {
  /** The codes a response's description names (`error.code` is one of: `a`, `b`). */
  const codesOf = (op: Operation, status?: string) =>
    Object.entries(op.responses)
      .filter(([s]) => status === undefined || s === status)
      .flatMap(([, r]) => [...r.description.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]).filter((c) => c in errorStatus));

  it("documents 401 unauthorized on every /v1 operation", async () => {
    const doc = await fetchDoc();
    const ops = Object.entries(doc.paths).filter(([p]) => p.startsWith("/v1/"));
    expect(ops.length).toBeGreaterThan(5);
    for (const [path, methods] of ops) {
      for (const [method, op] of Object.entries(methods)) {
        expect(codesOf(op, "401"), `${method} ${path}`).toContain("unauthorized");
      }
    }
  });

  it("files every documented code under its own status", async () => {
    const doc = await fetchDoc();
    for (const methods of Object.values(doc.paths)) {
      for (const op of Object.values(methods)) {
        for (const status of Object.keys(op.responses)) {
          for (const code of codesOf(op, status)) expect(String(errorStatus[code as keyof typeof errorStatus])).toBe(status);
        }
      }
    }
  });

  it("documents every code of src/errors.ts on some route", async () => {
    const doc = await fetchDoc();
    const onRoutes = new Set(Object.values(doc.paths).flatMap((m) => Object.values(m).flatMap((op) => codesOf(op))));
    const info = (doc as unknown as { info: { description: string } }).info.description;
    // 405 and 429 belong to no single operation (the methods a path lacks, a limit in front of the routes): the document says them once, up front.
    const upFront = ["method_not_allowed", "too_many_requests"];
    const missing = Object.keys(errorStatus).filter((code) => !onRoutes.has(code) && !(upFront.includes(code) && info.includes(`\`${code}\``)));
    // webhook_disabled is answered by redeliver; until that route is on the app, no route can answer it.
    const hasRedeliver = app.routes.some((r) => r.path.endsWith("/redeliver"));
    expect(missing.filter((c) => hasRedeliver || c !== "webhook_disabled")).toEqual([]);
  });
});

describe("error codes the app answers", () => {
  it("415 unsupported_media_type for a body that is not JSON", async () => {
    const res = await exportsFetch("POST", "/v1/namespaces/acme/webhooks", "name=x", { "content-type": "text/plain" });
    expect(res.status).toBe(415);
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe("unsupported_media_type");
  });

  it("405 method_not_allowed with Allow for a known path, 404 for an unknown one", async () => {
    const res = await api("PUT", "/v1/namespaces/acme/webhooks");
    expect(res.status).toBe(405);
    expect(res.body.error.code).toBe("method_not_allowed");
    expect(res.headers.get("allow")).toBe("GET, POST");
    expect((await api("GET", "/v1/namespaces/acme/nothing-here")).body.error.code).toBe("not_found");
  });

  it("422 validation_failed for over-long ids where the document says so", async () => {
    const res = await api("GET", `/v1/namespaces/acme/events/${"x".repeat(65)}`);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("validation_failed");
  });

  it("503 unavailable for the D1 errors Cloudflare calls retryable, 500 for the rest", () => {
    expect(renderError(new Error("D1_ERROR: Network connection lost."), "r1")).toMatchObject({ status: 503, body: { error: { code: "unavailable" } } });
    expect(renderError(new Error("D1_ERROR: D1 DB is overloaded. Requests queued for too long."), "r2").status).toBe(503);
    const other = renderError(new Error("D1_ERROR: no such table: x"), "r3");
    expect(other).toMatchObject({ status: 500, body: { error: { code: "internal_error" } } });
    expect(JSON.stringify(other.body)).not.toContain("no such table");
  });
});

async function exportsFetch(method: string, path: string, body: string, headers: Record<string, string>) {
  const { exports } = await import("cloudflare:workers");
  return exports.default.fetch(
    new Request(`http://dispatcher.test${path}`, { method, body, headers: { authorization: `Bearer ${ADMIN}`, ...headers } }),
  );
}
