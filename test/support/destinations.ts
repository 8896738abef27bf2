/** Helpers for tests of non-HTTP destinations: the stand-ins started by test/global-setup.ts (destination-stand-ins.ts). */
import { inject } from "vitest";

export type StandInRequest = { method: string; path: string; headers: Record<string, string>; body: string; verdict: { ok: boolean; [k: string]: unknown }; at: number };

export const standInsUrl = () => inject("destinationsUrl");

async function post(path: string, body: string): Promise<void> {
  const res = await fetch(`${standInsUrl()}${path}`, { method: "POST", body });
  if (res.status !== 204) throw new Error(`stand-in refused ${path}: ${res.status}`);
}

/** What the stand-in received under `key`. */
export async function standInReceived(key: string): Promise<StandInRequest[]> {
  return (await fetch(`${standInsUrl()}/__requests/${encodeURIComponent(key)}`)).json();
}

/** Answers the stand-in gives under `key`, in order, before its normal ones. */
export const planAnswers = (key: string, answers: { status: number; body?: string; headers?: Record<string, string> }[]) =>
  post(`/__plan/${encodeURIComponent(key)}`, JSON.stringify(answers));
export const knowCloudflareToken = (token: string) => post("/__cf", token);
export const knowAwsSecret = (accessKeyId: string, secret: string) => post(`/__aws/${accessKeyId}`, secret);
export const knowGooglePublicKey = (clientEmail: string, spkiPem: string) => post(`/__google/${encodeURIComponent(clientEmail)}`, spkiPem);

const hex = (bytes: number) => [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
/** A Cloudflare-style id: 32 lowercase hex characters. */
export const hex32 = () => hex(16);
/** A made-up Cloudflare API token (40 characters). */
export const cfToken = () => `cft${hex(16)}x${hex(2)}`.slice(0, 40);
/** A made-up AWS key pair of the real shapes. */
export function awsKeys() {
  const id = `AKIA${hex(8).toUpperCase()}`;
  const secret = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(30))));
  return { access_key_id: id, secret_access_key: secret };
}
