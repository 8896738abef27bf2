import { namespaceEnv } from "../db/shards";
import { createRoute } from "@hono/zod-openapi";
import { isDeliveryCursor, listWebhookDeliveries } from "../delivery/log";
import { DeliveryListQuery, DeliverySummary } from "../delivery/schemas";
import { recoverWebhook } from "../delivery/recover";
import { disabled } from "../delivery/redeliver";
import {
  NamespaceParam,
  RecoverAccepted,
  RecoverRequest,
  RotatedWebhook,
  RotateSecret,
  Webhook,
  WebhookCreate,
  WebhookParams,
  WebhookUpdate,
  WebhookWithSecret,
} from "../webhooks/schemas";
import { enforceRateLimit } from "../tenants/limits";
import { rotateSecret } from "../webhooks/rotation";
import { ExampleRequest, pingWebhook, PingQuery, PingQueued, PingResult, sendExample } from "../webhooks/ping";
import { createWebhook, deleteWebhook, findWebhook, listWebhooks, toView, updateWebhook } from "../webhooks/service";
import { authorize, authorizeEvents } from "./auth";
import { newRouter } from "./router";
import { errorResponses, JSON_BODY_ERRORS, jsonBody, jsonResponse } from "./openapi-helpers";
import { decodeCursor, encodeCursor, PageQuery, pageSchema } from "./pagination";

const tags = ["Webhooks"];
const isString = (v: unknown): v is string => typeof v === "string";

export const webhookRoutes = newRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/namespaces/{ns}/webhooks",
      tags,
      operationId: "createWebhook",
      summary: "Create a webhook",
      description:
        "Registers an endpoint for events of the namespace. The answer carries the signing `secret` (generated unless given); later answers show only `secret_hint`. Needs `webhooks:write`.",
      request: { params: NamespaceParam, body: jsonBody(WebhookCreate) },
      responses: {
        201: jsonResponse(WebhookWithSecret, "Created; `secret` is shown only here."),
        ...errorResponses(...JSON_BODY_ERRORS, "forbidden", "not_found", "validation_failed", "unknown_event_type", "url_not_allowed", "conflict", "limit_exceeded"),
      },
    }),
    async (c) => {
      const { ns } = c.req.valid("param");
      authorize(c.get("principal"), ns, "webhooks:write");
      authorizeEvents(c.get("principal"), c.req.valid("json").events);
      return c.json(await createWebhook(c.env, ns, c.req.valid("json")), 201);
    },
  )

  .openapi(
    createRoute({
      method: "get",
      path: "/v1/namespaces/{ns}/webhooks",
      tags,
      operationId: "listWebhooks",
      summary: "List webhooks",
      description:
        "The namespace's webhooks, ordered by name, a page at a time (`limit`, `cursor`). Needs `webhooks:read`.",
      request: { params: NamespaceParam, query: PageQuery },
      responses: { 200: jsonResponse(pageSchema(Webhook), "A page of webhooks, by name."), ...errorResponses("forbidden", "not_found", "validation_failed") },
    }),
    async (c) => {
      const { ns } = c.req.valid("param");
      authorize(c.get("principal"), ns, "webhooks:read");
      const { limit, cursor } = c.req.valid("query");
      const page = await listWebhooks(c.env, ns, limit, decodeCursor(cursor, isString));
      return c.json({ data: page.rows.map(toView), next_cursor: page.nextName === null ? null : encodeCursor(page.nextName) }, 200);
    },
  )

  .openapi(
    createRoute({
      method: "get",
      path: "/v1/namespaces/{ns}/webhooks/{id}",
      tags,
      operationId: "getWebhook",
      summary: "Get a webhook",
      description:
        "One webhook, with `secret_hint` instead of its secret. Needs `webhooks:read`.",
      request: { params: WebhookParams },
      responses: { 200: jsonResponse(Webhook, "The webhook."), ...errorResponses("forbidden", "not_found", "validation_failed") },
    }),
    async (c) => {
      const { ns, id } = c.req.valid("param");
      authorize(c.get("principal"), ns, "webhooks:read", id);
      return c.json(toView(await findWebhook(c.env, ns, id)), 200);
    },
  )

  .openapi(
    createRoute({
      method: "patch",
      path: "/v1/namespaces/{ns}/webhooks/{id}",
      tags,
      operationId: "updateWebhook",
      summary: "Change a webhook",
      description: "`active: true` also re-enables a disabled webhook.",
      request: { params: WebhookParams, body: jsonBody(WebhookUpdate) },
      responses: {
        200: jsonResponse(Webhook, "The changed webhook."),
        ...errorResponses(...JSON_BODY_ERRORS, "forbidden", "not_found", "validation_failed", "unknown_event_type", "url_not_allowed", "conflict"),
      },
    }),
    async (c) => {
      const { ns, id } = c.req.valid("param");
      authorize(c.get("principal"), ns, "webhooks:write", id);
      authorizeEvents(c.get("principal"), c.req.valid("json").events);
      return c.json(await updateWebhook(c.env, ns, id, c.req.valid("json")), 200);
    },
  )

  .openapi(
    createRoute({
      method: "delete",
      path: "/v1/namespaces/{ns}/webhooks/{id}",
      tags,
      operationId: "deleteWebhook",
      summary: "Delete a webhook",
      description: "Pending deliveries end as failed (`webhook_deleted`); history stays readable until retention removes it.",
      request: { params: WebhookParams },
      responses: { 204: { description: "Deleted." }, ...errorResponses("forbidden", "not_found", "validation_failed") },
    }),
    async (c) => {
      const { ns, id } = c.req.valid("param");
      authorize(c.get("principal"), ns, "webhooks:write", id);
      await deleteWebhook(c.env, ns, id);
      return c.body(null, 204);
    },
  )

  .openapi(
    createRoute({
      method: "post",
      path: "/v1/namespaces/{ns}/webhooks/{id}/ping",
      tags,
      operationId: "pingWebhook",
      summary: "Send a test ping",
      description:
        "Sends a test event to this webhook only, in its format, through the normal queue: `ping` for `standard`, `circleci`, `slack` and `discord`; " +
        "for `djinn` and `puppet`, whose systems have no ping, the catalog's example of an event the webhook subscribes to, " +
        "with the header `x-ci-webhooks-test: true`. " +
        "It appears in the webhook's delivery log. With `?wait=true` the answer waits up to 20 s for the first attempt " +
        "and is 200 with its result; if no attempt was made in that time it is 202 like without `wait`.",
      request: { params: WebhookParams, query: PingQuery },
      responses: {
        202: jsonResponse(PingQueued, "Queued; follow it at GET .../deliveries/{delivery_id}."),
        200: jsonResponse(PingResult, "The first attempt's result (`?wait=true`)."),
        ...errorResponses("forbidden", "not_found", "validation_failed", "webhook_disabled", "rate_limited"),
      },
    }),
    async (c) => {
      const { ns, id } = c.req.valid("param");
      authorize(c.get("principal"), ns, "webhooks:write", id);
      await enforceRateLimit(c.env, "owner_action", ns);
      const ping = await pingWebhook(c.env, ns, id, { wait: c.req.valid("query").wait === "true" });
      return "result" in ping ? c.json(ping.result, 200) : c.json(ping.queued, 202);
    },
  )

  .openapi(
    createRoute({
      method: "post",
      path: "/v1/namespaces/{ns}/webhooks/{id}/test",
      tags,
      operationId: "sendExampleEvent",
      summary: "Send an example event",
      description:
        "Sends the catalog's example of `type` (GET /v1/event-types shows it) to this webhook only, in its format, through the normal queue, " +
        "marked as a test like the ping. The type must be one the webhook's format carries (422 otherwise). `?wait=true` as for the ping.",
      request: { params: WebhookParams, query: PingQuery, body: jsonBody(ExampleRequest) },
      responses: {
        202: jsonResponse(PingQueued, "Queued; follow it at GET .../deliveries/{delivery_id}."),
        200: jsonResponse(PingResult, "The first attempt's result (`?wait=true`)."),
        ...errorResponses(...JSON_BODY_ERRORS, "forbidden", "not_found", "validation_failed", "unknown_event_type", "webhook_disabled", "rate_limited"),
      },
    }),
    async (c) => {
      const { ns, id } = c.req.valid("param");
      authorize(c.get("principal"), ns, "webhooks:write", id);
      await enforceRateLimit(c.env, "owner_action", ns);
      const sent = await sendExample(c.env, ns, id, c.req.valid("json").type, { wait: c.req.valid("query").wait === "true" });
      return "result" in sent ? c.json(sent.result, 200) : c.json(sent.queued, 202);
    },
  )

  .openapi(
    createRoute({
      method: "get",
      path: "/v1/namespaces/{ns}/webhooks/{id}/deliveries",
      tags: ["Deliveries"],
      operationId: "listWebhookDeliveries",
      summary: "List a webhook's deliveries",
      description: "Newest first.",
      request: { params: WebhookParams, query: PageQuery.merge(DeliveryListQuery) },
      responses: {
        200: jsonResponse(pageSchema(DeliverySummary), "A page of deliveries."),
        ...errorResponses("forbidden", "not_found", "validation_failed"),
      },
    }),
    async (c) => {
      const { ns, id } = c.req.valid("param");
      authorize(c.get("principal"), ns, "webhooks:read", id);
      const { limit, cursor, status } = c.req.valid("query");
      const webhook = await findWebhook(c.env, ns, id);
      const page = await listWebhookDeliveries(await namespaceEnv(c.env, ns), webhook.id, { limit, status, cursor: decodeCursor(cursor, isDeliveryCursor) });
      return c.json({ data: page.data, next_cursor: page.next ? encodeCursor(page.next) : null }, 200);
    },
  )

  .openapi(
    createRoute({
      method: "post",
      path: "/v1/namespaces/{ns}/webhooks/{id}/recover",
      tags,
      operationId: "recoverWebhook",
      summary: "Re-send every failed delivery since a time",
      description:
        "Every `failed` delivery of this webhook created at or after `since` (and before this request) goes back to pending " +
        "and is sent once more, as a manual attempt. Works in bounded chunks; a large recovery continues in the background. " +
        "`enqueued` counts them all.",
      request: { params: WebhookParams, body: jsonBody(RecoverRequest) },
      responses: {
        202: jsonResponse(RecoverAccepted, "Queued."),
        ...errorResponses(...JSON_BODY_ERRORS, "forbidden", "not_found", "validation_failed", "webhook_disabled", "rate_limited"),
      },
    }),
    async (c) => {
      const { ns, id } = c.req.valid("param");
      authorize(c.get("principal"), ns, "webhooks:write", id);
      await enforceRateLimit(c.env, "owner_action", ns);
      const webhook = await findWebhook(c.env, ns, id);
      if (!webhook.active) throw disabled(webhook.disabledReason);
      const since = Date.parse(c.req.valid("json").since);
      return c.json({ enqueued: await recoverWebhook(await namespaceEnv(c.env, ns, "owner"), webhook.id, since) }, 202);
    },
  )

  .openapi(
    createRoute({
      method: "post",
      path: "/v1/namespaces/{ns}/webhooks/{id}/rotate-secret",
      tags,
      operationId: "rotateWebhookSecret",
      summary: "Rotate the signing secret",
      description:
        "Answers the new secret, once. For `grace_seconds` (default 24 h) the previous secret keeps signing too: " +
        "`standard` and `puppet` send both signatures; `djinn` and `circleci`, whose receivers take one, keep signing with the old one until the grace period ends. " +
        "An `ed25519` webhook gets a new key pair instead (no `secret` may be given; the answer's `public_key` is the new one) and sends both `v1a` signatures during the grace period.",
      request: { params: WebhookParams, body: { ...jsonBody(RotateSecret), required: false } },
      responses: {
        200: jsonResponse(RotatedWebhook, "The webhook and its new secret (shown only here)."),
        ...errorResponses(...JSON_BODY_ERRORS, "forbidden", "not_found", "validation_failed", "conflict", "rate_limited"),
      },
    }),
    async (c) => {
      const { ns, id } = c.req.valid("param");
      authorize(c.get("principal"), ns, "webhooks:write", id);
      await enforceRateLimit(c.env, "owner_action", ns);
      return c.json(await rotateSecret(c.env, ns, id, c.req.valid("json")), 200);
    },
  );
