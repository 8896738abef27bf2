/**
 * The dashboard is a typed client of our own /v1 API, called in-process:
 * Hono's `hc` over the app's own `fetch` (a real Request through the same
 * app, no network), with the signed-in user's token. Paths, parameters and
 * answers are typed from the route definitions (`AppType`, src/index.ts), so
 * no answer is cast. Auth, scopes, validation and error messages are the
 * API's, never re-implemented here; the pages only show what the API answers.
 */
import type { Hono } from "hono";
import { hc } from "hono/client";
import type { AppEnv } from "../env";
import { ErrorSchema } from "../errors";
import type { AppType } from "../index";

export type ApiErrorBody = { code: string; message: string; details?: { path: string; message: string }[]; request_id?: string };

export type ApiResult<T> = { ok: true; status: number; data: T } | { ok: false; status: number; error: ApiErrorBody };

type Background = { waitUntil(promise: Promise<unknown>): void; passThroughOnException(): void };

export type ApiClient = ReturnType<typeof hc<AppType>>;

// A structural type keeps this module free of the app's generics.
type FetchingApp = Pick<Hono<{ Bindings: AppEnv }>, "fetch">;

export function apiClient(app: FetchingApp, origin: string, env: AppEnv, ctx: Background | undefined, token: string): ApiClient {
  return hc<AppType>(origin, {
    headers: { authorization: `Bearer ${token}`, accept: "application/json" },
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => app.fetch(new Request(input, init), env, ctx as ExecutionContext | undefined),
  });
}

/** What `hc` answers, narrowed by `ok`: the 2xx members carry the route's typed body. */
type Answer<T> = { ok: true; status: number; json(): Promise<T> } | { ok: false; status: number; text(): Promise<string> };

/** An answer with a JSON body on success (the body's type is inferred from the route). */
export async function result<T>(res: Answer<T>): Promise<ApiResult<T>> {
  if (res.ok) return { ok: true, status: res.status, data: await res.json() };
  return { ok: false, status: res.status, error: await refusal(res) };
}

/** An answer whose success has no body (204). */
export async function outcome(res: { ok: boolean; status: number; text(): Promise<string> }): Promise<ApiResult<null>> {
  return res.ok ? { ok: true, status: res.status, data: null } : { ok: false, status: res.status, error: await refusal(res) };
}

/** The shared error shape, checked rather than assumed: a refusal may come from outside any route (404, 405). */
async function refusal(res: { status: number; text(): Promise<string> }): Promise<ApiErrorBody> {
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  const parsed = ErrorSchema.safeParse(json);
  return parsed.success ? parsed.data.error : { code: `http_${res.status}`, message: `The API answered ${res.status}.` };
}

/** Path segment, escaped (namespaces and ids come from the session and the URL; `hc` puts params in as given). */
export const seg = (s: string) => encodeURIComponent(s);
