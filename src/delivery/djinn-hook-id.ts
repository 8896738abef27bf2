/**
 * Djinn CI sends `X-Djinn-CI-Hook-ID` as the hook's decimal integer id
 * (`strconv.FormatInt(w.ID, 10)` in djinn-ci/djinn's namespace/webhook.go), so
 * receivers written for it may parse it as an int64. Ours is derived from the
 * webhook id, never stored: the first 48 bits of its SHA-256, the same on every
 * retry and every Worker, and within both int64 and a JavaScript safe integer.
 */
export async function djinnHookId(webhookId: string): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(webhookId)));
  let id = 0;
  for (let i = 0; i < 6; i++) id = id * 256 + hash[i];
  // 0 is no id a database hands out: keep ids positive.
  return String(id || 1);
}
