/**
 * The README's walk-through, read as a script: its ```sh blocks between the
 * walk-through markers, split into commands, each with the answer comment
 * shown beside it. test/node/walkthrough.test.ts runs them.
 *
 * The rule for an answer comment (also in docs/development.md):
 * - A comment line right below a command (before the next command) that
 *   starts with a 3-digit status, `{` or `[` is that command's answer:
 *   `# 201 {"id":"wh_...",...}` or `# {"data":[...]}`. Other comments are prose.
 * - The status, when given, is the HTTP status of the command's last curl.
 * - The JSON is matched against what the command printed: every listed key
 *   with its value, recursively. An object may hold other keys only if its
 *   pattern lists `...` among its members; an array matches element by
 *   element, and may have more elements only if `...` ends it. `...` as a
 *   value matches anything; inside a string it matches any characters
 *   (`"wh_..."`).
 */

export type WalkthroughCommand = {
  /** The command as written, continuation lines included. */
  text: string;
  /** README line where it starts, for messages. */
  line: number;
  answer?: { status?: number; pattern?: unknown; raw: string };
};

const ANY = "\u0000any";
const REST = "\u0000rest";

export function walkthroughBlocks(readme: string): { line: number; body: string }[] {
  const start = readme.indexOf("<!-- section:walkthrough -->");
  const end = readme.indexOf("<!-- /section:walkthrough -->");
  if (start < 0 || end < start) throw new Error("README.md has no <!-- section:walkthrough --> ... <!-- /section:walkthrough --> markers");
  const section = readme.slice(start, end);
  const firstLine = readme.slice(0, start).split("\n").length;
  const blocks: { line: number; body: string }[] = [];
  for (const m of section.matchAll(/^```sh\n([\s\S]*?)^```$/gm)) {
    blocks.push({ line: firstLine + section.slice(0, m.index).split("\n").length, body: m[1] });
  }
  return blocks;
}

export function walkthroughCommands(block: { line: number; body: string }): WalkthroughCommand[] {
  const commands: WalkthroughCommand[] = [];
  const lines = block.body.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line.trim()) continue;
    const comment = /^\s*#\s?(.*)$/.exec(line);
    if (comment) {
      const answer = /^(\d{3})?\s*([[{].*)?$/.exec(comment[1].trim());
      const last = commands.at(-1);
      if (answer && (answer[1] || answer[2]) && last) {
        if (last.answer) throw new Error(`README line ${block.line + i}: a second answer for one command`);
        last.answer = { status: answer[1] ? Number(answer[1]) : undefined, pattern: answer[2] ? parsePattern(answer[2]) : undefined, raw: comment[1].trim() };
      }
      continue;
    }
    let text = line;
    const startLine = block.line + i;
    while (text.endsWith("\\") && i + 1 < lines.length) text = `${text}\n${lines[++i]}`;
    commands.push({ text, line: startLine });
  }
  return commands;
}

/** The comment's JSON, with its bare `...` turned into markers JSON.parse accepts. */
export function parsePattern(src: string): unknown {
  let out = "";
  const stack: string[] = [];
  let inString = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (inString) {
      out += c;
      if (c === "\\") out += src[++i];
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "{" || c === "[") stack.push(c);
    else if (c === "}" || c === "]") stack.pop();
    else if (src.startsWith("...", i)) {
      const before = out.trimEnd().at(-1);
      out += before === ":" ? JSON.stringify(ANY) : stack.at(-1) === "{" ? `${JSON.stringify(REST)}:0` : JSON.stringify(REST);
      i += 2;
      continue;
    }
    out += c;
  }
  return JSON.parse(out);
}

/** Where `actual` differs from `pattern`, as readable lines (empty: it matches). */
export function mismatches(pattern: unknown, actual: unknown, path = "$"): string[] {
  if (pattern === ANY) return [];
  if (typeof pattern === "string" && pattern.includes("...")) {
    const re = new RegExp(`^${pattern.split("...").map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("[\\s\\S]*")}$`);
    return typeof actual === "string" && re.test(actual) ? [] : [`${path}: expected a string like ${JSON.stringify(pattern)}, got ${JSON.stringify(actual)}`];
  }
  if (Array.isArray(pattern)) {
    if (!Array.isArray(actual)) return [`${path}: expected an array, got ${JSON.stringify(actual)}`];
    const open = pattern.at(-1) === REST;
    const items = open ? pattern.slice(0, -1) : pattern;
    const out: string[] = [];
    if (open ? actual.length < items.length : actual.length !== items.length) out.push(`${path}: expected ${open ? "at least " : ""}${items.length} elements, got ${actual.length}`);
    items.forEach((p, i) => out.push(...mismatches(p, actual[i], `${path}[${i}]`)));
    return out;
  }
  if (pattern && typeof pattern === "object") {
    if (!actual || typeof actual !== "object" || Array.isArray(actual)) return [`${path}: expected an object, got ${JSON.stringify(actual)}`];
    const entries = Object.entries(pattern).filter(([k]) => k !== REST);
    const out = entries.flatMap(([k, v]) => (k in actual ? mismatches(v, (actual as Record<string, unknown>)[k], `${path}.${k}`) : [`${path}.${k}: missing`]));
    if (!(REST in pattern)) {
      const extra = Object.keys(actual).filter((k) => !(k in pattern));
      if (extra.length) out.push(`${path}: keys not in the README's answer: ${extra.join(", ")} (list them or add ...)`);
    }
    return out;
  }
  return Object.is(pattern, actual) ? [] : [`${path}: expected ${JSON.stringify(pattern)}, got ${JSON.stringify(actual)}`];
}
