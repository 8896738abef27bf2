/**
 * The API reference: `/openapi.json` (OpenAPI 3.1, generated from the same zod
 * schemas that validate requests) and `/docs`, an interactive page whose
 * script and styles come from the npm package swagger-ui-dist, bundled into
 * the Worker as text (wrangler `[[rules]]`), so nothing loads from a CDN and
 * the page works offline. Neither needs a token: the document describes the
 * API, it holds no data.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import swaggerUiCss from "swagger-ui-dist/swagger-ui.css";
import swaggerUiJs from "swagger-ui-dist/swagger-ui-bundle.js";
import { TOKEN_PREFIX } from "../security/token-check";
import type { AppContext } from "./context";
import { buildWebhooksSection, WEBHOOK_TAGS } from "./openapi-webhooks";
import { newRouter } from "./router";

export const BEARER_SCHEME = "bearer";

const DOCUMENT_CONFIG = {
  openapi: "3.1.0",
  info: {
    title: "ci-webhooks",
    version: "1",
    description:
      "Webhook dispatcher for CI/CD events. Every `/v1` request carries `Authorization: Bearer <token>`: " +
      "the admin token, or a namespace token with the scopes a route names. Errors share one shape, " +
      "`{ \"error\": { \"code\", \"message\", \"details\"?, \"request_id\" } }`; each route lists the codes it may answer. " +
      "A path asked with a method it does not serve answers 405 `method_not_allowed` with an `Allow` header; " +
      "a request refused by a rate limit answers 429 `too_many_requests` with `Retry-After`. " +
      "The `webhooks` section describes the requests this service sends to receivers, per event type and format.",
    contact: { name: "ci-webhooks maintainers" },
    // package.json is private and names no license yet: say so rather than invent one
    // (a `LicenseRef-` id is SPDX's way to name a license outside its list).
    license: { name: "Proprietary: no license granted yet", identifier: "LicenseRef-Proprietary" },
  },
  security: [{ [BEARER_SCHEME]: [] }],
  tags: [
    { name: "Webhooks", description: "Endpoints that receive events." },
    { name: "Deliveries", description: "One event to one webhook, and its attempts." },
    { name: "Events", description: "Publishing events and the catalog of types." },
    { name: "Tokens", description: "Namespace tokens and their scopes (admin token only)." },
    { name: "Namespaces", description: "A namespace's shard, state and counts; the list, delete with everything in it, export (docs/operations.md)." },
    { name: "Portal", description: "One-time links that open the dashboard for one namespace, embeddable and branded (docs/portal.md)." },
    { name: "Admin", description: "Admin token only." },
    ...WEBHOOK_TAGS,
  ],
};

/** Immutable per deployment, so the assets may be cached for a day. */
const ASSET_CACHE = "public, max-age=86400";

const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ci-webhooks API reference</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

// validatorUrl null: Swagger UI would otherwise send the document to an outside validator.
const INIT_JS = `window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  persistAuthorization: false,
});
`;

/**
 * Same-origin only: the page may not reach any other host. A header of this
 * route rather than app-wide middleware: no other page has this policy.
 */
const DOCS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

/**
 * The reference routes. `api` is the app they are mounted on: the document
 * describes every route registered there (read on first request, when all are).
 */
export function referenceRoutes(api: Pick<OpenAPIHono<AppContext>, "getOpenAPI31Document">) {
  const app = newRouter();
  // Copied into the app's registry by `app.route()`, like the routes' own definitions.
  app.openAPIRegistry.registerComponent("securitySchemes", BEARER_SCHEME, {
    type: "http",
    scheme: "bearer",
    description: `The admin token or a namespace token (\`${TOKEN_PREFIX}...\`).`,
  });

  // Built once per isolate, on first request, after every route is registered.
  let document: ReturnType<typeof buildDocument> | null = null;
  const buildDocument = () => {
    const doc = api.getOpenAPI31Document(DOCUMENT_CONFIG);
    const { webhooks, schemas } = buildWebhooksSection();
    return { ...doc, webhooks, components: { ...doc.components, schemas: { ...doc.components?.schemas, ...schemas } } };
  };
  // Chained, so that `typeof app` (src/index.ts) carries these routes too.
  return app
    .get("/openapi.json", (c) => {
      document ??= buildDocument();
      // The server is the deployment that answers: generated clients then need no base URL.
      const servers = [{ url: new URL(c.req.url).origin, description: "This deployment" }];
      return c.json({ ...document, servers });
    })
    .get("/docs", (c) => {
      c.header("content-security-policy", DOCS_CSP);
      return c.html(DOCS_HTML);
    })
    .get("/docs/swagger-ui.css", (c) => c.body(swaggerUiCss, 200, { "content-type": "text/css; charset=utf-8", "cache-control": ASSET_CACHE }))
    .get("/docs/swagger-ui-bundle.js", (c) =>
      c.body(swaggerUiJs, 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": ASSET_CACHE }),
    )
    .get("/docs/init.js", (c) => c.body(INIT_JS, 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": ASSET_CACHE }));
}
