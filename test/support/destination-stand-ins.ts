/**
 * Loopback stand-ins for the destination services (docs/destinations.md), in
 * Node, reached by the Worker through a destination's `endpoint`. Each judges
 * a request the way its service would, records it with the verdict under a
 * key, and answers like the service:
 *
 *   POST /client/v4/accounts/<a>/queues/<q>/messages   Cloudflare Queues (key: q); bearer token checked against /__cf
 *   POST / (x-amz-target AmazonSQS.SendMessage)         SQS (key: the queue's name)
 *   POST / (x-amz-target AWSEvents.PutEvents)           EventBridge (key: the event bus name)
 *       both: the Authorization header recomputed with AWS's own signer (@smithy/signature-v4)
 *       from the received request and the secret registered by POST /__aws/<access key id>
 *   POST /token                                         Google's OAuth token endpoint: the JWT is verified
 *       against the public key registered by POST /__google/<client_email> (key: token-<client_email>)
 *   POST /v1/projects/<p>/topics/<t>:publish            Pub/Sub (key: t); the bearer must be a token issued above
 *
 *   POST /__plan/<key>   a JSON list of answers ({ status, body, headers }) given, in order, before the normal ones
 *   GET /__requests/<key>  what was received: { method, path, headers, body, verdict, at }
 */
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import { importSPKI, jwtVerify, decodeJwt } from "jose";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { listenOnLoopback } from "./receiver.ts";

export type Verdict = { ok: boolean; reason?: string; [k: string]: unknown };
export type StandInRequest = { method: string; path: string; headers: Record<string, string>; body: string; verdict: Verdict; at: number };
type Answer = { status: number; body?: string; headers?: Record<string, string> };

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** AWS SigV4: the received Authorization header must be what AWS's signer computes for the same request and secret. */
async function judgeSigV4(req: { method: string; path: string; headers: Record<string, string>; body: string }, secrets: Map<string, string>): Promise<Verdict> {
  const auth = req.headers.authorization ?? "";
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=[0-9a-f]{64}$/.exec(auth);
  if (!m) return { ok: false, reason: "no SigV4 Authorization header" };
  const [, accessKeyId, , region, service, signedHeaders] = m;
  const secretAccessKey = secrets.get(accessKeyId);
  if (!secretAccessKey) return { ok: false, reason: `unknown access key ${accessKeyId}` };
  const amzDate = req.headers["x-amz-date"] ?? "";
  const signingDate = new Date(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z"));
  const headers: Record<string, string> = {};
  for (const name of signedHeaders.split(";")) headers[name] = req.headers[name] ?? "";
  const [hostname, port] = (req.headers.host ?? "").split(":");
  const signer = new SignatureV4({ credentials: { accessKeyId, secretAccessKey }, region, service, sha256: Sha256, applyChecksum: "x-amz-content-sha256" in headers });
  const signed = await signer.sign(
    { method: req.method, protocol: "http:", hostname, port: port ? Number(port) : undefined, path: req.path, query: {}, headers, body: req.body },
    { signingDate },
  );
  const expected = signed.headers.authorization;
  return expected === auth ? { ok: true, region, service, accessKeyId } : { ok: false, reason: "signature mismatch", expected, region, service };
}

export async function startDestinationStandIns(port = 0) {
  const requests = new Map<string, StandInRequest[]>();
  const plans = new Map<string, Answer[]>();
  const awsSecrets = new Map<string, string>();
  const googleKeys = new Map<string, string>();
  const cfTokens = new Set<string>();
  const issued = new Map<string, { email: string; expiresAt: number }>();

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? "/";
    const parts = path.split("?")[0].split("/").filter(Boolean);
    const body = await readBody(req);
    const answer = (a: Answer) => {
      res.writeHead(a.status, { "content-type": "application/json", ...(a.headers ?? {}) });
      res.end(a.body ?? "");
    };
    if (req.method === "GET" && parts[0] === "__requests") return answer({ status: 200, body: JSON.stringify(requests.get(decodeURIComponent(parts[1] ?? "")) ?? []) });
    if (req.method === "POST" && parts[0]?.startsWith("__")) {
      const name = decodeURIComponent(parts[1] ?? "");
      if (parts[0] === "__plan") plans.set(name, JSON.parse(body) as Answer[]);
      else if (parts[0] === "__aws") awsSecrets.set(name, body);
      else if (parts[0] === "__google") googleKeys.set(name, body);
      else if (parts[0] === "__cf") cfTokens.add(body);
      return answer({ status: 204 });
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(", ") : (v ?? "");
    const received = { method: req.method ?? "", path, headers, body };
    const record = (key: string, verdict: Verdict) => {
      requests.set(key, [...(requests.get(key) ?? []), { ...received, verdict, at: Date.now() }]);
      return plans.get(key)?.shift();
    };
    const json = (v: unknown) => JSON.stringify(v);

    // Cloudflare Queues
    const cf = /^\/client\/v4\/accounts\/([0-9a-f]{32})\/queues\/([0-9a-f]{32})\/messages$/.exec(path);
    if (cf && req.method === "POST") {
      const token = /^Bearer (.+)$/.exec(headers.authorization ?? "")?.[1] ?? "";
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(body);
      } catch {}
      const ok = cfTokens.has(token) && !!parsed && typeof parsed === "object" && "body" in parsed;
      const planned = record(cf[2], { ok, accountId: cf[1], tokenKnown: cfTokens.has(token) });
      if (planned) return answer(planned);
      if (!cfTokens.has(token)) return answer({ status: 401, body: json({ success: false, errors: [{ code: 10000, message: "Authentication error" }] }) });
      return answer({ status: 200, body: json({ success: true, errors: [], messages: [], result: null }) });
    }

    // AWS (JSON protocol)
    const target = headers["x-amz-target"];
    if (req.method === "POST" && (target === "AmazonSQS.SendMessage" || target === "AWSEvents.PutEvents")) {
      const verdict = await judgeSigV4(received, awsSecrets);
      let parsed: Record<string, any> = {};
      try {
        parsed = JSON.parse(body);
      } catch {}
      const key = target === "AmazonSQS.SendMessage" ? String(parsed.QueueUrl ?? "").split("/").pop() ?? "" : String(parsed.Entries?.[0]?.EventBusName ?? "");
      const planned = record(key, verdict);
      if (planned) return answer(planned);
      if (!verdict.ok) return answer({ status: 403, body: json({ __type: "com.amazon.coral.service#InvalidSignatureException", message: verdict.reason }) });
      if (target === "AmazonSQS.SendMessage") return answer({ status: 200, body: json({ MD5OfMessageBody: "0".repeat(32), MessageId: crypto.randomUUID() }) });
      return answer({ status: 200, body: json({ FailedEntryCount: 0, Entries: [{ EventId: crypto.randomUUID() }] }) });
    }

    // Google OAuth token endpoint (RFC 7523 JWT bearer grant)
    if (req.method === "POST" && path === "/token") {
      const form = new URLSearchParams(body);
      const assertion = form.get("assertion") ?? "";
      let verdict: Verdict = { ok: false, reason: "no assertion" };
      let email = "";
      try {
        email = String(decodeJwt(assertion).iss ?? "");
        const pem = googleKeys.get(email);
        if (!pem) throw new Error(`no public key for ${email}`);
        const { payload, protectedHeader } = await jwtVerify(assertion, await importSPKI(pem, "RS256"), {
          issuer: email,
          audience: `http://${headers.host}/token`,
          algorithms: ["RS256"],
        });
        const grantOk = form.get("grant_type") === "urn:ietf:params:oauth:grant-type:jwt-bearer";
        verdict = { ok: grantOk, scope: payload.scope, kid: protectedHeader.kid, reason: grantOk ? undefined : "wrong grant_type" };
      } catch (err) {
        verdict = { ok: false, reason: String(err) };
      }
      const planned = record(`token-${email}`, verdict);
      if (planned) return answer(planned);
      if (!verdict.ok) return answer({ status: 400, body: json({ error: "invalid_grant", error_description: "Invalid JWT Signature." }) });
      const token = `ya29.stand-in-${crypto.randomUUID()}`;
      issued.set(token, { email, expiresAt: Date.now() + 3_600_000 });
      return answer({ status: 200, body: json({ access_token: token, expires_in: 3599, token_type: "Bearer" }) });
    }

    // Pub/Sub publish
    const ps = /^\/v1\/projects\/([^/]+)\/topics\/([^/:]+):publish$/.exec(path);
    if (ps && req.method === "POST") {
      const token = /^Bearer (.+)$/.exec(headers.authorization ?? "")?.[1] ?? "";
      const grant = issued.get(token);
      const ok = !!grant && grant.expiresAt > Date.now();
      const planned = record(ps[2], { ok, tokenFor: grant?.email ?? null });
      if (planned) return answer(planned);
      if (!ok) return answer({ status: 401, body: json({ error: { code: 401, status: "UNAUTHENTICATED", message: "Request had invalid authentication credentials." } }) });
      return answer({ status: 200, body: json({ messageIds: [String(Date.now())] }) });
    }
    return answer({ status: 404, body: json({ message: "no such stand-in" }) });
  });
  return listenOnLoopback(server, port);
}
