/**
 * A thin wrapper over the D1 binding that sums D1's own `meta` figures
 * (queries, rows read, rows written) so the benchmark reports what D1 counted,
 * not an estimate. `raw()` and `first()` return no meta, so they are served
 * from `all()`, which does.
 */
import { usage } from "../usage";

type Meta = { rows_read?: number; rows_written?: number };

function record(meta: Meta | undefined, statements = 1): void {
  usage.d1Queries += statements;
  usage.d1RowsRead += meta?.rows_read ?? 0;
  usage.d1RowsWritten += meta?.rows_written ?? 0;
}

/** Maps an error the database threw to the one to throw instead (shards: db/shards.ts). */
export type ErrorMapper = (err: unknown) => unknown;
const asIs: ErrorMapper = (err) => err;

/**
 * A failure the database can be brought past (day tables behind the
 * template: db/generations.ts): when `when` matches, `fix` runs and the
 * statement or batch runs once more.
 */
export type Healing = { when: (err: unknown) => boolean; fix: () => Promise<void> };

async function healed<T>(healing: Healing | null, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (!healing?.when(err)) throw err;
    await healing.fix();
    return run();
  }
}

class MeteredStatement {
  constructor(
    readonly inner: D1PreparedStatement,
    private readonly mapError: ErrorMapper,
    private readonly healing: Healing | null,
  ) {}
  bind(...values: unknown[]): MeteredStatement {
    return new MeteredStatement(this.inner.bind(...values), this.mapError, this.healing);
  }
  async run<T = Record<string, unknown>>(): Promise<D1Result<T>> {
    const r = await healed(this.healing, () => this.inner.run<T>()).catch((err) => Promise.reject(this.mapError(err)));
    record(r.meta);
    return r;
  }
  async all<T = Record<string, unknown>>(): Promise<D1Result<T>> {
    const r = await healed(this.healing, () => this.inner.all<T>()).catch((err) => Promise.reject(this.mapError(err)));
    record(r.meta);
    return r;
  }
  async first<T = Record<string, unknown>>(column?: string): Promise<T | null> {
    const r = await this.all<Record<string, unknown>>();
    const row = r.results[0];
    if (!row) return null;
    return (column ? row[column] : row) as T;
  }
  async raw<T = unknown[]>(options?: { columnNames?: boolean }): Promise<T[]> {
    // Served from all() for its meta. Row objects keep the column order; our
    // queries never select two columns of the same name, so nothing collapses.
    const r = await this.all<Record<string, unknown>>();
    const rows = r.results.map((row) => Object.values(row));
    const names = r.results[0] ? Object.keys(r.results[0]) : [];
    return (options?.columnNames ? [names, ...rows] : rows) as T[];
  }
}

export function meteredD1(db: D1Database, mapError: ErrorMapper = asIs, healing: Healing | null = null): D1Database {
  const wrapped = {
    prepare: (query: string) => {
      try {
        return new MeteredStatement(db.prepare(query), mapError, healing);
      } catch (err) {
        throw mapError(err);
      }
    },
    batch: async <T = unknown>(statements: MeteredStatement[]): Promise<D1Result<T>[]> => {
      const results = await healed(healing, () => db.batch<T>(statements.map((s) => s.inner))).catch((err) => Promise.reject(mapError(err)));
      for (const r of results) record(r.meta);
      return results;
    },
    exec: (query: string) => db.exec(query),
    dump: () => db.dump(),
    withSession: (c?: string) => db.withSession(c),
  };
  return wrapped as unknown as D1Database;
}
