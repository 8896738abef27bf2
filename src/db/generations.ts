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
 *   fallback, counted and logged (inGeneration). Any change of the day list
 *   also brings the existing days up to the template's columns and indexes
 *   and redefines the views (db/day-schema.ts), in one transaction, guarded
 *   so that two changes cannot interleave.
 * - The day list is read from sqlite_master through the plain binding:
 *   outside a D1 session (`withSession`) every query goes to the primary, so
 *   a replica that has not seen a new day's tables yet is never asked. The
 *   Worker opens no session; one that does must keep listGenerations and
 *   the writes that follow it on the primary (`withSession("first-primary")`).
 */
import { usage } from "../usage";
import type { Healing } from "./metered-d1";
import { compound, deliveriesTable, eventsTable, GENERATION_TABLES_SQL } from "./day-names";
import { dayDdl, readDaySchema, schemaDrifted, viewDefinitions, type DaySchema } from "./day-schema";

export { ALL_DELIVERIES, ALL_EVENTS, compound, deliveriesTable, eventsTable, indexName } from "./day-names";
export { generationDdl } from "./day-schema";

export const GENERATION_MS = 86_400_000;
const GENERATIONS_EPOCH_MS = Date.UTC(2026, 0, 1);
/** 2^28 deliveries per shard per day: far above what one 10 GB database holds, and seq * ATTEMPT_SLOTS stays a safe integer for 89 years. */
export const SEQS_PER_GENERATION = 2 ** 28;

/** The generation rows created at `t` (ms) go to; 1 on the first day, never 0 (0 is the template). */
export const generationAt = (t: number): number => Math.max(1, Math.floor((t - GENERATIONS_EPOCH_MS) / GENERATION_MS) + 1);

/** When generation g (>= 1) ends: every row in it was created before this. */
export const generationEnd = (g: number): number => GENERATIONS_EPOCH_MS + g * GENERATION_MS;

export const generationOfSeq = (seq: number): number => Math.floor(seq / SEQS_PER_GENERATION);

/** The first seq generation g holds is firstSeq(g) + 1. */
export const firstSeq = (g: number): number => g * SEQS_PER_GENERATION;

/**
 * Each shard hands out a day's seqs from its own slice of the day's range
 * (docs/shards.md, "Moving a namespace"): slot k (its position in SHARDS)
 * takes (firstSeq(g) + k * SEQS_PER_SLOT, firstSeq(g) + (k + 1) * SEQS_PER_SLOT).
 * A namespace moved to another shard keeps its seqs (its delivery ids): the
 * target never hands out seqs in the source's slice. 64 slots of 4.2 M.
 */
export const SEQS_PER_SLOT = 2 ** 22;
export const MAX_SLOTS = SEQS_PER_GENERATION / SEQS_PER_SLOT;
/** The seq before slot k's first on day g: the fan-out's base when the slice is empty. */
export const sliceBase = (g: number, slot: number): number => firstSeq(g) + slot * SEQS_PER_SLOT;
/** The first seq after slot k's slice on day g. */
export const sliceEnd = (g: number, slot: number): number => sliceBase(g, slot) + SEQS_PER_SLOT;

/** Placeholders in the stores' SQL for a generation's tables (forGeneration fills them in). */
export const EVENTS_T = "__events__";
export const DELIVERIES_T = "__deliveries__";
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

/** The generations whose tables exist, newest first, 0 (the template) last. */
export async function listGenerations(db: D1Database): Promise<number[]> {
  const { results } = await db.prepare(GENERATION_TABLES_SQL).all<{ name: string }>();
  return [...results.map((r) => Number(r.name.slice("deliveries_g".length))).sort((a, b) => b - a), 0];
}

/** The generations of `list` that can hold rows created at or after `since` (ms), newest first. */
export const generationsSince = (list: readonly number[], since: number): number[] => list.filter((g) => g === 0 || g >= generationAt(since));

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

/** How often a change of the day list is tried when other Workers keep changing it first. */
const CHANGE_TRIES = 4;

/**
 * Changes the day list in one guarded transaction: the views dropped, the
 * days `next` no longer lists dropped, the new ones created and the others
 * brought up to the template's schema (db/day-schema.ts), the views
 * redefined over the result. `next` answers null for "nothing to do".
 */
async function changeGenerations(db: D1Database, next: (schema: DaySchema) => number[] | null): Promise<void> {
  for (let i = 0; ; i++) {
    const schema = await readDaySchema(db);
    // No template: a database never migrated. Let D1 say so, as for any other table.
    if (schema.template.length === 0) await db.prepare("SELECT 1 FROM events LIMIT 0").all();
    const wanted = next(schema);
    if (!wanted) return;
    const dropped = schema.days.filter((g) => !wanted.includes(g));
    const views = viewDefinitions(schema, wanted);
    try {
      await db.batch([
        guardStatement(db, schema.days),
        ...[...views.keys()].map((v) => db.prepare(`DROP VIEW IF EXISTS ${v}`)),
        ...dropped.flatMap((g) => [`DROP TABLE IF EXISTS ${deliveriesTable(g)}`, `DROP TABLE IF EXISTS ${eventsTable(g)}`]).map((sql) => db.prepare(sql)),
        ...dayDdl(schema, wanted).map((sql) => db.prepare(sql)),
        ...[...views.values()].map((sql) => db.prepare(sql)),
      ]);
      return;
    } catch (err) {
      // Another Worker changed the list (overflow: the guard) or added a lagging day's column first: read it again.
      if (i + 1 >= CHANGE_TRIES || !/overflow|duplicate column/i.test(String(err))) throw err;
    }
  }
}

/** Creates generation g's tables (from the template's DDL) and adds them to the views, unless they exist. */
export async function createGeneration(db: D1Database, g: number): Promise<void> {
  await createGenerations(db, [g]);
}

/** Creates the missing ones of generations `gs` in one guarded transaction; answers those it created. */
export async function createGenerations(db: D1Database, gs: readonly number[]): Promise<number[]> {
  let created: number[] = [];
  await changeGenerations(db, ({ days }) => {
    created = gs.filter((g) => !days.includes(g));
    return created.length ? [...days, ...created] : null;
  });
  return created;
}

/**
 * The cron's step (src/index.ts, every shard): today's and tomorrow's
 * tables exist before the first publish of the day needs them, and every
 * day has the template's columns and indexes (a migration that added one
 * reaches the days within a minute: db/day-schema.ts). Reads the schema once
 * a minute; writes only when it creates a day or a day lags the template.
 */
export async function ensureGenerations(db: D1Database, now: number): Promise<number[]> {
  const wanted = [generationAt(now), generationAt(now + GENERATION_MS)];
  let created: number[] = [];
  await changeGenerations(db, (schema) => {
    created = wanted.filter((g) => !schema.days.includes(g));
    return created.length || schemaDrifted(schema) ? [...schema.days, ...created] : null;
  });
  return created;
}

/** Brings every existing day up to the template's schema and redefines the views if they differ (what ensureGenerations does each minute). */
export async function reconcileGenerations(db: D1Database): Promise<void> {
  await changeGenerations(db, (schema) => (schemaDrifted(schema) ? schema.days : null));
}

/** Drops generation g's tables (retention: every row in them has expired), views first. */
export async function dropGeneration(db: D1Database, g: number): Promise<void> {
  if (g === 0) throw new Error("generation 0 is the template");
  // One transaction: the views stop reading the tables as they go. A Worker
  // that still names them gets "no such table" (a delivery already gone).
  await changeGenerations(db, ({ days }) => (days.includes(g) ? days.filter((x) => x !== g) : null));
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

/**
 * A statement that found the days behind the template: a column a migration
 * added to the template only ("no such column", "has no column named"), or
 * views from before a migration whose arms no longer line up.
 */
export const isDaySchemaBehind = (err: unknown): boolean =>
  /no such column|has no column named|do not have the same number of result columns/i.test(String(err instanceof Error ? err.message : err));

/**
 * What shardDb does when a statement finds the days behind the template: a
 * release running between its migration and the next cron run (which
 * carries the template to every day). It brings the days and views up to
 * date there, counted and logged, and the statement runs once more; so a
 * migration and the code that reads it can ship together. `raw` is the
 * shard without this healing, so the fix cannot recurse.
 */
export function daySchemaHealing(raw: D1Database): Healing {
  return {
    when: isDaySchemaBehind,
    fix: async () => {
      usage.daySchemaHealedOnRequest++;
      console.warn("the day tables lagged behind the template and were brought up to date on the request path (has the cron run since the migration?)");
      await reconcileGenerations(raw);
    },
  };
}
