/**
 * The message a non-HTTP destination gets: the event in the webhook's format,
 * exactly as an HTTP receiver would get it. The body's bytes stay exactly the
 * bytes that were signed; the format's headers (webhook-id, the signatures,
 * content-type, the format's own) become the message's attributes, less the
 * HTTP-only ones (docs/destinations.md).
 */
export type Message = {
  /** The body the format built and signed. */
  body: string;
  /** Header name (lower case) to value: the attributes. */
  attributes: Record<string, string>;
  eventType: string;
  webhookId: string;
};

const HTTP_ONLY = new Set(["accept", "user-agent"]);

export function messageOf(headers: Record<string, string>, body: string, eventType: string, webhookId: string): Message {
  const attributes: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (!HTTP_ONLY.has(k.toLowerCase())) attributes[k.toLowerCase()] = v;
  return { body, attributes, eventType, webhookId };
}

/** `{"headers": {...}, "body": <body>}` with the body spliced in as is (a JSON text), for services without attributes. */
export function envelope(message: Message, bodyAsString: boolean): string {
  return `{"headers":${JSON.stringify(message.attributes)},"body":${bodyAsString ? JSON.stringify(message.body) : message.body}}`;
}

/** The answer's body as JSON, or null (a stand-in or proxy may answer anything). */
export function answerJson(body: string | undefined): Record<string, unknown> | null {
  if (!body) return null;
  try {
    const v = JSON.parse(body) as unknown;
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
