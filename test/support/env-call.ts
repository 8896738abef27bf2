/** Calls to the real Worker with a changed env (a setting, a binding): app.fetch inside workerd. */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import type { AppEnv } from "../../src/env";
import { app } from "../../src/index";
import { ADMIN } from "./api";

/** The admin's API call to the Worker run with a different env (app.fetch in workerd, its waitUntil work awaited). */
export async function callWithEnv(appEnv: AppEnv, method: string, path: string, body?: unknown) {
  const ctx = createExecutionContext();
  const res = await app.fetch(
    new Request(`http://dispatcher.test${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
    appEnv,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}
