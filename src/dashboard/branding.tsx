/**
 * A portal's branding in the top bar (docs/portal.md): data, never markup.
 * The name is a JSX text child (escaped), the logo an `<img>` whose src is
 * the https URL checked when the link was made, and the accent colour a
 * stylesheet of our own, /assets/accent/<rrggbb>.css, whose only input is six
 * hex digits matched again here: no CSS text from the link reaches the page,
 * and no inline style is needed (the CSP allows none).
 */
import type { FC } from "hono/jsx";
import type { PortalBranding } from "../db/control-schema";
import type { DashRouter } from "./page-response";

const HEX6 = /^[0-9a-fA-F]{6}$/;

/** The accent stylesheet's path for a `#rrggbb` value, or null for anything else. */
export function accentHref(color: string | undefined): string | null {
  const hex = color?.slice(1);
  return color?.startsWith("#") && hex && HEX6.test(hex) ? `/assets/accent/${hex.toLowerCase()}.css` : null;
}

/** Black or white text on the accent, whichever contrasts more (WCAG relative luminance). */
function textOn(hex: string): string {
  const [r, g, b] = [0, 2, 4].map((i) => {
    const v = parseInt(hex.slice(i, i + 2), 16) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  const l = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return (l + 0.05) / 0.05 > 1.05 / (l + 0.05) ? "#000" : "#fff";
}

export function accentRoutes(app: DashRouter): void {
  app.get("/assets/accent/:file", (c) => {
    const m = /^([0-9a-f]{6})\.css$/.exec(c.req.param("file") ?? "");
    if (!m) return c.text("Not found.", 404);
    const hex = m[1];
    c.header("content-type", "text/css; charset=utf-8");
    c.header("cache-control", "public, max-age=86400");
    // Both colour schemes: the portal's colour wins over the dashboard's own.
    const rules = `--accent: #${hex}; --accent-text: ${textOn(hex)}; --accent-soft: color-mix(in srgb, #${hex} 14%, var(--panel));`;
    return c.body(`:root, :root:root { ${rules} }\n@media (prefers-color-scheme: dark) { :root:root { ${rules} } }\n`);
  });
}

/** The top bar's brand: the portal's logo and name, or the dispatcher's own. */
export const Brand: FC<{ branding?: PortalBranding | null }> = ({ branding }) => (
  <a class="brand" href="/webhooks">
    {branding?.logo_url ? (
      <img class="brand-logo" src={branding.logo_url} alt="" width={28} height={28} referrerpolicy="no-referrer" />
    ) : (
      <span class="logo" aria-hidden="true">
        ⇄
      </span>
    )}
    <span class="brand-name">{branding?.name ?? "ci-webhooks"}</span>
  </a>
);
