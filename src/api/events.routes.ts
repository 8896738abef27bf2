import { namespaceEnv, shardDb } from "../db/shards";
import { createRoute, z } from "@hono/zod-openapi";
import { ApiError } from "../errors";
import { webhookFormats } from "../delivery/formats";
import { formatsCarryingEventType, systemsOf } from "../events/carriage";
import { exampleFor } from "../events/examples";
import { eventAliases, eventCatalog } from "../events/catalog";
import { filterablePaths } from "../events/filter-paths";
import { deliveriesOfEvent } from "../db/stores/events";
import { getEvent, publishEvent } from "../events/publish";
import { EventAccepted, EventDetail, EventParams, EventPublish } from "../events/schemas";
import { validateEvent } from "../events/validate";
import { deliveryId } from "../ids";
import { NamespaceParam } from "../webhooks/schemas";
import { authorize } from "./auth";
import { newRouter } from "./router";
import { errorResponses, JSON_BODY_ERRORS, jsonBody, jsonResponse } from "./openapi-helpers";
import { enforceRateLimit } from "../tenants/limits";

// The 256 KiB cap on event bodies is src/api/body-limit.ts's, before anything reads the body.
const router = newRouter();

export const eventRoutes = router
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/namespaces/{ns}/events",
      tags: ["Events"],
      operationId: "publishEvent",
      summary: "Publish an event",
      description:
        "Stores the event once and fans it out to every active webhook of the namespace subscribed to its type. " +
        "Re-posting the same `id` with the same body answers 200 with the original event and fans out nothing. " +
        "Numbers beyond 2^53 lose precision in JSON parsing; send them as strings.",
      request: { params: NamespaceParam, body: jsonBody(EventPublish) },
      responses: {
        202: jsonResponse(EventAccepted, "Accepted and durable; deliveries are queued."),
        200: jsonResponse(EventAccepted, "Already accepted earlier with this id; nothing new was fanned out."),
        ...errorResponses(...JSON_BODY_ERRORS, "payload_too_large", "forbidden", "not_found", "validation_failed", "unknown_event_type", "event_id_conflict", "rate_limited"),
      },
    }),
    async (c) => {
      const { ns } = c.req.valid("param");
      authorize(c.get("principal"), ns, "events:publish");
      await enforceRateLimit(c.env, "publish", ns);
      const body = c.req.valid("json");
      const event = validateEvent(body.type, body.data);
      // 202 once the event and its deliveries are durable in D1; the queue
      // messages follow in the background (the sweep covers a lost send).
      const result = await publishEvent(c.env, ns, { id: body.id, orderingKey: body.ordering_key, ...event }, { background: (work) => c.executionCtx.waitUntil(work) });
      const { id, type, data, ordering_key, created_at } = result.event;
      return c.json({ id, type, data, ordering_key, created_at, deliveries: result.deliveries }, result.duplicate ? 200 : 202);
    },
  )

  .openapi(
    createRoute({
      method: "get",
      path: "/v1/namespaces/{ns}/events/{id}",
      tags: ["Events"],
      operationId: "getEvent",
      summary: "Get an event and a summary of its deliveries",
      description:
        "The event as published and how many of its deliveries are in each status. Needs `webhooks:read`.",
      request: { params: EventParams },
      responses: { 200: jsonResponse(EventDetail, "The event."), ...errorResponses("forbidden", "not_found", "validation_failed") },
    }),
    async (c) => {
      const { ns, id } = c.req.valid("param");
      authorize(c.get("principal"), ns, "webhooks:read");
      const senv = await namespaceEnv(c.env, ns);
      const event = await getEvent(senv, ns, id);
      if (!event) throw new ApiError("not_found", "No such event.");
      const results = await deliveriesOfEvent(shardDb(senv), ns, id, { firstDeliverySeq: event.firstDeliverySeq, deliveryCount: event.deliveries });
      const { firstDeliverySeq: _first, ...view } = event;
      return c.json(
        { ...view, delivery_list: results.map((r) => ({ id: deliveryId(r.seq), webhook_id: r.webhookId, status: r.status, attempts: r.attempts })) },
        200,
      );
    },
  )

  .openapi(
    createRoute({
      method: "get",
      path: "/v1/event-types",
      tags: ["Events"],
      operationId: "listEventTypes",
      summary: "The event catalog",
      description: "Every event type, its source system, a description and the JSON Schema of its data.",
      responses: {
        200: jsonResponse(
          z.object({
            data: z.array(
              z.object({
                name: z.string(),
                system: z.string(),
                also_from: z.array(z.string()).openapi({ description: "Other systems that send this event under the same name." }),
                formats: z
                  .array(z.enum(webhookFormats))
                  .openapi({ description: "Webhook formats that carry this event: `standard` carries every event, the others their own system's." }),
                description: z.string(),
                operational: z.boolean(),
                aliases: z.array(z.string()),
                schema: z.record(z.string(), z.unknown()),
                example: z.record(z.string(), z.unknown()).openapi({ description: "A realistic payload (what \"send example\" sends)." }),
                examples: z
                  .record(z.string(), z.record(z.string(), z.unknown()))
                  .openapi({ description: "The example as each system that sends the type shapes it, by system." }),
                filterable_paths: z
                  .array(z.string())
                  .openapi({ description: "Dotted paths into data a webhook's filter may name (scalar fields of the schema)." }),
              }),
            ),
          }),
          "The catalog.",
        ),
        ...errorResponses(),
      },
    }),
    async (c) => {
      authorize(c.get("principal"), null, "any");
      return c.json({ data: eventTypesView() }, 200);
    },
  );

let cachedTypes: ReturnType<typeof buildEventTypesView> | null = null;
function buildEventTypesView() {
  return eventCatalog.map((e) => ({
    name: e.name,
    system: e.system,
    also_from: e.alsoFrom ?? [],
    formats: formatsCarryingEventType(e.name),
    description: e.description,
    operational: e.operational ?? false,
    aliases: Object.entries(eventAliases)
      .filter(([, to]) => to === e.name)
      .map(([from]) => from),
    schema: z.toJSONSchema(e.schema, { unrepresentable: "any" }) as Record<string, unknown>,
    example: exampleFor(e),
    examples: Object.fromEntries(systemsOf(e).map((s) => [s, exampleFor(e, s)])),
    filterable_paths: filterablePaths().get(e.name) ?? [],
  }));
}
export function eventTypesView() {
  return (cachedTypes ??= buildEventTypesView());
}
