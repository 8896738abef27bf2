/**
 * Generations: events and deliveries live in one table pair per UTC day
 * (`events_g<n>`, `deliveries_g<n>`), so retention drops a whole day with
 * DROP TABLE, which writes no rows, instead of deleting every row (one
 * written row each). bench/README.md has the arithmetic.
 *
 * - A delivery's seq names its table: generation n's seqs are
 *   [n * SEQS_PER_GENERATION, (n + 1) * SEQS_PER_GENERATION). Statements on
 *   known seqs (claim, settle, redeliver, a delivery's page) go straight to
 *   their day's tables; an event and its deliveries share a day. A day's
 *   events table is keyed by (namespace, id) WITHOUT ROWID (generationDdl):
 *   one written row per event, and its `seq` is its first delivery's.
 * - Generation 0 is the template pair `events` / `deliveries` (schema.ts):
 *   every day's tables are created from its DDL as the migrations left it,
 *   and it holds the rows written before generations existed (retention
 *   still deletes those row by row, delivery/retention.ts).
 * - The views `all_events` / `all_deliveries` are every generation's rows,
 *   for the two hot statements that must see every day without first
 *   listing them: the publish's "was this id published before" and the
 *   claim's in-flight count. Reads for the API list the generations and
 *   name each day's table (an ORDER BY ... LIMIT through a view sorts every
 *   matching row of every day first).
 * - A day's tables are created ahead of time by the cron (today's and
 *   tomorrow's on every shard, ensureGenerations), so no request runs DDL
 *   (D1's advice: no schema changes on the request path). A publish that
 *   still finds its day missing (the cron has not run yet) creates it as a
 *   fallback, counted and logged (inGeneration). The views are redefined in
 *   the same transaction as any change of the day list, guarded so that two
 *   changes cannot interleave.
 * - The day list is read from sqlite_master through the plain binding:
 *   outside a D1 session (`withSession`) every query goes to the primary, so
 *   a replica that has not seen a new day's tables yet is never asked. The
 *   Worker opens no session; one that does must keep listGenerations and
 *   the writes that follow it on the primary (`withSession("first-primary")`).
 */
import { usage } from "../usage";
import { E } from "./stores/names";

export const GENERATION_MS = 86_400_000;
const GENERATIONS_EPOCH_MS = Date.UTC(2026, 0, 1);
/** 2^28 deliveries per shard per day: far above what one 10 GB database holds, and seq * ATTEMPT_SLOTS stays a safe integer for 89 years. */
export const SEQS_PER_GENERATION = 2 ** 28;

/** The generation rows created at `t` (ms) go to; 1 on the first day, never 0 (0 is the template). */
export const generationAt = (t: number): number => Math.max(1, Math.floor((t - GENERATIONS_EPOCH_MS) / GENERATION_MS) + 1);

/** When generation g (>= 1) ends: every row in it was created before this. */
export const generationEnd = (g: number): number => GENERATIONS_EPOCH_MS + g * GENERATION_MS;

export const generationOfSeq = (seq: number): number => Math.floor(seq / SEQS_PER_GENERATION);

/** The first seq generation g hands out is firstSeq(g) + 1. */
export const firstSeq = (g: number): number => g * SEQS_PER_GENERATION;

/** Placeholders in the stores' SQL for a generation's tables (forGeneration fills them in). */
export const EVENTS_T = "__events__";
export const DELIVERIES_T = "__deliveries__";
/** The views over every generation. */
export const ALL_EVENTS = "all_events";
export const ALL_DELIVERIES = "all_deliveries";

export const eventsTable = (g: number): string => (g === 0 ? "events" : `events_g${g}`);
export const deliveriesTable = (g: number): string => (g === 0 ? "deliveries" : `deliveries_g${g}`);

/** Generation g's copy of a template index (generationDdl names them so). */
export const indexName = (name: string, g: number): string => (g === 0 ? name : `${name}_g${g}`);

/** `sql` with its generation placeholders naming generation g's tables. */
export function forGeneration(sql: string, g: number): string {
  return sql.replaceAll(EVENTS_T, eventsTable(g)).replaceAll(DELIVERIES_T, deliveriesTable(g));
}

/** Items by the generation of their seq, newest generation first. */
export function byGeneration<T>(items: readonly T[], seqOf: (item: T) => number): [number, T[]][] {
  const out = new Map<number, T[]>();
  for (const item of items) {
    const g = generationOfSeq(seqOf(item));
    const list = out.get(g);
    if (list) list.push(item);
    else out.set(g, [item]);
  }
  return [...out.entries()].sort((a, b) => b[0] - a[0]);
}

/** One statement per generation among `items`: `make(g, itemsOfG)`. */
export const perGeneration = <T>(items: readonly T[], seqOf: (item: T) => number, make: (g: number, items: T[]) => D1PreparedStatement): D1PreparedStatement[] =>
  byGeneration(items, seqOf).map(([g, list]) => make(g, list));

const GENERATION_TABLES_SQL = `SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'deliveries_g[0-9]*'`;

/** The generations whose tables exist, newest first, 0 (the template) last. */
export async function listGenerations(db: D1Database): Promise<number[]> {
  const { results } = await db.prepare(GENERATION_TABLES_SQL).all<{ name: string }>();
  return [...results.map((r) => Number(r.name.slice("deliveries_g".length))).sort((a, b) => b - a), 0];
}

/** The generations of `list` that can hold rows created at or after `since` (ms), newest first. */
export const generationsSince = (list: readonly number[], since: number): number[] => list.filter((g) => g === 0 || g >= generationAt(since));

/** D1 allows 5 terms per compound SELECT; nested compounds each count on their own. */
const MAX_COMPOUND_TERMS = 5;

/** `UNION ALL` of plain SELECTs in their order, nested so that no compound has more than MAX_COMPOUND_TERMS terms. */
export function compound(terms: readonly string[]): string {
  if (terms.length <= MAX_COMPOUND_TERMS) return terms.join("\nUNION ALL\n");
  const size = Math.ceil(terms.length / MAX_COMPOUND_TERMS);
  const groups: string[] = [];
  for (let i = 0; i < terms.length; i += size) {
    const group = terms.slice(i, i + size);
    groups.push(group.length === 1 ? group[0] : `SELECT * FROM (${compound(group)})`);
  }
  return compound(groups);
}

/**
 * `UNION ALL` of one arm per generation, in the order given. Each arm is
 * wrapped, so it may keep its own ORDER BY and LIMIT (a compound allows
 * neither on its terms).
 */
export function unionAll(gens: readonly number[], arm: (g: number) => string): string {
  return compound(gens.map((g) => `SELECT * FROM (${arm(g)})`));
}

/**
 * Days one read across days names at most. An arm is under 1 KB of SQL, so
 * a statement stays far below D1's 100 KB limit on a statement's text; the
 * longest retention (config.ts, MAX_RETENTION_DAYS) is then 9 statements,
 * sent in one batch (test/max-days.test.ts).
 */
export const DAYS_PER_STATEMENT = 50;

/** `make`'s statement for each run of up to DAYS_PER_STATEMENT days of `gens` (in their order), batched; answers every statement's rows. */
export async function acrossDays<T>(db: D1Database, gens: readonly number[], make: (days: number[]) => D1PreparedStatement): Promise<T[]> {
  const chunks: number[][] = [];
  for (let i = 0; i < gens.length; i += DAYS_PER_STATEMENT) chunks.push(gens.slice(i, i + DAYS_PER_STATEMENT));
  if (chunks.length === 0) return [];
  const results = await db.batch<T>(chunks.map(make));
  return results.flatMap((r) => r.results);
}

/** A day's table that does not exist (not created yet, or dropped by retention). */
export const isMissingGeneration = (err: unknown): boolean => /no such table: [\w.]*(events|deliveries)_g[0-9]+/i.test(String(err instanceof Error ? err.message : err));

/**
 * Aborts its batch (integer overflow) unless the day tables are exactly
 * `names`: a change of the day list made from a stale read never lands.
 */
const guardStatement = (db: D1Database, gens: readonly number[]) =>
  db
    .prepare(
      `SELECT CASE WHEN coalesce((SELECT group_concat(name, ',') FROM (${GENERATION_TABLES_SQL} ORDER BY name)), '') = ?1
         THEN 1 ELSE abs(-9223372036854775808) END AS ok`,
    )
    .bind(
      gens
        .filter((g) => g > 0)
        .map(deliveriesTable)
        .sort()
        .join(","),
    );

function viewStatements(db: D1Database, gens: readonly number[]): D1PreparedStatement[] {
  const all = [...new Set([0, ...gens])].sort((a, b) => b - a);
  const view = (name: string, table: (g: number) => string) => [
    db.prepare(`DROP VIEW IF EXISTS ${name}`),
    db.prepare(`CREATE VIEW ${name} AS ${compound(all.map((g) => `SELECT * FROM ${table(g)}`))}`),
  ];
  return [...view(ALL_EVENTS, eventsTable), ...view(ALL_DELIVERIES, deliveriesTable)];
}

const TEMPLATE_DDL_SQL = `SELECT type, name, tbl_name, sql FROM sqlite_master
  WHERE tbl_name IN ('events', 'deliveries') AND type IN ('table', 'index') AND sql IS NOT NULL ORDER BY type DESC, name`;

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

/** How often a change of the day list is tried when other Workers keep changing it first. */
const CHANGE_TRIES = 4;

/** Changes the day list in one guarded transaction: the `extra` statements, then the views redefined over the days `next` answers. */
async function changeGenerations(db: D1Database, next: (current: number[]) => number[] | null, extra: (current: number[]) => D1PreparedStatement[]): Promise<void> {
  for (let i = 0; ; i++) {
    const current = await listGenerations(db);
    const wanted = next(current);
    if (!wanted) return;
    try {
      await db.batch([guardStatement(db, current), ...extra(current), ...viewStatements(db, wanted)]);
      return;
    } catch (err) {
      // Another Worker changed the list since it was read: read it again.
      if (i + 1 >= CHANGE_TRIES || !/overflow/i.test(String(err))) throw err;
    }
  }
}

/** Creates generation g's tables (from the template's DDL) and adds them to the views, unless they exist. */
export async function createGeneration(db: D1Database, g: number): Promise<void> {
  await createGenerations(db, [g]);
}

/** Creates the missing ones of generations `gs` in one guarded transaction; answers those it created. */
export async function createGenerations(db: D1Database, gs: readonly number[]): Promise<number[]> {
  const { results: ddl } = await db.prepare(TEMPLATE_DDL_SQL).all<{ sql: string; tbl_name: string }>();
  // No template: a database never migrated. Let D1 say so, as for any other table.
  if (ddl.length === 0) await db.prepare("SELECT 1 FROM events LIMIT 0").all();
  let created: number[] = [];
  await changeGenerations(
    db,
    (current) => {
      created = gs.filter((g) => !current.includes(g));
      return created.length ? [...current, ...created] : null;
    },
    () => created.flatMap((g) => ddl.flatMap((r) => generationDdl(r.sql, g, r.tbl_name) ?? [])).map((sql) => db.prepare(sql)),
  );
  return created;
}

/**
 * The cron's step (src/index.ts, every shard): today's and tomorrow's
 * tables exist before the first publish of the day needs them. Reads the
 * day list once a minute and writes only on the minute it creates a day.
 */
export async function ensureGenerations(db: D1Database, now: number): Promise<number[]> {
  const wanted = [generationAt(now), generationAt(now + GENERATION_MS)];
  const current = await listGenerations(db);
  if (wanted.every((g) => current.includes(g))) return [];
  return createGenerations(db, wanted);
}

/** Drops generation g's tables (retention: every row in them has expired), views first. */
export async function dropGeneration(db: D1Database, g: number): Promise<void> {
  if (g === 0) throw new Error("generation 0 is the template");
  // One transaction: the views stop reading the tables as they go. A Worker
  // that still names them gets "no such table" (a delivery already gone).
  await changeGenerations(
    db,
    (current) => (current.includes(g) ? current.filter((x) => x !== g) : null),
    () => [db.prepare(`DROP TABLE IF EXISTS ${deliveriesTable(g)}`), db.prepare(`DROP TABLE IF EXISTS ${eventsTable(g)}`)],
  );
}

/** `read`'s answer, or `absent` when its seq names a day that does not exist (never created, or dropped by retention). */
export async function unlessDayMissing<T>(read: Promise<T>, absent: T): Promise<T> {
  try {
    return await read;
  } catch (err) {
    if (isMissingGeneration(err)) return absent;
    throw err;
  }
}

/**
 * `run` over the days that exist, and once more with a fresh list if a day
 * it named was dropped meanwhile (retention drops the oldest, once a day).
 */
export async function withGenerations<T>(db: D1Database, run: (gens: number[]) => Promise<T>): Promise<T> {
  try {
    return await run(await listGenerations(db));
  } catch (err) {
    if (!isMissingGeneration(err)) throw err;
    return run(await listGenerations(db));
  }
}

/**
 * Runs `write` on generation g. Its tables are normally there already
 * (ensureGenerations, from the cron); if the write finds them missing it
 * creates them as a fallback, counted (`dayTablesCreatedOnRequest`) and
 * logged, since DDL on the request path is what the cron exists to avoid.
 */
export async function inGeneration<T>(db: D1Database, g: number, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (!isMissingGeneration(err)) throw err;
    usage.dayTablesCreatedOnRequest++;
    console.warn("a day's tables were missing on the request path and were created there (has the cron run?)", { generation: g });
    await createGeneration(db, g);
    return write();
  }
}
