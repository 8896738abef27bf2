/**
 * db/columns.ts: column names by schema key for hand-written SQL, and raw D1
 * rows decoded into the schema's row types (json and boolean columns mapped
 * as drizzle maps them). Rows are written and read through the real shard D1.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { columnList, columnNames, decodeRow, decodeRows, type RawRow } from "../src/db/columns";
import { deliveries, webhooks } from "../src/db/schema";

const shard = env.SHARD_1;
const D = columnNames(deliveries);
const W = columnNames(webhooks, "w");

describe("column names", () => {
  it("gives each column's SQL name by its schema key, with an optional alias", () => {
    // The names are literal types too: a renamed SQL name is a type error where one is spelled out.
    const name: "next_attempt_at" = D.nextAttemptAt;
    expect(name).toBe("next_attempt_at");
    expect(D.firstRequestHeaders).toBe("first_request_headers");
    expect(W.secretSealed).toBe("w.secret_sealed");
    expect(columnList(deliveries, ["seq", "eventSeq", "manual"], "d")).toBe("d.seq, d.event_seq, d.manual");
  });

  it("does not compile a key schema.ts does not have", () => {
    // @ts-expect-error: no such column key (a renamed column fails here, at compile time)
    const missing: string = D.nextAttempt;
    expect(missing).toBeUndefined();
    // @ts-expect-error: SQL names are not keys
    expect(() => decodeRows(deliveries, ["next_attempt_at"], [{}])).toThrow();
  });
});

describe("row decoding", () => {
  it("decodes a row read from D1 into the schema's types (json, boolean, null, plain)", async () => {
    const now = Date.now();
    await shard
      .prepare(
        `INSERT INTO deliveries (seq, event_seq, webhook_id, namespace, event_type, status, attempts, next_attempt_at, enqueued_at,
           manual, created_at, updated_at, first_request_headers, first_response_headers)
         VALUES (990001, 1, 'wh_cols', 'cols', 'build.finished', 'failed', 2, ?1, ?1, 1, ?1, ?1, '{"a":"b"}', NULL)`,
      )
      .bind(now)
      .run();
    const raw = await shard.prepare(`SELECT * FROM deliveries WHERE seq = 990001`).first<RawRow>();
    const row = decodeRow(deliveries, ["seq", "status", "attempts", "manual", "firstRequestHeaders", "firstResponseHeaders", "failureReason"], raw);
    expect(row).toEqual({
      seq: 990001,
      status: "failed",
      attempts: 2,
      manual: true,
      firstRequestHeaders: { a: "b" },
      firstResponseHeaders: null,
      failureReason: null,
    });
    // The raw row had them as SQL values.
    expect(raw).toMatchObject({ manual: 1, first_request_headers: '{"a":"b"}' });
  });

  it("decodes false booleans and json arrays of webhooks rows", () => {
    const [row] = decodeRows(webhooks, ["active", "events", "headers"], [{ active: 0, events: '["build.*"]', headers: "{}" }]);
    expect(row).toEqual({ active: false, events: ["build.*"], headers: {} });
  });

  it("throws when the statement did not select a column asked for", () => {
    expect(() => decodeRows(deliveries, ["seq", "status"], [{ seq: 1 }])).toThrow(/no column status \(status\)/);
    expect(decodeRow(deliveries, ["seq"], null)).toBeNull();
  });
});
