/**
 * Column names for hand-written SQL, and rows decoded back to schema.ts types.
 *
 * Statements write `${D.nextAttemptAt}` instead of `next_attempt_at`: the
 * name comes from the drizzle table by its TypeScript key, so renaming or
 * removing a key in schema.ts fails to compile every statement that uses it
 * (a renamed SQL name changes the text of every statement at once). Rows come
 * back with SQL names; decodeRows turns them into the drizzle row shape
 * (`Pick<DeliveryRow, K>`), applying each column's own driver mapping
 * (json and boolean modes), the way drizzle's own queries do.
 */
import { getTableColumns, getTableName, type Column, type InferSelectModel, type Table } from "drizzle-orm";

/** A table's column keys, as in schema.ts. */
export type ColumnKey<T extends Table> = keyof InferSelectModel<T> & keyof T["_"]["columns"] & string;

/** The SQL name of column K, as a literal type ("next_attempt_at"). */
export type SqlName<T extends Table, K extends ColumnKey<T> = ColumnKey<T>> = T["_"]["columns"][K]["_"]["name"];

/** SQL name (or `alias.name`) of each column, by its schema.ts key. */
export type ColumnNames<T extends Table, P extends string = ""> = { readonly [K in ColumnKey<T>]: `${P}${SqlName<T, K>}` };

export function columnNames<T extends Table>(table: T): ColumnNames<T>;
export function columnNames<T extends Table, A extends string>(table: T, alias: A): ColumnNames<T, `${A}.`>;
export function columnNames<T extends Table>(table: T, alias?: string): Record<string, string> {
  const prefix = alias ? `${alias}.` : "";
  return Object.fromEntries(Object.entries(getTableColumns(table)).map(([key, col]) => [key, prefix + col.name]));
}

/** `a, b, c`: the SQL names of these columns, for SELECT and RETURNING lists. */
export function columnList<T extends Table>(table: T, keys: readonly ColumnKey<T>[], alias?: string): string {
  const names: Record<string, string> = alias ? columnNames(table, alias) : columnNames(table);
  return keys.map((k) => names[k]).join(", ");
}

/** A raw D1 row, keyed by SQL names (or aliases). */
export type RawRow = Record<string, unknown>;

/**
 * Decodes raw rows into the schema's row type for the given keys. A row that
 * lacks one of the columns is a statement that no longer selects it: that
 * throws here, at the first read, instead of passing `undefined` along.
 */
export function decodeRows<T extends Table, K extends ColumnKey<T>>(table: T, keys: readonly K[], rows: readonly RawRow[]): Pick<InferSelectModel<T>, K>[] {
  const columns = getTableColumns(table) as Record<string, Column>;
  const picked = keys.map((key) => [key, columns[key]] as const);
  return rows.map((raw) => {
    const out: Record<string, unknown> = {};
    for (const [key, col] of picked) {
      if (!(col.name in raw)) throw new Error(`row of ${getTableName(table)} has no column ${col.name} (${key})`);
      const value = raw[col.name];
      out[key] = value === null ? null : col.mapFromDriverValue(value);
    }
    return out as Pick<InferSelectModel<T>, K>;
  });
}

/** One row, or null for none. */
export function decodeRow<T extends Table, K extends ColumnKey<T>>(table: T, keys: readonly K[], raw: RawRow | null | undefined): Pick<InferSelectModel<T>, K> | null {
  return raw ? decodeRows(table, keys, [raw])[0] : null;
}
