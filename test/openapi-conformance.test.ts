/**
 * Every answer is the documented one: for each operation of /openapi.json
 * (the list comes from the document), the calls of
 * test/openapi-conformance.cases.ts are made against the real Worker and each
 * answer's status must be one the operation declares, its body valid against
 * that status's schema with undeclared properties refused, so a leaked
 * internal field fails here.
 */
import { Validator } from "@cfworker/json-schema";
import { beforeAll, describe, expect, it } from "vitest";
import { conformanceCases, type Call, type Fixture } from "./openapi-conformance.cases";
import { api, createWebhook, receiverUrl, settledDelivery, uniqueKey, waitFor } from "./support/api";
import { strictSchema } from "./support/strict-schema";

type Response = { content?: Record<string, { schema: unknown }> };
type Operation = { responses: Record<string, Response>; security?: unknown[] };
type Doc = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> }; security?: unknown[] };

let doc: Doc;
let fixture: Fixture;

beforeAll(async () => {
  doc = (await api<Doc>("GET", "/openapi.json", undefined, null)).body;
  const ns = uniqueKey("conf");
  const webhook = await createWebhook(ns, { url: receiverUrl(`/ok/${uniqueKey()}`), events: ["build.*"] });
  const eventId = uniqueKey("evt");
  const published = await api("POST", `/v1/namespaces/${ns}/events`, { id: eventId, type: "build.finished", data: { id: 1, number: 1, status: "passed" } });
  expect(published.status).toBe(202);
  const list = await waitFor(
    () => api("GET", `/v1/namespaces/${ns}/deliveries`),
    (r) => r.body.data?.length === 1,
  );
  await settledDelivery(ns, list.body.data[0].id);
  const token = await api("POST", `/v1/namespaces/${ns}/tokens`, { name: "publisher", scopes: ["events:publish"] });
  fixture = { ns, webhookId: webhook.id, eventId, deliveryId: list.body.data[0].id, nsToken: token.body.token };
});

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, path, method, op })));

function pathOf(template: string, call: Call): string {
  const params = { ns: fixture.ns, ...call.params };
  const path = template.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    if (!(name in params)) throw new Error(`${template}: the call names no value for {${name}}`);
    return encodeURIComponent(params[name as keyof typeof params]);
  });
  return call.query ? `${path}?${call.query}` : path;
}

/** What is wrong with one answer, by the document (empty: nothing). */
function check(op: Operation, status: number, body: unknown): string[] {
  const declared = op.responses[String(status)] ?? op.responses.default;
  if (!declared) return [`status ${status} is not declared (declared: ${Object.keys(op.responses).join(", ")})`];
  if (declared.content?.["application/x-ndjson"]) return ndjsonProblems(body);
  const schema = declared.content?.["application/json"]?.schema;
  if (!schema) return body === null || body === "" ? [] : [`status ${status} declares no body, got ${JSON.stringify(body).slice(0, 200)}`];
  const result = new Validator(strictSchema(schema, doc.components.schemas) as never, "2020-12", false).validate(body);
  return result.valid ? [] : result.errors.filter((e) => e.keyword !== "properties" && e.keyword !== "items").map((e) => `${e.instanceLocation}: ${e.error}`);
}

/** The export's lines (GET .../export): each a webhook or a delivery in its API shape, or an event, by its `kind`. */
const EXPORT_LINE_SCHEMAS: Record<string, unknown> = {
  webhook: { $ref: "#/components/schemas/Webhook" },
  delivery: { $ref: "#/components/schemas/DeliveryDetail" },
  event: {
    type: "object",
    required: ["id", "type", "data", "ordering_key", "created_at"],
    properties: { id: { type: "string" }, type: { type: "string" }, data: { type: "object" }, ordering_key: { type: ["string", "null"] }, created_at: { type: "string" } },
  },
};

function ndjsonProblems(body: unknown): string[] {
  const text = typeof body === "string" ? body : `${JSON.stringify(body)}\n`;
  return text
    .split("\n")
    .filter((line) => line !== "")
    .flatMap((line, i) => {
      const { kind, ...rest } = JSON.parse(line) as { kind: string };
      const schema = EXPORT_LINE_SCHEMAS[kind];
      if (!schema) return [`line ${i + 1}: unknown kind ${kind}`];
      const result = new Validator(strictSchema(schema, doc.components.schemas) as never, "2020-12", false).validate(rest);
      return result.valid ? [] : result.errors.filter((e) => e.keyword !== "properties" && e.keyword !== "items").map((e) => `line ${i + 1} (${kind}) ${e.instanceLocation}: ${e.error}`);
    });
}

describe("every operation's answers match /openapi.json", () => {
  it("has a case for every operation of the document, and none for an operation it lacks", () => {
    const keys = operations().map((o) => o.key);
    expect(keys.length).toBeGreaterThan(20);
    const uncovered = keys.filter((k) => !conformanceCases[k]);
    expect(uncovered, `no conformance case for ${uncovered.join(", ")}: add one to test/openapi-conformance.cases.ts`).toEqual([]);
    const stale = Object.keys(conformanceCases).filter((k) => !keys.includes(k));
    expect(stale, "cases for operations the document does not have").toEqual([]);
  });

  it("refuses an undeclared property (the check is not a no-op)", () => {
    const op = doc.paths["/v1/namespaces/{ns}/events/{id}"].get;
    const ok = { id: "e1", type: "build.finished", created_at: new Date().toISOString(), deliveries: 0, delivery_list: [] };
    expect(check(op, 200, { ...ok, firstDeliverySeq: 7 }).join("\n")).toMatch(/firstDeliverySeq/);
    expect(check(op, 299, ok)).toEqual(["status 299 is not declared (declared: 200, 401, 403, 404, 422, 500, 503)"]);
    const exportOp = doc.paths["/v1/namespaces/{ns}/export"].get;
    expect(check(exportOp, 200, '{"kind":"event","id":"e1","type":"t","data":{},"ordering_key":null,"created_at":"x","leak":1}\n').join("\n")).toMatch(/leak/);
    expect(check(exportOp, 200, '{"kind":"webhook","id":"wh_1"}\n').join("\n")).toMatch(/webhook/);
  });

  it("accepts the publish body's documented example as it stands", async () => {
    const example = (doc.components.schemas.EventPublish as { example?: unknown }).example;
    expect(example).toMatchObject({ type: "build.finished", data: { status: "passed" } });
    const res = await api("POST", `/v1/namespaces/${uniqueKey("ex")}/events`, example);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
  });

  it("answers every case's calls with a declared status and a body the document describes", async () => {
    const problems: string[] = [];
    for (const { key, path, method, op } of operations()) {
      const c = conformanceCases[key];
      if (!c) continue;
      const secured = (op.security ?? doc.security ?? []).length > 0;
      const runs: [Call, "2xx" | "4xx"][] = [
        ...(await c.ok(fixture)).map((call): [Call, "2xx"] => [call, "2xx"]),
        ...(await c.bad(fixture)).map((call): [Call, "4xx"] => [call, "4xx"]),
        ...(secured ? [[{ token: null }, "4xx"] as [Call, "4xx"]] : []),
      ];
      const kinds = new Set(runs.map(([, kind]) => kind));
      if (!kinds.has("2xx") || !kinds.has("4xx")) problems.push(`${key}: the case needs at least one ok and one bad call`);
      for (const [call, kind] of runs) {
        const target = pathOf(path, { ...call, params: { id: "missing_1", ...call.params } });
        const res = await api(method.toUpperCase(), target, call.body, call.token === undefined ? undefined : call.token);
        const where = `${key} ${JSON.stringify(call).slice(0, 160)} -> ${res.status}`;
        if (String(res.status)[0] !== kind[0]) problems.push(`${where}: expected ${kind}, body ${JSON.stringify(res.body).slice(0, 300)}`);
        for (const p of check(op, res.status, res.body)) problems.push(`${where}: ${p}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
