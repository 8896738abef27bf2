/**
 * The ceiling: a bare Worker, no D1, no queue, that POSTs the benchmark's
 * delivery body to the same receiver as fast as it can. POST /fire with
 * { url, body, headers, n, concurrency } sends n POSTs, `concurrency` at a
 * time (the consumer's batch size), and answers { ok, failed, ms }.
 */
type Fire = { url: string; body: string; headers: Record<string, string>; n: number; concurrency: number };

export default {
  async fetch(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    if (path === "/healthz") return Response.json({ ok: true });
    if (request.method !== "POST" || path !== "/fire") return new Response("not found", { status: 404 });
    const job = (await request.json()) as Fire;
    const started = Date.now();
    let next = 0;
    let ok = 0;
    let failed = 0;
    const lane = async () => {
      while (next < job.n) {
        next++;
        try {
          const res = await fetch(job.url, { method: "POST", headers: job.headers, body: job.body });
          await res.arrayBuffer();
          if (res.ok) ok++;
          else failed++;
        } catch {
          failed++;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(job.concurrency, job.n)) }, lane));
    return Response.json({ ok, failed, ms: Date.now() - started });
  },
};
