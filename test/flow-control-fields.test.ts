/** Per-webhook flow-control fields: validated on create and update, stored, shown (null when unset), cleared with null. */
import { describe, expect, it } from "vitest";
import { api, createWebhook, receiverUrl, uniqueKey } from "./support/api";

const ns = "flow-fields";
const base = () => ({ name: uniqueKey("h"), url: receiverUrl("/ok/flow"), events: ["*"] });

describe("flow-control fields", () => {
  it("are null when unset, in create, read and list answers", async () => {
    const made = await createWebhook(ns);
    expect(made).toMatchObject({ rate_limit: null, max_in_flight: null, timeout_ms: null });
    const read = await api("GET", `/v1/namespaces/${ns}/webhooks/${made.id}`);
    expect(read.body).toMatchObject({ rate_limit: null, max_in_flight: null, timeout_ms: null });
    const list = await api("GET", `/v1/namespaces/${ns}/webhooks?limit=200`);
    const item = list.body.data.find((w: { id: string }) => w.id === made.id);
    expect(item).toMatchObject({ rate_limit: null, max_in_flight: null, timeout_ms: null });
  });

  it("are stored on create, changed and cleared (null) on update", async () => {
    const made = await createWebhook(ns, { rate_limit: 1000, max_in_flight: 1, timeout_ms: 15000 });
    expect(made).toMatchObject({ rate_limit: 1000, max_in_flight: 1, timeout_ms: 15000 });
    const changed = await api("PATCH", `/v1/namespaces/${ns}/webhooks/${made.id}`, { rate_limit: 1, timeout_ms: 1000 });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ rate_limit: 1, max_in_flight: 1, timeout_ms: 1000 });
    const cleared = await api("PATCH", `/v1/namespaces/${ns}/webhooks/${made.id}`, { rate_limit: null, max_in_flight: null, timeout_ms: null });
    expect(cleared.body).toMatchObject({ rate_limit: null, max_in_flight: null, timeout_ms: null });
    // Untouched by an update that does not name them.
    await api("PATCH", `/v1/namespaces/${ns}/webhooks/${made.id}`, { max_in_flight: 7 });
    await api("PATCH", `/v1/namespaces/${ns}/webhooks/${made.id}`, { description: "x" });
    const read = await api("GET", `/v1/namespaces/${ns}/webhooks/${made.id}`);
    expect(read.body).toMatchObject({ rate_limit: null, max_in_flight: 7, timeout_ms: null, description: "x" });
  });

  const outOfRange: [string, unknown][] = [
    ["rate_limit", 0],
    ["rate_limit", 1001],
    ["rate_limit", 2.5],
    ["max_in_flight", 0],
    ["max_in_flight", 101],
    ["timeout_ms", 999],
    ["timeout_ms", 15001],
    ["timeout_ms", "5000"],
  ];
  for (const [field, value] of outOfRange) {
    it(`refuses ${field} = ${JSON.stringify(value)} with 422 at its path, on create and on update`, async () => {
      const created = await api("POST", `/v1/namespaces/${ns}/webhooks`, { ...base(), [field]: value });
      expect(created.status).toBe(422);
      expect(created.body.error.code).toBe("validation_failed");
      expect(created.body.error.details.map((d: { path: string }) => d.path)).toEqual([field]);

      const hook = await createWebhook(ns);
      const updated = await api("PATCH", `/v1/namespaces/${ns}/webhooks/${hook.id}`, { [field]: value });
      expect(updated.status).toBe(422);
      expect(updated.body.error.details.map((d: { path: string }) => d.path)).toEqual([field]);
      expect((await api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}`)).body[field]).toBeNull();
    });
  }
});
