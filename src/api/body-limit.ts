/**
 * The one cap on request bodies: 64 KiB for every route (a webhook or token
 * definition is a few hundred bytes), 413 `payload_too_large` beyond it.
 * Publishing events is the exception: 256 KiB (EVENT_BODY_LIMIT; docs/security.md,
 * Input limits). Both caps run before anything reads a body (the JSON syntax
 * check reads it next), so no reader can get past them.
 * Hono's bodyLimit checks Content-Length and, when it is absent, counts the
 * streamed bytes, so a chunked body cannot slip past.
 */
import { bodyLimit } from "hono/body-limit";
import { ApiError } from "../errors";
import { EVENT_BODY_LIMIT } from "../events/schemas";

export const JSON_BODY_LIMIT = 64 * 1024;

const EVENTS_PATH = /^\/v1\/namespaces\/[^/]+\/events\/?$/;

const capped = bodyLimit({
  maxSize: JSON_BODY_LIMIT,
  onError: () => {
    throw new ApiError("payload_too_large", `Request bodies are limited to ${JSON_BODY_LIMIT / 1024} KiB.`);
  },
});

const eventsCapped = bodyLimit({
  maxSize: EVENT_BODY_LIMIT,
  onError: () => {
    throw new ApiError("payload_too_large", `Event bodies are limited to ${EVENT_BODY_LIMIT / 1024} KiB.`);
  },
});

export const limitRequestBodies: typeof capped = async function limitRequestBodies(c, next) {
  return EVENTS_PATH.test(c.req.path) ? eventsCapped(c, next) : capped(c, next);
};
