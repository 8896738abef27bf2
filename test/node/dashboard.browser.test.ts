/**
 * The Webhooks tab in a real browser: Debian's Chromium driven by
 * playwright-core against the real Worker (`wrangler dev` with local D1 and
 * Queues, as `npm start` runs it) and a loopback receiver.
 *
 * Skipped, with a notice naming the install command, where Chromium is
 * missing; under CI a missing Chromium fails the file instead (`.ci/run`
 * installs it at the path both use: test/node/support/ci.ts).
 * Screenshots of the main pages go to docs/screenshots/ (shown in docs/dashboard.md).
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, startDispatcher, type LocalDispatcher } from "../../scripts/lib/local-dispatcher.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { CHROMIUM, haveChromium as chromiumHere, updating } from "./support/ci.ts";

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const haveChromium = chromiumHere();

const PORT = 8896;
const PERSIST = ".wrangler/browser-dashboard2";
const ADMIN = "browser-admin-token";
// The screenshots of docs/dashboard.md are refreshed on request (UPDATE_SCREENSHOTS=1), so a
// plain test run leaves the work tree clean.
const SHOTS = updating("UPDATE_SCREENSHOTS") ? join(ROOT, "docs", "screenshots") : join(ROOT, "test-results", "screenshots");

let dispatcher: LocalDispatcher;
let receiver: Receiver;
let browser: Browser;
const run = Date.now().toString(36);

async function api(method: string, path: string, body?: unknown, token = ADMIN): Promise<{ status: number; json: any }> {
  const res = await fetch(`${dispatcher.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

/** A namespace token with webhooks read/write, made through the tokens API. */
async function namespaceToken(ns: string): Promise<string> {
  const made = await api("POST", `/v1/namespaces/${ns}/tokens`, { name: "browser", scopes: ["webhooks:read", "webhooks:write"] });
  expect(made.status, JSON.stringify(made.json)).toBe(201);
  return made.json.token as string;
}

async function newPage(width = 1280, height = 900): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width, height }, baseURL: dispatcher.url });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  return { context, page };
}

async function signIn(page: Page, token: string, namespace: string): Promise<void> {
  await page.goto("/");
  await expect.poll(() => new URL(page.url()).pathname).toBe("/sign-in");
  await page.getByLabel("API token").fill(token);
  await page.getByLabel("Namespace", { exact: true }).fill(namespace);
  await page.getByRole("button", { name: "Sign in" }).click();
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

/** Submits the create form with a bad name, a private address and no events; answers the field errors shown. */
async function formWithThreeErrors(page: Page): Promise<string[]> {
  await page.goto("/webhooks/new");
  await page.getByLabel("Name", { exact: true }).fill("release notifier");
  await page.getByLabel("Payload URL").fill("http://10.0.0.7/hook");
  await page.getByRole("button", { name: "Create webhook" }).click();
  await expect.poll(() => page.locator(".field-error").count()).toBe(3);
  for (const id of ["#name-error", "#url-error", "#events-error"]) expect(await page.locator(id).isVisible(), id).toBe(true);
  return page.locator(".field-error").allTextContents();
}

/**
 * The webhook page's actions: at desktop width one row, every control's
 * vertical centre within 2 px; at phone width each control within the
 * viewport, the ones sharing a row centred alike.
 */
async function expectActionsInLine(page: Page): Promise<void> {
  const boxes = await page.locator(".webhook-actions > form > button, .webhook-actions > form > select, .webhook-actions > form > label, .webhook-actions > a").evaluateAll((els) =>
    els.map((e) => {
      const r = e.getBoundingClientRect();
      return { text: (e.textContent ?? "").trim().slice(0, 20), top: r.top, centre: r.top + r.height / 2, left: r.left, right: r.right };
    }),
  );
  expect(boxes.length).toBeGreaterThanOrEqual(7);
  const width = page.viewportSize()?.width ?? 0;
  for (const b of boxes) expect(b.right, b.text).toBeLessThanOrEqual(width);
  const rows = new Map<number, typeof boxes>();
  for (const b of boxes) {
    const key = [...rows.keys()].find((k) => Math.abs(k - b.centre) < 12) ?? b.centre;
    rows.set(key, [...(rows.get(key) ?? []), b]);
  }
  for (const row of rows.values()) {
    const centres = row.map((b) => b.centre);
    expect(Math.max(...centres) - Math.min(...centres), JSON.stringify(row)).toBeLessThanOrEqual(2);
  }
  if (width >= 1000) expect(rows.size, JSON.stringify(boxes)).toBe(1);
}

beforeAll(async () => {
  if (!haveChromium) return;
  mkdirSync(SHOTS, { recursive: true });
  rmSync(join(ROOT, PERSIST), { recursive: true, force: true });
  receiver = await startReceiver();
  dispatcher = await startDispatcher({
    port: PORT,
    persistTo: PERSIST,
    // SHARD_1 closed: every namespace lands on SHARD_0, so "not even by id" (one namespace's
    // token asking for another's webhook) is the data's `namespace = ?` at work, not placement.
    vars: { ADMIN_TOKEN: ADMIN, ENVIRONMENT: "development", ALLOW_LOOPBACK_TARGETS: "true", RETRY_SCHEDULE: "5,1,1", SHARDS_CLOSED: "SHARD_1" },
  });
  // playwright gives every launch a fresh, temporary user-data-dir of its own.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await dispatcher?.stop();
  await receiver?.close();
});

describe.skipIf(!haveChromium)("the Webhooks tab in Chromium", () => {
  it("signs in, creates a webhook, pings, redelivers, rotates and deletes it", async () => {
    const ns = `browser${run}`;
    const key = `dash${run}`;
    const { context, page } = await newPage();

    // A wrong token is refused at the token field.
    await signIn(page, "not-a-real-token", ns);
    await expect.poll(() => page.locator("#token-error").textContent()).toContain("not valid");
    expect(new URL(page.url()).pathname).toBe("/sign-in");
    await shot(page, "sign-in");

    // The admin token plus a namespace signs in.
    await page.getByLabel("API token").fill(ADMIN);
    await page.getByLabel("Namespace", { exact: true }).fill(ns);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL("**/webhooks");
    await expect.poll(() => page.getByRole("heading", { name: "No webhooks yet" }).isVisible()).toBe(true);

    // Every error of the create form at once: the URL's (the SSRF guard's) with the schema's.
    const errorsSeen = await formWithThreeErrors(page);
    expect(errorsSeen).toHaveLength(3);
    await shot(page, "webhook-form-errors");
    const phoneForm = await newPage(390, 844);
    await phoneForm.context.addCookies(await context.cookies());
    expect(await formWithThreeErrors(phoneForm.page)).toEqual(errorsSeen);
    await shot(phoneForm.page, "webhook-form-errors-phone");
    await phoneForm.context.close();

    // Create webhook: a bad URL is shown at the field, the input kept.
    await page.goto("/webhooks");
    await page.getByRole("link", { name: "Create webhook" }).first().click();
    await page.getByLabel("Name", { exact: true }).fill("deploy-notifier");
    await page.getByLabel("Payload URL").fill("ftp://example.com/hook");
    await page.getByLabel("Description").fill("Tells the release channel");
    await page.getByRole("checkbox", { name: "build.finished", exact: true }).check();
    await page.getByRole("checkbox", { name: "deploy.finished", exact: true }).check();
    // Another format offers only its events: the form comes back at once (format-events.js), input kept.
    const showButton = page.getByRole("button", { name: "Show the chosen format's events" });
    expect(await showButton.isVisible()).toBe(false);
    await page.locator("#format").selectOption("djinn");
    await expect.poll(() => page.getByRole("checkbox", { name: "deploy.finished", exact: true }).count()).toBe(0);
    expect(await page.getByRole("checkbox", { name: "build.finished", exact: true }).isChecked()).toBe(true);
    expect(await page.getByLabel("Name", { exact: true }).inputValue()).toBe("deploy-notifier");
    expect(await page.locator("#events-hint").textContent()).toContain("deploy.finished");
    await page.locator("#format").selectOption("standard");
    await expect.poll(() => page.getByRole("checkbox", { name: "deploy.finished", exact: true }).count()).toBe(1);
    await page.getByRole("checkbox", { name: "deploy.finished", exact: true }).check();
    await page.getByRole("button", { name: "Create webhook" }).click();
    const urlError = page.locator("#url-error");
    await expect.poll(() => urlError.isVisible()).toBe(true);
    expect((await urlError.textContent())?.length).toBeGreaterThan(3);
    expect(await page.getByLabel("Payload URL").getAttribute("aria-invalid")).toBe("true");
    expect(await page.getByLabel("Name", { exact: true }).inputValue()).toBe("deploy-notifier");
    expect(await page.getByLabel("Payload URL").inputValue()).toBe("ftp://example.com/hook");
    expect(await page.getByLabel("Description").inputValue()).toBe("Tells the release channel");
    expect(await page.getByRole("checkbox", { name: "build.finished", exact: true }).isChecked()).toBe(true);
    await shot(page, "webhook-form-error");

    // Fixed, it is created and the secret is shown once.
    await page.getByLabel("Payload URL").fill(`${receiver.url}/ok/${key}`);
    await page.getByRole("button", { name: "Create webhook" }).click();
    await expect.poll(() => page.getByText("This secret is shown only once").isVisible()).toBe(true);
    const secret = await page.locator("#secret-value").inputValue();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]{20,}$/);
    expect(await page.getByRole("button", { name: "Copy" }).isVisible()).toBe(true);
    await shot(page, "secret-once");
    await page.getByRole("link", { name: "Continue to the webhook" }).click();
    await page.waitForURL(/\/webhooks\/wh_/);
    const webhookUrl = page.url();
    expect(await page.content()).not.toContain(secret);

    // Test Ping Event: the receiver answers and the result is shown.
    await page.getByRole("button", { name: "Test Ping Event" }).click();
    await expect.poll(() => page.getByText("Test ping delivered").isVisible(), { timeout: 30_000 }).toBe(true);
    const pingResult = page.locator("#ping-result");
    expect(await pingResult.textContent()).toContain("HTTP 200");
    expect(await pingResult.textContent()).toMatch(/\d+ ms/);
    expect(receiver.requests.get(key)?.length).toBe(1);
    // The deliveries table fits a desktop page: its last column (View) is not cut off at the edge.
    const table = await page.locator(".table-wrap").last().boundingBox();
    const view = await page.getByRole("link", { name: /Delivery dlv_/ }).first().boundingBox();
    expect(view!.x + view!.width).toBeLessThanOrEqual(table!.x + table!.width);
    await shot(page, "webhook-ping");

    // The delivery: its attempt, then Redeliver and the second (manual) attempt.
    await pingResult.getByRole("link", { name: "Open the delivery" }).click();
    await page.waitForURL(/\/deliveries\/dlv_/);
    await expect.poll(() => page.locator("[data-attempt]").count()).toBe(1);
    await page.getByRole("button", { name: "Redeliver" }).click();
    await expect.poll(() => page.getByText("Redelivery queued").isVisible()).toBe(true);
    // The page refreshes itself while the delivery is pending.
    await expect.poll(() => page.locator('[data-attempt="2"]').count(), { timeout: 30_000 }).toBe(1);
    const second = page.locator('[data-attempt="2"]');
    expect(await second.textContent()).toContain("Manual");
    expect(await second.textContent()).toContain("HTTP 200");
    await second.getByText("Request headers").click();
    expect(await second.textContent()).toContain("webhook-signature");
    expect(receiver.requests.get(key)?.length).toBe(2);
    await shot(page, "delivery");

    // Edit: a change is saved; the status filter narrows the deliveries.
    await page.goto(webhookUrl);
    await page.getByRole("link", { name: "Edit" }).click();
    expect(await page.getByRole("checkbox", { name: "deploy.finished", exact: true }).isChecked()).toBe(true);
    await page.getByLabel("Description").fill("Tells the release channel, edited");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.waitForURL(/notice=saved/);
    expect(await page.getByText("Changes saved.").isVisible()).toBe(true);
    expect(await page.getByText("Tells the release channel, edited").isVisible()).toBe(true);
    await page.getByLabel("Status").selectOption("failed");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/status=failed/);
    expect(await page.getByText("No failed deliveries.").isVisible()).toBe(true);
    await page.getByLabel("Status").selectOption("succeeded");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/status=succeeded/);
    expect(await page.getByRole("link", { name: /Delivery dlv_/ }).count()).toBe(1);

    // Inactive: the page says so and offers to turn it back on.
    await page.getByRole("link", { name: "Edit" }).click();
    await page.getByLabel("Active: send events to this webhook").uncheck();
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.waitForURL(/notice=saved/);
    expect(await page.getByText("This webhook is inactive").isVisible()).toBe(true);
    await page.getByRole("button", { name: "Activate webhook" }).click();
    await page.waitForURL(/notice=enabled/);
    expect(await page.getByText("This webhook is inactive").count()).toBe(0);

    // Rotate secret: a confirmation first (nothing rotates on the first click), then a new one, shown once,
    // and the banner says the old one goes on signing until the grace period ends.
    await page.goto(webhookUrl);
    await page.getByRole("link", { name: "Rotate secret" }).click();
    await expect.poll(() => page.getByRole("heading", { name: /Rotate the signing secret of deploy-notifier\?/ }).isVisible()).toBe(true);
    expect(await page.getByLabel("Grace period").inputValue()).toBe("86400");
    await page.getByRole("button", { name: "Rotate secret" }).click();
    await expect.poll(() => page.getByText("This secret is shown only once").isVisible()).toBe(true);
    expect(await page.locator(".notice.ok").textContent()).toMatch(/Until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC deliveries carry two signatures/);
    const rotated = await page.locator("#secret-value").inputValue();
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);
    await page.getByRole("link", { name: "Continue to the webhook" }).click();
    await page.waitForURL(webhookUrl);
    await shot(page, "webhook");

    // A flaky receiver (its first three requests fail): three builds, each failing once and retried 5 s later. The deliveries
    // table shows each one's event id and exact time; the webhook page's action row stays in line.
    const flaky = await api("POST", `/v1/namespaces/${ns}/webhooks`, { name: "flaky-receiver", url: `${receiver.url}/fail/3/flaky${run}`, events: ["build.*"] });
    expect(flaky.status).toBe(201);
    for (const n of [101, 102, 103]) {
      const pub = await api("POST", `/v1/namespaces/${ns}/events`, { id: `build-${n}`, type: "build.finished", data: { id: n, number: n, status: "passed" } });
      expect(pub.status).toBe(202);
    }
    await expect
      .poll(async () => (await api("GET", `/v1/namespaces/${ns}/webhooks/${flaky.json.id}/deliveries?status=succeeded`)).json.data.length, { timeout: 60_000 })
      .toBe(3);
    await page.goto(`/webhooks/${flaky.json.id}`);
    const deliveriesTable = page.locator('section[aria-labelledby="deliveries-title"]');
    const tableText = (await deliveriesTable.textContent()) ?? "";
    for (const id of ["build-101", "build-102", "build-103"]) expect(tableText).toContain(id);
    expect(tableText).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \((just now|\d+ s ago)\)/);
    // Example of: only what the webhook subscribes to.
    const offered = await page.locator("#example-type option").allTextContents();
    expect(offered.length).toBeGreaterThan(0);
    expect(offered.every((t) => t.startsWith("build."))).toBe(true);
    await expectActionsInLine(page);
    await shot(page, "webhook-page");
    await deliveriesTable.screenshot({ path: join(SHOTS, "deliveries.png") });
    const phoneHook = await newPage(390, 844);
    await phoneHook.context.addCookies(await context.cookies());
    await phoneHook.page.goto(`/webhooks/${flaky.json.id}`);
    await expectActionsInLine(phoneHook.page);
    await shot(phoneHook.page, "webhook-page-phone");
    await phoneHook.page.locator('section[aria-labelledby="deliveries-title"]').screenshot({ path: join(SHOTS, "deliveries-phone.png") });
    await phoneHook.context.close();
    // In between (a tablet, a narrow window) the row wraps, each line still in line.
    for (const width of [820, 600]) {
      const mid = await newPage(width, 900);
      await mid.context.addCookies(await context.cookies());
      await mid.page.goto(`/webhooks/${flaky.json.id}`);
      await expectActionsInLine(mid.page);
      await mid.context.close();
    }
    await api("DELETE", `/v1/namespaces/${ns}/webhooks/${flaky.json.id}`);

    // The list: name, URL, format, events, active, health.
    await page.getByRole("link", { name: "Webhooks", exact: true }).first().click();
    await page.waitForURL("**/webhooks");
    const row = page.getByRole("row", { name: /deploy-notifier/ });
    const rowText = (await row.textContent()) ?? "";
    expect(rowText).toContain(`/ok/${key}`);
    expect(rowText).toContain("standard");
    expect(rowText).toContain("build.finished");
    expect(rowText).toContain("Active");
    expect(rowText).toMatch(/Healthy 100%/);
    await shot(page, "webhooks");
    const phone = await newPage(390, 844);
    await phone.context.addCookies(await context.cookies());
    await phone.page.goto("/webhooks");
    await phone.page.screenshot({ path: join(SHOTS, "webhooks-phone.png"), fullPage: true });
    await phone.context.close();

    // Delete, after a confirmation page.
    await page.goto(webhookUrl);
    await page.getByRole("link", { name: "Delete" }).click();
    await expect.poll(() => page.getByRole("heading", { name: /Delete webhook deploy-notifier\?/ }).isVisible()).toBe(true);
    await page.getByRole("button", { name: "Delete webhook" }).click();
    await page.waitForURL("**/webhooks?notice=deleted");
    expect(await page.getByText("Webhook deleted.").isVisible()).toBe(true);
    expect(await page.getByRole("row", { name: /deploy-notifier/ }).count()).toBe(0);
    const gone = await api("GET", `/v1/namespaces/${ns}/webhooks`);
    expect(gone.json.data).toHaveLength(0);

    // Sign out ends the session.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL("**/sign-in?notice=signed-out");
    await page.goto("/webhooks");
    expect(new URL(page.url()).pathname).toBe("/sign-in");
    await context.close();
  });

  it("a namespace token never sees another namespace's webhooks", async () => {
    const mine = `mine${run}`;
    const theirs = `theirs${run}`;
    const own = await api("POST", `/v1/namespaces/${mine}/webhooks`, { name: "my-hook", url: `${receiver.url}/ok/m${run}`, events: ["*"] });
    const other = await api("POST", `/v1/namespaces/${theirs}/webhooks`, { name: "their-hook", url: `${receiver.url}/ok/t${run}`, events: ["*"] });
    expect(own.status).toBe(201);
    expect(other.status).toBe(201);
    // Both on one shard (SHARD_1 is closed here), so nothing below is kept apart by placement.
    const shards = await api("GET", "/v1/admin/shards");
    expect(shards.json.shards.find((s: { binding: string }) => s.binding === "SHARD_1").namespaces).toBe(0);
    const token = await namespaceToken(mine);
    const { context, page } = await newPage();

    // Asking for the other namespace with this token is refused at the namespace field.
    await signIn(page, token, theirs);
    await expect.poll(() => page.locator("#namespace-error").isVisible()).toBe(true);
    expect(new URL(page.url()).pathname).toBe("/sign-in");

    // With the namespace left empty, the token's own namespace is used.
    await signIn(page, token, "");
    await page.waitForURL("**/webhooks");
    expect(await page.getByRole("row", { name: /my-hook/ }).count()).toBe(1);
    expect(await page.content()).not.toContain("their-hook");
    // Not even by id.
    const res = await page.goto(`/webhooks/${other.json.id}`);
    expect(res?.status()).toBe(404);
    expect(await page.content()).not.toContain("their-hook");
    const dres = await page.goto(`/webhooks/${other.json.id}/edit`);
    expect(dres?.status()).toBe(404);
    await context.close();
  });

  it("refuses forms without the CSRF token or from another origin", async () => {
    const { context, page } = await newPage();
    await signIn(page, ADMIN, `csrf${run}`);
    await page.waitForURL("**/webhooks");
    const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
    const form = (extra: Record<string, string>) => new URLSearchParams({ name: "x", url: `${receiver.url}/ok/x`, events: "*", ...extra });
    const noCsrf = await fetch(`${dispatcher.url}/webhooks`, {
      method: "POST",
      headers: { cookie, origin: dispatcher.url, "content-type": "application/x-www-form-urlencoded" },
      body: form({}),
      redirect: "manual",
    });
    expect(noCsrf.status).toBe(403);
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
    const crossSite = await fetch(`${dispatcher.url}/webhooks`, {
      method: "POST",
      headers: { cookie, origin: "https://evil.example", "content-type": "application/x-www-form-urlencoded" },
      body: form({ _csrf: csrf }),
      redirect: "manual",
    });
    expect(crossSite.status).toBe(403);
    const list = await api("GET", `/v1/namespaces/csrf${run}/webhooks`);
    expect(list.json.data).toHaveLength(0);
    // The session cookie is HttpOnly and SameSite=Strict.
    const session = (await context.cookies()).find((c) => c.name === "cw_session");
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe("Strict");
    await context.close();
  });
});
