/**
 * The control database (`DB`): what is global, not per namespace. Tokens,
 * dashboard sign-outs, portal links, and the directory that places each namespace on one
 * shard (db/shards.ts). `npm run db:generate` writes migrations/control.
 */
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const tokenScopes = ["webhooks:read", "webhooks:write", "events:publish", "portal:create", "webhooks:poll"] as const;
export type TokenScope = (typeof tokenScopes)[number];

export const tokens = sqliteTable(
  "tokens",
  {
    id: text("id").primaryKey(),
    namespace: text("namespace").notNull(),
    name: text("name").notNull(),
    scopes: text("scopes", { mode: "json" }).$type<TokenScope[]>().notNull(),
    /** hex SHA-256 of the token; the token itself is never stored. */
    tokenHash: text("token_hash").notNull(),
    /** Limits the token to this one webhook (api/auth.ts): anything else answers 403 or 404. */
    webhookId: text("webhook_id"),
    createdAt: integer("created_at").notNull(),
    lastUsedAt: integer("last_used_at"),
    revokedAt: integer("revoked_at"),
  },
  (t) => [uniqueIndex("tokens_hash").on(t.tokenHash), index("tokens_namespace").on(t.namespace)],
);

/**
 * Dashboard sessions ended by sign-out before their expiry (the session itself
 * lives in its sealed cookie). Written only at sign-out, read by primary key on
 * each signed-in dashboard request; rows past `expires_at` are useless and are
 * deleted by the next sign-out (security/session-revocation.ts).
 */
export const revokedSessions = sqliteTable("revoked_sessions", {
  sid: text("sid").primaryKey(),
  expiresAt: integer("expires_at").notNull(),
});

/** A portal link's branding, validated before it is stored (portal/schemas.ts); shown as data, never markup. */
export type PortalBranding = { name?: string; logo_url?: string; accent_color?: string };

/**
 * One-time portal links (portal/links.ts) and the session each one started.
 * Only hashes are stored: of the link's secret and of the session's. Opening
 * a link is one conditional UPDATE (used_at still null, not expired), so two
 * concurrent opens cannot both win. Read by primary key only; rows past
 * `purge_after` (the link's expiry, then the session's) are deleted by the
 * next link created, so no index and no cron.
 */
export const portalLinks = sqliteTable("portal_links", {
  id: text("id").primaryKey(),
  namespace: text("namespace").notNull(),
  /** hex SHA-256 of the link's secret. */
  tokenHash: text("token_hash").notNull(),
  readOnly: integer("read_only", { mode: "boolean" }).notNull(),
  /** Patterns the session may subscribe webhooks to; null = any. */
  eventTypes: text("event_types", { mode: "json" }).$type<string[]>(),
  branding: text("branding", { mode: "json" }).$type<PortalBranding>(),
  /** Origins allowed to frame the session's pages; empty = none (framing refused). */
  embedOrigins: text("embed_origins", { mode: "json" }).$type<string[]>().notNull(),
  createdAt: integer("created_at").notNull(),
  expiresAt: integer("expires_at").notNull(),
  usedAt: integer("used_at"),
  /** hex SHA-256 of the session's secret, set when the link is opened. */
  sessionHash: text("session_hash"),
  sessionExpiresAt: integer("session_expires_at"),
  purgeAfter: integer("purge_after").notNull(),
});

export const namespaceStatuses = ["active", "moving", "deleting"] as const;
export type NamespaceStatus = (typeof namespaceStatuses)[number];

/**
 * Which shard (a D1 binding name from SHARDS) holds a namespace: written on
 * the namespace's first shard-side write. WITHOUT ROWID: the primary key is
 * the table, so a placement writes one row, not a row plus a unique-index
 * entry. `status` is `active` but while the namespace is being deleted
 * (namespaces/purge.ts: the row goes last) or moved (`moving_to`);
 * `status_at` is when that began, or the purge's last step.
 * `namespace_shards_busy` holds only the rows not `active`, for the cron.
 */
export const namespaceShards = sqliteTable(
  "namespace_shards",
  {
    namespace: text("namespace").primaryKey(),
    shard: text("shard").notNull(),
    createdAt: integer("created_at").notNull(),
    status: text("status", { enum: namespaceStatuses }).notNull().default("active"),
    statusAt: integer("status_at"),
    movingTo: text("moving_to"),
  },
  (t) => [index("namespace_shards_busy").on(t.status).where(sql`status <> 'active'`)],
);

export type TokenRow = typeof tokens.$inferSelect;
export type PortalLinkRow = typeof portalLinks.$inferSelect;
