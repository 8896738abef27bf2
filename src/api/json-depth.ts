/**
 * How deep a parsed JSON value nests. A 256 KiB body can nest ~120,000
 * levels; JSON.parse copes, but serialising it again (to store or sign it)
 * overflows the stack. Counted without recursion, stopping past the limit.
 */
export const MAX_JSON_DEPTH = 64;

/** True when `value` nests deeper than `max` levels (`{}` and `[]` are one level). */
export function nestsDeeperThan(value: unknown, max = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (depth > max) return true;
    for (const child of Object.values(v)) if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
  }
  return false;
}
