/**
 * One AWS JSON-protocol call (SQS SendMessage, EventBridge PutEvents), signed
 * with SigV4 by aws4fetch (runs on Workers; no hand-written SigV4), sent as
 * one attempt. The service's throttling errors (400 with a throttling
 * `__type`, whatever the status) are marked `throttled`: retried as a 429.
 */
import { AwsClient } from "aws4fetch";
import { postOnce, type AttemptResult } from "../http-attempt";
import type { Credentials } from "./credentials";
import { answerJson } from "./message";
import type { SendOptions } from "./send-options";

export type AwsCall = { url: string; service: "sqs" | "events"; region: string; target: string; contentType: string; body: string };

export async function awsCall(call: AwsCall, credentials: Credentials, options: SendOptions): Promise<AttemptResult> {
  const client = new AwsClient({ accessKeyId: credentials.access_key_id, secretAccessKey: credentials.secret_access_key, service: call.service, region: call.region });
  // Service and region given: aws4fetch does not guess them from the host (an endpoint may be anything).
  const signed = await client.sign(call.url, {
    method: "POST",
    headers: { "content-type": call.contentType, "x-amz-target": call.target },
    body: call.body,
  });
  const headers: Record<string, string> = {};
  signed.headers.forEach((v, k) => {
    headers[k] = v;
  });
  return judgeAwsAnswer(await postOnce(call.url, headers, call.body, options.timeoutMs, options.cutAfterMs));
}

/** The error code of an AWS JSON answer: `__type` after its `#`, or the x-amzn-errortype / x-amzn-query-error header's. */
export function awsErrorCode(result: AttemptResult): string | null {
  const type = answerJson(result.body)?.__type;
  if (typeof type === "string") return type.split("#").pop() ?? type;
  const header = result.headers?.["x-amzn-query-error"] ?? result.headers?.["x-amzn-errortype"];
  return header ? header.split(/[;:]/)[0].split(".").pop() ?? null : null;
}

const THROTTLING = /Throttl|TooManyRequests|RequestLimitExceeded|ProvisionedThroughputExceeded/;

export const isThrottling = (code: string | null | undefined) => !!code && THROTTLING.test(code);

function judgeAwsAnswer(result: AttemptResult): AttemptResult {
  if (result.status === undefined || result.errorClass || (result.status >= 200 && result.status < 300)) return result;
  const code = awsErrorCode(result);
  return isThrottling(code) ? { ...result, errorClass: "throttled", errorMessage: `The service throttled the request (${code}).` } : result;
}
