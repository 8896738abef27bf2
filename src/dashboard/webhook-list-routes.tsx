/** The Webhooks list: a page of the namespace's webhooks, each with its health badge. */
import { result } from "./api-client";
import { hookOf, hooks, idParam, nsParam } from "./api-paths";
import { html, meOf, notice, signedOut, type DashRouter, type Guards } from "./page-response";
import type { Dash } from "./session";
import { WebhookListPage } from "./webhook-list-page";

export async function listPage(d: Dash, error?: string): Promise<Response> {
  const cursor = d.c.req.query("cursor") ?? "";
  const r = await result(await hooks(d).$get({ param: nsParam(d), query: { limit: "50", cursor: cursor || undefined } }));
  if (!r.ok) {
    if (r.status === 401) return signedOut(d.c);
    return html(d.c, <WebhookListPage me={meOf(d)} rows={[]} nextCursor={null} isFirstPage={true} error={r.error.message} />, r.status);
  }
  // One stats call per webhook on the page (each one D1 batch, read only).
  const healths = await Promise.all(r.data.data.map(async (w) => result(await hookOf(d).stats.$get({ param: idParam(d, w.id) }))));
  const rows = r.data.data.map((webhook, i) => {
    const h = healths[i];
    return { webhook, health: h?.ok ? h.data : null };
  });
  return html(d.c, <WebhookListPage me={meOf(d)} rows={rows} nextCursor={r.data.next_cursor} isFirstPage={!cursor} notice={notice(d.c)} error={error} />);
}

export function webhookListRoutes(app: DashRouter, { page }: Guards): void {
  app.get("/webhooks", page((d) => listPage(d)));
}
