/**
 * The dashboard's session cookie and form protection, inside workerd (these
 * run even where Chromium is missing; the browser test covers the pages).
 */
import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { AppEnv } from "../src/env";
import worker from "../src/index";
import { openSession, sealSession, sessionCookieName, sessionCookieOptions } from "../src/security/session-cookie";
import { api, receiverUrl } from "./support/api";
import { ORIGIN, rawPage as page, signedIn } from "./support/dashboard";
import { hookDb } from "./support/shards";

const KEY = "dGVzdC1vbmx5LXNlY3JldHMta2V5LTMyLWJ5dGVzISE=";
const OTHER_KEY = "b3RoZXIta2V5LW9mLXRoaXJ0eS10d28tYnl0ZXMhISE=";

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

describe("dashboard forms", () => {
  it("offers Send example with the subscribed types the webhook's format carries, and sends it without script", async () => {
    const ns = "dash-example";
    const hook = await api("POST", `/v1/namespaces/${ns}/webhooks`, {
      name: "puppet-receiver",
      format: "puppet",
      url: "http://127.0.0.1:9/never",
      events: ["deploy.*"],
    });
    expect(hook.status).toBe(201);
    const { cookie, csrf } = await signedIn(ns);
    const html = await (await page(`/webhooks/${hook.body.id}`, {}, cookie)).text();
    expect(html).toContain(`action="/webhooks/${hook.body.id}/example"`);
    const select = /<select id="example-type"[\s\S]*?<\/select>/.exec(html)?.[0] ?? "";
    const options = [...select.matchAll(/<option value="([^"]+)">/g)].map((m) => m[1]);
    // Subscribed to deploy.*: Puppet's build events are carried by the format but not subscribed to.
    expect(options).toEqual(["deploy.started", "deploy.finished"]);
    const sent = await page(
      `/webhooks/${hook.body.id}/example`,
      { method: "POST", headers: { origin: ORIGIN }, body: new URLSearchParams({ _csrf: csrf, type: "deploy.finished" }) },
      cookie,
    );
    expect(sent.status).toBe(303);
    const deliveryId = /[?&]ping=(dlv_[^#&]+)/.exec(sent.headers.get("location") ?? "")?.[1];
    expect(deliveryId).toBeDefined();
    expect((await api("GET", `/v1/namespaces/${ns}/deliveries/${deliveryId}`)).body.event_type).toBe("deploy.finished");
  });

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

  it("sends the flow-control fields and shows their validation errors at the field", async () => {
    const ns = `dashf${Date.now().toString(36)}`;
    const { cookie, csrf } = await signedIn(ns);
    const form = (extra: Record<string, string>) =>
      new URLSearchParams({ _csrf: csrf, name: "flow", url: "https://hooks.example.com/x", events: "*", active: "on", ...extra });
    const bad = await page("/webhooks", { method: "POST", headers: { origin: ORIGIN }, body: form({ rate_limit: "5000", timeout_ms: "3000" }) }, cookie);
    expect(bad.status).toBe(422);
    const html = await bad.text();
    expect(html).toMatch(/id="rate_limit-error"/);
    expect(html).not.toMatch(/id="timeout_ms-error"/);
    expect(html).toContain('value="5000"');
    const good = await page("/webhooks", { method: "POST", headers: { origin: ORIGIN }, body: form({ rate_limit: "50", max_in_flight: "", timeout_ms: "3000" }) }, cookie);
    expect(good.status).toBe(201);
    const [hook] = (await api("GET", `/v1/namespaces/${ns}/webhooks`)).body.data;
    expect(hook).toMatchObject({ rate_limit: 50, max_in_flight: null, timeout_ms: 3000 });
  });

  it("a form the typed client cannot send (a word in a number field) gets the API's own field errors, on create and on edit", async () => {
    const ns = `dashw${Date.now().toString(36)}`;
    const { cookie, csrf } = await signedIn(ns);
    const fields = { name: "words", url: "https://hooks.example.com/x", events: "*", active: "on" };
    // What the API itself answers for the same body: the dashboard must show these messages.
    const direct = await api("POST", `/v1/namespaces/${ns}/webhooks`, { ...fields, events: ["*"], active: true, rate_limit: "ten" });
    expect(direct.status).toBe(422);
    const message = direct.body.error.details.find((d: { path: string }) => d.path === "rate_limit").message as string;
    const form = (extra: Record<string, string>) => new URLSearchParams({ _csrf: csrf, ...fields, ...extra });
    const created = await page("/webhooks", { method: "POST", headers: { origin: ORIGIN }, body: form({ rate_limit: "ten" }) }, cookie);
    expect(created.status).toBe(422);
    const html = await created.text();
    expect(html).toMatch(/id="rate_limit-error"/);
    expect(html).toContain(message);
    expect(html).toContain('value="ten"');
    expect((await api("GET", `/v1/namespaces/${ns}/webhooks`)).body.data).toHaveLength(0);

    const ok = await page("/webhooks", { method: "POST", headers: { origin: ORIGIN }, body: form({}) }, cookie);
    expect(ok.status).toBe(201);
    const [hook] = (await api("GET", `/v1/namespaces/${ns}/webhooks`)).body.data;
    const edited = await page(`/webhooks/${hook.id}`, { method: "POST", headers: { origin: ORIGIN }, body: form({ timeout_ms: "soon" }) }, cookie);
    expect(edited.status).toBe(422);
    expect(await edited.text()).toMatch(/id="timeout_ms-error"/);
    expect((await api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}`)).body.timeout_ms).toBeNull();
  });
});

describe("dashboard hardening (issue 15)", () => {
  it("pages forbid framing (frame-ancestors 'none', X-Frame-Options DENY) and keep their CSP", async () => {
    for (const path of ["/sign-in", "/assets/app.css"]) {
      const res = await page(path);
      expect(res.headers.get("x-frame-options"), path).toBe("DENY");
      const csp = res.headers.get("content-security-policy") ?? "";
      for (const d of ["frame-ancestors 'none'", "default-src 'self'", "img-src 'self' data:", "form-action 'self'", "base-uri 'none'", "object-src 'none'"]) {
        expect(csp, path).toContain(d);
      }
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("referrer-policy")).toBe("same-origin");
    }
    const signedInPage = await signedIn(`dashh${Date.now().toString(36)}`);
    expect((await page("/webhooks", {}, signedInPage.cookie)).headers.get("x-frame-options")).toBe("DENY");
  });

  it("a delivery's page carries the same headers as the other pages", async () => {
    const ns = `dashd${Date.now().toString(36)}`;
    const hook = await api("POST", `/v1/namespaces/${ns}/webhooks`, { name: "framed", url: receiverUrl(`/ok/${ns}`), events: ["*"] });
    const ping = await api("POST", `/v1/namespaces/${ns}/webhooks/${hook.body.id}/ping`);
    expect(ping.status).toBe(202);
    const { cookie } = await signedIn(ns);
    const res = await page(`/deliveries/${ping.body.delivery_id}`, {}, cookie);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("content-security-policy") ?? "").toContain("frame-ancestors 'none'");
  });

  it("sends HSTS outside local development only", async () => {
    expect((await page("/sign-in")).headers.get("strict-transport-security")).toBeNull();
    const deployed = { ...(env as unknown as AppEnv), ENVIRONMENT: "production", ADMIN_TOKEN: "d".repeat(40), SECRETS_KEY: btoa("q".repeat(32)), ALLOW_LOOPBACK_TARGETS: "false" };
    const res = await worker.fetch(new Request("https://dispatcher.test/sign-in"), deployed as AppEnv, createExecutionContext());
    expect(res.status).toBe(200);
    expect(res.headers.get("strict-transport-security")).toMatch(/max-age=\d{7,}/);
  });

  it("sign-out ends the session on the server: a copied cookie stops working", async () => {
    const ns = `dasho${Date.now().toString(36)}`;
    const { cookie, csrf } = await signedIn(ns);
    const copied = cookie;
    expect((await page("/webhooks", {}, copied)).status).toBe(200);
    const out = await page("/sign-out", { method: "POST", headers: { origin: ORIGIN }, body: new URLSearchParams({ _csrf: csrf }) }, cookie);
    expect(out.status).toBe(303);
    const replay = await page("/webhooks", {}, copied);
    expect(replay.status).toBe(303);
    expect(replay.headers.get("location")).toBe("/sign-in");
    // A form posted with the copied cookie is refused as well.
    const post = await page("/webhooks", { method: "POST", headers: { origin: ORIGIN }, body: new URLSearchParams({ _csrf: csrf, name: "x" }) }, copied);
    expect(post.status).toBe(303);
    expect((await api("GET", `/v1/namespaces/${ns}/webhooks`)).body.data).toHaveLength(0);
  });

  it("refuses a form POST from another site (Hono's csrf: Origin, then Sec-Fetch-Site)", async () => {
    const { cookie, csrf } = await signedIn(`dashc${Date.now().toString(36)}`);
    const body = () => new URLSearchParams({ _csrf: csrf, name: "hook", url: "https://hooks.example.com/x", events: "*" });
    expect((await page("/webhooks", { method: "POST", headers: { "sec-fetch-site": "cross-site" }, body: body() }, cookie)).status).toBe(403);
    expect((await page("/webhooks", { method: "POST", headers: { origin: "null" }, body: body() }, cookie)).status).toBe(403);
    expect((await page("/webhooks", { method: "POST", headers: { "sec-fetch-site": "same-origin" }, body: body() }, cookie)).status).toBe(201);
  });
});

describe("dashboard: the circuit breaker", () => {
  it("the webhook page shows an open circuit breaker and its next probe", async () => {
    const ns = `dashc${Date.now().toString(36)}`;
    const { cookie } = await signedIn(ns);
    const made = await api("POST", `/v1/namespaces/${ns}/webhooks`, { name: "breaker", url: "https://hooks.example.com/x", events: ["*"] });
    const path = `/webhooks/${encodeURIComponent(made.body.id)}`;
    expect(await (await page(path, {}, cookie)).text()).not.toContain("data-circuit");
    const now = Date.now();
    await (await hookDb(made.body.id)).prepare("UPDATE webhooks SET circuit_state = 'open', circuit_since = ?, circuit_next_probe_at = ?, circuit_failures = 5 WHERE id = ?")
      .bind(now, now + 600_000, made.body.id)
      .run();
    const html = await (await page(path, {}, cookie)).text();
    expect(html).toContain('data-circuit="open"');
    expect(html).toContain("Circuit open");
    expect(html).toMatch(/next probe/);
  });
});
