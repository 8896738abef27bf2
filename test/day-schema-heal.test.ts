/**
 * A release whose code reads a column its migration just added, running
 * before the cron has carried that column to the day tables (db/day-schema.ts):
 * the publish and the claim bring the days up to date on the spot, counted,
 * instead of failing until the next cron run. Its own file: it alters its
 * shard's day tables, and storage is per file.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { deliveriesTable, eventsTable, generationAt, indexName } from "../src/db/generations";
import { usage } from "../src/usage";
import { api, received, waitFor } from "./support/api";
import { hookAt } from "./support/deliveries";

const db = env.SHARD_0;
const columnsOf = async (table: string) => (await db.prepare(`SELECT name FROM pragma_table_info(?)`).bind(table).all<{ name: string }>()).results.map((r) => r.name);

describe("a release that reads a column before the cron has carried it to the days", () => {
  it("a publish and a claim bring the days up to date on the spot (counted) instead of failing until the next cron run", async () => {
    const { ns, key, hook } = await hookAt("/ok");
    await api("PATCH", `/v1/namespaces/${ns}/webhooks/${hook.id}`, { ordered: true });
    const first = await api("POST", `/v1/namespaces/${ns}/events`, { type: "build.finished", data: { n: 1 } });
    expect(first.status).toBe(202);
    await waitFor(() => received(key), (r) => r.length === 1);
    // Today's days as a shard migrated but not yet reconciled would have them: without `ordering_key`.
    // The template's last columns (migration 0006), so the days' column order stays the template's once re-added.
    const today = generationAt(Date.now());
    // The views as the release before this one defined them (every arm `SELECT *`), over every day there is:
    // once the template has a column the days lack, their arms no longer line up.
    const days = (await db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'deliveries_g[0-9]*'").all<{ name: string }>()).results.map((r) => Number(r.name.slice(12)));
    const oldView = (view: string, table: (g: number) => string, template: string) =>
      db.prepare(`CREATE VIEW ${view} AS ${[template, ...days.map(table)].map((t) => `SELECT * FROM ${t}`).join(" UNION ALL ")}`);
    await db.batch([
      db.prepare("DROP VIEW IF EXISTS all_events"),
      db.prepare("DROP VIEW IF EXISTS all_deliveries"),
      db.prepare(`DROP INDEX IF EXISTS ${indexName("deliveries_ordered", today)}`),
      db.prepare(`ALTER TABLE ${eventsTable(today)} DROP COLUMN ordering_key`),
      db.prepare(`ALTER TABLE ${deliveriesTable(today)} DROP COLUMN ordered`),
      db.prepare(`ALTER TABLE ${deliveriesTable(today)} DROP COLUMN ordering_key`),
    ]);
    await db.batch([oldView("all_events", eventsTable, "events"), oldView("all_deliveries", deliveriesTable, "deliveries")]);
    await expect(db.prepare("SELECT count(*) FROM all_events").run()).rejects.toThrow(/same number of result columns/);
    expect(await columnsOf(eventsTable(today))).not.toContain("ordering_key");
    const healed = usage.daySchemaHealedOnRequest;
    const second = await api("POST", `/v1/namespaces/${ns}/events`, { type: "build.finished", data: { n: 2 }, ordering_key: "pipeline-7" });
    expect(second.status).toBe(202);
    expect(usage.daySchemaHealedOnRequest).toBeGreaterThan(healed);
    expect(await columnsOf(eventsTable(today))).toContain("ordering_key");
    expect(await columnsOf(deliveriesTable(today))).toEqual(await columnsOf("deliveries"));
    await waitFor(() => received(key), (r) => r.length === 2);
    expect((await api("GET", `/v1/namespaces/${ns}/events/${second.body.id}`)).body.ordering_key).toBe("pipeline-7");
  });
});
