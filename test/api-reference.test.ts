import SwaggerParser from "@apidevtools/swagger-parser";
import { describe, expect, it } from "vitest";
import { app } from "../src/index";
import { errorStatus } from "../src/errors";
import { api } from "./support/api";

type Operation = { responses: Record<string, { description: string }>; security?: unknown };
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { securitySchemes: Record<string, { type: string; scheme: string }> } };

/** Hono paths (`:ns`) written the OpenAPI way (`{ns}`). */
const openApiPath = (p: string) => p.replace(/:([A-Za-z0-9_]+)/g, "{$1}");

async function fetchDoc(): Promise<Doc> {
  const res = await api<Doc>("GET", "/openapi.json", undefined, null);
  expect(res.status).toBe(200);
  return res.body;
}

describe("OpenAPI document", () => {
  it("is served without a token and passes a third-party validator", async () => {
    const doc = await fetchDoc();
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
    // validate() dereferences in place: give it a copy.
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
    // The validator is not a no-op: a response without its required description fails.
    const broken = structuredClone(doc);
    const [firstPath] = Object.values(broken.paths);
    delete (Object.values(Object.values(firstPath)[0].responses)[0] as { description?: string }).description;
    await expect(SwaggerParser.validate(broken as never)).rejects.toThrow();
  });

  it("describes every /v1 route registered on the app", async () => {
    const doc = await fetchDoc();
    const registered = app.routes.filter((r) => r.path.startsWith("/v1/") && r.method !== "ALL" && !r.path.includes("*"));
    expect(registered.length).toBeGreaterThan(5);
    const missing = registered.filter((r) => !doc.paths[openApiPath(r.path)]?.[r.method.toLowerCase()]).map((r) => `${r.method} ${r.path}`);
    expect(missing).toEqual([]);
  });
});

describe("/docs", () => {
  it("answers HTML that references only same-origin assets, and they answer", async () => {
    const page = await api<string>("GET", "/docs", undefined, null);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    const refs = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThanOrEqual(2);
    for (const ref of refs) {
      expect(ref, "same-origin path").toMatch(/^\/[^/]/);
      const asset = await api<string>("GET", ref, undefined, null);
      expect(asset.status, ref).toBe(200);
      expect(asset.body.length, ref).toBeGreaterThan(10);
    }
    expect(page.body).not.toMatch(/https?:\/\//);
  });
});
