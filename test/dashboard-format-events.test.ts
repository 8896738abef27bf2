/** The webhook form offers the events the chosen format carries (without script; format-events.js only presses its button). */
import { describe, expect, it } from "vitest";
import { api, receiverUrl, uniqueKey } from "./support/api";
import { page, postForm } from "./support/dashboard";

const ns = "dash-format-events";

/** The event checkboxes on a form page: value -> ticked. */
function offered(html: string): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const m of html.matchAll(/<input type="checkbox" name="events" value="([^"]+)"([^>]*)>/g)) out.set(m[1], /\bchecked\b/.test(m[2]));
  return out;
}
/** The system groups of the events fieldset, by their label. */
const groups = (html: string) => [...html.matchAll(/<div class="group" role="group" aria-label="([^"]+)"/g)].map((m) => m[1]);
const selectedFormat = (html: string) => /<option value="([^"]+)" selected/.exec(html)?.[1];

describe("dashboard: events offered by format", () => {
  it("offers every event for standard, and only the format's own system's for djinn, circleci and puppet", async () => {
    const standard = offered(await (await page("/webhooks/new", ns)).text());
    for (const name of ["*", "build.submitted", "workflow-completed", "deploy.finished", "webhook.disabled"]) expect(standard.has(name)).toBe(true);

    const djinnHtml = await (await page("/webhooks/new?format=djinn", ns)).text();
    expect(selectedFormat(djinnHtml)).toBe("djinn");
    const djinn = offered(djinnHtml);
    expect(djinn.has("build.submitted")).toBe(true);
    expect(djinn.has("build.started")).toBe(true);
    for (const name of ["workflow-completed", "deploy.finished", "webhook.disabled"]) expect(djinn.has(name)).toBe(false);
    expect(groups(djinnHtml)).toEqual(["Djinn CI"]);

    const circle = offered(await (await page("/webhooks/new?format=circleci", ns)).text());
    expect([...circle.keys()].sort()).toEqual(["*", "job-completed", "ping", "workflow-completed"]);

    // The shared build.started / build.finished are ticked under Puppet Pipelines for puppet.
    const puppetHtml = await (await page("/webhooks/new?format=puppet", ns)).text();
    expect([...offered(puppetHtml).keys()].sort()).toEqual(["*", "build.finished", "build.started", "deploy.finished", "deploy.started"]);
    expect(groups(puppetHtml)).toEqual(["Puppet Pipelines"]);

    // An unknown ?format= is ignored.
    expect(selectedFormat(await (await page("/webhooks/new?format=nope", ns)).text())).toBe("standard");
  });

  it("a changed format brings the form back with that format's events, input kept, nothing sent to the API", async () => {
    const name = `fmt-${uniqueKey()}`;
    const url = receiverUrl(`/ok/${uniqueKey()}`);
    const res = await postForm("/webhooks", ns, [
      ["name", name],
      ["url", url],
      ["format", "circleci"],
      ["events", "workflow-completed"],
      ["events", "build.submitted"],
      ["show_events", "1"],
    ]);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(selectedFormat(html)).toBe("circleci");
    expect(offered(html).get("workflow-completed")).toBe(true);
    expect(offered(html).has("build.submitted")).toBe(false);
    expect(html).toMatch(/does not carry them:[^.]*<code>build\.submitted<\/code>/);
    expect(html).toContain(`value="${name}"`);
    expect(html).toContain(`value="${url}"`);
    const list = (await api("GET", `/v1/namespaces/${ns}/webhooks`)).body.data as { name: string }[];
    expect(list.some((w) => w.name === name)).toBe(false);
  });

  it("the edit form offers the webhook's format's events, and a format change there saves nothing", async () => {
    const hook = await api("POST", `/v1/namespaces/${ns}/webhooks`, { name: `edit-${uniqueKey()}`, format: "puppet", url: receiverUrl("/ok/e"), events: ["deploy.finished"] });
    expect(hook.status).toBe(201);
    const edit = offered(await (await page(`/webhooks/${hook.body.id}/edit`, ns)).text());
    expect(edit.get("deploy.finished")).toBe(true);
    expect(edit.has("workflow-completed")).toBe(false);

    const res = await postForm(`/webhooks/${hook.body.id}`, ns, [
      ["name", hook.body.name],
      ["url", hook.body.url],
      ["format", "standard"],
      ["events", "deploy.finished"],
      ["show_events", "1"],
    ]);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(offered(html).has("workflow-completed")).toBe(true);
    expect(offered(html).get("deploy.finished")).toBe(true);
    expect((await api("GET", `/v1/namespaces/${ns}/webhooks/${hook.body.id}`)).body.format).toBe("puppet");
  });

  it("an event the format does not carry, sent anyway, still gets the API's 422 at the field", async () => {
    const res = await postForm("/webhooks", ns, [
      ["name", `bad-${uniqueKey()}`],
      ["url", receiverUrl("/ok/b")],
      ["format", "djinn"],
      ["events", "workflow-completed"],
    ]);
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toMatch(/id="events-error"/);
    expect(offered(html).has("workflow-completed")).toBe(false);
  });

  it("serves the format script from our own origin, and the form loads it", async () => {
    const js = await page("/assets/format-events.js", ns);
    expect(js.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(await js.text()).toContain("requestSubmit");
    const html = await (await page("/webhooks/new", ns)).text();
    expect(html).toMatch(/<script src="\/assets\/format-events.js" defer/);
    expect(html).toMatch(/<button type="submit" name="show_events" value="1" id="show-events"/);
  });
});
