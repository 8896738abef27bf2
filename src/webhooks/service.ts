/** The webhooks of a namespace: create, read, change, delete. */
import { namespaceEnv, shardDb, shardOrm } from "../db/shards";
import { and, asc, eq, gt } from "drizzle-orm";
import { config } from "../config";
import { webhooks, type WebhookRow } from "../db/schema";
import { withGenerations } from "../db/generations";
import { failPendingOfDeletedStatements } from "../db/stores/delivery-recovery";
import { deleteStatement } from "../db/stores/webhooks";
import type { WebhookFormat } from "../delivery/formats";
import type { AppEnv } from "../env";
import { ApiError, type ErrorDetail } from "../errors";
import { checkFilterPaths } from "../events/payload-filter";
import { normalizePatterns } from "../events/subscription";
import { randomId } from "../ids";
import { checkTargetUrl } from "../security/ssrf-guard";
import { currentSecretOf, seal, unseal } from "../security/secret-box";
import { secretHint } from "./secrets";
import { checkScheme, checkSecret, newSigningKey } from "./signing-keys";
import { assertRoomForWebhook } from "../tenants/limits";
import { CLOSED_CIRCUIT, webhookCircuit } from "./circuit-view";
import type { WebhookCreateInput, WebhookUpdateInput, WebhookView } from "./schemas";
import type { DestinationUpdateValue } from "./destination-schemas";
import { destinationView, prepareDestination } from "./destinations";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function toView(row: WebhookRow): WebhookView {
  return {
    id: row.id,
    namespace: row.namespace,
    name: row.name,
    url: row.url,
    destination: destinationView(row.destination),
    mode: row.mode,
    expires_at: iso(row.expiresAt),
    description: row.description,
    events: row.events,
    format: row.format,
    active: row.active,
    headers: Object.keys(row.headers),
    filter: row.filter ?? null,
    certificate_validation: true,
    rate_limit: row.rateLimit,
    max_in_flight: row.maxInFlight,
    timeout_ms: row.timeoutMs,
    ordered: row.ordered,
    secret_hint: row.secretHint,
    signature_scheme: row.signatureScheme,
    public_key: row.publicKey,
    disabled_reason: row.disabledReason,
    disabled_at: iso(row.disabledAt),
    circuit: webhookCircuit(row),
    created_at: new Date(row.createdAt).toISOString(),
    updated_at: new Date(row.updatedAt).toISOString(),
  };
}

function checkUrl(env: AppEnv, url: string): string {
  const verdict = checkTargetUrl(url, config(env).guard);
  if (!verdict.ok) {
    throw new ApiError("url_not_allowed", `The webhook URL ${verdict.reason}.`, [{ path: "url", message: verdict.reason }]);
  }
  return verdict.url.toString();
}

type Place = Pick<WebhookRow, "url" | "destination" | "destinationSealed">;

const refused = (path: string, message: string) => new ApiError("validation_failed", `The ${path} ${message}.`, [{ path, message }]);

/**
 * Where the webhook's deliveries go (destinations.ts): an http destination
 * needs `url`; any other takes none (its `url` is its service's) and sends
 * no custom headers. `row`: the webhook being updated.
 */
async function placeOf(
  env: AppEnv,
  id: string,
  input: { url?: string; destination?: DestinationUpdateValue; headers?: Record<string, string> },
  row: WebhookRow | null,
): Promise<Place | null> {
  const type = input.destination?.type ?? row?.destination?.type ?? "http";
  if (type !== "http") {
    if (input.url !== undefined) throw refused("url", `is not used by a ${type} destination (its service's URL is derived)`);
    if (input.headers && Object.keys(input.headers).length) throw refused("headers", "are sent to http destinations only");
  }
  if (input.destination === undefined || input.destination.type === "http") {
    if (input.url !== undefined) return { url: checkUrl(env, input.url), destination: null, destinationSealed: null };
    if (row === null || (input.destination !== undefined && row.destination !== null)) throw refused("url", "is required for an http destination");
    return input.destination === undefined ? null : { url: row.url, destination: null, destinationSealed: null };
  }
  return prepareDestination(env, config(env).guard, id, input.destination, row);
}

function checkEvents(patterns: string[], format: WebhookFormat): string[] {
  const r = normalizePatterns(patterns, format);
  if (!r.ok) {
    const details = r.problems.map((p) => ({ path: `events.${p.index}`, message: p.message }));
    const unknown = r.problems.filter((p) => p.kind === "unknown").map((p) => p.pattern);
    if (unknown.length) {
      throw new ApiError("unknown_event_type", `Unknown event type(s): ${unknown.join(", ")}. GET /v1/event-types lists the known ones.`, details);
    }
    // Another system's event: say which format carries it (docs/formats.md).
    throw new ApiError("validation_failed", `${r.problems.map((p) => p.message).join("; ")}.`, details);
  }
  return r.patterns;
}

function isUniqueViolation(err: unknown): boolean {
  return /UNIQUE constraint failed/i.test(String(err instanceof Error ? err.message + String(err.cause ?? "") : err));
}

function nameTaken(name: string): ApiError {
  const details: ErrorDetail[] = [{ path: "name", message: "already used in this namespace" }];
  return new ApiError("conflict", `A webhook named "${name}" already exists in this namespace.`, details);
}

/** A polling webhook has no url and no destination: its receiver fetches `/poll` (docs/pull.md). */
function pollPlace(input: { url?: string; destination?: DestinationUpdateValue }): Place {
  if (input.url !== undefined) throw refused("url", "is not allowed with mode poll");
  if (input.destination !== undefined && input.destination.type !== "http") throw refused("destination", "is not allowed with mode poll");
  return { url: "", destination: null, destinationSealed: null };
}

export async function createWebhook(env: AppEnv, namespace: string, input: WebhookCreateInput) {
  const id = randomId("wh");
  const place = input.mode === "poll" ? pollPlace(input) : (await placeOf(env, id, input, null))!;
  await assertRoomForWebhook(env, namespace);
  const events = checkEvents(input.events, input.format);
  const filter = input.filter ?? null;
  checkFilterPaths(filter, events);
  const key = await newSigningKey(input.format, input.signature_scheme, input.secret);
  const now = Date.now();
  const row: WebhookRow = {
    id,
    namespace,
    name: input.name,
    ...place,
    mode: input.mode,
    expiresAt: input.expires_at ? Date.parse(input.expires_at) : null,
    description: input.description,
    events,
    format: input.format,
    active: input.active,
    headers: input.headers ?? {},
    filter,
    secretSealed: key.stored === null ? null : await seal(env.SECRETS_KEY, key.stored, currentSecretOf(id)),
    secretHint: key.hint,
    previousSecretSealed: null,
    previousSecretExpiresAt: null,
    signatureScheme: input.signature_scheme,
    publicKey: key.publicKey,
    disabledReason: null,
    disabledAt: null,
    failingSince: null,
    failingAlertPercent: null,
    consecutiveFailures: 0,
    rateLimit: input.rate_limit ?? null,
    maxInFlight: input.max_in_flight ?? null,
    timeoutMs: input.timeout_ms ?? null,
    ordered: input.ordered,
    ...CLOSED_CIRCUIT,
    rateTat: null,
    slowUntil: null,
    lastSuccessAt: null,
    lastFailureAt: null,
    createdAt: now,
    updatedAt: now,
  };
  try {
    await shardOrm(await namespaceEnv(env, namespace, "owner")).insert(webhooks).values(row);
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken(input.name);
    throw err;
  }
  return { ...toView(row), secret: key.shown };
}

export async function findWebhook(env: AppEnv, namespace: string, id: string): Promise<WebhookRow> {
  const row = await shardOrm(await namespaceEnv(env, namespace)).query.webhooks.findFirst({ where: and(eq(webhooks.namespace, namespace), eq(webhooks.id, id)) });
  if (!row) throw new ApiError("not_found", "No such webhook.");
  return row;
}

export async function listWebhooks(env: AppEnv, namespace: string, limit: number, afterName?: string) {
  const rows = await shardOrm(await namespaceEnv(env, namespace))
    .select()
    .from(webhooks)
    .where(and(eq(webhooks.namespace, namespace), afterName === undefined ? undefined : gt(webhooks.name, afterName)))
    .orderBy(asc(webhooks.name))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  return { rows: page, nextName: rows.length > limit ? page[page.length - 1].name : null };
}

export async function updateWebhook(env: AppEnv, namespace: string, id: string, input: WebhookUpdateInput) {
  const row = await findWebhook(env, namespace, id);
  const now = Date.now();
  const patch: Partial<WebhookRow> = { updatedAt: now };
  if (input.name !== undefined) patch.name = input.name;
  const place = row.mode === "poll" ? (input.url !== undefined || input.destination !== undefined ? pollPlace(input) : null) : await placeOf(env, row.id, input, row);
  if (place) Object.assign(patch, place);
  if (input.expires_at !== undefined) patch.expiresAt = input.expires_at === null ? null : Date.parse(input.expires_at);
  // A new format must carry every subscribed event, the stored ones included.
  if (input.events !== undefined || input.format !== undefined) patch.events = checkEvents(input.events ?? row.events, input.format ?? row.format);
  if (input.description !== undefined) patch.description = input.description;
  if (input.headers !== undefined) patch.headers = input.headers;
  if (input.format !== undefined) patch.format = input.format;
  if (input.filter !== undefined) patch.filter = input.filter;
  // A filter is checked against the event types it will meet, whichever of the two changed.
  if (input.filter !== undefined || input.events !== undefined) checkFilterPaths(input.filter !== undefined ? input.filter : row.filter, patch.events ?? row.events);
  if (input.rate_limit !== undefined) patch.rateLimit = input.rate_limit;
  if (input.max_in_flight !== undefined) patch.maxInFlight = input.max_in_flight;
  if (input.timeout_ms !== undefined) patch.timeoutMs = input.timeout_ms;
  if (input.ordered !== undefined) patch.ordered = input.ordered;
  const format = input.format ?? row.format;
  const scheme = input.signature_scheme ?? row.signatureScheme;
  checkScheme(format, scheme);
  if (scheme !== row.signatureScheme) {
    // A new scheme is a new key at once, not a rotation: the previous key (of the other scheme) stops signing.
    if (scheme === "hmac-sha256" && input.secret === undefined) {
      throw new ApiError("validation_failed", "Give the new HMAC secret with the change to hmac-sha256.", [{ path: "secret", message: "required when changing to hmac-sha256" }]);
    }
    const key = await newSigningKey(format, scheme, input.secret);
    Object.assign(patch, {
      signatureScheme: scheme,
      secretSealed: key.stored === null ? null : await seal(env.SECRETS_KEY, key.stored, currentSecretOf(row.id)),
      secretHint: key.hint,
      publicKey: key.publicKey,
      previousSecretSealed: null,
      previousSecretExpiresAt: null,
    } satisfies Partial<WebhookRow>);
  } else if (input.secret !== undefined && scheme === "ed25519") {
    throw new ApiError("validation_failed", "An ed25519 webhook's key pair is generated: give no secret (rotate-secret makes a new one).", [
      { path: "secret", message: "not accepted with signature_scheme ed25519" },
    ]);
  } else if (input.secret !== undefined) {
    checkSecret(format, input.secret);
    patch.secretSealed = input.secret === null ? null : await seal(env.SECRETS_KEY, input.secret, currentSecretOf(row.id));
    patch.secretHint = input.secret === null ? null : secretHint(input.secret);
  } else if (input.format !== undefined && input.format !== row.format && scheme === "hmac-sha256") {
    // The stored secret must still suit the new format.
    checkSecret(format, row.secretSealed === null ? null : await unseal(env, row.secretSealed, currentSecretOf(row.id)));
  }
  if (input.active !== undefined) {
    patch.active = input.active;
    if (input.active) Object.assign(patch, { disabledReason: null, disabledAt: null, failingSince: null, failingAlertPercent: null, consecutiveFailures: 0, ...CLOSED_CIRCUIT });
  }
  try {
    await shardOrm(await namespaceEnv(env, namespace, "owner")).update(webhooks).set(patch).where(eq(webhooks.id, row.id));
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken(input.name ?? row.name);
    throw err;
  }
  return toView({ ...row, ...patch });
}

/** Deletes the webhook; its pending deliveries end as failed (`webhook_deleted`), its history stays. */
export async function deleteWebhook(env: AppEnv, namespace: string, id: string): Promise<void> {
  const row = await findWebhook(env, namespace, id);
  const db = shardDb(await namespaceEnv(env, namespace, "owner"));
  const now = Date.now();
  await withGenerations(db, (gens) => db.batch([deleteStatement(db, row.id), ...failPendingOfDeletedStatements(db, gens, now, row.id)]));
}
