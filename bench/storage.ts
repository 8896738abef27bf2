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

/** The local D1 database of a `--persist-to` directory (one database in this project). */
function d1File(persistTo: string): string {
  const dir = join(persistTo, "v3", "d1", "miniflare-D1DatabaseObject");
  const file = readdirSync(dir).find((f) => f.endsWith(".sqlite"));
  if (!file) throw new Error(`no local D1 database in ${dir}`);
  return join(dir, file);
}

/** Used bytes of events, deliveries, attempts and their indexes, in all and per table or index. */
export function storedBytes(persistTo: string): { total: number; byName: Record<string, number> } {
  const db = new DatabaseSync(d1File(persistTo), { readOnly: true });
  try {
    const names = db
      .prepare(`SELECT name FROM sqlite_schema WHERE tbl_name IN (${GROWING.map(() => "?").join(", ")})`)
      .all(...GROWING)
      .map((r) => String(r.name));
    const rows = db
      .prepare(`SELECT name, sum(pgsize - unused) AS used FROM dbstat WHERE name IN (${names.map(() => "?").join(", ")}) GROUP BY name`)
      .all(...names);
    const byName = Object.fromEntries(rows.map((r) => [String(r.name), Number(r.used)]));
    return { total: Object.values(byName).reduce((a, b) => a + b, 0), byName };
  } finally {
    db.close();
  }
}
