/** Pull delivery (docs/pull.md): the event feed, and polling a webhook of mode `poll`. */
import { createRoute } from "@hono/zod-openapi";
import { eventFeed } from "../pull/event-feed";
import { pollWebhook } from "../pull/poll";
import { FeedPage, FeedQuery, PollPage, PollQuery } from "../pull/schemas";
import { NamespaceParam, WebhookParams } from "../webhooks/schemas";
import { authorize } from "./auth";
import { errorResponses, jsonResponse } from "./openapi-helpers";
import { newRouter } from "./router";

export const pullRoutes = newRouter()
  .openapi(
  createRoute({
    method: "get",
    path: "/v1/namespaces/{ns}/events",
    tags: ["Events"],
    operationId: "listEvents",
    summary: "The event feed",
    description:
      "Events oldest first, as publish answered them. `next_cursor` is never null: a reader resumes from it exactly, " +
      "nothing skipped and nothing twice, across days and while events keep arriving; `done` says it has caught up for now. " +
      "An event that fanned out to no webhook shows once it is 5 s old. Needs `webhooks:read`.",
    request: { params: NamespaceParam, query: FeedQuery },
    responses: {
      200: jsonResponse(FeedPage, "A page of the feed."),
      ...errorResponses("forbidden", "not_found", "validation_failed", "invalid_cursor", "unknown_event_type"),
    },
  }),
  async (c) => {
    const { ns } = c.req.valid("param");
    authorize(c.get("principal"), ns, "webhooks:read");
    return c.json(await eventFeed(c.env, ns, c.req.valid("query")), 200);
  },
)
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/namespaces/{ns}/webhooks/{id}/poll",
      tags: ["Webhooks"],
      operationId: "pollWebhook",
      summary: "Poll a webhook of mode poll",
      description:
        "What the webhook would have been pushed, oldest first: each item's `body` is the exact string a push would POST and `headers` " +
        "every header it would carry, signatures included, so a receiver verifies it as it verifies a push. Subscription, format and filter apply. " +
        "`wait` (0-30 s) holds the answer open until an item arrives. A handed-out item shows in the delivery log as succeeded. " +
        "A disabled webhook answers 409 `webhook_disabled` (its cursor resumes once re-enabled). Needs `webhooks:poll` (or `webhooks:read`).",
      request: { params: WebhookParams, query: PollQuery },
      responses: {
        200: jsonResponse(PollPage, "A page of items."),
        ...errorResponses("forbidden", "not_found", "validation_failed", "invalid_cursor", "not_polling", "webhook_disabled"),
      },
    }),
    async (c) => {
      const { ns, id } = c.req.valid("param");
      authorize(c.get("principal"), ns, ["webhooks:poll", "webhooks:read"], id);
      return c.json(await pollWebhook(c.env, ns, id, c.req.valid("query")), 200);
    },
  );
