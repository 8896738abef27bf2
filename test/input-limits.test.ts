/**
 * Input limits: one 64 KiB cap on request bodies (256 KiB for publishing
 * events), 400 for malformed JSON, the shared error shape, no internals.
 */
import { describe, expect, it } from "vitest";
import { api, ADMIN } from "./support/api";

const ns = "limits";
type Doc = { paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, { description: string }> }>> };

/** Every /v1 route that takes a JSON body, with a concrete path. */
async function jsonRoutes(): Promise<{ method: string; path: string }[]> {
  const doc = (await api<Doc>("GET", "/openapi.json", undefined, null)).body;
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([, op]) => op.requestBody)
      .map(([method]) => ({ method: method.toUpperCase(), path: path.replace("{ns}", ns).replace("{id}", "wh_missing") })),
  );
}

function expectCleanError(body: { error: Record<string, unknown> }, code: string) {
  expect(body.error).toMatchObject({ code, message: expect.any(String), request_id: expect.any(String) });
  expect(JSON.stringify(body)).not.toMatch(/\n\s+at |Error:|SyntaxError|\.ts\b|node_modules|Unexpected token/);
}

describe("input limits", () => {
  it("every route with a JSON body answers 413 payload_too_large past 64 KiB, and documents it", async () => {
    const routes = await jsonRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(6);
    const big = JSON.stringify({ name: "x", padding: "y".repeat(64 * 1024) });
    for (const r of routes.filter((r) => !r.path.endsWith("/events"))) {
      const res = await api(r.method, r.path, big);
      expect(res.status, `${r.method} ${r.path}`).toBe(413);
      expectCleanError(res.body, "payload_too_large");
    }
    const doc = (await api<Doc>("GET", "/openapi.json", undefined, null)).body;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (!op.requestBody) continue;
        expect(op.responses["413"]?.description, `${method} ${path}`).toContain("`payload_too_large`");
        expect(op.responses["400"]?.description, `${method} ${path}`).toContain("`invalid_json`");
      }
    }
  });

  it("a body just under 64 KiB passes the cap (and is then judged on its fields)", async () => {
    const res = await api("POST", `/v1/namespaces/${ns}/webhooks`, JSON.stringify({ name: "x", description: "d".repeat(60 * 1024) }));
    expect(res.status).toBe(422);
  });

  it("the cap holds without Content-Length too (a streamed body)", async () => {
    const { exports } = await import("cloudflare:workers");
    const chunk = new TextEncoder().encode("x".repeat(16 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(ctrl) {
        if (sent++ < 8) ctrl.enqueue(chunk);
        else ctrl.close();
      },
    });
    const res = await exports.default.fetch(
      new Request(`http://dispatcher.test/v1/namespaces/${ns}/webhooks`, {
        method: "POST",
        body: stream,
        headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json", "transfer-encoding": "chunked" },
        // @ts-expect-error duplex is required for a streamed request body
        duplex: "half",
      }),
    );
    expect(res.status).toBe(413);
  });

  it("events keep their own 256 KiB limit", async () => {
    const ok = await api("POST", `/v1/namespaces/${ns}/events`, { type: "build.started", data: { pad: "p".repeat(100 * 1024) } });
    expect(ok.status).toBe(202);
    const tooBig = await api("POST", `/v1/namespaces/${ns}/events`, { type: "build.started", data: { pad: "p".repeat(257 * 1024) } });
    expect(tooBig.status).toBe(413);
    expectCleanError(tooBig.body, "payload_too_large");
  });

  it("malformed JSON is 400 invalid_json on every JSON route, without parser internals", async () => {
    for (const r of await jsonRoutes()) {
      for (const bad of ['{"name": ', "{'single': 1}", "[1,2", "nul"]) {
        const res = await api(r.method, r.path, bad);
        expect(res.status, `${r.method} ${r.path} ${bad}`).toBe(400);
        expectCleanError(res.body, "invalid_json");
      }
    }
  });

  it("deep JSON (issue 15): event data nesting past 64 levels is 422 naming the limit, never a 500", async () => {
    const nested = (levels: number) => `${"[".repeat(levels - 1)}{}${"]".repeat(levels - 1)}`;
    const publish = (levels: number) => api("POST", `/v1/namespaces/${ns}/events`, `{"type":"build.started","data":{"deep":${nested(levels - 1)}}}`);
    // ~120,000 levels fit in 256 KiB.
    const deep = await publish(120_000);
    expect(deep.status).toBe(422);
    expectCleanError(deep.body, "validation_failed");
    expect(deep.body.error.details).toContainEqual({ path: "data", message: expect.stringContaining("64") });
    expect((await publish(65)).status).toBe(422);
    expect((await publish(64)).status).toBe(202);
  });
});
