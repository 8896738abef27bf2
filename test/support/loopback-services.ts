/**
 * The workerd tests' loopback services in a process of their own: the test
 * receiver and the destination stand-ins. Started by test/global-setup.ts,
 * it prints one JSON line with their URLs and runs until its stdin closes.
 * Why not in vitest's own process: that process also schedules the workers
 * and transforms the test files, and on a loaded 2-core machine it stalled
 * long enough for a receiver's answer to miss the dispatcher's patience.
 */
import { startDestinationStandIns } from "./destination-stand-ins.ts";
import { startReceiver } from "./receiver.ts";

const receiver = await startReceiver();
const standIns = await startDestinationStandIns();
process.stdout.write(`${JSON.stringify({ receiverUrl: receiver.url, destinationsUrl: standIns.url })}\n`);

const stop = async () => {
  await Promise.all([receiver.close(), standIns.close()]);
  process.exit(0);
};
// The parent ends it by closing stdin, and it goes with its parent if that dies.
process.stdin.on("end", stop);
process.stdin.on("close", stop);
process.stdin.resume();
process.on("SIGTERM", stop);
