/** Helpers for tests that run inside workerd against the real Worker. */
import { exports } from "cloudflare:workers";
import { inject } from "vitest";

export const ADMIN = "test-admin-token";

export type ApiAnswer<T = any> = { status: number; body: T; headers: Headers };

export async function api<T = any>(method: string, path: string, body?: unknown, token: string | null = ADMIN): Promise<ApiAnswer<T>> {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let payload: string | undefined;
  if (body !== undefined) {
    headers["content-type"] = "application/json";
    payload = typeof body === "string" ? body : JSON.stringify(body);
  }
  const res = await exports.default.fetch(new Request(`http://dispatcher.test${path}`, { method, headers, body: payload }));
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

/** A URL on the loopback receiver started by test/global-setup.ts. */
export function receiverUrl(path: string): string {
  return `${inject("receiverUrl")}${path}`;
}

export type Recorded = { method: string; path: string; headers: Record<string, string>; body: string; at: number; answeredAt?: number; status?: number };

export async function received(key: string): Promise<Recorded[]> {
  const res = await fetch(receiverUrl(`/__requests/${key}`));
  return res.json();
}

/** Gives the receiver at /rules/<set>/<key> the secret it verifies with (receiver-rules.ts). */
export async function receiverSecret(key: string, secret: string): Promise<void> {
  const res = await fetch(receiverUrl(`/__secret/${key}`), { method: "POST", body: secret });
  if (res.status !== 204) throw new Error(`could not set the receiver's secret: ${res.status}`);
}

export function uniqueKey(prefix = "k"): string {
  return `${prefix}${crypto.randomUUID().replace(/-/g, "").slice(0, 12)}`;
}

export async function waitFor<T>(probe: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 30_000, everyMs = 200): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last = await probe();
  while (!done(last)) {
    if (Date.now() > until) throw new Error(`timed out waiting; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, everyMs));
    last = await probe();
  }
  return last;
}

export async function createWebhook(ns: string, overrides: Record<string, unknown> = {}) {
  const res = await api("POST", `/v1/namespaces/${ns}/webhooks`, {
    name: `hook-${crypto.randomUUID().slice(0, 8)}`,
    url: receiverUrl(`/ok/${uniqueKey()}`),
    events: ["*"],
    ...overrides,
  });
  if (res.status !== 201) throw new Error(`webhook create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Waits until a delivery is no longer pending and returns its detail. */
export async function settledDelivery(ns: string, deliveryId: string, timeoutMs = 30_000) {
  return (
    await waitFor(
      () => api("GET", `/v1/namespaces/${ns}/deliveries/${deliveryId}`),
      (r) => r.status === 200 && r.body.status !== "pending",
      timeoutMs,
    )
  ).body;
}

export async function onlyDeliveryOf(ns: string, webhookId: string, timeoutMs = 10_000) {
  const list = await waitFor(
    () => api("GET", `/v1/namespaces/${ns}/webhooks/${webhookId}/deliveries`),
    (r) => r.status === 200 && r.body.data.length > 0,
    timeoutMs,
  );
  return list.body.data[0];
}

export type DeliverySummary = { id: string; event_id: string; event_type: string; webhook_id: string; status: string; attempts: number };

/**
 * The namespace's deliveries once none is pending (the API's search, every
 * page). Fan-out happens in the publish's own batch, so a delivery that
 * should not exist is a row by then; with none pending, no request for any
 * of them is still to come. Instead of "sleep, then nothing arrived".
 */
export async function settledNamespace(ns: string, timeoutMs = 30_000): Promise<DeliverySummary[]> {
  const all = async () => {
    const rows: DeliverySummary[] = [];
    let cursor: string | null = null;
    do {
      const page: ApiAnswer<{ data: DeliverySummary[]; next_cursor: string | null }> = await api("GET", `/v1/namespaces/${ns}/deliveries?limit=200${cursor ? `&cursor=${cursor}` : ""}`);
      if (page.status !== 200) throw new Error(`listing ${ns}'s deliveries: ${page.status} ${JSON.stringify(page.body)}`);
      rows.push(...page.body.data);
      cursor = page.body.next_cursor;
    } while (cursor);
    return rows;
  };
  return waitFor(all, (rows) => rows.every((d) => d.status !== "pending"), timeoutMs);
}

/** How many of `rows` belong to each webhook id. */
export const perWebhook = (rows: DeliverySummary[]): Record<string, number> =>
  rows.reduce<Record<string, number>>((n, d) => ({ ...n, [d.webhook_id]: (n[d.webhook_id] ?? 0) + 1 }), {});
