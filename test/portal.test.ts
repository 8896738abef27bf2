/**
 * Portal links (issue 22, docs/portal.md) inside workerd: the API that makes
 * them, the one-time opening, the session's limits (namespace, read-only,
 * event_types), branding as data, and the embedding headers and cookie.
 * The browser side (a real iframe on another origin) is test/node/portal.browser.test.ts.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, createWebhook, receiverUrl } from "./support/api";
import { ORIGIN, rawPage } from "./support/dashboard";

const uniq = (p: string) => `${p}${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

async function link(ns: string, body: Record<string, unknown> = {}, token?: string) {
  return api("POST", `/v1/namespaces/${ns}/portal-links`, body, token);
}

async function newLink(ns: string, body: Record<string, unknown> = {}): Promise<string> {
  const r = await link(ns, body);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.url as string;
}

const pathOf = (url: string) => new URL(url).pathname;

/** Opens a link: the session cookie (name=value) and the raw Set-Cookie. */
async function open(url: string): Promise<{ cookie: string; setCookie: string }> {
  const res = await rawPage(pathOf(url));
  expect(res.status).toBe(303);
  expect(res.headers.get("location")).toBe("/webhooks");
  const setCookie = res.headers.get("set-cookie") ?? "";
  return { cookie: setCookie.split(";")[0], setCookie };
}

async function csrfOf(cookie: string, path = "/webhooks"): Promise<string> {
  const html = await (await rawPage(path, {}, cookie)).text();
  return /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? "";
}

const post = (path: string, cookie: string, fields: Record<string, string>, origin = ORIGIN) =>
  rawPage(path, { method: "POST", headers: { origin }, body: new URLSearchParams(fields) }, cookie);

describe("POST /v1/namespaces/{ns}/portal-links", () => {
  it("answers 201 with a one-time URL and its expiry (default 10 minutes)", async () => {
    const before = Date.now();
    const r = await link(uniq("pl"));
    expect(r.status).toBe(201);
    expect(Object.keys(r.body).sort()).toEqual(["expires_at", "url"]);
    expect(r.body.url).toMatch(/^http:\/\/dispatcher\.test\/portal\/pl_[0-9A-Za-z]{22}\.[A-Za-z0-9_-]{43}$/);
    const expires = Date.parse(r.body.expires_at);
    expect(expires).toBeGreaterThanOrEqual(before + 600_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 600_000);
    // Only a hash of the link's secret is stored.
    const secret = r.body.url.split(".").pop();
    const rows = await env.DB.prepare("SELECT * FROM portal_links").all();
    expect(JSON.stringify(rows.results)).not.toContain(secret);
  });

  it("is for the admin, or a namespace token with portal:create in its own namespace", async () => {
    const ns = uniq("plscope");
    const mint = async (scopes: string[]) => (await api("POST", `/v1/namespaces/${ns}/tokens`, { name: "platform", scopes })).body.token as string;
    const creator = await mint(["portal:create"]);
    const writer = await mint(["webhooks:read", "webhooks:write"]);
    expect((await link(ns, {}, creator)).status).toBe(201);
    expect((await link(ns, {}, writer)).status).toBe(403);
    expect((await link(uniq("other"), {}, creator)).status).toBe(404);
    expect((await link(ns, {}, null as unknown as string)).status).toBe(401);
  });

  it("refuses bad options with 422 at the field: ttl, colour, logo, origins, event types, unknown fields", async () => {
    const ns = uniq("plval");
    const cases: [Record<string, unknown>, string, string?][] = [
      [{ ttl_seconds: 59 }, "ttl_seconds"],
      [{ ttl_seconds: 3601 }, "ttl_seconds"],
      [{ branding: { accent_color: "red" } }, "branding.accent_color"],
      [{ branding: { accent_color: "#fff" } }, "branding.accent_color"],
      [{ branding: { accent_color: "#000000; background:url(x)" } }, "branding.accent_color"],
      [{ branding: { logo_url: "http://cdn.example.com/logo.png" } }, "branding.logo_url"],
      [{ branding: { logo_url: "javascript:alert(1)" } }, "branding.logo_url"],
      [{ branding: { logo_url: "data:image/png;base64,AAAA" } }, "branding.logo_url"],
      [{ branding: { name: "x", css: "body{}" } }, "branding.css"],
      [{ embed_origins: ["http://ci.example.com"] }, "embed_origins.0"],
      [{ embed_origins: ["https://ci.example.com/"] }, "embed_origins.0"],
      [{ embed_origins: ["https://ci.example.com 'unsafe-inline'"] }, "embed_origins.0"],
      [{ embed_origins: ["*"] }, "embed_origins.0"],
      [{ event_types: ["no.such.event"] }, "event_types.0", "unknown_event_type"],
      [{ read_only: "yes" }, "read_only"],
    ];
    for (const [body, path, code = "validation_failed"] of cases) {
      const r = await link(ns, body);
      expect(r.status, JSON.stringify(body)).toBe(422);
      expect(r.body.error.code, JSON.stringify(body)).toBe(code);
      expect(r.body.error.details.map((d: { path: string }) => d.path), JSON.stringify(body)).toContain(path);
    }
  });

  it("deletes spent rows as new links are made: links never opened past their expiry, sessions past theirs", async () => {
    const ns = uniq("plpurge");
    const stale = await newLink(ns);
    const ended = await newLink(ns);
    await open(ended);
    const idOf = (url: string) => /\/portal\/(pl_[^.]+)\./.exec(url)?.[1];
    await env.DB.prepare("UPDATE portal_links SET purge_after = ? WHERE id IN (?, ?)").bind(Date.now() - 1, idOf(stale), idOf(ended)).run();
    const live = await newLink(ns);
    const ids = (await env.DB.prepare("SELECT id FROM portal_links WHERE namespace = ?").bind(ns).all<{ id: string }>()).results.map((r) => r.id);
    expect(ids).toEqual([idOf(live)]);
  });

  it("is in the OpenAPI document, with examples", async () => {
    const doc = (await api("GET", "/openapi.json", undefined, null)).body;
    const op = doc.paths["/v1/namespaces/{ns}/portal-links"].post;
    expect(op.operationId).toBe("createPortalLink");
    expect(op.responses["201"].content["application/json"].example.url).toContain("/portal/");
    expect(doc.components.schemas.PortalLinkCreate.example.branding.accent_color).toMatch(/^#[0-9a-f]{6}$/);
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(["201", "403", "404", "422"]));
  });
});

describe("opening a portal link", () => {
  it("works once, even for two opens at the same moment; then 410 and no session", async () => {
    const url = await newLink(uniq("plonce"));
    const [a, b] = await Promise.all([rawPage(pathOf(url)), rawPage(pathOf(url))]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([303, 410]);
    const loser = a.status === 410 ? a : b;
    expect(loser.headers.get("set-cookie")).toBeNull();
    expect(await loser.text()).toContain("Link expired");
    const third = await rawPage(pathOf(url));
    expect(third.status).toBe(410);
    expect(third.headers.get("set-cookie")).toBeNull();
  });

  it("an expired link answers 410; a made-up or altered one too", async () => {
    const url = await newLink(uniq("plexp"), { ttl_seconds: 60 });
    const id = /\/portal\/(pl_[^.]+)\./.exec(url)?.[1];
    await env.DB.prepare("UPDATE portal_links SET expires_at = ? WHERE id = ?").bind(Date.now() - 1, id).run();
    expect((await rawPage(pathOf(url))).status).toBe(410);
    const fresh = await newLink(uniq("plalt"));
    const altered = fresh.slice(0, -1) + (fresh.endsWith("A") ? "B" : "A");
    expect((await rawPage(pathOf(altered))).status).toBe(410);
    expect((await rawPage("/portal/garbage")).status).toBe(410);
    // The altered try did not spend the real link.
    expect((await rawPage(pathOf(fresh))).status).toBe(303);
  });

  it("starts a session of that namespace only: its webhooks show, another's are 404, admin pages 404", async () => {
    const ns = uniq("plns");
    const other = uniq("plother");
    const mine = await createWebhook(ns, { name: "mine-hook" });
    const theirs = await createWebhook(other, { name: "their-hook" });
    const { cookie } = await open(await newLink(ns));
    const list = await rawPage("/webhooks", {}, cookie);
    expect(list.status).toBe(200);
    const html = await list.text();
    expect(html).toContain("mine-hook");
    expect(html).not.toContain("their-hook");
    expect(html).not.toContain("Switch namespace");
    expect((await rawPage(`/webhooks/${mine.id}`, {}, cookie)).status).toBe(200);
    expect((await rawPage(`/webhooks/${theirs.id}`, {}, cookie)).status).toBe(404);
    const csrf = await csrfOf(cookie);
    expect((await post("/namespace", cookie, { _csrf: csrf, namespace: other })).status).toBe(404);
    // Still its own namespace afterwards.
    expect(await (await rawPage("/webhooks", {}, cookie)).text()).toContain("mine-hook");
    // Another namespace's webhook cannot be changed through it either.
    expect((await post(`/webhooks/${theirs.id}/delete`, cookie, { _csrf: csrf })).status).toBe(404);
    expect((await api("GET", `/v1/namespaces/${other}/webhooks/${theirs.id}`)).status).toBe(200);
  });

  it("does what the dashboard does for the namespace: create, ping, edit, delete", async () => {
    const ns = uniq("plrw");
    const { cookie } = await open(await newLink(ns));
    const csrf = await csrfOf(cookie);
    const made = await post("/webhooks", cookie, { _csrf: csrf, name: "portal-made", url: receiverUrl(`/ok/${ns}`), events: "build.finished", active: "on" });
    expect(made.status).toBe(201);
    const [hook] = (await api("GET", `/v1/namespaces/${ns}/webhooks`)).body.data;
    expect(hook.name).toBe("portal-made");
    const ping = await post(`/webhooks/${hook.id}/ping`, cookie, { _csrf: csrf });
    expect(ping.status).toBe(303);
    expect(ping.headers.get("location")).toMatch(/\?ping=dlv_/);
    const del = await post(`/webhooks/${hook.id}/delete`, cookie, { _csrf: csrf });
    expect(del.status).toBe(303);
    expect((await api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}`)).status).toBe(404);
  });

  it("read-only: no create, edit, delete, ping or redeliver offered; a forged POST is 403 and changes nothing", async () => {
    const ns = uniq("plro");
    const hook = await createWebhook(ns, { name: "ro-hook" });
    const ping = await api("POST", `/v1/namespaces/${ns}/webhooks/${hook.id}/ping`);
    const { cookie } = await open(await newLink(ns, { read_only: true }));
    const list = await (await rawPage("/webhooks", {}, cookie)).text();
    expect(list).toContain("ro-hook");
    expect(list).not.toContain("Create webhook");
    expect(list).toContain("(read-only)");
    const page = await (await rawPage(`/webhooks/${hook.id}`, {}, cookie)).text();
    for (const action of ["/ping", "/edit", "/delete", "/rotate-secret", "/example", "/enable"]) expect(page).not.toContain(`/webhooks/${hook.id}${action}`);
    const delivery = await (await rawPage(`/deliveries/${ping.body.delivery_id}`, {}, cookie)).text();
    expect(delivery).not.toContain("/redeliver");
    for (const path of ["/webhooks/new", `/webhooks/${hook.id}/edit`, `/webhooks/${hook.id}/delete`, `/webhooks/${hook.id}/rotate-secret`]) expect((await rawPage(path, {}, cookie)).status, path).toBe(403);
    // The sign-out form's token: the one a page of this session carries.
    const csrf = await csrfOf(cookie);
    expect(csrf).not.toBe("");
    const forged: [string, Record<string, string>][] = [
      [`/webhooks/${hook.id}/delete`, {}],
      [`/webhooks/${hook.id}`, { name: "renamed", url: receiverUrl("/ok/x"), events: "*", active: "on" }],
      ["/webhooks", { name: "sneaky", url: receiverUrl("/ok/y"), events: "*", active: "on" }],
      [`/webhooks/${hook.id}/rotate-secret`, {}],
      [`/deliveries/${ping.body.delivery_id}/redeliver`, {}],
    ];
    for (const [path, fields] of forged) expect((await post(path, cookie, { _csrf: csrf, ...fields })).status, path).toBe(403);
    const after = (await api("GET", `/v1/namespaces/${ns}/webhooks`)).body.data;
    expect(after.map((w: { name: string }) => w.name)).toEqual(["ro-hook"]);
    expect(after[0].secret_hint).toBe(hook.secret_hint ?? hook.secret.slice(-4));
    expect((await api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}/deliveries`)).body.data).toHaveLength(1);
  });

  it("event_types: the form offers only those, and the server refuses others with a clear error", async () => {
    const ns = uniq("plev");
    const { cookie } = await open(await newLink(ns, { event_types: ["build.*"] }));
    const form = await (await rawPage("/webhooks/new", {}, cookie)).text();
    expect(form).toContain('value="build.finished"');
    expect(form).not.toContain('value="deploy.finished"');
    expect(form).not.toContain('value="*"');
    const csrf = await csrfOf(cookie);
    const refused = await post("/webhooks", cookie, { _csrf: csrf, name: "too-much", url: receiverUrl("/ok/z"), events: "deploy.finished", active: "on" });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain("may subscribe webhooks only to: build.*");
    const star = await post("/webhooks", cookie, { _csrf: csrf, name: "all", url: receiverUrl("/ok/z"), events: "*", active: "on" });
    expect(star.status).toBe(422);
    expect((await api("GET", `/v1/namespaces/${ns}/webhooks`)).body.data).toHaveLength(0);
    const ok = await post("/webhooks", cookie, { _csrf: csrf, name: "builds", url: receiverUrl("/ok/z"), events: "build.finished", other_events: "build.*", active: "on" });
    expect(ok.status).toBe(201);
    const [hook] = (await api("GET", `/v1/namespaces/${ns}/webhooks`)).body.data;
    const edit = await post(`/webhooks/${hook.id}`, cookie, { _csrf: csrf, name: "builds", url: receiverUrl("/ok/z"), events: "deploy.started", active: "on" });
    expect(edit.status).toBe(422);
    expect((await api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}`)).body.events).toEqual(["build.finished", "build.*"]);
  });

  it("branding is data: a name with markup is text, the logo an <img>, the colour a stylesheet of six hex digits", async () => {
    const ns = uniq("plbrand");
    const { cookie } = await open(
      await newLink(ns, { branding: { name: `<script>alert(1)</script>Acme "CI"`, logo_url: "https://cdn.example.com/logo.svg?a=1&b=2", accent_color: "#0F766E" } }),
    );
    const res = await rawPage("/webhooks", {}, cookie);
    const html = await res.text();
    expect(html).not.toContain("<script>alert(1)");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;Acme &quot;CI&quot;");
    expect(html).toMatch(/<img class="brand-logo" src="https:\/\/cdn\.example\.com\/logo\.svg\?a=1&amp;b=2"/);
    expect(html).toContain('href="/assets/accent/0f766e.css"');
    expect(res.headers.get("content-security-policy")).toMatch(/img-src 'self' data: https:\/\/cdn\.example\.com(;|$)/);
    const css = await rawPage("/assets/accent/0f766e.css");
    expect(css.headers.get("content-type")).toContain("text/css");
    expect(await css.text()).toContain("--accent: #0f766e;");
    for (const bad of ["/assets/accent/red.css", "/assets/accent/0f766e;x.css", "/assets/accent/0F766E.css"]) expect((await rawPage(bad)).status, bad).toBe(404);
  });
});

describe("embedding", () => {
  it("with embed_origins: frame-ancestors lists them, no X-Frame-Options, cookie SameSite=None; Secure; Partitioned", async () => {
    const ns = uniq("plemb");
    const origins = ["https://ci.example.com", "https://app.example.org:8443"];
    const { cookie, setCookie } = await open(await newLink(ns, { embed_origins: origins }));
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/Secure/);
    expect(setCookie).toMatch(/SameSite=None/);
    expect(setCookie).toMatch(/Partitioned/);
    // The session lasts 12 hours from the opening.
    expect(Number(/Max-Age=(\d+)/.exec(setCookie)?.[1])).toBeGreaterThan(12 * 3600 - 60);
    expect(Number(/Max-Age=(\d+)/.exec(setCookie)?.[1])).toBeLessThanOrEqual(12 * 3600);
    const hook = await createWebhook(ns);
    for (const path of ["/webhooks", `/webhooks/${hook.id}`, "/webhooks/new"]) {
      const res = await rawPage(path, {}, cookie);
      expect(res.status, path).toBe(200);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp, path).toContain("frame-ancestors https://ci.example.com https://app.example.org:8443");
      expect(csp, path).not.toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("default-src 'self'");
      expect(res.headers.get("x-frame-options"), path).toBeNull();
    }
    // Pages of no portal session are still never framed.
    const signIn = await rawPage("/sign-in");
    expect(signIn.headers.get("x-frame-options")).toBe("DENY");
    expect(signIn.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  });

  it("without embed_origins: framing refused as for the dashboard; the cookie is Lax (the link comes from another site)", async () => {
    const { cookie, setCookie } = await open(await newLink(uniq("plnoemb")));
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).not.toMatch(/Partitioned/);
    const res = await rawPage("/webhooks", {}, cookie);
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  });

  it("CSRF still holds with SameSite=None: a POST from the embedding page or without the token is 403", async () => {
    const ns = uniq("plcsrf");
    const { cookie } = await open(await newLink(ns, { embed_origins: ["https://ci.example.com"] }));
    const csrf = await csrfOf(cookie);
    const fields = { name: "forged", url: receiverUrl("/ok/f"), events: "*", active: "on" };
    expect((await post("/webhooks", cookie, { _csrf: csrf, ...fields }, "https://ci.example.com")).status).toBe(403);
    const crossSite = await rawPage(
      "/webhooks",
      { method: "POST", headers: { "sec-fetch-site": "cross-site" }, body: new URLSearchParams({ _csrf: csrf, ...fields }) },
      cookie,
    );
    expect(crossSite.status).toBe(403);
    expect((await post("/webhooks", cookie, { _csrf: "wrong", ...fields })).status).toBe(403);
    expect((await api("GET", `/v1/namespaces/${ns}/webhooks`)).body.data).toHaveLength(0);
    expect((await post("/webhooks", cookie, { _csrf: csrf, ...fields })).status).toBe(201);
  });

  it("a session that has ended (expired, or signed out) opens nothing, with a plain page", async () => {
    const ns = uniq("plend");
    const url = await newLink(ns);
    const { cookie } = await open(url);
    const id = /\/portal\/(pl_[^.]+)\./.exec(url)?.[1];
    await env.DB.prepare("UPDATE portal_links SET session_expires_at = ? WHERE id = ?").bind(Date.now() - 1, id).run();
    const res = await rawPage("/webhooks", {}, cookie);
    expect(res.status).toBe(401);
    expect(await res.text()).toContain("portal session has ended");

    const second = await open(await newLink(ns));
    const csrf = await csrfOf(second.cookie);
    const out = await post("/sign-out", second.cookie, { _csrf: csrf });
    expect(out.status).toBe(200);
    expect((await rawPage("/webhooks", {}, second.cookie)).status).toBe(401);
  });
});
