/** `npm start`'s path: wrangler dev with local D1 and Queues serves the API. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDispatcher, type LocalDispatcher } from "../../scripts/lib/local-dispatcher.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";

let dispatcher: LocalDispatcher;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  dispatcher = await startDispatcher({ port: 8830, persistTo: ".wrangler/test-local-start", vars: { ADMIN_TOKEN: "dev-admin-token" } });
});

afterAll(async () => {
  await dispatcher?.stop();
  await receiver?.close();
});

describe("local start", () => {
  it("serves the API and delivers to a loopback receiver", async () => {
    const auth = { authorization: "Bearer dev-admin-token", "content-type": "application/json" };
    const ns = `local${Date.now()}`;
    const created = await fetch(`${dispatcher.url}/v1/namespaces/${ns}/webhooks`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ name: "local", url: `${receiver.url}/ok/localstart`, events: ["*"] }),
    });
    expect(created.status).toBe(201);
    const pub = await fetch(`${dispatcher.url}/v1/namespaces/${ns}/events`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ type: "build.finished", data: { id: 7 } }),
    });
    expect(pub.status).toBe(202);
    const until = Date.now() + 30_000;
    while (!receiver.requests.get("localstart")?.length && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    expect(receiver.requests.get("localstart")).toHaveLength(1);
  });
});
