/**
 * The shard tables (every shard database has them, for the namespaces placed
 * on it); the control database's tables are in control-schema.ts. The one source of truth for tables; `npm run db:generate` writes migrations/shard.
 *
 * Cost notes (D1 bills every row written, and every index entry a write
 * touches is another row):
 * - events, deliveries and attempts use INTEGER primary keys (the SQLite rowid),
 *   so they carry no hidden unique index. A TEXT primary key would add one.
 * - attempts need no index at all: an attempt's rowid is
 *   `delivery_seq * ATTEMPT_SLOTS + attempt`, so a delivery's attempts are a
 *   rowid range, and one attempt number can never be written twice.
 * - attempt 1 lives in its delivery row (first_* columns), so a first-try
 *   delivery writes no attempts row and retention deletes none for it.
 * - no index on pending deliveries for the young: the recovery sweep finds a
 *   delivery younger than its watermark by rowid range (sweep_marks), and
 *   only one still pending when the watermark passes it is marked `watched`
 *   and enters the partial index deliveries_watched. A first-try delivery
 *   settles long before that, so it never pays an index row for it.
 * - events and deliveries live in one table pair per day (db/generations.ts):
 *   these two definitions are the template every day's tables are created
 *   from, and hold the rows written before generations existed. Retention
 *   drops a whole day (DROP TABLE writes no rows) instead of deleting rows.
 *   A day's events table is keyed by (namespace, id) WITHOUT ROWID, so its
 *   rows carry no separate unique index (drizzle cannot say WITHOUT ROWID:
 *   generations.ts derives it from this template's DDL). A migration that
 *   adds a column here must add it to every day's table too: the views
 *   union them column by column (docs/storage.md).
 */
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { PayloadFilter } from "../events/payload-filter";

/** A non-HTTP destination as stored: its type, non-secret fields and credential hints (webhooks/destinations.ts decodes it). */
export type StoredDestination = { type: string } & Record<string, unknown>;

export const webhooks = sqliteTable(
  "webhooks",
  {
    id: text("id").primaryKey(),
    namespace: text("namespace").notNull(),
    name: text("name").notNull(),
    /** "" for a polling webhook (mode poll): nothing is pushed. */
    url: text("url").notNull(),
    /** push: POSTed to url; poll: its receiver fetches /poll (pull/poll.ts), served from the events, nothing fans out. */
    mode: text("mode", { enum: ["push", "poll"] }).notNull().default("push"),
    /** A temporary webhook (`npm run listen`): the cron deletes it once this passes; null = kept. */
    expiresAt: integer("expires_at"),
    description: text("description").notNull().default(""),
    /** JSON array of event names, prefix patterns (`build.*`) or `*`. */
    events: text("events", { mode: "json" }).$type<string[]>().notNull(),
    format: text("format", { enum: ["standard", "djinn", "circleci", "puppet", "slack", "discord"] }).notNull().default("standard"),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    /** Extra request headers (e.g. a shared token for a firewall), JSON object. */
    headers: text("headers", { mode: "json" }).$type<Record<string, string>>().notNull().default({}),
    /** Payload filter (payload-filter.ts): dotted data paths to wanted values; null = every event. */
    filter: text("filter", { mode: "json" }).$type<PayloadFilter>(),
    /** AES-GCM sealed signing secret; null only for a `djinn` or chat (`slack`, `discord`) webhook without one. */
    secretSealed: text("secret_sealed"),
    secretHint: text("secret_hint"),
    previousSecretSealed: text("previous_secret_sealed"),
    previousSecretExpiresAt: integer("previous_secret_expires_at"),
    /**
     * How a `standard` webhook signs: `hmac-sha256` (Standard Webhooks `v1`, the
     * secret above) or `ed25519` (`v1a`: secret_sealed then holds the private
     * key, `whsk_...`, and public_key its public half, `whpk_...`).
     */
    signatureScheme: text("signature_scheme", { enum: ["hmac-sha256", "ed25519"] }).notNull().default("hmac-sha256"),
    publicKey: text("public_key"),
    /**
     * Where deliveries go when not to `url` over HTTP (webhooks/destinations.ts): the
     * destination's type and its non-secret fields, with hints of its credentials;
     * null for an HTTP webhook. Its credentials are in destination_sealed.
     */
    destination: text("destination", { mode: "json" }).$type<StoredDestination>(),
    /** AES-GCM sealed JSON of the destination's credentials (secret-box.ts, bound to this row and column). */
    destinationSealed: text("destination_sealed"),
    disabledReason: text("disabled_reason"),
    disabledAt: integer("disabled_at"),
    /** Start of the current unbroken run of failed attempts (auto-disable). */
    failingSince: integer("failing_since"),
    /** The highest `webhook.failing` threshold (50, 70, 90 %) already sent for this streak; null when none. */
    failingAlertPercent: integer("failing_alert_percent"),
    consecutiveFailures: integer("consecutive_failures").notNull().default(0),
    rateLimit: integer("rate_limit"),
    maxInFlight: integer("max_in_flight"),
    timeoutMs: integer("timeout_ms"),
    /**
     * Circuit breaker (delivery/circuit.ts): `closed`, `open` (no sends until
     * circuit_next_probe_at) or `half_open` (one probe in flight, its lease
     * ending at circuit_next_probe_at). Failures are weighted (timeouts 2).
     */
    circuitState: text("circuit_state", { enum: ["closed", "open", "half_open"] }).notNull().default("closed"),
    circuitSince: integer("circuit_since"),
    circuitNextProbeAt: integer("circuit_next_probe_at"),
    circuitFailures: integer("circuit_failures").notNull().default(0),
    /** rate_limit's GCRA clock (delivery/flow-control.ts): when the next send is due, in ms. */
    rateTat: integer("rate_tat"),
    /** Until then the main lane hands this webhook's deliveries to the slow lane (it answered too slowly there). */
    slowUntil: integer("slow_until"),
    /** Deliveries of events sharing an ordering_key go one at a time, in order (docs/ordering.md). */
    ordered: integer("ordered", { mode: "boolean" }).notNull().default(false),
    lastSuccessAt: integer("last_success_at"),
    lastFailureAt: integer("last_failure_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("webhooks_namespace_name").on(t.namespace, t.name),
    // Partial: only temporary webhooks pay for an entry (the cron's expiry, webhooks/expiry.ts).
    index("webhooks_expiring").on(t.expiresAt).where(sql`expires_at IS NOT NULL`),
  ],
);

export const events = sqliteTable(
  "events",
  {
    /** The rowid here (generation 0); on a day's table, keyed by (namespace, id), a plain column: its first delivery's seq. */
    seq: integer("seq").primaryKey(),
    namespace: text("namespace").notNull(),
    id: text("id").notNull(),
    type: text("type").notNull(),
    /** The event's `data`, serialized once; every format's body is built from it. */
    data: text("data").notNull(),
    /**
     * Whose event this is (djinn-ci, puppet-pipelines, circleci, ci-webhooks),
     * decided once at publish from the type and, for shared names, the
     * payload's shape; the fan-out matches webhook formats against it in SQL.
     */
    system: text("system").notNull().default(""),
    /** Sent by a test ping or "send example" (marked as a test on the wire), not by a publisher. */
    test: integer("test", { mode: "boolean" }).notNull().default(false),
    /** The publisher's ordering key (a pipeline id, say); null if none (docs/ordering.md). */
    orderingKey: text("ordering_key"),
    /**
     * The fan-out inserts an event's deliveries in the same transaction as
     * the event, so they are the rowid range [first_delivery_seq,
     * first_delivery_seq + delivery_count). No index on deliveries.event_seq
     * or event_id is needed.
     */
    firstDeliverySeq: integer("first_delivery_seq").notNull(),
    createdAt: integer("created_at").notNull(),
    deliveryCount: integer("delivery_count").notNull().default(0),
  },
  (t) => [uniqueIndex("events_namespace_id").on(t.namespace, t.id)],
);

export const deliveryStatuses = ["pending", "succeeded", "failed"] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

export const deliveries = sqliteTable(
  "deliveries",
  {
    seq: integer("seq").primaryKey(),
    /** Generation 0 only: its event's rowid. A day's events have no rowid (db/generations.ts); event_id names the event. */
    eventSeq: integer("event_seq").notNull(),
    /** Its event is (namespace, event_id). */
    eventId: text("event_id").notNull().default(""),
    webhookId: text("webhook_id").notNull(),
    namespace: text("namespace").notNull(),
    eventType: text("event_type").notNull(),
    status: text("status", { enum: deliveryStatuses }).notNull().default("pending"),
    /** Attempts claimed so far; the next attempt's number is attempts + 1. */
    attempts: integer("attempts").notNull().default(0),
    lastResponseStatus: integer("last_response_status"),
    lastDurationMs: integer("last_duration_ms"),
    /** When the next attempt is due; while an attempt runs, its lease expiry. */
    nextAttemptAt: integer("next_attempt_at").notNull(),
    /** When a queue message was last sent for it (the sweep backs off on this). */
    enqueuedAt: integer("enqueued_at").notNull(),
    /** The next attempt was asked for by a person (redeliver/recover). */
    manual: integer("manual", { mode: "boolean" }).notNull().default(false),
    failureReason: text("failure_reason"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    /**
     * The first attempt lives in the delivery row (attempt-log.ts): the
     * settle UPDATE that records its outcome writes it too, so a first-try
     * delivery costs no attempts row (its insert and its retention delete).
     * Null until attempt 1 is recorded; `attempts` rows hold attempt 2 on
     * (and attempt 1 only if the claim had moved on when it was recorded).
     */
    firstTrigger: text("first_trigger", { enum: ["automatic", "manual"] }),
    firstStartedAt: integer("first_started_at"),
    firstDurationMs: integer("first_duration_ms"),
    firstUrl: text("first_url"),
    firstRequestHeaders: text("first_request_headers", { mode: "json" }).$type<Record<string, string>>(),
    firstResponseStatus: integer("first_response_status"),
    firstResponseHeaders: text("first_response_headers", { mode: "json" }).$type<Record<string, string>>(),
    firstResponseBody: text("first_response_body"),
    firstErrorClass: text("first_error_class"),
    firstErrorMessage: text("first_error_message"),
    /** Still pending when the sweep's watermark passed it (delivery/recovery-sweep.ts): in deliveries_watched until it settles. */
    watched: integer("watched", { mode: "boolean" }).notNull().default(false),
    /** Its event's ordering key, shown on the delivery; null if none. */
    orderingKey: text("ordering_key"),
    /**
     * Its webhook was ordered and its event had a key when it was fanned out
     * (delivery/ordering.ts): it waits for the earlier ones of its (webhook,
     * key). Only these enter deliveries_ordered, and only while pending.
     */
    ordered: integer("ordered", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [
    index("deliveries_webhook_created").on(t.webhookId, t.createdAt),
    index("deliveries_watched").on(t.seq).where(sql`status = 'pending' AND watched = 1`),
    // Pending ordered deliveries by key: an unordered delivery never enters it (no row written for it).
    // The key first: a lookup by key that names the webhook as `+webhook_id` can then never take deliveries_webhook_created instead.
    index("deliveries_ordered").on(t.orderingKey, t.webhookId, t.seq).where(sql`ordered = 1 AND status = 'pending'`),
  ],
);

/**
 * The recovery sweep's watermark, one row per shard database (id 1): every
 * delivery with a seq at or below `seq` that is still pending is `watched`.
 */
export const sweepMarks = sqliteTable("sweep_marks", {
  id: integer("id").primaryKey(),
  seq: integer("seq").notNull(),
});

/** Room for this many attempts (automatic and manual) per delivery. */
export const ATTEMPT_SLOTS = 1024;

export const attempts = sqliteTable("attempts", {
  /** delivery_seq * ATTEMPT_SLOTS + attempt */
  seq: integer("seq").primaryKey(),
  deliverySeq: integer("delivery_seq").notNull(),
  attempt: integer("attempt").notNull(),
  trigger: text("trigger", { enum: ["automatic", "manual"] }).notNull(),
  startedAt: integer("started_at").notNull(),
  durationMs: integer("duration_ms").notNull(),
  url: text("url").notNull(),
  requestHeaders: text("request_headers", { mode: "json" }).$type<Record<string, string>>().notNull(),
  responseStatus: integer("response_status"),
  responseHeaders: text("response_headers", { mode: "json" }).$type<Record<string, string>>(),
  responseBody: text("response_body"),
  errorClass: text("error_class"),
  errorMessage: text("error_message"),
});

export type WebhookRow = typeof webhooks.$inferSelect;
export type EventRow = typeof events.$inferSelect;
export type DeliveryRow = typeof deliveries.$inferSelect;
export type AttemptRow = typeof attempts.$inferSelect;
export type SweepMarkRow = typeof sweepMarks.$inferSelect;
