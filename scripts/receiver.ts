/**
 * `npm run receiver`: a loopback webhook receiver for trying ci-webhooks
 * locally. Prints every request it gets. Port 9000 unless PORT (or the older
 * RECEIVER_PORT, which wins if both are set) says otherwise; paths choose behaviour (see test/support/receiver.ts): /ok/<key>
 * answers 200, /fail/<n>/<key> fails n times first, /status/<code>/<key> ...
 */
import { startReceiver } from "../test/support/receiver.ts";

const receiver = await startReceiver(Number(process.env.RECEIVER_PORT ?? process.env.PORT ?? 9000));
receiver.server.on("request", (req) => {
  if (req.url?.startsWith("/__requests")) return;
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const signature = req.headers["webhook-signature"] ?? req.headers["x-djinn-ci-signature"] ?? req.headers["circleci-signature"];
    console.log(`${new Date().toISOString()} ${req.method} ${req.url} webhook-id=${req.headers["webhook-id"]} signature=${signature}`);
    console.log(`  ${Buffer.concat(chunks).toString("utf8").slice(0, 500)}`);
  });
});
console.log(`receiver listening on ${receiver.url} (Ctrl-C to stop)`);
