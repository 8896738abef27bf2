/**
 * The customer portal embedded in another site (issue 22, docs/portal.md), in
 * Chromium: the real Worker under `wrangler dev` on 127.0.0.1, and host pages
 * on `localhost`, another site (not only another port), so the portal really
 * is a third-party iframe: its cookie must be `SameSite=None; Secure;
 * Partitioned` to work there, and the frame is allowed by CSP
 * `frame-ancestors` alone.
 *
 * Skipped, with a notice naming the install command, where Chromium is missing.
 * The screenshot of the embedded portal goes to docs/screenshots/ with
 * UPDATE_SCREENSHOTS=1 (shown in docs/portal.md), else to test-results/.
 * Ports: 8900 (the Worker), 8901 (the platform's page), 8902 (a site not listed).
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { chromium, type Browser, type Frame, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, startDispatcher, type LocalDispatcher } from "../../scripts/lib/local-dispatcher.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  console.warn(`SKIPPED portal browser tests: ${CHROMIUM} is missing. Install it with: apt-get update && apt-get install -y chromium`);
}

const WORKER_PORT = 8900;
const HOST_PORT = 8901;
const STRANGER_PORT = 8902;
const HOST = `http://localhost:${HOST_PORT}`;
const STRANGER = `http://localhost:${STRANGER_PORT}`;
const PERSIST = ".wrangler/browser-portal";
const ADMIN = "portal-browser-admin-token";
const SHOTS = process.env.UPDATE_SCREENSHOTS ? join(ROOT, "docs", "screenshots") : join(ROOT, "test-results", "screenshots");

/** The platform's logo, served by the platform's own site. */
const LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 28 28"><rect width="28" height="28" rx="7" fill="#0f766e"/><path d="M7 19l7-10 7 10z" fill="#fff"/></svg>`;

let dispatcher: LocalDispatcher;
let receiver: Receiver;
let browser: Browser;
const hosts: Server[] = [];
const run = Date.now().toString(36);

/** What the host pages embed next: set by the test before each visit. */
let embedSrc = "";

/** A platform's page: its own header, and the portal in an iframe. */
function hostPage(title: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>
<style>body{margin:0;font:15px system-ui,sans-serif;background:#eef2f1}header{background:#134e4a;color:#fff;padding:14px 24px;font-weight:600}
main{padding:20px 24px}h1{font-size:20px;margin:0 0 12px}iframe{width:100%;height:760px;border:1px solid #c9d3d1;border-radius:10px;background:#fff}</style></head>
<body><header>Acme CI · Settings</header><main><h1>Webhooks</h1><iframe id="portal" title="Webhooks" src="${embedSrc}"></iframe></main></body></html>`;
}

function startHost(port: number, title: string): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === "/logo.svg") {
      res.writeHead(200, { "content-type": "image/svg+xml" });
      return res.end(LOGO_SVG);
    }
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(hostPage(title));
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${dispatcher.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

async function portalLink(ns: string, options: Record<string, unknown>): Promise<string> {
  const made = await api("POST", `/v1/namespaces/${ns}/portal-links`, options);
  expect(made.status, JSON.stringify(made.json)).toBe(201);
  return made.json.url as string;
}

/** Opens the host page at `origin` embedding `src`; the page and the portal's frame. */
async function embed(origin: string, src: string): Promise<{ page: Page; frame: () => Frame }> {
  embedSrc = src;
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto(`${origin}/`);
  const frame = () => {
    const f = page.frames().find((x) => x !== page.mainFrame());
    if (!f) throw new Error("no iframe");
    return f;
  };
  return { page, frame };
}

beforeAll(async () => {
  if (!haveChromium) return;
  mkdirSync(SHOTS, { recursive: true });
  rmSync(join(ROOT, PERSIST), { recursive: true, force: true });
  receiver = await startReceiver();
  dispatcher = await startDispatcher({
    port: WORKER_PORT,
    persistTo: PERSIST,
    vars: { ADMIN_TOKEN: ADMIN, ENVIRONMENT: "development", ALLOW_LOOPBACK_TARGETS: "true", RETRY_SCHEDULE: "5,1,1" },
  });
  hosts.push(await startHost(HOST_PORT, "Acme CI"), await startHost(STRANGER_PORT, "Not listed"));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await dispatcher?.stop();
  await receiver?.close();
  await Promise.all(hosts.map((h) => new Promise((r) => h.close(r))));
});

describe.skipIf(!haveChromium)("the portal in another site's iframe", () => {
  it("shows the namespace's webhooks with the branding; create and ping work inside the frame; nothing of another namespace; one use only", async () => {
    const ns = `portal${run}`;
    const other = `elsewhere${run}`;
    const key = `portal${run}`;
    const existing = await api("POST", `/v1/namespaces/${ns}/webhooks`, { name: "build-status", url: `${receiver.url}/ok/e${run}`, events: ["build.*"] });
    const theirs = await api("POST", `/v1/namespaces/${other}/webhooks`, { name: "secret-neighbour", url: `${receiver.url}/ok/n${run}`, events: ["*"] });
    expect(existing.status).toBe(201);
    expect(theirs.status).toBe(201);
    const url = await portalLink(ns, {
      embed_origins: [HOST],
      event_types: ["build.*", "deploy.finished"],
      branding: { name: "Acme CI Webhooks", logo_url: `${HOST}/logo.svg`, accent_color: "#0f766e" },
    });

    const { page, frame } = await embed(HOST, url);
    await expect.poll(() => frame().url()).toMatch(/\/webhooks$/);
    const f = frame();
    await expect.poll(() => f.getByRole("row", { name: /build-status/ }).count()).toBe(1);
    // Branding: the name, the logo loaded from the platform's site, the accent colour applied.
    expect(await f.locator(".brand-name").textContent()).toBe("Acme CI Webhooks");
    await expect.poll(() => f.locator("img.brand-logo").evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    const accent = await f.getByRole("link", { name: /Create webhook/ }).first().evaluate((a) => getComputedStyle(a).backgroundColor);
    expect(accent).toBe("rgb(15, 118, 110)");
    expect(await f.content()).not.toContain("secret-neighbour");
    // The cookie is the third-party one, kept in the host site's partition.
    const cookie = (await page.context().cookies(dispatcher.url)).find((c) => c.name === "cw_session");
    expect(cookie).toMatchObject({ sameSite: "None", secure: true, httpOnly: true });

    // Create a webhook inside the frame: only the link's events are offered.
    await f.getByRole("link", { name: /Create webhook/ }).first().click();
    await expect.poll(() => f.getByLabel("Name", { exact: true }).isVisible()).toBe(true);
    expect(await f.getByRole("checkbox", { name: "deploy.started", exact: true }).count()).toBe(0);
    expect(await f.getByRole("checkbox", { name: "*" }).count()).toBe(0);
    await f.getByLabel("Name", { exact: true }).fill("release-notes");
    await f.getByLabel("Payload URL").fill(`${receiver.url}/ok/${key}`);
    await f.getByRole("checkbox", { name: "deploy.finished", exact: true }).check();
    await f.getByRole("button", { name: "Create webhook" }).click();
    await expect.poll(() => f.getByText("This secret is shown only once").isVisible()).toBe(true);
    await f.getByRole("link", { name: "Continue to the webhook" }).click();
    await expect.poll(() => f.url()).toMatch(/\/webhooks\/wh_/);

    // Ping it, inside the frame.
    await f.getByRole("button", { name: "Test Ping Event" }).click();
    await expect.poll(() => f.getByText("Ping delivered").isVisible(), { timeout: 30_000 }).toBe(true);
    expect(receiver.requests.get(key)?.length).toBe(1);
    const made = await api("GET", `/v1/namespaces/${ns}/webhooks`);
    expect(made.json.data.map((w: { name: string }) => w.name).sort()).toEqual(["build-status", "release-notes"]);
    await f.getByRole("link", { name: "Webhooks", exact: true }).first().click();
    await expect.poll(() => f.getByRole("row", { name: /release-notes/ }).count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, "portal-embedded.png") });

    // Another namespace's webhook, asked for by id inside the frame: 404, never shown.
    const res = await f.goto(`${dispatcher.url}/webhooks/${theirs.json.id}`);
    expect(res?.status()).toBe(404);
    expect(await f.content()).not.toContain("secret-neighbour");

    // The link's second use: 410, and no session.
    const again = await fetch(url, { redirect: "manual" });
    expect(again.status).toBe(410);
    expect(again.headers.get("set-cookie")).toBeNull();
    expect(await again.text()).toContain("Link expired");
    await page.context().close();
  });

  it("a site not listed in embed_origins cannot frame it (the CSP names only the listed origin)", async () => {
    const ns = `stranger${run}`;
    await api("POST", `/v1/namespaces/${ns}/webhooks`, { name: "hidden-hook", url: `${receiver.url}/ok/s${run}`, events: ["*"] });
    const url = await portalLink(ns, { embed_origins: [HOST] });
    embedSrc = url;
    const context = await browser.newContext();
    const page = await context.newPage();
    const policies: string[] = [];
    page.on("response", (r) => {
      if (r.url() === `${dispatcher.url}/webhooks`) policies.push(r.headers()["content-security-policy"] ?? "");
    });
    await page.goto(`${STRANGER}/`);
    await expect.poll(() => policies.length).toBeGreaterThan(0);
    for (const csp of policies) {
      expect(csp).toContain(`frame-ancestors ${HOST}`);
      expect(csp).not.toContain(STRANGER);
    }
    // Chromium refuses to show the frame: its own error page stands in for the portal's.
    const frame = page.frames().find((x) => x !== page.mainFrame());
    await expect.poll(() => frame?.url()).toBe("chrome-error://chromewebdata/");
    expect(await frame?.content()).not.toContain("hidden-hook");
    await context.close();
  });

  it("read-only, with markup in its name: nothing to create, edit or delete; a forged POST from the session is 403 and changes nothing", async () => {
    const ns = `readonly${run}`;
    const hook = await api("POST", `/v1/namespaces/${ns}/webhooks`, { name: "look-only", url: `${receiver.url}/ok/r${run}`, events: ["*"] });
    expect(hook.status).toBe(201);
    const url = await portalLink(ns, { read_only: true, embed_origins: [HOST], branding: { name: "Acme <b>CI</b> <script>alert(1)</script>" } });
    const { page, frame } = await embed(HOST, url);
    await expect.poll(() => frame().url()).toMatch(/\/webhooks$/);
    const f = frame();
    await expect.poll(() => f.getByRole("row", { name: /look-only/ }).count()).toBe(1);
    // A name with markup is text: shown as typed, nothing of it applied or run.
    expect(await f.locator(".brand-name").textContent()).toBe("Acme <b>CI</b> <script>alert(1)</script>");
    expect(await f.locator(".brand-name b, .brand-name script").count()).toBe(0);
    expect(await f.getByRole("link", { name: /Create webhook/ }).count()).toBe(0);
    await f.getByRole("link", { name: "look-only" }).click();
    await expect.poll(() => f.url()).toMatch(/\/webhooks\/wh_/);
    await expect.poll(() => f.getByRole("heading", { name: "look-only" }).isVisible()).toBe(true);
    for (const name of ["Edit", "Delete"]) expect(await f.getByRole("link", { name, exact: true }).count(), name).toBe(0);
    for (const name of ["Test Ping Event", "Rotate secret", "Send example"]) expect(await f.getByRole("button", { name }).count(), name).toBe(0);

    // A forged form, posted from the session's own page with its CSRF token (the sign-out form's).
    const forged = await f.evaluate(async (id) => {
      const csrf = (document.querySelector('input[name="_csrf"]') as HTMLInputElement).value;
      const r = await fetch(`/webhooks/${id}/delete`, { method: "POST", body: new URLSearchParams({ _csrf: csrf }), redirect: "manual" });
      return { status: r.status, text: await r.text() };
    }, hook.json.id as string);
    expect(forged.status).toBe(403);
    expect(forged.text).toContain("read-only");
    expect((await api("GET", `/v1/namespaces/${ns}/webhooks/${hook.json.id}`)).status).toBe(200);
    await page.context().close();
  });
});
