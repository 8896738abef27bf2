/** How long one attempt may take: the webhook's timeout, and on the main lane the cut before the slow lane takes over. */
export type SendOptions = { timeoutMs: number; cutAfterMs?: number };
