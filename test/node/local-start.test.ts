/** `npm start`'s path: wrangler dev with local D1 and Queues serves the API. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, startDispatcher, type LocalDispatcher } from "../../scripts/lib/local-dispatcher.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { updating } from "./support/ci.ts";

let dispatcher: LocalDispatcher;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  dispatcher = await startDispatcher({ port: 8830, persistTo: ".wrangler/test-local-start", vars: { ADMIN_TOKEN: "dev-admin-token" } });
});

afterAll(async () => {
  await dispatcher?.stop();
  await receiver?.close();
});

describe("local start", () => {
  it("serves the API and delivers to a loopback receiver", async () => {
    const auth = { authorization: "Bearer dev-admin-token", "content-type": "application/json" };
    const ns = `local${Date.now()}`;
    const created = await fetch(`${dispatcher.url}/v1/namespaces/${ns}/webhooks`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ name: "local", url: `${receiver.url}/ok/localstart`, events: ["*"] }),
    });
    expect(created.status).toBe(201);
    const pub = await fetch(`${dispatcher.url}/v1/namespaces/${ns}/events`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ type: "build.finished", data: { id: 7 } }),
    });
    expect(pub.status).toBe(202);
    const until = Date.now() + 30_000;
    while (!receiver.requests.get("localstart")?.length && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    expect(receiver.requests.get("localstart")).toHaveLength(1);
  });
});

// The catalog table of docs/formats.md is rendered from GET /v1/event-types,
// so it cannot drift from the catalog; UPDATE_DOCS=1 rewrites it.
const SYSTEM_NAMES: Record<string, string> = {
  "djinn-ci": "Djinn CI",
  "puppet-pipelines": "Puppet Pipelines",
  circleci: "CircleCI",
  "ci-webhooks": "ci-webhooks (operational)",
};

describe("docs/formats.md event catalog", () => {
  it("is the catalog the API serves", async () => {
    const res = await fetch(`${dispatcher.url}/v1/event-types`, { headers: { authorization: "Bearer dev-admin-token" } });
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as {
      data: { name: string; system: string; also_from: string[]; formats: string[]; description: string; aliases: string[] }[];
    };
    const table = [
      "| name | system | formats that carry it | description | older names (aliases) |",
      "|---|---|---|---|---|",
      ...data.map(
        (t) =>
          `| \`${t.name}\` | ${[t.system, ...t.also_from].map((s) => SYSTEM_NAMES[s] ?? s).join(", ")} | ${t.formats.map((f) => `\`${f}\``).join(", ")} | ${t.description} | ${t.aliases.map((a) => `\`${a}\``).join(", ")} |`,
      ),
    ].join("\n");
    const pagePath = join(ROOT, "docs", "formats.md");
    const page = readFileSync(pagePath, "utf8");
    const section = /(<!-- catalog:[^\n]*-->\n)([\s\S]*?)(<!-- \/catalog -->)/;
    expect(page).toMatch(section);
    if (updating("UPDATE_DOCS")) writeFileSync(pagePath, page.replace(section, (_m, open: string, _body, close: string) => `${open}${table}\n${close}`));
    else expect(page.match(section)?.[2].trim(), "docs/formats.md catalog table is stale: run with UPDATE_DOCS=1").toBe(table);
  });
});
