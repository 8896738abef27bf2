/**
 * Issue 15, item 4: stored signatures are not replayable. Djinn's and
 * CircleCI's signatures carry no timestamp, so the exact values in an attempt
 * log (readable with `webhooks:read`, next to the body) could be replayed at
 * the receiver forever. Attempt rows keep the header and its scheme only.
 */
import { describe, expect, it } from "vitest";
import { redactSignatures } from "../src/delivery/redact";
import { api, createWebhook, received, receiverUrl, settledDelivery, uniqueKey } from "./support/api";

const ns = "redaction";

describe("signature redaction (issue 15)", () => {
  it.each([
    ["djinn", "x-djinn-ci-signature", /^sha256=[0-9a-f]{64}$/, "sha256=[redacted]"],
    ["circleci", "circleci-signature", /^v1=[0-9a-f]{64}$/, "v1=[redacted]"],
    ["standard", "webhook-signature", /^v1,[A-Za-z0-9+/=]{44}$/, "v1,[redacted]"],
  ])("%s: the receiver gets the signature, the attempt log only its scheme", async (format, header, sent, stored) => {
    const key = uniqueKey();
    const hook = await createWebhook(ns, { format, url: receiverUrl(`/ok/${key}`), events: ["*"] });
    const ping = await api("POST", `/v1/namespaces/${ns}/webhooks/${hook.id}/ping`);
    expect(ping.status).toBe(202);
    const detail = await settledDelivery(ns, ping.body.delivery_id);
    expect(detail.status).toBe("succeeded");
    const [req] = await received(key);
    expect(req.headers[header]).toMatch(sent);
    const logged = detail.attempts[0].request_headers;
    expect(logged[header]).toBe(stored);
    const text = JSON.stringify(detail);
    for (const part of req.headers[header].split(/[=, ]/).filter((p) => p.length > 20)) expect(text).not.toContain(part);
    if (req.headers["webhook-signature"]) expect(logged["webhook-signature"]).toMatch(/^v1,\[redacted\]( v1,\[redacted\])*$/);
  });

  it("keeps every entry's scheme during a rotation (two signatures)", () => {
    expect(redactSignatures({ "circleci-signature": "v1=aa,v1=bb", "webhook-signature": "v1,AAA= v1,BBB=", "webhook-id": "evt_1" })).toEqual({
      "circleci-signature": "v1=[redacted],v1=[redacted]",
      "webhook-signature": "v1,[redacted] v1,[redacted]",
      "webhook-id": "evt_1",
    });
  });
});
