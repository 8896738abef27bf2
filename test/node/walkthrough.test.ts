/**
 * The README's walk-through, run as written: every ```sh block between the
 * walk-through markers, against the Worker as `npm start` serves it (ports
 * 8787 and the receiver's 9000, as the README says) and `npm run receiver`.
 * Long-running commands (`npm start`, `npm run receiver`) are started as
 * processes; every other command runs, in order, in one bash with `set -e`,
 * so variables are captured as a reader's shell captures them. Each command's
 * output must match the answer comment beside it (the rule:
 * test/node/readme-walkthrough.ts), so a command or an answer that changes
 * without the other fails here.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, quietEnv, startDispatcher, type LocalDispatcher } from "../../scripts/lib/local-dispatcher.ts";
import { mismatches, parsePattern, walkthroughBlocks, walkthroughCommands, type WalkthroughCommand } from "./readme-walkthrough.ts";

const LONG_RUNNING = /^((?:[A-Z_]+=\S+\s+)*)npm (start|run receiver)\s*(#.*)?$/;
const state = mkdtempSync(join(tmpdir(), "walkthrough-"));
let dispatcher: LocalDispatcher | undefined;
const children: ChildProcess[] = [];

afterAll(async () => {
  await dispatcher?.stop();
  for (const child of children) {
    try {
      if (child.pid && child.exitCode === null) process.kill(-child.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  rmSync(state, { recursive: true, force: true });
});

async function waitForPort(port: number, child: ChildProcess, what: string): Promise<void> {
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    try {
      await fetch(`http://127.0.0.1:${port}/__requests/none`);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${what} did not listen on ${port}`);
}

/** `npm start` is the dispatcher (fresh local state each run); `npm run receiver` runs as written. */
async function startLongRunning(cmd: WalkthroughCommand): Promise<void> {
  const [, envPrefix, which] = LONG_RUNNING.exec(cmd.text) ?? [];
  const env = Object.fromEntries([...envPrefix.matchAll(/([A-Z_]+)=(\S+)/g)].map((m) => [m[1], m[2]]));
  if (which === "start") {
    dispatcher = await startDispatcher({ port: Number(env.PORT ?? 8787), persistTo: join(state, "wrangler"), vars: { ADMIN_TOKEN: "dev-admin-token" } });
    return;
  }
  const child = spawn("bash", ["-c", cmd.text], { cwd: ROOT, env: { ...quietEnv, PATH: `${join(ROOT, "node_modules", ".bin")}:${process.env.PATH}` }, stdio: "ignore", detached: true });
  children.push(child);
  await waitForPort(Number(env.RECEIVER_PORT ?? env.PORT ?? 9000), child, cmd.text);
}

/** Runs the commands in one bash, each one's stdout and stderr (where the curl wrapper writes its status) to files. */
function runInBash(commands: WalkthroughCommand[], dir: string): Promise<{ code: number | null; stderr: string }> {
  const script = [
    "set -e",
    // Records the HTTP status of each curl without changing what it prints.
    `curl() { command curl --write-out '%{stderr}\\n@status %{http_code}\\n' "$@"; }`,
    ...commands.flatMap((c, i) => [`echo ${i} > "${dir}/current"`, `{ ${c.text}`, `} > "${dir}/${i}.out" 2> "${dir}/${i}.err"`]),
    `echo done > "${dir}/current"`,
  ].join("\n");
  const file = join(dir, "walkthrough.sh");
  writeFileSync(file, script);
  return new Promise((resolve) => {
    const child = spawn("bash", [file], { cwd: ROOT, env: { ...quietEnv, PATH: `${join(ROOT, "node_modules", ".bin")}:${process.env.PATH}` }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe("README walk-through", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const commands = walkthroughBlocks(readme).flatMap(walkthroughCommands);

  it("has commands, and an answer beside every curl that prints one", () => {
    expect(commands.length).toBeGreaterThan(5);
    const unanswered = commands.filter((c) => /^curl\b/.test(c.text) && !c.answer).map((c) => `README line ${c.line}: ${c.text.split("\n")[0]}`);
    expect(unanswered, "a printing curl without an answer comment below it").toEqual([]);
    expect(commands.filter((c) => c.answer?.pattern !== undefined).length).toBeGreaterThan(4);
  });

  it("matches an answer by the documented rule", () => {
    const pattern = parsePattern('{"id":"wh_...","n":1,"list":[{"a":...},...],...}');
    expect(mismatches(pattern, { id: "wh_1x", n: 1, list: [{ a: [1] }, { b: 2 }], more: true })).toEqual([]);
    expect(mismatches(pattern, { id: "dlv_1x", n: 1, list: [{ a: 1 }] })).toHaveLength(1);
    expect(mismatches(pattern, { id: "wh_1", n: 2, list: [] })).toHaveLength(3);
    // Without `...`, an object lists every key and an array every element.
    expect(mismatches(parsePattern('{"a":[1]}'), { a: [1, 2], leaked: 1 })).toHaveLength(2);
  });

  it("runs as written and every answer matches its comment", async () => {
    const longRunning = commands.filter((c) => LONG_RUNNING.test(c.text));
    expect(longRunning.map((c) => c.text.split("#")[0].trim()).sort()).toEqual(["npm run receiver", "npm start"]);
    for (const c of longRunning) await startLongRunning(c);
    const rest = commands.filter((c) => !LONG_RUNNING.test(c.text));
    const dir = join(state, "run");
    rmSync(dir, { recursive: true, force: true });
    await import("node:fs").then((fs) => fs.mkdirSync(dir));
    const { code, stderr } = await runInBash(rest, dir);
    const current = readFileSync(join(dir, "current"), "utf8").trim();
    if (current !== "done") {
      const failed = rest[Number(current)];
      const out = (file: string) => {
        try {
          return readFileSync(join(dir, file), "utf8");
        } catch {
          return "";
        }
      };
      throw new Error(`README line ${failed.line} failed (exit ${code}):\n${failed.text}\nstdout: ${out(`${current}.out`)}\nstderr: ${out(`${current}.err`)}${stderr}`);
    }
    const problems: string[] = [];
    rest.forEach((c, i) => {
      if (!c.answer) return;
      const stdout = readFileSync(join(dir, `${i}.out`), "utf8");
      const statuses = [...readFileSync(join(dir, `${i}.err`), "utf8").matchAll(/^@status (\d+)$/gm)].map((m) => Number(m[1]));
      const where = `README line ${c.line} (${c.text.split("\n")[0].slice(0, 80)}...)`;
      if (c.answer.status !== undefined && statuses.at(-1) !== c.answer.status) problems.push(`${where}: status ${statuses.at(-1)}, the README says ${c.answer.status}`);
      if (c.answer.pattern === undefined) return;
      let body: unknown;
      try {
        body = JSON.parse(stdout);
      } catch {
        problems.push(`${where}: printed no JSON: ${stdout.slice(0, 300)}`);
        return;
      }
      for (const m of mismatches(c.answer.pattern, body)) problems.push(`${where}: ${m}\n  printed: ${stdout.slice(0, 600)}`);
    });
    expect(problems).toEqual([]);
  });
});
