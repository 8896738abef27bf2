import { createRoute, z } from "@hono/zod-openapi";
import { everyShard, shardReports } from "../db/shards";
import { pruneExpired } from "../delivery/retention";
import { resetUsage, usage } from "../usage";
import { authorize } from "./auth";
import { newRouter } from "./router";
import { errorResponses, JSON_BODY_ERRORS, jsonBody, jsonResponse } from "./openapi-helpers";

const PruneRequest = z
  .strictObject({ now: z.number().int().positive().optional().openapi({ description: "Run as if it were this time (ms since epoch); default now." }) })
  .openapi("RetentionPruneRequest");
const PruneResult = z.object({ events: z.number(), deliveries: z.number(), attempts: z.number() }).openapi("RetentionPruneResult");

const Usage = z.object(Object.fromEntries(Object.keys(usage).map((k) => [k, z.number()]))).openapi("Usage");

const Shard = z
  .object({
    binding: z.string().openapi({ description: "The shard's D1 binding name (SHARDS in wrangler.toml)." }),
    open: z.boolean().openapi({ description: "Whether new namespaces may be placed on it (false when listed in SHARDS_CLOSED)." }),
    namespaces: z.number().int().openapi({ description: "Namespaces placed on it, from the control database's directory." }),
    size_bytes: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "The database's size in bytes as D1 reports it (`meta.size_after`); null when the shard did not answer." }),
  })
  .openapi("Shard");
const ShardList = z.object({ shards: z.array(Shard) }).openapi("ShardList");

export const adminRoutes = newRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/admin/shards",
      tags: ["Admin"],
      operationId: "listShards",
      summary: "The D1 shards, their namespaces and sizes",
      description:
        "Every shard listed in SHARDS: whether it takes new namespaces, how many namespaces are placed on it, and its size " +
        "in bytes from D1's own result metadata (admin token). See docs/shards.md.",
      responses: { 200: jsonResponse(ShardList, "The shards, in SHARDS order."), ...errorResponses("forbidden") },
    }),
    async (c) => {
      authorize(c.get("principal"), null, "admin");
      return c.json({ shards: await shardReports(c.env) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/admin/usage",
      tags: ["Admin"],
      operationId: "getUsage",
      summary: "Billable usage counted by this isolate since start or reset",
      description: "D1 figures are D1's own `meta`, summed where the queries run. Used by the benchmark.",
      responses: { 200: jsonResponse(Usage, "Counters."), ...errorResponses("forbidden") },
    }),
    (c) => {
      authorize(c.get("principal"), null, "admin");
      return c.json({ ...usage }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/admin/usage/reset",
      tags: ["Admin"],
      operationId: "resetUsage",
      summary: "Reset the usage counters",
      description:
        "Sets every usage counter of this isolate back to zero (admin token). Benchmarks call it before a run.",
      responses: { 204: { description: "Reset." }, ...errorResponses("forbidden") },
    }),
    (c) => {
      authorize(c.get("principal"), null, "admin");
      resetUsage();
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/admin/retention/prune",
      tags: ["Admin"],
      operationId: "pruneRetention",
      summary: "Run one retention pass now",
      description:
        "What the Cron Trigger runs each minute on every shard, bounded the same way; the counts are summed over shards. `now` lets the benchmark measure the rows a later " +
        "prune deletes (a delete is a billed write) without waiting RETENTION_DAYS.",
      request: { body: jsonBody(PruneRequest) },
      responses: { 200: jsonResponse(PruneResult, "Rows removed by this pass."), ...errorResponses(...JSON_BODY_ERRORS, "forbidden", "validation_failed") },
    }),
    async (c) => {
      authorize(c.get("principal"), null, "admin");
      const { now } = c.req.valid("json");
      const passes = await everyShard(c.env, (senv) => pruneExpired(senv, now));
      return c.json(
        passes.reduce((a, b) => ({ events: a.events + b.events, deliveries: a.deliveries + b.deliveries, attempts: a.attempts + b.attempts })),
        200,
      );
    },
  );
