/** The webhook form's payload filter (a textarea of `path = value` lines), without JavaScript. */
import { describe, expect, it } from "vitest";
import { filterToText, parseFilterText } from "../src/dashboard/filter-field";
import { api, receiverUrl, uniqueKey } from "./support/api";
import { page, postForm } from "./support/dashboard";

const ns = "dash-filters";

const form = (name: string, filter: string): [string, string][] => [
  ["name", name],
  ["url", receiverUrl(`/ok/${uniqueKey()}`)],
  ["format", "slack"],
  ["events", "workflow-completed"],
  ["active", "on"],
  ["filter", filter],
];

/** The text of the filter field's error paragraph, if any. */
const filterError = (html: string) => /<p class="field-error" id="filter-error">([^<]*)<\/p>/.exec(html)?.[1] ?? null;

describe("dashboard payload filter", () => {
  it("reads lines as JSON where they are JSON, plain strings otherwise, and writes them back the same", () => {
    const text = 'pipeline.vcs.branch = release/*\nworkflow.status = ["failed", "error"]\npipeline.number = 7\nproject.name = "true"';
    const parsed = parseFilterText(text);
    expect(parsed).toEqual({
      ok: true,
      filter: { "pipeline.vcs.branch": "release/*", "workflow.status": ["failed", "error"], "pipeline.number": 7, "project.name": "true" },
    });
    if (parsed.ok) expect(parseFilterText(filterToText(parsed.filter))).toEqual(parsed);
    expect(parseFilterText(" \n# comment\n")).toEqual({ ok: true, filter: null });
    expect(parseFilterText("no equals sign")).toEqual({ ok: false, errors: ["line 1: write it as path = value"] });
  });

  it("creates, shows, and clears a webhook's filter; errors appear at the field", async () => {
    const name = `dash-${uniqueKey()}`;
    const created = await postForm("/webhooks", ns, form(name, 'pipeline.vcs.branch = main\nworkflow.status = ["failed", "error"]'));
    expect(created.status).toBe(201);
    const hook = (await api("GET", `/v1/namespaces/${ns}/webhooks`)).body.data.find((w: { name: string }) => w.name === name);
    expect(hook.filter).toEqual({ "pipeline.vcs.branch": "main", "workflow.status": ["failed", "error"] });

    const shown = await (await page(`/webhooks/${hook.id}`, ns)).text();
    expect(shown).toContain('<code class="filter">pipeline.vcs.branch = main\nworkflow.status = [&quot;failed&quot;,&quot;error&quot;]</code>');
    const edit = await (await page(`/webhooks/${hook.id}/edit`, ns)).text();
    // The paths each type offers, from GET /v1/event-types, under the box.
    expect(edit).toMatch(/<code>workflow-completed<\/code><\/dt><dd class="mono">[^<]*pipeline\.vcs\.branch/);
    expect(edit).toContain("pipeline.vcs.branch = main\nworkflow.status = [&quot;failed&quot;,&quot;error&quot;]");

    // An unknown path: the API's 422, shown at the filter field.
    const typo = await postForm(`/webhooks/${hook.id}`, ns, form(name, "pipeline.vcs.brnach = main"));
    expect(typo.status).toBe(422);
    expect(filterError(await typo.text())).toContain("pipeline.vcs.brnach");
    // A line the form cannot read: refused before the API is asked.
    const unreadable = await postForm(`/webhooks/${hook.id}`, ns, form(name, "just words"));
    expect(unreadable.status).toBe(422);
    expect(filterError(await unreadable.text())).toContain("line 1");
    expect((await api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}`)).body.filter).toEqual(hook.filter);

    const cleared = await postForm(`/webhooks/${hook.id}`, ns, form(name, ""));
    expect(cleared.status).toBe(303);
    expect((await api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}`)).body.filter).toBeNull();
  });
});
