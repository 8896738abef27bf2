/**
 * The dashboard's session cookie and form protection, inside workerd (these
 * run even where Chromium is missing; the browser test covers the pages).
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { openSession, sealSession, sessionCookieName, sessionCookieOptions } from "../src/security/session-cookie";
import { ADMIN, api } from "./support/api";

const KEY = "dGVzdC1vbmx5LXNlY3JldHMta2V5LTMyLWJ5dGVzISE=";
const OTHER_KEY = "b3RoZXIta2V5LW9mLXRoaXJ0eS10d28tYnl0ZXMhISE=";
const ORIGIN = "http://dispatcher.test";

describe("session cookie", () => {
  const session = { token: "cwh_x", namespace: "acme", csrf: "c".repeat(32), exp: Date.now() + 60_000 };

  it("opens what it sealed, and nothing altered, foreign or expired", async () => {
    const sealed = await sealSession(KEY, session);
    expect(sealed).not.toContain("cwh_x");
    expect(await openSession(KEY, sealed)).toEqual(session);
    const [iv, ct] = sealed.split(".");
    const flipped = `${iv}.${ct.slice(0, 10)}${ct[10] === "A" ? "B" : "A"}${ct.slice(11)}`;
    expect(await openSession(KEY, flipped)).toBeNull();
    expect(await openSession(OTHER_KEY, sealed)).toBeNull();
    expect(await openSession(KEY, sealed, session.exp + 1)).toBeNull();
    expect(await openSession(KEY, "garbage")).toBeNull();
    expect(await openSession(KEY, undefined)).toBeNull();
  });

  it("is HttpOnly, SameSite=Strict, and Secure with the __Host- prefix outside development", () => {
    expect(sessionCookieOptions(false, 60)).toMatchObject({ httpOnly: true, secure: true, sameSite: "Strict", path: "/" });
    expect(sessionCookieName(false)).toBe("__Host-cw_session");
    expect(sessionCookieOptions(true, 60).secure).toBe(false);
  });
});

async function page(path: string, init: RequestInit = {}, cookie = ""): Promise<Response> {
  const headers = new Headers(init.headers);
  if (cookie) headers.set("cookie", cookie);
  return exports.default.fetch(new Request(`${ORIGIN}${path}`, { ...init, headers, redirect: "manual" }));
}

async function signedIn(ns: string): Promise<{ cookie: string; csrf: string }> {
  const form = await page("/sign-in");
  let cookie = (form.headers.get("set-cookie") ?? "").split(";")[0];
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? "";
  const res = await page("/sign-in", { method: "POST", headers: { origin: ORIGIN }, body: new URLSearchParams({ _csrf: csrf, token: ADMIN, namespace: ns }) }, cookie);
  expect(res.status).toBe(303);
  expect(res.headers.get("location")).toBe("/webhooks");
  cookie = (res.headers.get("set-cookie") ?? "").split(";")[0];
  const list = await page("/webhooks", {}, cookie);
  const csrf2 = /name="_csrf" value="([^"]+)"/.exec(await list.text())?.[1] ?? "";
  expect(csrf2).not.toBe(csrf); // a fresh CSRF token at sign-in
  return { cookie, csrf: csrf2 };
}

describe("dashboard forms", () => {
  it("sends the signed-out to sign in", async () => {
    const res = await page("/webhooks");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/sign-in");
  });

  it("refuses a wrong token at its field", async () => {
    const form = await page("/sign-in");
    const cookie = (form.headers.get("set-cookie") ?? "").split(";")[0];
    expect(form.headers.get("set-cookie")).toMatch(/HttpOnly/);
    expect(form.headers.get("set-cookie")).toMatch(/SameSite=Strict/);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? "";
    const res = await page("/sign-in", { method: "POST", headers: { origin: ORIGIN }, body: new URLSearchParams({ _csrf: csrf, token: "nope", namespace: "x" }) }, cookie);
    expect(res.status).toBe(401);
    expect(await res.text()).toMatch(/id="token-error"[^>]*>This token is not valid/);
  });

  it("creates a webhook from a form only with the CSRF token and from our origin", async () => {
    const ns = `dash${Date.now().toString(36)}`;
    const { cookie, csrf } = await signedIn(ns);
    const body = (extra: Record<string, string>) => new URLSearchParams({ name: "hook", url: "https://hooks.example.com/x", events: "*", active: "on", ...extra });
    expect((await page("/webhooks", { method: "POST", headers: { origin: ORIGIN }, body: body({}) }, cookie)).status).toBe(403);
    expect((await page("/webhooks", { method: "POST", headers: { origin: "https://evil.example" }, body: body({ _csrf: csrf }) }, cookie)).status).toBe(403);
    expect((await api("GET", `/v1/namespaces/${ns}/webhooks`)).body.data).toHaveLength(0);
    const made = await page("/webhooks", { method: "POST", headers: { origin: ORIGIN }, body: body({ _csrf: csrf }) }, cookie);
    expect(made.status).toBe(201);
    const html = await made.text();
    const list = (await api("GET", `/v1/namespaces/${ns}/webhooks`)).body.data;
    expect(list).toHaveLength(1);
    expect(html).toContain("This secret is shown only once");
    expect(html).toMatch(/id="secret-value"[^>]*value="whsec_/);
    expect(made.headers.get("cache-control")).toBe("no-store");
  });

  it("shows the API's validation errors next to the fields, input kept", async () => {
    const ns = `dashv${Date.now().toString(36)}`;
    const { cookie, csrf } = await signedIn(ns);
    const res = await page(
      "/webhooks",
      { method: "POST", headers: { origin: ORIGIN }, body: new URLSearchParams({ _csrf: csrf, name: "has spaces", url: "https://hooks.example.com/x" }) },
      cookie,
    );
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toMatch(/id="name-error"/);
    expect(html).toMatch(/id="events-error"/);
    expect(html).toContain('value="has spaces"');
    expect(html).toContain('value="https://hooks.example.com/x"');
  });

  it("the webhook page shows an open circuit breaker and its next probe", async () => {
    const ns = `dashc${Date.now().toString(36)}`;
    const { cookie } = await signedIn(ns);
    const made = await api("POST", `/v1/namespaces/${ns}/webhooks`, { name: "breaker", url: "https://hooks.example.com/x", events: ["*"] });
    const path = `/webhooks/${encodeURIComponent(made.body.id)}`;
    expect(await (await page(path, {}, cookie)).text()).not.toContain("data-circuit");
    const now = Date.now();
    await env.DB.prepare("UPDATE webhooks SET circuit_state = 'open', circuit_since = ?, circuit_next_probe_at = ?, circuit_failures = 5 WHERE id = ?")
      .bind(now, now + 600_000, made.body.id)
      .run();
    const html = await (await page(path, {}, cookie)).text();
    expect(html).toContain('data-circuit="open"');
    expect(html).toContain("Circuit open");
    expect(html).toMatch(/next probe/);
  });
});
