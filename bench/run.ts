/**
 * `npm run bench [-- --scale <fraction>]`: throughput, latency and cost per
 * delivery of the real Worker, next to a bare Worker's ceiling, in one run.
 * At full scale it writes bench/results.json and the table in
 * bench/README.md; a smaller scale writes bench/results.local.json only.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../scripts/lib/local-dispatcher.ts";
import { runBench, type BenchResult } from "./core.ts";
import { markdownTable, printResult } from "./report.ts";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0) return process.argv[i + 1];
  const eq = process.argv.find((a) => a.startsWith(`--${name}=`));
  return eq?.slice(name.length + 3);
}

const scale = Number(arg("scale") ?? 1);
if (!(scale > 0 && scale <= 1)) {
  console.error("--scale takes a fraction in (0, 1]");
  process.exit(2);
}

// `--table`: only rewrite bench/README.md's table from bench/results.json.
const tableOnly = process.argv.includes("--table");
const result: BenchResult = tableOnly
  ? JSON.parse(readFileSync(join(ROOT, "bench", "results.json"), "utf8"))
  : await runBench({ scale, log: (s) => console.log(`[bench] ${s}`) });
printResult(result);

const full = result.scale === 1;
if (!tableOnly) {
  const file = join(ROOT, "bench", full ? "results.json" : "results.local.json");
  writeFileSync(file, JSON.stringify(result, null, 2) + "\n");
  console.log(`wrote ${file}`);
}
const readme = join(ROOT, "bench", "README.md");
if (full && existsSync(readme)) {
  const text = readFileSync(readme, "utf8");
  const start = "<!-- results -->";
  const end = "<!-- /results -->";
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a >= 0 && b > a) {
    writeFileSync(readme, text.slice(0, a + start.length) + "\n" + markdownTable(result) + "\n" + text.slice(b));
    console.log(`updated the table in ${readme}`);
  }
}
