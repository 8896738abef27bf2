/**
 * Who is calling: the admin (Worker secret ADMIN_TOKEN), a namespace token,
 * or a portal session (the dashboard's in-process calls for a session a
 * portal link started: portal/sessions.ts).
 * A namespace token reaching into another namespace gets 404, exactly like a
 * resource that does not exist; one lacking the scope gets 403.
 */
import { bearerAuth } from "hono/bearer-auth";
import { controlDb } from "../db/client";
import { activeTokenByHash, touchToken } from "../db/stores/tokens";
import type { TokenScope } from "../db/control-schema";
import { ApiError } from "../errors";
import { checkAllowedEvents } from "../portal/event-scope";
import { portalScopes, portalSession } from "../portal/sessions";
import { PORTAL_SESSION_PREFIX } from "../security/portal-token";
import { sha256Hex, timingSafeEqual, TOKEN_PREFIX } from "../security/token-check";
import type { AppContext } from "./context";

/** A token's `webhookId`: it may touch this one webhook and nothing else (null: the whole namespace, as its scopes allow). */
export type Principal =
  | { kind: "admin" }
  | { kind: "token"; id: string; namespace: string; scopes: TokenScope[]; webhookId: string | null }
  /** `eventTypes`: what its webhooks may subscribe to (null = any). */
  | { kind: "portal"; id: string; namespace: string; scopes: TokenScope[]; eventTypes: string[] | null };

/** last_used_at is refreshed at most this often, to keep reads from writing. */
const LAST_USED_RESOLUTION_MS = 60_000;

type Background = { waitUntil(promise: Promise<unknown>): void };

const SEND_BEARER = "Send Authorization: Bearer <token>.";
const NOT_VALID = "The token is not valid.";

/** Whose token this is: the admin, a namespace token, or nobody (null). */
export async function principalFor(env: Env, presented: string, ctx?: Background): Promise<Principal | null> {
  if (await timingSafeEqual(presented, env.ADMIN_TOKEN)) return { kind: "admin" };
  if (presented.startsWith(PORTAL_SESSION_PREFIX)) {
    const s = await portalSession(env, presented);
    return s ? { kind: "portal", id: s.id, namespace: s.namespace, scopes: portalScopes(s.readOnly), eventTypes: s.eventTypes } : null;
  }
  if (presented.startsWith(TOKEN_PREFIX)) {
    const hash = await sha256Hex(presented);
    const row = await activeTokenByHash(controlDb(env), hash);
    if (row) {
      const now = Date.now();
      if (!row.lastUsedAt || now - row.lastUsedAt > LAST_USED_RESOLUTION_MS) {
        const touch = touchToken(controlDb(env), row.id, now);
        if (ctx) ctx.waitUntil(touch.catch(() => {}));
        else await touch;
      }
      return { kind: "token", id: row.id, namespace: row.namespace, scopes: row.scopes, webhookId: row.webhookId };
    }
  }
  return null;
}

/** For callers holding a whole `Authorization` header (the dashboard's sign-in). */
export async function authenticate(env: Env, header: string | undefined, ctx?: Background): Promise<Principal> {
  const m = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  if (!m) throw new ApiError("unauthorized", SEND_BEARER);
  const principal = await principalFor(env, m[1], ctx);
  if (!principal) throw new ApiError("unauthorized", NOT_VALID);
  return principal;
}

/**
 * Hono's bearerAuth parses the header and answers with `WWW-Authenticate`
 * (RFC 6750); our verifyToken decides who the caller is. Its refusals are
 * HTTPExceptions that src/api/app.ts renders in the shared error shape. A
 * malformed header would be its 400; the contract says 401 for "no token".
 */
export const requireAuth = bearerAuth<AppContext>({
  verifyToken: async function verifyToken(token, c) {
    let ctx: Background | undefined;
    try {
      ctx = c.executionCtx;
    } catch {
      ctx = undefined;
    }
    const principal = await principalFor(c.env, token, ctx);
    if (principal) c.set("principal", principal);
    return principal !== null;
  },
  noAuthenticationHeader: { message: SEND_BEARER },
  invalidAuthenticationHeader: { message: () => new Response(SEND_BEARER, { status: 401 }) },
  invalidToken: { message: NOT_VALID },
});

/**
 * The caller may act on namespace `ns` with `scope` (one of them, for a
 * list); admin may do anything. `webhookId` names the webhook a route acts
 * on: a token limited to one webhook gets 404 for another webhook (as for
 * another namespace's) and 403 for every route that is not about its own.
 */
export function authorize(principal: Principal, ns: string | null, scope: TokenScope | TokenScope[] | "admin" | "any", webhookId?: string): void {
  if (principal.kind === "admin") return;
  if (principal.kind === "token" && principal.webhookId !== null) {
    if (ns !== null && principal.namespace !== ns) throw new ApiError("not_found", "Not found.");
    if (webhookId === undefined) throw new ApiError("forbidden", `This token is limited to the webhook ${principal.webhookId}.`);
    if (webhookId !== principal.webhookId) throw new ApiError("not_found", "Not found.");
  }
  if (scope === "any") return;
  if (ns !== null && principal.namespace !== ns) throw new ApiError("not_found", "Not found.");
  const wanted = typeof scope === "string" ? [scope] : scope;
  if (scope === "admin" || !wanted.some((s) => principal.scopes.includes(s as TokenScope))) {
    throw new ApiError("forbidden", scope === "admin" ? "Only the admin token may do this." : `This token lacks the ${wanted.join(" or ")} scope.`);
  }
}

/** A portal session subscribes webhooks only to its link's `event_types` (422 otherwise); anyone else is not limited here. */
export function authorizeEvents(principal: Principal, events: readonly string[] | undefined): void {
  if (principal.kind === "portal") checkAllowedEvents(principal.eventTypes, events);
}
