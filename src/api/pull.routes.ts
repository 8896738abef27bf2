/** Pull delivery (docs/pull.md): the event feed, and polling a webhook of mode `poll`. */
import { createRoute } from "@hono/zod-openapi";
import { eventFeed } from "../pull/event-feed";
import { FeedPage, FeedQuery } from "../pull/schemas";
import { NamespaceParam } from "../webhooks/schemas";
import { authorize } from "./auth";
import { errorResponses, jsonResponse } from "./openapi-helpers";
import { newRouter } from "./router";

export const pullRoutes = newRouter().openapi(
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
);
