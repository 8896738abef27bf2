/** Errors a person can act on: what is missing, the rule in words, where the JSON breaks. */
import { describe, expect, it } from "vitest";
import { NAMESPACE_PATTERN, NAMESPACE_RULE } from "../src/webhooks/schemas";
import { api, receiverUrl, uniqueKey } from "./support/api";

describe("error messages", () => {
  it('says "required" for a missing field', async () => {
    const res = await api("POST", `/v1/namespaces/${uniqueKey("err")}/webhooks`, { url: receiverUrl("/ok/err") });
    expect(res.status).toBe(422);
    expect(res.body.error.details).toEqual(
      expect.arrayContaining([
        { path: "name", message: "required" },
        { path: "events", message: "required" },
      ]),
    );
    // `url` is optional in the schema (a queue destination or a polling webhook has none); a push to HTTP still needs it.
    const noUrl = await api("POST", `/v1/namespaces/${uniqueKey("err")}/webhooks`, { name: "ok-name", events: ["*"] });
    expect([noUrl.status, noUrl.body.error.details]).toEqual([422, [{ path: "url", message: "is required for an http destination" }]]);
    // A value of the wrong type still says what was expected.
    const wrong = await api("POST", `/v1/namespaces/${uniqueKey("err")}/webhooks`, { name: "ok-name", url: 5, events: ["*"] });
    expect(wrong.body.error.details).toEqual([{ path: "url", message: expect.stringMatching(/expected string, received number/) }]);
  });

  it("states the namespace rule in words", async () => {
    const res = await api("GET", "/v1/namespaces/Not_Lower/webhooks");
    expect(res.status).toBe(422);
    expect(res.body.error.details).toEqual([{ path: "ns", message: NAMESPACE_RULE }]);
    expect(JSON.stringify(res.body)).not.toContain(NAMESPACE_PATTERN.source);
  });

  it("gives the JSON parser's position for malformed JSON, and still checks the body after a good parse", async () => {
    const ns = uniqueKey("err");
    const res = await api("POST", `/v1/namespaces/${ns}/webhooks`, '{"name": "a",}');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_json");
    expect(res.body.error.message).toMatch(/^The request body is not valid JSON: .*position 13/);
    const good = await api("POST", `/v1/namespaces/${ns}/webhooks`, JSON.stringify({ name: "a", url: receiverUrl("/ok/x"), events: ["*"] }));
    expect(good.status).toBe(201);
  });

  it("refuses an event without data, saying where the examples are", async () => {
    const res = await api("POST", `/v1/namespaces/${uniqueKey("err")}/events`, { type: "build.finished" });
    expect(res.status).toBe(422);
    expect(res.body.error.details).toEqual([{ path: "data", message: expect.stringMatching(/^required: .*GET \/v1\/event-types/) }]);
    const nullData = await api("POST", `/v1/namespaces/${uniqueKey("err")}/events`, { type: "build.finished", data: null });
    expect(nullData.status).toBe(422);
    expect(nullData.body.error.details).toEqual([{ path: "data", message: expect.stringMatching(/expected object, received null/) }]);
  });
});
