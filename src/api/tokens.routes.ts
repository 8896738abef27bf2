/** Namespace API tokens: admin only (docs/security.md, Tokens and scopes). */
import { createRoute } from "@hono/zod-openapi";
import { CreatedToken, Token, TokenCreate, TokenParams } from "../tokens/schemas";
import { createToken, isTokenCursor, listTokens, revokeToken, toTokenView } from "../tokens/service";
import { NamespaceParam } from "../webhooks/schemas";
import { authorize } from "./auth";
import { newRouter } from "./router";
import { errorResponses, JSON_BODY_ERRORS, jsonBody, jsonResponse } from "./openapi-helpers";
import { decodeCursor, encodeCursor, PageQuery, pageSchema } from "./pagination";

const tags = ["Tokens"];

export const tokenRoutes = newRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/namespaces/{ns}/tokens",
      tags,
      operationId: "createToken",
      summary: "Create a namespace token",
      description:
        "Admin only. The answer carries `token` once; only its SHA-256 is stored, so it cannot be shown again. " +
        "Scopes: `webhooks:read`, `webhooks:write`, `events:publish`, `webhooks:poll` (polling only), `portal:create` (portal links, docs/portal.md). " +
        "With `webhook_id` the token touches that one webhook and nothing else (403 or 404 for the rest).",
      request: { params: NamespaceParam, body: jsonBody(TokenCreate) },
      responses: {
        201: jsonResponse(CreatedToken, "Created; `token` is shown only here."),
        ...errorResponses(...JSON_BODY_ERRORS, "forbidden", "not_found", "validation_failed"),
      },
    }),
    async (c) => {
      const { ns } = c.req.valid("param");
      authorize(c.get("principal"), ns, "admin");
      return c.json(await createToken(c.env, ns, c.req.valid("json")), 201);
    },
  )

  .openapi(
    createRoute({
      method: "get",
      path: "/v1/namespaces/{ns}/tokens",
      tags,
      operationId: "listTokens",
      summary: "List a namespace's tokens",
      description: "Admin only. Oldest first, revoked ones included; never the token values.",
      request: { params: NamespaceParam, query: PageQuery },
      responses: { 200: jsonResponse(pageSchema(Token), "A page of tokens."), ...errorResponses("forbidden", "not_found", "validation_failed") },
    }),
    async (c) => {
      const { ns } = c.req.valid("param");
      authorize(c.get("principal"), ns, "admin");
      const { limit, cursor } = c.req.valid("query");
      const page = await listTokens(c.env, ns, limit, decodeCursor(cursor, isTokenCursor));
      return c.json({ data: page.rows.map(toTokenView), next_cursor: page.next ? encodeCursor(page.next) : null }, 200);
    },
  )

  .openapi(
    createRoute({
      method: "delete",
      path: "/v1/namespaces/{ns}/tokens/{id}",
      tags,
      operationId: "revokeToken",
      summary: "Revoke a token",
      description: "Admin only. The token answers 401 from now on; it stays listed with `revoked_at`.",
      request: { params: TokenParams },
      responses: { 204: { description: "Revoked." }, ...errorResponses("forbidden", "not_found", "validation_failed") },
    }),
    async (c) => {
      const { ns, id } = c.req.valid("param");
      authorize(c.get("principal"), ns, "admin");
      await revokeToken(c.env, ns, id);
      return c.body(null, 204);
    },
  );
