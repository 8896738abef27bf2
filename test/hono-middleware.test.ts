/** Hono's own middleware in the app: request ids, bearer auth, and HTTPExceptions keeping their status. */
import { env } from "cloudflare:test";
import { HTTPException } from "hono/http-exception";
import { describe, expect, it } from "vitest";
import { buildApp, renderError } from "../src/api/app";
import { api } from "./support/api";
import { namespaceToken } from "./support/db";

describe("HTTPExceptions thrown by middleware keep their status", () => {
  const app = buildApp();
  app.use("/refuse/:status", async function refuse(c) {
    const status = Number(c.req.param("status")) as 401 | 403 | 429;
    const res = new Response("ignored", { status, headers: { "retry-after": "7", "www-authenticate": 'Bearer error="invalid_token"' } });
    throw new HTTPException(status, status === 403 ? { message: "No CSRF token." } : { res });
  });
  app.get("/refuse/:status", (c) => c.text("never"));

  it.each([
    [401, "unauthorized"],
    [403, "forbidden"],
    [429, "too_many_requests"],
  ])("%i stays %i with code %s, in the shared shape", async (status, code) => {
    const res = await app.request(`/refuse/${status}`, {}, env);
    expect(res.status).toBe(status);
    const body = await res.json<{ error: { code: string; message: string; request_id: string } }>();
    expect(body.error.code).toBe(code);
    expect(body.error.request_id).toBe(res.headers.get("x-request-id"));
    if (status === 403) expect(body.error.message).toBe("No CSRF token.");
    else expect(res.headers.get("retry-after")).toBe("7");
  });

  it("an unmapped 4xx keeps its status; a 5xx HTTPException says nothing of itself", () => {
    expect(renderError(new HTTPException(418, { message: "teapot" }), "r").status).toBe(418);
    const five = renderError(new HTTPException(502, { message: "upstream secret detail" }), "r");
    expect(five).toMatchObject({ status: 500, body: { error: { code: "internal_error" } } });
    expect(JSON.stringify(five.body)).not.toContain("secret detail");
  });
});

describe("bearer auth (hono/bearer-auth with our verifyToken)", () => {
  it("no header: 401 with WWW-Authenticate and our message", async () => {
    const res = await api("GET", "/v1/namespaces/acme/webhooks", undefined, null);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer realm=/);
    expect(res.body.error).toMatchObject({ code: "unauthorized", message: "Send Authorization: Bearer <token>." });
  });

  it("a wrong token: 401 invalid_token; a malformed header: 401, not bearerAuth's 400", async () => {
    const wrong = await api("GET", "/v1/namespaces/acme/webhooks", undefined, "cwh_not-a-real-token");
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toContain('error="invalid_token"');
    expect(wrong.body.error).toMatchObject({ code: "unauthorized", message: "The token is not valid." });
    const { exports } = await import("cloudflare:workers");
    const basic = await exports.default.fetch(new Request("http://dispatcher.test/v1/event-types", { headers: { authorization: "Basic dXNlcjpwdw==" } }));
    expect(basic.status).toBe(401);
    expect((await basic.json<{ error: { code: string } }>()).error.code).toBe("unauthorized");
  });

  it("a valid token sets the principal: the admin, or the token's namespace and scopes", async () => {
    // A route of our own behind the same middleware answers what it was handed.
    const probe = buildApp();
    probe.get("/v1/whoami", (c) => c.json(c.get("principal")));
    const whoami = async (token: string) => (await probe.request("/v1/whoami", { headers: { authorization: `Bearer ${token}` } }, env)).json();
    expect(await whoami("test-admin-token")).toEqual({ kind: "admin" });
    const token = await namespaceToken("mw-principal", ["webhooks:read", "events:publish"]);
    expect(await whoami(token)).toMatchObject({ kind: "token", namespace: "mw-principal", scopes: ["webhooks:read", "events:publish"], id: expect.stringMatching(/^tok_/) });
    // And the real routes act on it.
    expect((await api("GET", "/v1/namespaces/mw-principal/webhooks", undefined, token)).status).toBe(200);
    expect((await api("GET", "/v1/namespaces/mw-other/webhooks", undefined, token)).status).toBe(404);
    expect((await api("GET", "/v1/admin/usage", undefined, token)).status).toBe(403);
  });
});

describe("request ids (hono/request-id)", () => {
  it("every answer carries one: success, error, unknown route, dashboard redirect", async () => {
    for (const [path, token] of [["/v1/event-types", undefined], ["/v1/event-types", null], ["/nothing", undefined], ["/webhooks", null]] as const) {
      const res = await api("GET", path, undefined, token);
      expect(res.headers.get("x-request-id"), path).toMatch(/^[\w-]{8,}$/);
    }
  });

  it("keeps a caller's well-formed X-Request-Id and replaces a malformed one", async () => {
    const { exports } = await import("cloudflare:workers");
    const ask = (id: string) => exports.default.fetch(new Request("http://dispatcher.test/v1/nothing", { headers: { "x-request-id": id } }));
    const kept = await ask("trace-123_abc");
    expect(kept.headers.get("x-request-id")).toBe("trace-123_abc");
    expect((await kept.json<{ error: { request_id: string } }>()).error.request_id).toBe("trace-123_abc");
    const replaced = await ask("bad id <script>");
    expect(replaced.headers.get("x-request-id")).not.toContain("script");
  });
});
