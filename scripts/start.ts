/**
 * `npm start`: applies the D1 migrations locally and serves the Worker (API
 * and dashboard) on http://127.0.0.1:8787 (PORT overrides) with local D1 and
 * Queues, firing the minute's Cron Trigger like production does.
 */
import { startDispatcher } from "./lib/local-dispatcher.ts";

const port = Number(process.env.PORT ?? 8787);

// wrangler prints its bindings table again once its local server is up (the
// same table): print it once, with everything else wrangler says.
const BINDINGS_HEADING = "Your Worker has access to the following bindings:";
let tablesSeen = 0;
let skipping = false;
function printWranglerLine(line: string): void {
  if (line.includes(BINDINGS_HEADING)) skipping = ++tablesSeen > 1;
  else if (skipping && !/^(Binding\s|env\.)/.test(line.trim())) skipping = false;
  if (!skipping) console.log(line);
}

const dispatcher = await startDispatcher({ port, verbose: true, onOutput: printWranglerLine, log: (line) => console.log(line) });
console.log(`\nci-webhooks is running on ${dispatcher.url}`);
console.log(`  API:        ${dispatcher.url}/v1   (admin token: see .dev.vars, default dev-admin-token)`);
console.log(`  Dashboard:  ${dispatcher.url}/`);
console.log(`  API docs:   ${dispatcher.url}/docs\n`);

const shutdown = async () => {
  await dispatcher.stop();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
dispatcher.child.on("exit", (code) => process.exit(code ?? 0));
