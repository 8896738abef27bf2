/**
 * Bytes stored, measured with SQLite's `dbstat` on the local D1 file itself
 * (D1 refuses dbstat and page-count pragmas to a Worker). "Used" is each
 * page's size minus its unused bytes, over the tables and indexes that grow
 * with deliveries: free pages and slack left by earlier deletes do not count,
 * so a before/after difference is what a scenario's rows take.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";

const GROWING = ["events", "deliveries", "attempts"];

/** The local D1 databases of a `--persist-to` directory: the control database and every shard. */
function d1Files(persistTo: string): string[] {
  const dir = join(persistTo, "v3", "d1", "miniflare-D1DatabaseObject");
  const files = readdirSync(dir).filter((f) => f.endsWith(".sqlite"));
  if (files.length === 0) throw new Error(`no local D1 database in ${dir}`);
  return files.map((f) => join(dir, f));
}

/**
 * Used bytes of events, deliveries, attempts and their indexes, in all and per
 * table or index, summed over every local database (namespaces spread over
 * the shards; the control database has none of these tables).
 */
export function storedBytes(persistTo: string): { total: number; byName: Record<string, number> } {
  const byName: Record<string, number> = {};
  for (const file of d1Files(persistTo)) {
    for (const [name, used] of Object.entries(storedBytesOf(file))) byName[name] = (byName[name] ?? 0) + used;
  }
  return { total: Object.values(byName).reduce((a, b) => a + b, 0), byName };
}

function storedBytesOf(file: string): Record<string, number> {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    // Each day's tables (src/db/generations.ts) count as their template's: `deliveries_g336` as `deliveries`.
    const names = db
      .prepare(
        `SELECT name FROM sqlite_schema WHERE type IN ('table', 'index')
           AND (tbl_name IN (${GROWING.map(() => "?").join(", ")}) OR tbl_name GLOB 'events_g[0-9]*' OR tbl_name GLOB 'deliveries_g[0-9]*')`,
      )
      .all(...GROWING)
      .map((r) => String(r.name));
    if (names.length === 0) return {};
    const rows = db
      .prepare(`SELECT name, sum(pgsize - unused) AS used FROM dbstat WHERE name IN (${names.map(() => "?").join(", ")}) GROUP BY name`)
      .all(...names);
    const out: Record<string, number> = {};
    for (const r of rows) {
      const name = String(r.name).replace(/_g[0-9]+$/, "");
      out[name] = (out[name] ?? 0) + Number(r.used);
    }
    return out;
  } finally {
    db.close();
  }
}
