/**
 * Issue 25: Amazon SQS and EventBridge destinations through the real
 * pipeline. The loopback stand-in (destination-stand-ins.ts) judges each
 * request with AWS's own signer, @smithy/signature-v4: it recomputes the
 * Authorization header from the received request and the registered secret,
 * and answers 403 InvalidSignatureException unless the two are the same.
 */
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { api, createWebhook, onlyDeliveryOf, settledDelivery, uniqueKey, waitFor } from "./support/api";
import { awsKeys, knowAwsSecret, planAnswers, standInReceived, standInsUrl } from "./support/destinations";

const ns = "dest-aws";

async function hook(destination: Record<string, unknown>, registerSecret = true) {
  const keys = awsKeys();
  if (registerSecret) await knowAwsSecret(keys.access_key_id, keys.secret_access_key);
  const created = await createWebhook(ns, { url: undefined, events: ["build.finished"], destination: { ...destination, ...keys, endpoint: standInsUrl() } });
  return { hook: created, keys };
}

const sqsHook = (queue: string, registerSecret = true) =>
  hook({ type: "sqs", queue_url: `https://sqs.eu-west-1.amazonaws.com/123456789012/${queue}`, region: "eu-west-1" }, registerSecret);
const busHook = (bus: string) => hook({ type: "eventbridge", region: "us-east-2", event_bus_name: bus, source: "com.example.ci" });

async function publish(webhookId: string) {
  const pub = await api("POST", `/v1/namespaces/${ns}/events`, { type: "build.finished", data: { id: 11, branch: "main" } });
  expect(pub.status).toBe(202);
  return { event: pub.body, delivery: await onlyDeliveryOf(ns, webhookId) };
}

const firstAttempt = (id: string) =>
  waitFor(
    () => api("GET", `/v1/namespaces/${ns}/deliveries/${id}`),
    (r) => r.body.attempts.length >= 1,
    20_000,
  );

describe("sqs destination", () => {
  it("sends SendMessage signed so that AWS's own signer computes the same Authorization; body and attributes verify", async () => {
    const queue = uniqueKey("q");
    const { hook: h, keys } = await sqsHook(queue);
    const { event, delivery } = await publish(h.id);
    const detail = await settledDelivery(ns, delivery.id);
    expect(detail.status).toBe("succeeded");
    const [req] = await standInReceived(queue);
    expect(req.verdict).toMatchObject({ ok: true, service: "sqs", region: "eu-west-1", accessKeyId: keys.access_key_id });
    expect(req.headers["x-amz-target"]).toBe("AmazonSQS.SendMessage");
    expect(req.headers["content-type"]).toBe("application/x-amz-json-1.0");
    const sent = JSON.parse(req.body) as { QueueUrl: string; MessageBody: string; MessageAttributes: Record<string, { DataType: string; StringValue: string }> };
    expect(sent.QueueUrl).toBe(`https://sqs.eu-west-1.amazonaws.com/123456789012/${queue}`);
    const attributes = Object.fromEntries(Object.entries(sent.MessageAttributes).map(([k, v]) => [k, v.StringValue]));
    expect(Object.values(sent.MessageAttributes).every((a) => a.DataType === "String")).toBe(true);
    expect(attributes["webhook-id"]).toBe(event.id);
    expect(new Webhook(h.secret).verify(sent.MessageBody, attributes)).toEqual({ type: "build.finished", timestamp: event.created_at, data: { id: 11, branch: "main" } });
    expect(JSON.parse(detail.attempts[0].response_body)).toHaveProperty("MessageId");
    expect(JSON.stringify(detail)).not.toContain(keys.secret_access_key);
  });

  it("the judge is real: a secret other than the one AWS knows gives 403 InvalidSignatureException", async () => {
    const queue = uniqueKey("q");
    const { hook: h, keys } = await sqsHook(queue, false);
    await knowAwsSecret(keys.access_key_id, awsKeys().secret_access_key);
    const { delivery } = await publish(h.id);
    const pending = await firstAttempt(delivery.id);
    expect(pending.body.attempts[0].response_status).toBe(403);
    const [req] = await standInReceived(queue);
    expect(req.verdict).toMatchObject({ ok: false, reason: "signature mismatch" });
  });

  it("answering 500, then 200: two attempts, succeeded", async () => {
    const queue = uniqueKey("q");
    const { hook: h } = await sqsHook(queue);
    await planAnswers(queue, [{ status: 500, body: JSON.stringify({ __type: "com.amazonaws.sqs#InternalError", message: "internal" }) }]);
    const { delivery } = await publish(h.id);
    const detail = await settledDelivery(ns, delivery.id);
    expect(detail.status).toBe("succeeded");
    expect(detail.attempts.map((a: { response_status: number }) => a.response_status)).toEqual([500, 200]);
  });

  it("SQS's throttling error (400 RequestThrottled) is marked throttled and retried later", async () => {
    const queue = uniqueKey("q");
    const { hook: h } = await sqsHook(queue);
    await planAnswers(queue, [
      {
        status: 400,
        headers: { "x-amzn-query-error": "AWS.SimpleQueueService.RequestThrottled;Sender" },
        body: JSON.stringify({ __type: "com.amazonaws.sqs#RequestThrottled", message: "Rate exceeded" }),
      },
    ]);
    const { delivery } = await publish(h.id);
    const pending = await firstAttempt(delivery.id);
    expect(pending.body.status).toBe("pending");
    expect(pending.body.attempts[0]).toMatchObject({ response_status: 400, error: { class: "throttled" } });
    expect(Date.parse(pending.body.next_attempt_at)).toBeGreaterThan(Date.parse(pending.body.attempts[0].started_at) + 3_000);
    const detail = await settledDelivery(ns, delivery.id);
    expect(detail.status).toBe("succeeded");
    expect(detail.attempts.map((a: { response_status: number }) => a.response_status)).toEqual([400, 200]);
  });
});

describe("eventbridge destination", () => {
  it("sends PutEvents signed so that AWS's own signer computes the same Authorization; one entry with the event", async () => {
    const bus = uniqueKey("bus");
    const { hook: h } = await busHook(bus);
    const { event, delivery } = await publish(h.id);
    const detail = await settledDelivery(ns, delivery.id);
    expect(detail.status).toBe("succeeded");
    const [req] = await standInReceived(bus);
    expect(req.verdict).toMatchObject({ ok: true, service: "events", region: "us-east-2" });
    expect(req.headers["x-amz-target"]).toBe("AWSEvents.PutEvents");
    expect(req.headers["content-type"]).toBe("application/x-amz-json-1.1");
    const { Entries } = JSON.parse(req.body) as { Entries: { Source: string; DetailType: string; Detail: string; EventBusName: string }[] };
    expect(Entries).toHaveLength(1);
    expect(Entries[0]).toMatchObject({ Source: "com.example.ci", DetailType: "build.finished", EventBusName: bus });
    const detailObject = JSON.parse(Entries[0].Detail) as { headers: Record<string, string>; body: unknown };
    expect(detailObject.headers["webhook-id"]).toBe(event.id);
    expect(detailObject.body).toEqual({ type: "build.finished", timestamp: event.created_at, data: { id: 11, branch: "main" } });
  });

  it("answering 500, then 200: two attempts, succeeded", async () => {
    const bus = uniqueKey("bus");
    const { hook: h } = await busHook(bus);
    await planAnswers(bus, [{ status: 500, body: JSON.stringify({ __type: "InternalException" }) }]);
    const { delivery } = await publish(h.id);
    const detail = await settledDelivery(ns, delivery.id);
    expect(detail.attempts.map((a: { response_status: number }) => a.response_status)).toEqual([500, 200]);
    expect(detail.status).toBe("succeeded");
  });

  it("a 200 whose entry failed with ThrottlingException is throttled and retried later", async () => {
    const bus = uniqueKey("bus");
    const { hook: h } = await busHook(bus);
    await planAnswers(bus, [{ status: 200, body: JSON.stringify({ FailedEntryCount: 1, Entries: [{ ErrorCode: "ThrottlingException", ErrorMessage: "Rate exceeded" }] }) }]);
    const { delivery } = await publish(h.id);
    const pending = await firstAttempt(delivery.id);
    expect(pending.body.status).toBe("pending");
    expect(pending.body.attempts[0]).toMatchObject({ response_status: 200, error: { class: "throttled" } });
    const detail = await settledDelivery(ns, delivery.id);
    expect(detail.status).toBe("succeeded");
    expect(detail.attempts).toHaveLength(2);
  });
});
