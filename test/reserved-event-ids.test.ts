/**
 * Issue 15, item 6: the dispatcher's own event ids are reserved. Operational
 * event ids are derived from what happened (`evt_exhausted_dlv_<seq>`,
 * `evt_disabled_<webhook>_<ms>`) so that a report made twice is stored once;
 * a publisher who took such an id first would suppress the namespace's notice.
 */
import { describe, expect, it } from "vitest";
import { api } from "./support/api";

const ns = "reserved-ids";

describe("reserved event ids (issue 15)", () => {
  it.each(["evt_exhausted_dlv_1", "evt_exhausted_dlv_zz", "evt_disabled_wh_abc_1767225600000", "evt_circuit_opened_wh_abc_1767225600000", "evt_recovered_wh_abc_1767225600000"])("refuses a publisher's id %s with 422 at `id`", async (id) => {
    const res = await api("POST", `/v1/namespaces/${ns}/events`, { id, type: "build.started", data: {} });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("validation_failed");
    expect(res.body.error.details).toContainEqual({ path: "id", message: expect.stringContaining("reserved") });
    expect((await api("GET", `/v1/namespaces/${ns}/events/${id}`)).status).toBe(404);
  });

  it("accepts other ids, including evt_ ones", async () => {
    for (const id of ["evt_mine_1", "exhausted_dlv_1", "evt_exhaust"]) {
      expect((await api("POST", `/v1/namespaces/${ns}/events`, { id, type: "build.started", data: {} })).status).toBe(202);
    }
  });
});
