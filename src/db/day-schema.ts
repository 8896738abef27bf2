/**
 * The day tables' schema follows the template's (docs/storage.md, "Adding a
 * column"). The template pair `events` / `deliveries` (schema.ts) is what
 * drizzle-kit migrates; a day's tables are created from its DDL
 * (generationDdl), and every change of the day list (db/generations.ts) also
 * brings the existing days up to it: a column the template has and a day
 * lacks is added (`ALTER TABLE ... ADD COLUMN`, its type, NOT NULL and
 * default as the template's), an index the template has is created on the
 * day, and the views are redefined. The views' template arm names its
 * columns: a column a migration just added to the template does not break
 * them before the days have it.
 */
import { ALL_DELIVERIES, ALL_EVENTS, compound, deliveriesTable, eventsTable, GENERATION_TABLES_SQL, indexName } from "./day-names";
import { E } from "./stores/names";

const TEMPLATE_DDL_SQL = `SELECT type, name, tbl_name, sql FROM sqlite_master
  WHERE tbl_name IN ('events', 'deliveries') AND type IN ('table', 'index') AND sql IS NOT NULL ORDER BY type DESC, name`;

/** Every column of the template and day tables, in their order (the join drizzle-kit's own introspection uses). */
const COLUMNS_SQL = `SELECT m.name AS tbl, p.name AS col, p.type AS type, p."notnull" AS nn, p.dflt_value AS dflt
  FROM sqlite_master m JOIN pragma_table_info(m.name) p
  WHERE m.type = 'table' AND (m.name IN ('events', 'deliveries') OR m.name GLOB 'events_g[0-9]*' OR m.name GLOB 'deliveries_g[0-9]*')
  ORDER BY m.name, p.cid`;

const NAMES_SQL = `SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'view')`;

type TemplateDdl = { type: string; name: string; tbl_name: string; sql: string };
type Column = { tbl: string; col: string; type: string; nn: number; dflt: string | null };

/** What a change of the day list reads first: the days, the template's DDL and columns, every day's columns, index names, views. */
export type DaySchema = {
  days: number[];
  template: TemplateDdl[];
  columns: Map<string, Column[]>;
  indexes: Set<string>;
  views: Map<string, string>;
};

export async function readDaySchema(db: D1Database): Promise<DaySchema> {
  const [days, template, columns, names] = await db.batch<Record<string, unknown>>([
    db.prepare(GENERATION_TABLES_SQL),
    db.prepare(TEMPLATE_DDL_SQL),
    db.prepare(COLUMNS_SQL),
    db.prepare(NAMES_SQL),
  ]);
  const byTable = new Map<string, Column[]>();
  for (const c of columns.results as Column[]) byTable.set(c.tbl, [...(byTable.get(c.tbl) ?? []), c]);
  const named = names.results as { type: string; name: string; sql: string | null }[];
  return {
    days: (days.results as { name: string }[]).map((r) => Number(r.name.slice("deliveries_g".length))).sort((a, b) => b - a),
    template: template.results as TemplateDdl[],
    columns: byTable,
    indexes: new Set(named.filter((r) => r.type === "index").map((r) => r.name)),
    views: new Map(named.filter((r) => r.type === "view").map((r) => [r.name, r.sql ?? ""])),
  };
}

const IDENT = "[`\"\\[]?([A-Za-z0-9_]+)[`\"\\]]?";

const EVENTS_ROWID_KEY = new RegExp(`([\`"]?${E.seq}[\`"]?\\s+integer)\\s+PRIMARY KEY`, "i");

/**
 * Generation g's copy of a template table's or index's DDL, or null for one
 * it does without. A day's events table is keyed by (namespace, id) WITHOUT
 * ROWID: the key is the row, so the template's unique index on (namespace,
 * id) is not copied, and an event costs one written row instead of two.
 * Its `seq` is a plain column there (its first delivery's seq).
 */
export function generationDdl(sql: string, g: number, table: string): string | null {
  const name = (t: string) => (t === "events" ? eventsTable(g) : deliveriesTable(g));
  const createTable = new RegExp(`^CREATE TABLE\\s+${IDENT}`, "i");
  if (createTable.test(sql)) {
    const copy = sql.replace(createTable, (_m, t: string) => `CREATE TABLE IF NOT EXISTS \`${name(t)}\``);
    if (table !== "events") return copy;
    if (!EVENTS_ROWID_KEY.test(copy) || !copy.trimEnd().endsWith(")")) throw new Error(`unexpected events DDL: ${sql.slice(0, 80)}`);
    return `${copy.replace(EVENTS_ROWID_KEY, "$1").trimEnd().slice(0, -1)}, PRIMARY KEY (\`${E.namespace}\`, \`${E.id}\`)) WITHOUT ROWID`;
  }
  if (table === "events") return null;
  const createIndex = new RegExp(`^CREATE (UNIQUE )?INDEX\\s+${IDENT}\\s+ON\\s+${IDENT}`, "i");
  if (createIndex.test(sql)) {
    return sql.replace(createIndex, (_m, unique: string | undefined, index: string, t: string) => `CREATE ${unique ?? ""}INDEX IF NOT EXISTS \`${indexName(index, g)}\` ON \`${name(t)}\``);
  }
  throw new Error(`unexpected template DDL: ${sql.slice(0, 60)}`);
}

/** The column as `ALTER TABLE ... ADD COLUMN` takes it, from the template's own definition. */
const columnDef = (c: Column) => `\`${c.col}\` ${c.type}${c.nn ? " NOT NULL" : ""}${c.dflt !== null ? ` DEFAULT ${c.dflt}` : ""}`;

const TABLES = [
  { template: "events", table: eventsTable, view: ALL_EVENTS },
  { template: "deliveries", table: deliveriesTable, view: ALL_DELIVERIES },
] as const;

/**
 * The views' definitions over `days` and the template. The template's arm
 * names its columns, the days' arms are `*`: a column a migration adds to
 * the template leaves the views valid until the days have it too, and the
 * definition stays short (403 arms naming every column would pass D1's
 * 100 KB limit on a statement).
 */
export function viewDefinitions(schema: DaySchema, days: readonly number[]): Map<string, string> {
  const all = [...new Set([0, ...days])].sort((a, b) => b - a);
  return new Map(
    TABLES.map(({ template, table, view }) => {
      const cols = (schema.columns.get(template) ?? []).map((c) => `\`${c.col}\``).join(", ") || "*";
      return [view, `CREATE VIEW ${view} AS ${compound(all.map((g) => `SELECT ${g === 0 ? cols : "*"} FROM ${table(g)}`))}`];
    }),
  );
}

/**
 * The DDL that makes the day list `wanted` with every day on the template's
 * schema: new days created, existing ones given the columns and indexes
 * they lack. Empty when nothing but the views would change.
 */
export function dayDdl(schema: DaySchema, wanted: readonly number[]): string[] {
  const out: string[] = [];
  for (const g of wanted.filter((x) => x > 0)) {
    if (!schema.days.includes(g)) {
      out.push(...schema.template.flatMap((r) => generationDdl(r.sql, g, r.tbl_name) ?? []));
      continue;
    }
    for (const { template, table } of TABLES) {
      const has = new Set((schema.columns.get(table(g)) ?? []).map((c) => c.col));
      for (const c of schema.columns.get(template) ?? []) if (!has.has(c.col)) out.push(`ALTER TABLE \`${table(g)}\` ADD COLUMN ${columnDef(c)}`);
    }
    for (const r of schema.template.filter((t) => t.type === "index")) {
      const ddl = generationDdl(r.sql, g, r.tbl_name);
      if (ddl && !schema.indexes.has(indexName(r.name, g))) out.push(ddl);
    }
  }
  return out;
}

/** Whether the days or the views differ from what the template says they should be. */
export function schemaDrifted(schema: DaySchema): boolean {
  if (dayDdl(schema, schema.days).length > 0) return true;
  for (const [view, sql] of viewDefinitions(schema, schema.days)) if (schema.views.get(view) !== sql) return true;
  return false;
}
