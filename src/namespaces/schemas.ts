/** Bodies of the namespace lifecycle routes (api-contract.md, "Namespaces"), also the OpenAPI document's. */
import { z } from "@hono/zod-openapi";
import { namespaceStatuses } from "../db/control-schema";

export const NamespaceSummary = z
  .object({
    namespace: z.string().openapi({ example: "acme" }),
    shard: z.string().openapi({ description: "The D1 binding that holds it (SHARDS).", example: "SHARD_0" }),
    status: z.enum(namespaceStatuses).openapi({ description: "`active`, `moving` (to `moving_to`) or `deleting` (until it answers 404)." }),
    webhooks: z.number().int().openapi({ description: "Webhooks stored now." }),
    events: z.number().int().openapi({ description: "Events stored now (within retention)." }),
  })
  .openapi("NamespaceSummary");

export const NamespaceDetail = NamespaceSummary.extend({
  moving_to: z.string().nullable().openapi({ description: "The shard it is being moved to; null unless moving." }),
}).openapi("NamespaceDetail");

export const NamespaceAccepted = z
  .object({ namespace: z.string(), status: z.enum(namespaceStatuses) })
  .openapi("NamespaceAccepted", { example: { namespace: "acme", status: "deleting" } });

export const MoveRequest = z
  .strictObject({ to: z.string().min(1).max(64).openapi({ description: "The shard's D1 binding name, listed in SHARDS and open.", example: "SHARD_1" }) })
  .openapi("NamespaceMoveRequest");

export type NamespaceSummaryView = z.infer<typeof NamespaceSummary>;
export type NamespaceDetailView = z.infer<typeof NamespaceDetail>;
