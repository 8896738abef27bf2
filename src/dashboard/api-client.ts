/**
 * The dashboard is a client of our own /v1 API, called in-process: a real
 * Request through the same Hono app, with the signed-in user's token. Auth,
 * scopes, validation and error messages are therefore the API's, never
 * re-implemented here; the pages only show what the API answers.
 */
import type { Hono } from "hono";
import type { AppEnv } from "../env";

export type ApiErrorBody = { code: string; message: string; details?: { path: string; message: string }[]; request_id?: string };

export type ApiResult<T> = { ok: true; status: number; data: T } | { ok: false; status: number; error: ApiErrorBody };

type Background = { waitUntil(promise: Promise<unknown>): void; passThroughOnException(): void };

export type ApiClient = {
  get<T>(path: string): Promise<ApiResult<T>>;
  post<T>(path: string, body?: unknown): Promise<ApiResult<T>>;
  patch<T>(path: string, body: unknown): Promise<ApiResult<T>>;
  delete<T>(path: string): Promise<ApiResult<T>>;
};

// A structural type keeps this module free of the app's generics.
type FetchingApp = Pick<Hono<{ Bindings: AppEnv }>, "fetch">;

export function apiClient(app: FetchingApp, origin: string, env: AppEnv, ctx: Background | undefined, token: string): ApiClient {
  async function call<T>(method: string, path: string, body?: unknown): Promise<ApiResult<T>> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    const req = new Request(new URL(path, origin), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const res = await app.fetch(req, env, ctx as ExecutionContext | undefined);
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (res.ok) return { ok: true, status: res.status, data: json as T };
    const err = (json as { error?: ApiErrorBody } | null)?.error;
    return { ok: false, status: res.status, error: err ?? { code: `http_${res.status}`, message: `The API answered ${res.status}.` } };
  }
  return {
    get: (path) => call("GET", path),
    post: (path, body) => call("POST", path, body),
    patch: (path, body) => call("PATCH", path, body),
    delete: (path) => call("DELETE", path),
  };
}

/** Path segment, escaped (namespaces and ids come from the session and the URL). */
export const seg = (s: string) => encodeURIComponent(s);
