/**
 * One HTTP attempt: POST, never follow redirects, give up after the timeout
 * (reading the body included, so a trickling receiver is cut), keep at most
 * 4 KiB of the response body without buffering the rest.
 */
export const RESPONSE_BODY_LIMIT = 4096;

export type AttemptResult = {
  startedAt: number;
  durationMs: number;
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** `slow_lane`: cut by the main lane's patience (cutAfterMs), not the receiver's timeout. */
  errorClass?: "timeout" | "slow_lane" | "connection_refused" | "dns" | "tls" | "network" | "url_not_allowed" | "internal" | ServiceErrorClass;
  errorMessage?: string;
};

/**
 * A destination service's answer judged by the service's own rules
 * (delivery/destinations/): `throttled` is retried as a 429 would be,
 * `rejected` (a 2xx that says the message was not taken) and `auth` (no token
 * could be had) fail the attempt like any error. The answer itself is kept.
 */
export type ServiceErrorClass = "throttled" | "rejected" | "auth";

export async function postOnce(
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  cutAfterMs?: number,
): Promise<AttemptResult> {
  const startedAt = Date.now();
  // The main lane's cut applies only until the response's status arrives.
  const cut = new AbortController();
  const cutTimer = cutAfterMs !== undefined && cutAfterMs < timeoutMs ? setTimeout(() => cut.abort(), cutAfterMs) : undefined;
  const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), cut.signal]);
  const done = (r: Omit<AttemptResult, "startedAt" | "durationMs">): AttemptResult => ({
    startedAt,
    durationMs: Date.now() - startedAt,
    ...r,
  });
  let res: Response;
  try {
    res = await fetch(url, { method: "POST", headers, body, redirect: "manual", signal });
  } catch (err) {
    return done(cut.signal.aborted ? CUT : classify(err, signal));
  } finally {
    if (cutTimer !== undefined) clearTimeout(cutTimer);
  }
  const responseHeaders: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    responseHeaders[k] = v;
  });
  try {
    const text = await readPrefix(res, RESPONSE_BODY_LIMIT);
    return done({ status: res.status, headers: responseHeaders, body: text });
  } catch (err) {
    // The status arrived but the body did not finish in time: a failed attempt.
    return done({ status: res.status, headers: responseHeaders, ...classify(err, signal) });
  }
}

const CUT = { errorClass: "slow_lane", errorMessage: "No answer in time on the main lane; handed to the slow lane." } as const;

async function readPrefix(res: Response, limit: number): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  const all = new Uint8Array(Math.min(size, limit));
  let off = 0;
  for (const c of chunks) {
    const take = Math.min(c.byteLength, all.byteLength - off);
    all.set(c.subarray(0, take), off);
    off += take;
    if (off >= all.byteLength) break;
  }
  return new TextDecoder().decode(all);
}

function classify(err: unknown, signal: AbortSignal): Pick<AttemptResult, "errorClass" | "errorMessage"> {
  const message = err instanceof Error ? err.message : String(err);
  if (signal.aborted || (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError"))) {
    return { errorClass: "timeout", errorMessage: "The receiver did not answer in time." };
  }
  if (/refused/i.test(message)) return { errorClass: "connection_refused", errorMessage: message };
  if (/dns|resolve|name not|host not|not found/i.test(message)) return { errorClass: "dns", errorMessage: message };
  if (/tls|ssl|certificate|handshake/i.test(message)) return { errorClass: "tls", errorMessage: message };
  return { errorClass: "network", errorMessage: message };
}
