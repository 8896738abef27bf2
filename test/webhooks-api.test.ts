import { describe, expect, it } from "vitest";
import { api, createWebhook, receiverUrl } from "./support/api";

const ns = "webhooks-api";

describe("webhooks API", () => {
  it("creates a webhook, shows the generated secret once, then only a hint", async () => {
    const created = await api("POST", `/v1/namespaces/${ns}/webhooks`, {
      name: "build_notifier-1",
      url: receiverUrl("/ok/create"),
      events: ["build.*", "deploy.finished"],
      description: "tells the team",
    });
    expect(created.status).toBe(201);
    expect(created.body.id).toMatch(/^wh_[A-Za-z0-9]+$/);
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(atob(created.body.secret.slice(6))).toHaveLength(32);
    expect(created.body).toMatchObject({ active: true, format: "standard", events: ["build.*", "deploy.finished"], description: "tells the team" });
    expect(created.body.secret_hint).toBe(created.body.secret.slice(-4));

    const read = await api("GET", `/v1/namespaces/${ns}/webhooks/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body.secret).toBeUndefined();
    expect(read.body.secret_hint).toBe(created.body.secret.slice(-4));
    expect(JSON.stringify(read.body)).not.toContain(created.body.secret);
  });

  it("keeps a user-given secret and refuses one that does not suit the format", async () => {
    const secret = `whsec_${btoa("0123456789abcdef0123456789abcdef")}`;
    const ok = await createWebhook(ns, { secret });
    expect(ok.secret).toBe(secret);
    const bad = await api("POST", `/v1/namespaces/${ns}/webhooks`, { name: "bad-secret", url: receiverUrl("/ok/x"), events: ["*"], secret: "short" });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details[0].path).toBe("secret");
  });

  it("validates every field and names the offending path", async () => {
    const res = await api("POST", `/v1/namespaces/${ns}/webhooks`, { name: "has spaces", url: 42, events: [] });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("validation_failed");
    const paths = res.body.error.details.map((d: { path: string }) => d.path).sort();
    expect(paths).toEqual(["events", "name", "url"]);
    expect(res.body.error.request_id).toBe(res.headers.get("x-request-id"));
  });

  it("refuses a URL that is not http or https", async () => {
    const res = await api("POST", `/v1/namespaces/${ns}/webhooks`, { name: "ftp", url: "ftp://example.com/x", events: ["*"] });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("url_not_allowed");
  });

  it("refuses a duplicate name in the namespace but allows it in another", async () => {
    await createWebhook(ns, { name: "twice" });
    const again = await api("POST", `/v1/namespaces/${ns}/webhooks`, { name: "twice", url: receiverUrl("/ok/t"), events: ["*"] });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("conflict");
    const elsewhere = await api("POST", `/v1/namespaces/${ns}-other/webhooks`, { name: "twice", url: receiverUrl("/ok/t"), events: ["*"] });
    expect(elsewhere.status).toBe(201);
  });

  it("pages through webhooks with a cursor", async () => {
    const pns = "paging";
    for (const name of ["a", "b", "c", "d", "e"]) await createWebhook(pns, { name });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { data: { name: string }[]; next_cursor: string | null } } = await api(
        "GET",
        `/v1/namespaces/${pns}/webhooks?limit=2${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.map((w) => w.name));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(["a", "b", "c", "d", "e"]);
    const badCursor = await api("GET", `/v1/namespaces/${pns}/webhooks?cursor=nonsense`);
    expect(badCursor.status).toBe(422);
  });

  it("changes and deletes a webhook", async () => {
    const hook = await createWebhook(ns);
    const patched = await api("PATCH", `/v1/namespaces/${ns}/webhooks/${hook.id}`, { active: false, events: ["deploy.*"] });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ active: false, events: ["deploy.*"] });
    const del = await api("DELETE", `/v1/namespaces/${ns}/webhooks/${hook.id}`);
    expect(del.status).toBe(204);
    expect((await api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}`)).status).toBe(404);
    expect((await api("DELETE", `/v1/namespaces/${ns}/webhooks/${hook.id}`)).status).toBe(404);
  });

  it("refuses a namespace that is not a slug", async () => {
    const res = await api("GET", "/v1/namespaces/Not%20A%20Slug/webhooks");
    expect(res.status).toBe(422);
  });
});
