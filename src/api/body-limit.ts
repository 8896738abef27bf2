/**
 * The one cap on request bodies: 64 KiB for every route (a webhook or token
 * definition is a few hundred bytes), 413 `payload_too_large` beyond it.
 * Publishing events is the exception: src/api/events.routes.ts allows 256 KiB
 * for it (docs/security.md, Input limits), so this middleware leaves that path to it.
 * Hono's bodyLimit checks Content-Length and, when it is absent, counts the
 * streamed bytes, so a chunked body cannot slip past.
 */
import { bodyLimit } from "hono/body-limit";
import { ApiError } from "../errors";

export const JSON_BODY_LIMIT = 64 * 1024;

/** Paths whose route module applies a larger limit of its own. */
const OWN_LIMIT: RegExp[] = [/^\/v1\/namespaces\/[^/]+\/events\/?$/];

const capped = bodyLimit({
  maxSize: JSON_BODY_LIMIT,
  onError: () => {
    throw new ApiError("payload_too_large", `Request bodies are limited to ${JSON_BODY_LIMIT / 1024} KiB.`);
  },
});

export const limitRequestBodies: typeof capped = async function limitRequestBodies(c, next) {
  if (OWN_LIMIT.some((r) => r.test(c.req.path))) return next();
  return capped(c, next);
};
