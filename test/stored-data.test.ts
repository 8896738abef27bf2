/** Event data stored compressed when large (src/events/stored-data.ts): every reader still sees the JSON. */
import { describe, expect, it } from "vitest";
import { api, createWebhook, onlyDeliveryOf, received, receiverUrl, settledDelivery, uniqueKey } from "./support/api";
import { nsDb } from "./support/shards";

const ns = "stored-data";
const storedType = async (id: string) =>
  (await nsDb(ns)).prepare("SELECT typeof(data) AS t, length(data) AS n FROM all_events WHERE namespace = ? AND id = ?").bind(ns, id).first<{ t: string; n: number }>();

describe("stored event data", () => {
  it("a large payload is stored deflated, and the receiver, GET event and GET delivery see it unchanged", async () => {
    const key = uniqueKey();
    const hook = await createWebhook(ns, { url: receiverUrl(`/ok/${key}`), filter: { "status": ["passed"] } });
    const data = { status: "passed", log: "npm test\n".repeat(80), tags: ["a", "b"], n: 1 };
    const id = `evt_big_${key}`;
    expect((await api("POST", `/v1/namespaces/${ns}/events`, { id, type: "build.finished", data })).status).toBe(202);
    const stored = await storedType(id);
    expect(stored!.t).toBe("blob");
    expect(stored!.n).toBeLessThan(JSON.stringify(data).length / 2);

    const delivery = await onlyDeliveryOf(ns, hook.id);
    const detail = await settledDelivery(ns, delivery.id);
    expect(detail.status).toBe("succeeded");
    const [req] = await received(key);
    expect(JSON.parse(req.body).data).toEqual(data);
    expect(detail.request_body).toBe(req.body);
    expect((await api("GET", `/v1/namespaces/${ns}/events/${id}`)).body.data).toEqual(data);
    // A re-post of the same id and body is a duplicate, not a conflict.
    expect((await api("POST", `/v1/namespaces/${ns}/events`, { id, type: "build.finished", data })).status).toBe(200);
  });

  it("a small payload stays JSON text", async () => {
    const id = `evt_small_${uniqueKey()}`;
    expect((await api("POST", `/v1/namespaces/${ns}/events`, { id, type: "build.finished", data: { n: 1 } })).status).toBe(202);
    expect((await storedType(id))!.t).toBe("text");
    expect((await api("GET", `/v1/namespaces/${ns}/events/${id}`)).body.data).toEqual({ n: 1 });
  });
});
