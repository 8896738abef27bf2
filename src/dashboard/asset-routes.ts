/** The dashboard's own CSS, scripts and icon, served by the Worker (the CSP allows nothing from elsewhere). */
import { APP_CSS } from "./assets/app-css";
import { COPY_JS } from "./assets/copy-js";
import { FAVICON_SVG } from "./assets/favicon-svg";
import { FORMAT_EVENTS_JS } from "./assets/format-events-js";
import type { DashRouter } from "./page-response";

const ASSETS: Record<string, { type: string; body: string }> = {
  "/assets/app.css": { type: "text/css; charset=utf-8", body: APP_CSS },
  "/assets/copy.js": { type: "text/javascript; charset=utf-8", body: COPY_JS },
  "/assets/format-events.js": { type: "text/javascript; charset=utf-8", body: FORMAT_EVENTS_JS },
  // Pages link the SVG; /favicon.ico is where browsers and crawlers look without a link (an SVG there too: they read the type).
  "/assets/favicon.svg": { type: "image/svg+xml", body: FAVICON_SVG },
  "/favicon.ico": { type: "image/svg+xml", body: FAVICON_SVG },
};

export function assetRoutes(app: DashRouter): void {
  for (const [path, asset] of Object.entries(ASSETS)) {
    app.get(path, (c) => {
      c.header("content-type", asset.type);
      c.header("cache-control", "public, max-age=300");
      return c.body(asset.body);
    });
  }
}
