/** The dashboard answers a person's questions: which event, exactly when, what was sent, what a rotation does, every form error at once. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { processDelivery } from "../src/delivery/consumer";
import { redeliver } from "../src/delivery/redeliver";
import { onShard } from "../src/db/shards";
import type { AppEnv } from "../src/env";
import { deliveryId } from "../src/ids";
import { api, createWebhook, received, receiverUrl, settledDelivery, uniqueKey, waitFor } from "./support/api";
import { page, postForm, rawPage } from "./support/dashboard";
import { hookAt, seedOwed, withQueuesDown } from "./support/deliveries";

const text = (html: string) => html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");

describe("dashboard delivery views", () => {
  it("a polling webhook: no URL shown but the route its receiver polls, no ping or example offered", async () => {
    const ns = uniqueKey("dvp");
    const made = await api("POST", `/v1/namespaces/${ns}/webhooks`, { name: "poller", mode: "poll", events: ["build.*"] });
    expect(made.status).toBe(201);
    const html = await (await page(`/webhooks/${made.body.id}`, ns)).text();
    expect(text(html)).toContain(`its receiver polls GET /v1/namespaces/${ns}/webhooks/${made.body.id}/poll`);
    expect(html).not.toContain(`/webhooks/${made.body.id}/ping`);
    expect(html).not.toContain(`/webhooks/${made.body.id}/example`);
    expect(text(await (await page("/webhooks", ns)).text())).toContain("polled by its receiver");
  });

  it("lists deliveries with their event id and exact UTC time beside the relative one", async () => {
    const ns = uniqueKey("dv");
    const hook = await createWebhook(ns, { events: ["build.*"] });
    const pub = await api("POST", `/v1/namespaces/${ns}/events`, { id: "build-42", type: "build.finished", data: { id: 42 } });
    expect(pub.status).toBe(202);
    const list = await waitFor(
      () => api("GET", `/v1/namespaces/${ns}/deliveries`),
      (r) => r.body.data.length === 1,
    );
    const detail = await settledDelivery(ns, list.body.data[0].id);
    const html = await (await page(`/webhooks/${hook.id}`, ns)).text();
    const row = /<tbody>[\s\S]*?<\/tbody>/.exec(html)?.[0] ?? "";
    expect(text(row)).toContain("build.finished build-42");
    const created = detail.created_at.replace("T", " ").replace(/\.\d+Z$/, " UTC");
    expect(row).toContain(`<time datetime="${detail.created_at}">${created}</time>`);
    expect(text(row)).toMatch(new RegExp(`${created} \\((just now|\\d+ s ago)\\)`));
    // The delivery's page: every attempt with its exact start.
    const dpage = await (await page(`/deliveries/${detail.id}`, ns)).text();
    const started = detail.attempts[0].started_at as string;
    expect(dpage).toContain(`<time datetime="${started}">${started.replace("T", " ").replace(/\.\d+Z$/, " UTC")}</time>`);
  });

  it("keeps refreshing a delivery's page while an attempt runs, and says which one runs", async () => {
    const { ns, key, hook } = await hookAt("/ok");
    const shard0 = onShard(env as unknown as AppEnv, "SHARD_0");
    // No queue message for this delivery, first or redelivered: the only consumer is this test's call.
    const { seq } = await seedOwed(ns, hook.id, Date.now());
    const shown = async () => {
      const html = await (await page(`/deliveries/${deliveryId(seq)}`, ns)).text();
      return { refreshes: html.includes('<meta http-equiv="refresh"'), text: text(html) };
    };
    const whileRunning: Awaited<ReturnType<typeof shown>>[] = [];
    const attempt = () => processDelivery(shard0, seq, Date.now(), { afterClaim: async () => void whileRunning.push(await shown()) });

    const due = await shown();
    expect(due.refreshes).toBe(true);
    expect(due.text).toContain("This page refreshes by itself.");
    expect(due.text).not.toContain("is running");
    expect(await attempt()).toMatchObject({ kind: "settled", status: "succeeded" });
    expect((await shown()).refreshes).toBe(false);

    await redeliver(withQueuesDown(shard0, "DELIVERIES"), ns, seq);
    expect(await attempt()).toMatchObject({ kind: "settled", status: "succeeded" });
    // While each attempt ran, its lease's end (a minute away) was not offered as "next attempt".
    expect(whileRunning.map((s) => s.refreshes)).toEqual([true, true]);
    expect(whileRunning[0].text).toContain("Attempt 1 is running now.");
    expect(whileRunning[0].text).not.toContain("no response"); // none yet: it is not a missing one
    expect(whileRunning[1].text).toContain("Attempt 2 is running now.");
    for (const s of whileRunning) expect(s.text).not.toContain("Next attempt");
    expect(await received(key)).toHaveLength(2);
    expect((await shown()).refreshes).toBe(false);
  });

  it("offers only subscribed types as examples and names what was sent", async () => {
    const ns = uniqueKey("dv");
    const hook = await createWebhook(ns, { events: ["deploy.*"] });
    const html = await (await page(`/webhooks/${hook.id}`, ns)).text();
    const options = [...(/<select id="example-type"[\s\S]*?<\/select>/.exec(html)?.[0] ?? "").matchAll(/<option value="([^"]+)">/g)].map((m) => m[1]);
    expect(options).toEqual(["deploy.started", "deploy.finished"]);
    const sent = await postForm(`/webhooks/${hook.id}/example`, ns, [["type", "deploy.finished"]]);
    expect(sent.status).toBe(303);
    const result = await (await page(sent.headers.get("location")!.replace(/#.*/, ""), ns)).text();
    expect(text(result)).toMatch(/Example deploy\.finished (delivered|sent, waiting)/);
    expect(result).not.toContain("Ping delivered");
    const pinged = await postForm(`/webhooks/${hook.id}/ping`, ns, []);
    const pingResult = await (await page(pinged.headers.get("location")!.replace(/#.*/, ""), ns)).text();
    expect(text(pingResult)).toMatch(/Test ping (delivered|sent, waiting)/);
  });

  it("asks before rotating a secret and tells the truth about the grace period", async () => {
    const ns = uniqueKey("dv");
    const standard = await createWebhook(ns);
    const confirm = await page(`/webhooks/${standard.id}/rotate-secret`, ns);
    expect(confirm.status).toBe(200);
    const form = await confirm.text();
    expect(form).toContain(`action="/webhooks/${standard.id}/rotate-secret"`);
    expect(text(form)).toContain("deliveries carry both signatures");
    // The webhook page links to the confirmation; nothing rotates on that click.
    expect(await (await page(`/webhooks/${standard.id}`, ns)).text()).toContain(`href="/webhooks/${standard.id}/rotate-secret"`);
    expect((await api("GET", `/v1/namespaces/${ns}/webhooks/${standard.id}`)).body.secret_hint).toBe(standard.secret_hint);

    const rotated = await postForm(`/webhooks/${standard.id}/rotate-secret`, ns, [["grace_seconds", "3600"]]);
    expect(rotated.status).toBe(200);
    const after = text(await rotated.text());
    expect(after).toMatch(/Until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC deliveries carry two signatures/);
    const expires = Date.parse(/Until (\S+ \S+) UTC/.exec(after)![1].replace(" ", "T") + "Z");
    expect(Math.abs(expires - Date.now() - 3_600_000)).toBeLessThan(60_000);

    const djinn = await createWebhook(ns, { format: "djinn", events: ["build.*"], secret: "a-djinn-secret-of-some-length" });
    const djinnAfter = text(await (await postForm(`/webhooks/${djinn.id}/rotate-secret`, ns, [["grace_seconds", "86400"]])).text());
    expect(djinnAfter).toMatch(/keep being signed with the previous secret only until .* UTC/);
    const now = text(await (await postForm(`/webhooks/${djinn.id}/rotate-secret`, ns, [["grace_seconds", "0"]])).text());
    expect(now).toContain("signed with the new secret only");
  });

  it("shows every error of the create form at once, the URL's with the others", async () => {
    const ns = uniqueKey("dv");
    const res = await postForm("/webhooks", ns, [
      ["name", "has spaces"],
      ["url", "http://10.0.0.7/hook"],
      ["format", "standard"],
      ["other_events", "no.such.event"],
    ]);
    expect(res.status).toBe(422);
    const html = await res.text();
    const errors = [...html.matchAll(/class="field-error"[^>]*>([^<]+)</g)].map((m) => m[1].replaceAll("&quot;", '"'));
    expect(errors).toHaveLength(3);
    expect(errors.join("\n")).toMatch(/letters, digits/);
    expect(errors.join("\n")).toMatch(/private/);
    expect(errors.join("\n")).toMatch(/unknown event type "no.such.event"/);
    // A good form still creates.
    const ok = await postForm("/webhooks", ns, [["name", "fine"], ["url", receiverUrl("/ok/x")], ["format", "standard"], ["events", "*"]]);
    expect(ok.status).toBe(201);
  });

  it("serves a favicon, linked from every page", async () => {
    for (const path of ["/favicon.ico", "/assets/favicon.svg"]) {
      const res = await rawPage(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type")).toBe("image/svg+xml");
      expect(await res.text()).toMatch(/^<svg /);
    }
    expect(await (await rawPage("/sign-in")).text()).toContain('<link rel="icon" href="/assets/favicon.svg"');
  });
});
