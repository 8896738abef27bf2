import { describe, expect, it } from "vitest";
import { api } from "./support/api";

describe("auth and the error shape", () => {
  it("answers 401 without a token, with the shared error shape and a request id", async () => {
    const res = await api("GET", "/v1/namespaces/acme/webhooks", undefined, null);
    expect(res.status).toBe(401);
    expect(res.body.error).toMatchObject({ code: "unauthorized" });
    expect(typeof res.body.error.message).toBe("string");
    expect(res.body.error.request_id).toBe(res.headers.get("x-request-id"));
  });

  it("answers 401 for a wrong token", async () => {
    const res = await api("POST", "/v1/namespaces/acme/events", { type: "build.started", data: {} }, "not-the-admin-token");
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("unauthorized");
  });

  it("answers unknown routes with a JSON 404", async () => {
    const res = await api("GET", "/v1/nothing-here");
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("not_found");
  });
});
