/** The names of the day tables (db/generations.ts), their indexes and views, and the nested UNION ALL that reads them. */

/** The views over every generation. */
export const ALL_EVENTS = "all_events";
export const ALL_DELIVERIES = "all_deliveries";

export const eventsTable = (g: number): string => (g === 0 ? "events" : `events_g${g}`);
export const deliveriesTable = (g: number): string => (g === 0 ? "deliveries" : `deliveries_g${g}`);

/** Generation g's copy of a template index (generationDdl names them so). */
export const indexName = (name: string, g: number): string => (g === 0 ? name : `${name}_g${g}`);

export const GENERATION_TABLES_SQL = `SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'deliveries_g[0-9]*'`;

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

