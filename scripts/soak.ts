/**
 * `npm run soak [-- --events N] [--wait-minutes M]`: the chaos soak (scripts/lib/soak.ts).
 * Prints one line per figure; exits 1 if anything was lost, a duplicate
 * POST is not explained by a lost answer, or deliveries were still pending
 * 4 minutes after the last publish.
 */
import { formatFigures, runSoak } from "./lib/soak.ts";

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const events = Number(flag("--events") ?? 2000);
if (!Number.isInteger(events) || events < 2) {
  console.error("--events must be a whole number of at least 2");
  process.exit(2);
}

// How long to wait for final states after the last publish (a 10,000-event run needs more than the default 30 minutes locally).
const waitMinutes = Number(flag("--wait-minutes") ?? 30);
if (!(waitMinutes > 0)) {
  console.error("--wait-minutes must be a positive number");
  process.exit(2);
}

const figures = await runSoak({
  events,
  port: 8850,
  waitTimeoutMs: waitMinutes * 60_000,
  verbose: args.includes("--verbose"),
  log: (line) => console.error(`[soak] ${line}`),
});
for (const line of formatFigures(figures)) console.log(line);
for (const note of figures.notes.slice(0, 50)) console.error(`[soak] ${note}`);
process.exit(figures.lost > 0 || figures.duplicatesOther > 0 || figures.pendingFourMinutesAfterLastPublish > 0 ? 1 : 0);
