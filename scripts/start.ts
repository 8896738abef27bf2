/**
 * `npm start`: applies the D1 migrations locally and serves the Worker (API
 * and dashboard) on http://127.0.0.1:8787 (PORT overrides) with local D1 and
 * Queues, firing the minute's Cron Trigger like production does.
 */
import { startDispatcher } from "./lib/local-dispatcher.ts";

const port = Number(process.env.PORT ?? 8787);
const dispatcher = await startDispatcher({ port, verbose: true });
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
