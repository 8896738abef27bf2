/** SECRETS_KEY rotation's last step: re-seal stored webhook secrets (admin only). */
import { createRoute, z } from "@hono/zod-openapi";
import { resealSecrets } from "../security/reseal";
import { authorize } from "./auth";
import { newRouter } from "./router";
import { errorResponses, JSON_BODY_ERRORS, jsonBody, jsonResponse } from "./openapi-helpers";

const ResealRequest = z.strictObject({ after: z.string().max(64).optional().openapi({ description: "`next` of the previous answer." }) }).openapi("ResealRequest");
const ResealResult = z
  .object({
    checked: z.number().int(),
    resealed: z.number().int(),
    unreadable: z.number().int().openapi({ description: "Values that open under neither key in their own row; left as they are." }),
    next: z.string().nullable().openapi({ description: "Send it as `after` to continue; null when every webhook was checked." }),
  })
  .openapi("ResealResult");

export const secretsKeyRoutes = newRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/admin/secrets/reseal",
      tags: ["Admin"],
      operationId: "resealSecrets",
      summary: "Re-seal webhook secrets under the current SECRETS_KEY",
      description:
        "After a SECRETS_KEY rotation (SECRETS_KEY_PREVIOUS set to the old key), and once after upgrading to row-bound seals: " +
        "re-encrypts up to 100 webhooks' secrets per call under the current key, each bound to its webhook and column. Repeat with `after: next` until `next` is null, then remove SECRETS_KEY_PREVIOUS. Secrets are never answered.",
      request: { body: jsonBody(ResealRequest) },
      responses: { 200: jsonResponse(ResealResult, "One page checked."), ...errorResponses(...JSON_BODY_ERRORS, "forbidden", "validation_failed") },
    }),
    async (c) => {
      authorize(c.get("principal"), null, "admin");
      return c.json(await resealSecrets(c.env, c.req.valid("json").after), 200);
    },
  );
