/** Request and response schemas of the tokens API (also the OpenAPI document's). */
import { z } from "@hono/zod-openapi";
import { tokenScopes } from "../db/control-schema";
import { NamespaceParam } from "../webhooks/schemas";

export const TokenParams = NamespaceParam.extend({
  id: z.string().min(1).max(64).openapi({ param: { name: "id", in: "path" }, example: "tok_8fJ2kQz" }),
});

export const TokenCreate = z
  .strictObject({
    name: z.string().trim().min(1).max(100).openapi({ example: "ci-publisher" }),
    scopes: z
      .array(z.enum(tokenScopes))
      .min(1, "grant at least one scope")
      .max(tokenScopes.length * 2)
      .openapi({ example: ["events:publish"] }),
    webhook_id: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .openapi({ description: "Limits the token to this webhook of the namespace: every other route answers 403 or 404.", example: "wh_3kTMd9Qz" }),
  })
  .openapi("TokenCreate");

const tokenFields = {
  id: z.string(),
  name: z.string(),
  scopes: z.array(z.enum(tokenScopes)),
  webhook_id: z.string().optional().openapi({ description: "The one webhook the token may touch; absent for a token of the whole namespace." }),
  created_at: z.string(),
};

export const CreatedToken = z
  .object({
    ...tokenFields,
    token: z.string().openapi({ description: "The token itself, shown only in this answer. Send it as `Authorization: Bearer <token>`." }),
  })
  .openapi("CreatedToken");

export const Token = z
  .object({
    ...tokenFields,
    last_used_at: z.string().nullable().openapi({ description: "Refreshed at most once a minute." }),
    revoked_at: z.string().nullable(),
  })
  .openapi("Token");

export type TokenCreateInput = z.infer<typeof TokenCreate>;
export type CreatedTokenView = z.infer<typeof CreatedToken>;
export type TokenView = z.infer<typeof Token>;
