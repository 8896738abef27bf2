/** Printing the benchmark's figures: one per line, and the README's table. */
import type { BenchResult, ScenarioResult } from "./core.ts";
import { pollLines, pollSentence } from "./poll.ts";
import { noisyNeighbourLines, noisyNeighbourSentence } from "./noisy-neighbour.ts";

const TARGETS = "targets (issue 14): rows written <= 6 (fan-out 1) / <= 5 (fan-out 10) per first-try delivery, retention included; <= $7.60 / $6.60 marginal per million; bytes stored <= 1000 / 600 per delivery. Earlier: <= 2 D1 queries per delivery (fan-out 10); 3 queue operations; <= $5.60 marginal per million; fan-out 1 >= 50% of ceiling; publish p95 < 50 ms (fan-out 10), < 250 ms (fan-out 500)";

const pct = (p: { p50: number; p95: number; p99: number }) => `p50 ${p.p50}  p95 ${p.p95}  p99 ${p.p99}`;

export function figureLines(name: string, s: ScenarioResult): string[] {
  const m = s.usd_per_million_deliveries_marginal_breakdown;
  return [
    `== ${name}: ${s.events} events x ${s.webhooks_per_event} webhooks = ${s.deliveries} deliveries`,
    `  deliveries_per_second               ${s.deliveries_per_second}`,
    `  ceiling_deliveries_per_second       ${s.ceiling_deliveries_per_second}`,
    `  ratio_to_ceiling                    ${s.ratio_to_ceiling}`,
    `  publish_ms                          ${pct(s.publish_ms)}`,
    `  latency_ms (event to receiver)      ${pct(s.latency_ms)}`,
    `  d1_queries_per_delivery             ${s.d1_queries_per_delivery}  (hot path ${s.d1_queries_per_delivery_hot_path})`,
    `  rows_read_per_delivery              ${s.rows_read_per_delivery}  (hot path ${s.rows_read_per_delivery_hot_path})`,
    `  rows_written_per_delivery           ${s.rows_written_per_delivery}  (hot path ${s.rows_written_per_delivery_hot_path} + retention ${s.rows_written_per_delivery_retention})`,
    `  bytes_stored_per_delivery           ${s.bytes_stored_per_delivery ?? "n/a"}  (dbstat: events, deliveries, attempts and their indexes)`,
    `  deliveries_per_10gb_shard           ${s.deliveries_per_10gb_shard ?? "n/a"}  (at 30 days' retention, 31 days stored: ${s.deliveries_per_second_per_10gb_shard_30_days ?? "n/a"} deliveries/s on average)`,
    `  queue_messages_sent_per_delivery    ${s.queue_messages_sent_per_delivery}`,
    `  queue_operations_per_delivery       ${s.queue_operations_per_delivery}`,
    `  worker_invocations_per_delivery     ${s.worker_invocations_per_delivery}`,
    `  worker_cpu_ms_per_delivery          not exposed by the local runtime`,
    `  workerd_process_cpu_ms_per_delivery ${s.workerd_process_cpu_ms_per_delivery ?? "n/a"}  (upper bound, billed in its place)`,
    `  usd_per_million_deliveries_marginal ${s.usd_per_million_deliveries_marginal}  (D1 writes ${m.d1_rows_written}, queues ${m.queues}, requests ${m.workers_requests}, CPU ${m.workers_cpu}, D1 reads ${m.d1_rows_read})`,
    `  usd_month_total_one_million_deliveries ${s.usd_month_total_one_million_deliveries}  (Workers Paid $5 + overage past the included amounts)`,
  ];
}

export function printResult(r: BenchResult, out: (s: string) => void = console.log): void {
  out(`ceiling (bare Worker, no D1, no queue): ${r.ceiling.deliveries_per_second} POSTs/s (${r.ceiling.posts} POSTs, ${r.ceiling.concurrency} in flight)`);
  for (const [name, s] of Object.entries(r.scenarios)) for (const line of figureLines(name, s)) out(line);
  // Older results.json files have no noisy_neighbour.
  if (r.noisy_neighbour) for (const line of noisyNeighbourLines(r.noisy_neighbour)) out(line);
  if (r.poll) for (const line of pollLines(r.poll)) out(line);
  out(`note: ${r.worker_cpu_ms_note}`);
  out(TARGETS);
}

/** The results table for bench/README.md. */
export function markdownTable(r: BenchResult): string {
  const names = Object.keys(r.scenarios);
  const row = (label: string, f: (s: ScenarioResult) => string | number) => `| ${label} | ${names.map((n) => f(r.scenarios[n])).join(" | ")} |`;
  const p = (x: { p50: number; p95: number; p99: number }) => `${x.p50} / ${x.p95} / ${x.p99}`;
  return [
    `Run ${r.generated_at} on ${r.machine.cpus} cores (${r.machine.cpu_model}), ${r.machine.note}; scale ${r.scale}, ${r.publish_concurrency} publishing clients; prices as of ${r.prices_as_of}.`,
    "",
    `| figure | ${names.join(" | ")} |`,
    `|---|${names.map(() => "---:").join("|")}|`,
    row("deliveries", (s) => `${s.events} x ${s.webhooks_per_event} = ${s.deliveries}`),
    row("deliveries/s", (s) => s.deliveries_per_second),
    row("ceiling deliveries/s", (s) => s.ceiling_deliveries_per_second),
    row("ratio to ceiling", (s) => s.ratio_to_ceiling),
    row("publish ms p50 / p95 / p99", (s) => p(s.publish_ms)),
    row("latency ms p50 / p95 / p99", (s) => p(s.latency_ms)),
    row("D1 queries / delivery (hot path)", (s) => `${s.d1_queries_per_delivery} (${s.d1_queries_per_delivery_hot_path})`),
    row("D1 rows read / delivery", (s) => s.rows_read_per_delivery),
    row("D1 rows written / delivery", (s) => s.rows_written_per_delivery),
    row("... of which hot path + retention", (s) => `${s.rows_written_per_delivery_hot_path} + ${s.rows_written_per_delivery_retention}`),
    row("bytes stored / delivery (dbstat)", (s) => s.bytes_stored_per_delivery ?? "n/a"),
    row("deliveries per 10 GB shard", (s) => s.deliveries_per_10gb_shard ?? "n/a"),
    row("... per second at 30 days' retention", (s) => s.deliveries_per_second_per_10gb_shard_30_days ?? "n/a"),
    row("queue messages / delivery", (s) => s.queue_messages_sent_per_delivery),
    row("queue operations / delivery", (s) => s.queue_operations_per_delivery),
    row("Worker invocations / delivery", (s) => s.worker_invocations_per_delivery),
    row("Worker CPU ms / delivery", () => "not exposed"),
    row("workerd process CPU ms / delivery (upper bound)", (s) => s.workerd_process_cpu_ms_per_delivery ?? "n/a"),
    row("USD / million deliveries, marginal", (s) => s.usd_per_million_deliveries_marginal),
    row("USD / month with 1M deliveries, total", (s) => s.usd_month_total_one_million_deliveries),
    ...(r.noisy_neighbour ? ["", noisyNeighbourSentence(r.noisy_neighbour)] : []),
    ...(r.poll ? ["", pollSentence(r.poll)] : []),
  ].join("\n");
}
