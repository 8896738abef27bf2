/**
 * Malformed JSON answers 400 `invalid_json` with the parser's own words and
 * position ("... at position 12 (line 1 column 13)"). Hono's validator
 * swallows the SyntaxError, so the body is parsed here first, after the body
 * limits; the parsed value is left in Hono's body cache, so the validator
 * does not parse it again.
 */
import type { MiddlewareHandler } from "hono";
import { ApiError } from "../errors";

export const checkJsonSyntax: MiddlewareHandler = async function checkJsonSyntax(c, next) {
  const type = c.req.header("content-type") ?? "";
  if (c.req.method === "GET" || c.req.method === "HEAD" || !/^application\/([a-z0-9.+-]+\+)?json\b/i.test(type)) return next();
  const text = await c.req.text();
  if (text !== "") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err;
      throw new ApiError("invalid_json", `The request body is not valid JSON: ${err.message}.`);
    }
    c.req.bodyCache.json = Promise.resolve(parsed);
  }
  return next();
};
