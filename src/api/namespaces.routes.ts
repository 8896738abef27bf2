/**
 * Namespaces (api-contract.md, "Namespaces"; docs/operations.md): one
 * namespace and the list, delete (with everything in it), export. Reading
 * one namespace or exporting it: the admin, or a token of that namespace
 * with `webhooks:read` (what it could read anyway, one call at a time).
 * The list, delete and move: the admin only.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { NamespaceParam } from "../webhooks/schemas";
import { exportNamespace } from "../namespaces/export";
import { deleteNamespace, getNamespace, listNamespaces } from "../namespaces/lifecycle";
import { startMove } from "../namespaces/move";
import { MoveRequest, NamespaceAccepted, NamespaceDetail, NamespaceSummary } from "../namespaces/schemas";
import { authorize } from "./auth";
import { errorResponses, JSON_BODY_ERRORS, jsonResponse } from "./openapi-helpers";
import { decodeCursor, encodeCursor, PageQuery, pageSchema } from "./pagination";
import { newRouter } from "./router";

const tags = ["Namespaces"];
const isString = (v: unknown): v is string => typeof v === "string";

export const namespaceRoutes = newRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/admin/namespaces",
      tags,
      operationId: "listNamespaces",
      summary: "List namespaces",
      description: "Every namespace in the directory, by name, a page at a time, with its shard, status and counts as stored now (admin token).",
      request: { query: PageQuery },
      responses: { 200: jsonResponse(pageSchema(NamespaceSummary), "A page of namespaces, by name."), ...errorResponses("forbidden", "validation_failed") },
    }),
    async (c) => {
      authorize(c.get("principal"), null, "admin");
      const { limit, cursor } = c.req.valid("query");
      const page = await listNamespaces(c.env, limit, decodeCursor(cursor, isString));
      return c.json({ data: page.data, next_cursor: page.next === null ? null : encodeCursor(page.next) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/namespaces/{ns}",
      tags,
      operationId: "getNamespace",
      summary: "Get a namespace",
      description:
        "Its shard, status (`active`, `moving`, `deleting`), `moving_to`, and how many webhooks and events it stores now. After a delete it shows `deleting` until it answers 404. " +
        "The admin token, or a token of the namespace with `webhooks:read`.",
      request: { params: NamespaceParam },
      responses: { 200: jsonResponse(NamespaceDetail, "The namespace."), ...errorResponses("forbidden", "not_found", "validation_failed") },
    }),
    async (c) => {
      const { ns } = c.req.valid("param");
      authorize(c.get("principal"), ns, "webhooks:read");
      return c.json(await getNamespace(c.env, ns), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/v1/namespaces/{ns}",
      tags,
      operationId: "deleteNamespace",
      summary: "Delete a namespace with everything in it",
      description:
        "Its tokens and webhooks go at once; its events, deliveries and attempts, on every day of its shard, are purged in the background in bounded steps, and its " +
        "directory entry last (docs/operations.md). Meanwhile publishing to it answers 409 and GET shows `deleting`. D1 Time Travel still holds the deleted rows for its " +
        "retention window (30 days). Admin token.",
      request: { params: NamespaceParam },
      responses: {
        202: jsonResponse(NamespaceAccepted, "Deletion started (or already running)."),
        ...errorResponses("forbidden", "not_found", "conflict", "validation_failed"),
      },
    }),
    async (c) => {
      const { ns } = c.req.valid("param");
      authorize(c.get("principal"), ns, "admin");
      await deleteNamespace(c.env, ns);
      return c.json({ namespace: ns, status: "deleting" as const }, 202);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/namespaces/{ns}/export",
      tags,
      operationId: "exportNamespace",
      summary: "Export a namespace as NDJSON",
      description:
        "One JSON object a line, each with `kind`: every `webhook` (its API shape, no secret), then every `event`, then every `delivery` (its detail shape, attempts included), " +
        "streamed in bounded reads. The admin token, or a token of the namespace with `webhooks:read`.",
      request: { params: NamespaceParam },
      responses: {
        200: {
          description: "The namespace, one object a line.",
          content: {
            "application/x-ndjson": {
              schema: z.string().openapi({
                example: '{"kind":"webhook","id":"wh_…","name":"ci","url":"https://example.com/hook"}\n{"kind":"event","id":"evt_…","type":"build.finished"}\n',
              }),
            },
          },
        },
        ...errorResponses("forbidden", "not_found", "validation_failed"),
      },
    }),
    async (c) => {
      const { ns } = c.req.valid("param");
      authorize(c.get("principal"), ns, "webhooks:read");
      const body = await exportNamespace(c.env, ns);
      // A stream in a content type the route's typed answers do not model (they know JSON and text).
      return c.newResponse(body, 200, { "content-type": "application/x-ndjson; charset=utf-8", "content-disposition": `attachment; filename="${ns}.ndjson"` }) as never;
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/admin/namespaces/{ns}/move",
      tags,
      operationId: "moveNamespace",
      summary: "Move a namespace to another shard, online",
      description:
        "Copies its webhooks, events, deliveries and attempts to the shard `to`, switches its directory entry, then removes them from the old shard, in bounded steps " +
        "through the queue (docs/shards.md, docs/operations.md). Publishing and delivering go on meanwhile; changes to its webhooks, redeliveries and recoveries answer " +
        "409 until the move ends. Delivery ids and the log stay the same. GET /v1/namespaces/{ns} shows `moving` and `moving_to` until it is `active` on `to`. " +
        "422 for a shard not in SHARDS, closed (SHARDS_CLOSED), without its tables, or the one it is on; 409 while it is moving or being deleted. Admin token.",
      request: { params: NamespaceParam, body: { content: { "application/json": { schema: MoveRequest, example: { to: "SHARD_1" } } }, required: true } },
      responses: {
        202: {
          description: "The move started.",
          content: { "application/json": { schema: NamespaceAccepted, example: { namespace: "acme", status: "moving" } } },
        },
        ...errorResponses(...JSON_BODY_ERRORS, "forbidden", "not_found", "conflict", "validation_failed"),
      },
    }),
    async (c) => {
      const { ns } = c.req.valid("param");
      authorize(c.get("principal"), ns, "admin");
      await startMove(c.env, ns, c.req.valid("json").to);
      return c.json({ namespace: ns, status: "moving" as const }, 202);
    },
  );
