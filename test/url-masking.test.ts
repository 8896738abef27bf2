/**
 * Slack and Discord webhook URLs are credentials: masked wherever they are
 * shown to a person or sent in a notice (attempt log, operational events,
 * dashboard), kept whole in the owner's own webhook answers and in storage.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { emitDeliveryExhausted } from "../src/events/operational";
import { api, createWebhook, received, receiverUrl, settledDelivery, uniqueKey, waitFor } from "./support/api";
import { page, postForm } from "./support/dashboard";
import { fixture } from "./support/fixtures";
import { hookDb } from "./support/shards";
import { maskUrl, shownUrl, urlIsSecret } from "../src/security/url-mask";

/** A chat webhook URL on the loopback receiver, with a long secret-like last segment; and its masked form. */
function chatUrl(route: string) {
  const secret = `${uniqueKey("tok")}Zq7w`;
  const url = receiverUrl(`${route}/${secret}`);
  const { origin, pathname } = new URL(url);
  return { url, secret, masked: `${origin}/${pathname.split("/")[1]}/…Zq7w` };
}

describe("webhook URLs that are credentials", () => {
  it("a Slack webhook's URL is masked in its attempt log, in webhook.disabled and on the dashboard; its owner's GET and storage keep it", async () => {
    const ns = uniqueKey("mask");
    const watchKey = uniqueKey();
    await createWebhook(ns, { url: receiverUrl(`/ok/${watchKey}`), events: ["webhook.disabled"] });
    const chat = chatUrl("/status/404");
    const hook = await createWebhook(ns, { url: chat.url, format: "slack", events: ["build.finished"] });
    expect(hook.url).toBe(chat.url);
    expect((await api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}`)).body.url).toBe(chat.url);

    // A chat 404 disables the webhook at once, and webhook.disabled tells the watcher.
    await api("POST", `/v1/namespaces/${ns}/events`, { type: "build.finished", data: fixture("build.finished") });
    await waitFor(() => api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}`), (r) => r.body.active === false);
    const [summary] = (await api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}/deliveries`)).body.data;
    const detail = await settledDelivery(ns, summary.id);
    expect(detail.attempts[0].url).toBe(chat.masked);
    const stored = await (await hookDb(hook.id)).prepare("SELECT url FROM webhooks WHERE id = ?").bind(hook.id).first<{ url: string }>();
    expect(stored?.url).toBe(chat.url);

    const heard = await waitFor(() => received(watchKey), (r) => r.length >= 1);
    const notice = JSON.parse(heard[0].body);
    expect(notice.type).toBe("webhook.disabled");
    expect(notice.data.webhook).toEqual({ id: hook.id, name: hook.name, url: chat.masked });

    for (const path of ["/webhooks", `/webhooks/${hook.id}`, `/webhooks/${hook.id}/delete`, `/deliveries/${summary.id}`]) {
      const html = await (await page(path, ns)).text();
      expect(html, path).toContain(chat.masked);
      expect(html, path).not.toContain(chat.secret);
    }
  });

  it("the edit form leaves a Discord URL out, and saving with the field empty keeps it", async () => {
    const ns = uniqueKey("mask-edit");
    const chat = chatUrl("/ok");
    const hook = await createWebhook(ns, { url: chat.url, format: "discord", events: ["deploy.finished"] });
    const form = await (await page(`/webhooks/${hook.id}/edit`, ns)).text();
    expect(form).not.toContain(chat.secret);
    expect(form).toContain(`placeholder="${chat.masked}"`);
    expect(form).toContain(`name="kept_url" value="${chat.masked}"`);

    const fields: [string, string][] = [
      ["name", hook.name],
      ["format", "discord"],
      ["events", "deploy.finished"],
      ["active", "on"],
      ["kept_url", chat.masked],
      ["description", "renamed"],
    ];
    const saved = await postForm(`/webhooks/${hook.id}`, ns, [["url", ""], ...fields]);
    expect(saved.status).toBe(303);
    const after = (await api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}`)).body;
    expect(after).toMatchObject({ url: chat.url, description: "renamed" });

    const moved = receiverUrl(`/ok/${uniqueKey()}`);
    expect((await postForm(`/webhooks/${hook.id}`, ns, [["url", moved], ...fields])).status).toBe(303);
    expect((await api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}`)).body.url).toBe(moved);

    // A standard webhook's URL is shown and must be given.
    const plain = await createWebhook(ns, { url: receiverUrl(`/ok/${uniqueKey()}`) });
    expect(await (await page(`/webhooks/${plain.id}/edit`, ns)).text()).toContain(`value="${plain.url}"`);
  });

  it("delivery.exhausted names a Discord webhook by its masked URL", async () => {
    const ns = uniqueKey("mask-exh");
    const watchKey = uniqueKey();
    await createWebhook(ns, { url: receiverUrl(`/ok/${watchKey}`), events: ["delivery.exhausted"] });
    const url = "https://discord.com/api/webhooks/123456789012345678/aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789tokn";
    await emitDeliveryExhausted(env, ns, {
      webhook: { id: "wh_gone", name: "team-chat", url, format: "discord" },
      deliverySeq: 424242,
      event: { id: "evt_x", type: "build.started" },
      attempts: 8,
      lastResponseStatus: 503,
      reason: "attempts_exhausted",
    });
    const heard = await waitFor(() => received(watchKey), (r) => r.length >= 1);
    expect(JSON.parse(heard[0].body).data.webhook).toEqual({ id: "wh_gone", name: "team-chat", url: "https://discord.com/api/…tokn" });
  });

  it("a standard webhook's attempt URL is shown whole, and masked once the webhook is deleted (its format unknown)", async () => {
    const ns = uniqueKey("mask-del");
    const url = receiverUrl(`/ok/${uniqueKey()}-0123456789`);
    const hook = await createWebhook(ns, { url });
    const ping = await api("POST", `/v1/namespaces/${ns}/webhooks/${hook.id}/ping?wait=true`);
    expect(ping.status).toBe(200);
    const path = `/v1/namespaces/${ns}/deliveries/${ping.body.delivery_id}`;
    expect((await api("GET", path)).body.attempts[0].url).toBe(url);
    expect((await api("DELETE", `/v1/namespaces/${ns}/webhooks/${hook.id}`)).status).toBe(204);
    const gone = await api("GET", path);
    expect(gone.status).toBe(200);
    expect(gone.body.attempts[0].url).toBe(`${new URL(url).origin}/ok/…6789`);
  });
});

// The masking itself (src/security/url-mask.ts), as a function.
const SLACK = "https://hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/abcdefghijklmnopqrstWXYZ";
const DISCORD = "https://discord.com/api/webhooks/123456789012345678/aBcDeFgHiJkLmNoPqRsTuVwXyZ_0123456789-tokn";

describe("url-mask", () => {
  it("keeps scheme, host and the first path segment, hides the rest but its last 4 characters", () => {
    expect(maskUrl(SLACK)).toBe("https://hooks.slack.com/services/…WXYZ");
    expect(maskUrl(DISCORD)).toBe("https://discord.com/api/…tokn");
    expect(maskUrl("http://127.0.0.1:8788/hooks/0123456789abcdefXYZW")).toBe("http://127.0.0.1:8788/hooks/…XYZW");
  });

  it("never shows the secret part: short ones entirely hidden, query and fragment too", () => {
    expect(maskUrl("https://chat.example.com/hooks/short")).toBe("https://chat.example.com/hooks/…");
    expect(maskUrl("https://chat.example.com/hooks?token=0123456789abcdef")).toBe("https://chat.example.com/…cdef");
    expect(maskUrl("https://chat.example.com/hooks/a?token=secret-token-value")).not.toContain("secret-token");
    // A lone segment may be the secret itself.
    expect(maskUrl("https://chat.example.com/0123456789abcdefSECR")).toBe("https://chat.example.com/…SECR");
    expect(maskUrl("https://chat.example.com/")).toBe("https://chat.example.com/");
  });

  it("drops credentials in the authority and masks what does not parse", () => {
    expect(maskUrl("https://user:p4ssw0rd@chat.example.com/hooks/x")).toBe("https://chat.example.com/hooks/…");
    expect(maskUrl("not a url/with/a/secret")).toBe("…");
  });

  it("masks for slack and discord and for a webhook that is gone, not for the other formats", () => {
    expect(urlIsSecret("slack")).toBe(true);
    expect(urlIsSecret("discord")).toBe(true);
    expect(urlIsSecret(null)).toBe(true);
    for (const f of ["standard", "djinn", "circleci", "puppet"]) expect(urlIsSecret(f)).toBe(false);
    expect(shownUrl(SLACK, "slack")).toBe("https://hooks.slack.com/services/…WXYZ");
    expect(shownUrl("https://ci.example.com/hooks/abc", "standard")).toBe("https://ci.example.com/hooks/abc");
  });

  it("masks a Slack or Discord URL whatever the webhook's format is now (a format switched after the attempt)", () => {
    expect(shownUrl(SLACK, "standard")).toBe("https://hooks.slack.com/services/…WXYZ");
    expect(shownUrl(DISCORD, "djinn")).toBe("https://discord.com/api/…tokn");
    expect(shownUrl(DISCORD.replace("discord.com", "discordapp.com"), "standard")).not.toContain("aBcDeF");
    expect(shownUrl("https://hooks.slack.com.example.net/x", "standard")).toBe("https://hooks.slack.com.example.net/x");
  });
});
