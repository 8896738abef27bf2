import { z } from "@hono/zod-openapi";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../api/json-depth";
import { examplePayloads } from "./examples";
import { isReservedEventId } from "./operational-ids";

export const EVENT_BODY_LIMIT = 256 * 1024;

/** An ordering key (api-contract.md, "Ordered delivery"): a pipeline or build id, say. */
export const OrderingKey = z.string().regex(/^[A-Za-z0-9._:/-]{1,128}$/, "use 1 to 128 letters, digits, . _ : / or -");

export const EventPublish = z
  .strictObject({
    type: z.string().min(1).max(100).openapi({ example: "build.finished" }),
    // Required: an event without its payload is a publisher's mistake, and delivering `{}` in its place would hide it.
    data: z
      .unknown()
      .refine((d) => d !== undefined, { message: "required: the event's payload (GET /v1/event-types has an example per type)", abort: true })
      .refine((d) => !nestsDeeperThan(d), `nests deeper than ${MAX_JSON_DEPTH} levels, the limit`)
      .openapi({
        type: "object",
        additionalProperties: true,
        description: `The payload (required); validated against the type's schema; unknown fields pass through. At most ${MAX_JSON_DEPTH} levels deep. \`GET /v1/event-types\` shows each type's fields and an example.`,
      }),
    id: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, "use 1 to 64 letters, digits, - or _")
      .refine((id) => !isReservedEventId(id), "reserved for the dispatcher's own events")
      .optional()
      .openapi({ description: "Idempotency key; generated (evt_...) when absent." }),
    ordering_key: OrderingKey.optional().openapi({
      description:
        "Events sharing a key reach each `ordered` webhook one at a time, in the order they were accepted (docs/ordering.md). " +
        "1 to 128 of A-Z a-z 0-9 . _ : / -.",
      example: "pipeline-4711",
    }),
  })
  .openapi("EventPublish", {
    example: { type: "build.finished", id: "build-1-finished", ordering_key: "pipeline-4711", data: examplePayloads["build.finished"] },
  });

export const EventAccepted = z
  .object({
    id: z.string(),
    type: z.string(),
    data: z.unknown(),
    ordering_key: z.string().nullable().openapi({ description: "The event's ordering key; null if none." }),
    created_at: z.string(),
    deliveries: z.number().int().openapi({ description: "Deliveries created (one per subscribed webhook)." }),
  })
  .openapi("EventAccepted");

export const EventDetail = EventAccepted.extend({
  delivery_list: z.array(
    z.object({ id: z.string(), webhook_id: z.string(), status: z.string(), attempts: z.number().int() }),
  ),
}).openapi("EventDetail");

export const EventParams = z.object({
  ns: z.string().openapi({ param: { name: "ns", in: "path" } }),
  id: z.string().max(64).openapi({ param: { name: "id", in: "path" } }),
});
