/** Request and response schemas of portal links (also the OpenAPI document's). */
import { z } from "@hono/zod-openapi";

/** `#rrggbb` only: the colour reaches the page as this value, never as CSS text (dashboard/branding.tsx). */
export const HEX_COLOR = /^#[0-9a-fA-F]{6}$/;

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** http on a loopback host: accepted only where ALLOW_LOOPBACK_TARGETS is set (local runs and tests; portal/links.ts). */
export const isLoopbackHttp = (u: URL) => u.protocol === "http:" && LOOPBACK_HOSTS.has(u.hostname);

function parsedUrl(s: string): URL | null {
  try {
    return new URL(s);
  } catch {
    return null;
  }
}

const httpsOrLoopback = (u: URL | null) => u !== null && (u.protocol === "https:" || isLoopbackHttp(u));

const logoUrl = z
  .string()
  .max(2048)
  .refine((s) => {
    const u = parsedUrl(s);
    return httpsOrLoopback(u) && u !== null && !u.username && !u.password;
  }, "an https:// URL without credentials")
  .openapi({ description: "An image shown as `<img>` in the portal's top bar. https only.", example: "https://ci.example.com/logo.svg" });

const origin = z
  .string()
  .max(253)
  .refine((s) => {
    const u = parsedUrl(s);
    return httpsOrLoopback(u) && u !== null && u.origin === s;
  }, "an https origin: https://host or https://host:port, no path, no trailing slash")
  .openapi({ example: "https://ci.example.com" });

export const PortalBrandingSchema = z
  .strictObject({
    name: z
      .string()
      .trim()
      .min(1)
      .max(60)
      .regex(/^[^\u0000-\u001f\u007f-\u009f]+$/, "no control characters")
      .optional()
      .openapi({ description: "Shown as text in place of the dispatcher's name.", example: "Acme CI" }),
    logo_url: logoUrl.optional(),
    accent_color: z.string().regex(HEX_COLOR, "a hex colour: #rrggbb").optional().openapi({ example: "#0f766e" }),
  })
  .openapi("PortalBranding", { description: "Data, never markup or CSS: the name is text, the logo an image URL, the colour a hex value." });

export const PortalLinkCreate = z
  .strictObject({
    ttl_seconds: z.number().int().min(60).max(3600).default(600).openapi({ description: "How long the link stays usable (60 to 3600 s).", example: 600 }),
    read_only: z.boolean().default(false).openapi({ description: "The session sees everything of the namespace and changes nothing." }),
    event_types: z
      .array(z.string().min(1).max(100))
      .min(1)
      .max(100)
      .optional()
      .openapi({
        description: "Patterns (as in a webhook's `events`) the session may subscribe webhooks to; absent = any. The form offers only these.",
        example: ["build.*", "deploy.finished"],
      }),
    branding: PortalBrandingSchema.optional(),
    embed_origins: z
      .array(origin)
      .max(10)
      .default([])
      .openapi({ description: "Origins whose pages may frame the portal (CSP frame-ancestors). Empty: no framing." }),
  })
  .openapi("PortalLinkCreate", {
    example: {
      ttl_seconds: 600,
      read_only: false,
      event_types: ["build.*", "deploy.finished"],
      branding: { name: "Acme CI", logo_url: "https://ci.example.com/logo.svg", accent_color: "#0f766e" },
      embed_origins: ["https://ci.example.com"],
    },
  });

export const PortalLink = z
  .object({
    url: z.string().openapi({
      description: "Opens the portal once: starts a session of this namespace only (at most 12 h) and redirects to its webhooks. Used or expired: 410.",
      example: "https://webhooks.example.com/portal/pl_4Xb9wQ2mZk7tR1cVn8LpYd.Hq3x…",
    }),
    expires_at: z.string().openapi({ example: "2026-12-07T18:40:00.000Z" }),
  })
  .openapi("PortalLink");

export type PortalLinkInput = z.infer<typeof PortalLinkCreate>;
export type PortalBrandingInput = z.infer<typeof PortalBrandingSchema>;
