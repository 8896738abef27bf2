/** Driving the dashboard inside workerd: raw requests, a signed-in session, form posts. */
import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { ADMIN } from "./api";

export const ORIGIN = "http://dispatcher.test";

export async function rawPage(path: string, init: RequestInit = {}, cookie = ""): Promise<Response> {
  const headers = new Headers(init.headers);
  if (cookie) headers.set("cookie", cookie);
  return exports.default.fetch(new Request(`${ORIGIN}${path}`, { ...init, headers, redirect: "manual" }));
}

export async function signedIn(ns: string): Promise<{ cookie: string; csrf: string }> {
  const form = await rawPage("/sign-in");
  let cookie = (form.headers.get("set-cookie") ?? "").split(";")[0];
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? "";
  const res = await rawPage("/sign-in", { method: "POST", headers: { origin: ORIGIN }, body: new URLSearchParams({ _csrf: csrf, token: ADMIN, namespace: ns }) }, cookie);
  expect(res.status).toBe(303);
  expect(res.headers.get("location")).toBe("/webhooks");
  cookie = (res.headers.get("set-cookie") ?? "").split(";")[0];
  const list = await rawPage("/webhooks", {}, cookie);
  const csrf2 = /name="_csrf" value="([^"]+)"/.exec(await list.text())?.[1] ?? "";
  expect(csrf2).not.toBe(csrf); // a fresh CSRF token at sign-in
  return { cookie, csrf: csrf2 };
}

const sessions = new Map<string, Promise<{ cookie: string; csrf: string }>>();
const sessionFor = (ns: string) => sessions.get(ns) ?? sessions.set(ns, signedIn(ns)).get(ns)!;

/** GET a dashboard page as the admin, signed in to `ns`. */
export async function page(path: string, ns: string): Promise<Response> {
  return rawPage(path, {}, (await sessionFor(ns)).cookie);
}

/** POST a dashboard form (CSRF token and origin added) as the admin, signed in to `ns`. */
export async function postForm(path: string, ns: string, fields: [string, string][]): Promise<Response> {
  const { cookie, csrf } = await sessionFor(ns);
  return rawPage(path, { method: "POST", headers: { origin: ORIGIN }, body: new URLSearchParams([["_csrf", csrf], ...fields]) }, cookie);
}
