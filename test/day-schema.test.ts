/**
 * Schema changes of the day tables (db/day-schema.ts, docs/storage.md
 * "Adding a column"): a migration adds a column (and an index) to the
 * template `deliveries` and a column to `events`; the views keep working
 * before the days have them, the next cron run adds them to every day, and
 * the new columns read through the views. Its own file: it migrates its
 * shard's template, and storage is per file.
 */
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createGenerations, deliveriesTable, eventsTable, generationAt, indexName } from "../src/db/generations";
import type { AppEnv } from "../src/env";
import worker from "../src/index";
import { api, received, waitFor } from "./support/api";
import { hookAt } from "./support/deliveries";

const appEnv = env as unknown as AppEnv;
const db = env.SHARD_0;

async function cron(at = Date.now()) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: at, cron: "* * * * *" }), appEnv, ctx);
  await waitOnExecutionContext(ctx);
}

const columnsOf = async (table: string) => (await db.prepare(`SELECT name FROM pragma_table_info(?)`).bind(table).all<{ name: string }>()).results.map((r) => r.name);

describe("a column added to the template reaches every day", () => {
  it("the views survive the migration, the cron adds the column and index to each day, and the column reads through the views", async () => {
    const today = generationAt(Date.now());
    const days = [today - 2, today - 1, today, today + 1];
    await createGenerations(db, days);
    const { ns, key, hook } = await hookAt("/ok");
    const first = await api("POST", `/v1/namespaces/${ns}/events`, { type: "build.finished", data: { n: 1 } });
    await waitFor(() => received(key), (r) => r.length === 1);

    // What drizzle-kit would generate for `region: text("region").notNull().default("eu")` on deliveries,
    // an index on it, and `source: text("source")` on events: the template only.
    await db.batch([
      db.prepare("ALTER TABLE `deliveries` ADD `region` text DEFAULT 'eu' NOT NULL"),
      db.prepare("CREATE INDEX `deliveries_region` ON `deliveries` (`region`)"),
      db.prepare("ALTER TABLE `events` ADD `source` text"),
    ]);
    // Before any day has them, the views (and the publish and claim through them) still work.
    expect((await db.prepare("SELECT count(*) AS n FROM all_deliveries").first<{ n: number }>())!.n).toBe(1);
    expect((await api("POST", `/v1/namespaces/${ns}/events`, { type: "build.finished", data: { n: 2 } })).status).toBe(202);
    await waitFor(() => received(key), (r) => r.length === 2);

    await cron();
    for (const g of days) {
      expect(await columnsOf(deliveriesTable(g))).toEqual(await columnsOf("deliveries"));
      expect(await columnsOf(eventsTable(g))).toEqual(await columnsOf("events"));
      expect(await db.prepare("SELECT name FROM sqlite_master WHERE name = ?").bind(indexName("deliveries_region", g)).first()).not.toBeNull();
    }
    // Old rows take the default; a value written on a day's table reads back through the view.
    const rows = await db.prepare("SELECT seq, region FROM all_deliveries WHERE namespace = ? ORDER BY seq").bind(ns).all<{ seq: number; region: string }>();
    expect(rows.results.map((r) => r.region)).toEqual(["eu", "eu"]);
    await db.prepare(`UPDATE ${deliveriesTable(today)} SET region = 'us' WHERE seq = ?`).bind(rows.results[1].seq).run();
    expect((await db.prepare("SELECT region FROM all_deliveries WHERE seq = ?").bind(rows.results[1].seq).first<{ region: string }>())!.region).toBe("us");
    await db.prepare(`UPDATE ${eventsTable(today)} SET source = 'ci' WHERE namespace = ? AND id = ?`).bind(ns, first.body.id).run();
    expect((await db.prepare("SELECT source FROM all_events WHERE namespace = ? AND id = ?").bind(ns, first.body.id).first<{ source: string }>())!.source).toBe("ci");
    // The API still reads and writes as before.
    expect((await api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}/deliveries`)).body.data).toHaveLength(2);
    expect((await api("POST", `/v1/namespaces/${ns}/events`, { type: "build.finished", data: { n: 3 } })).status).toBe(202);

    // In step: the next run changes nothing.
    const schema = async () => (await db.prepare("SELECT name, sql FROM sqlite_master ORDER BY name").all()).results;
    const before = await schema();
    await cron();
    expect(await schema()).toEqual(before);
  });
});
