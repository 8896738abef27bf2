import { z } from "@hono/zod-openapi";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../api/json-depth";
import { isReservedEventId } from "./operational-ids";

export const EVENT_BODY_LIMIT = 256 * 1024;

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
        description: `The payload (required); validated against the type's schema; unknown fields pass through. At most ${MAX_JSON_DEPTH} levels deep. \`GET /v1/event-types\` shows each type's fields and an example.`,
      }),
    id: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, "use 1 to 64 letters, digits, - or _")
      .refine((id) => !isReservedEventId(id), "reserved for the dispatcher's own events")
      .optional()
      .openapi({ description: "Idempotency key; generated (evt_...) when absent." }),
  })
  .openapi("EventPublish");

export const EventAccepted = z
  .object({
    id: z.string(),
    type: z.string(),
    data: z.unknown(),
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
