/**
 * Starts the real Worker locally the way `npm start` does: `wrangler dev`
 * with local D1 and Queues, migrations applied first, and the Cron Trigger
 * fired every minute (wrangler dev does not fire crons by itself; with
 * --test-scheduled it exposes /__scheduled, which we call).
 * Used by `npm start`, the soak, the benchmark and the browser tests.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");

export type DispatcherOptions = {
  port?: number;
  /** Extra vars (override wrangler.toml and .dev.vars). */
  vars?: Record<string, string>;
  /** Where local D1/Queue state lives; default .wrangler/state. */
  persistTo?: string;
  /** Fire the scheduled handler this often (ms); default every minute. */
  cronEveryMs?: number;
  /** Print wrangler's output. */
  verbose?: boolean;
  /** Each line of wrangler's output (instead of printing it); with `verbose`, `npm start` filters it. */
  onOutput?: (line: string) => void;
  /** Told what was done before wrangler starts (the migrations applied, per database). */
  log?: (line: string) => void;
};

export type LocalDispatcher = {
  url: string;
  child: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Runs the scheduled handler once; throws unless it answered 2xx (a sweep that threw is not a sweep). */
  fireCron(): Promise<void>;
  /** The periodic firings that failed so far, and the last failure. */
  cronFailures(): { count: number; last: string | null };
};

export const quietEnv = {
  ...process.env,
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_SEND_METRICS: "false",
  NO_UPDATE_NOTIFIER: "1",
};

export function ensureDevVars(): void {
  const devVars = join(ROOT, ".dev.vars");
  if (!existsSync(devVars)) {
    copyFileSync(join(ROOT, ".dev.vars.example"), devVars);
    console.log("Created .dev.vars from .dev.vars.example (local development values).");
  }
}

/**
 * Every D1 binding wrangler.toml declares (the control database and each
 * shard) with its database_name. Migrations are applied per binding, each
 * from its own migrations_dir, so one database behind two bindings (an
 * upgraded deployment's old database is both DB and SHARD_0:
 * docs/deploying.md) gets both sets.
 */
export function d1Bindings(): { binding: string; name: string }[] {
  const toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
  return [...toml.matchAll(/^\[\[d1_databases\]\][^[]*?^binding\s*=\s*"([^"]+)"[^[]*?^database_name\s*=\s*"([^"]+)"/gms)].map((m) => ({ binding: m[1], name: m[2] }));
}

/** The distinct database names, for what is done per database (create, delete, check). */
export function d1DatabaseNames(): string[] {
  return [...new Set(d1Bindings().map((d) => d.name))];
}

/** Applies each binding's migrations; answers how many each one got (0: it was up to date). */
export function applyLocalMigrations(persistTo?: string): { binding: string; applied: number }[] {
  return d1Bindings().map(({ binding }) => {
    const args = ["d1", "migrations", "apply", binding, "--local", ...(persistTo ? ["--persist-to", persistTo] : [])];
    const r = spawnSync(WRANGLER, args, { cwd: ROOT, env: { ...quietEnv, CI: "true" }, encoding: "utf8" });
    if (r.status !== 0) {
      process.stderr.write(r.stdout + r.stderr);
      throw new Error(`applying local D1 migrations to ${binding} failed`);
    }
    // wrangler lists what it applied as table rows marked ✅ ("No migrations to apply!" otherwise).
    return { binding, applied: (r.stdout.match(/│ \S+\.sql\s+│ ✅/g) ?? []).length };
  });
}

async function waitUntilUp(url: string, child: ChildProcess, timeoutMs = 90_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error("wrangler dev did not come up in time");
}

/** A free loopback port (for wrangler's inspector, so several dispatchers can run). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function startDispatcher(opts: DispatcherOptions = {}): Promise<LocalDispatcher> {
  ensureDevVars();
  const migrated = applyLocalMigrations(opts.persistTo);
  opts.log?.(
    `D1 migrations applied locally: ${migrated.map((m) => `${m.binding} ${m.applied ? `(${m.applied} new)` : "(up to date)"}`).join(", ")}${opts.persistTo ? ` in ${opts.persistTo}` : ""}`,
  );
  const port = opts.port ?? 8787;
  const args = ["dev", "--ip", "127.0.0.1", "--port", String(port), "--test-scheduled", "--show-interactive-dev-session=false"];
  args.push("--inspector-port", String(await freePort()));
  if (opts.persistTo) args.push("--persist-to", opts.persistTo);
  for (const [k, v] of Object.entries(opts.vars ?? {})) args.push("--var", `${k}:${v}`);
  const child = spawn(WRANGLER, args, {
    cwd: ROOT,
    env: quietEnv,
    stdio: opts.verbose && !opts.onOutput ? ["ignore", "inherit", "inherit"] : ["ignore", "pipe", "pipe"],
    detached: process.platform !== "win32",
  });
  let output = "";
  const lines = { stdout: "", stderr: "" };
  const take = (stream: "stdout" | "stderr") => (d: Buffer) => {
    output = (output + d.toString()).slice(-20_000);
    if (!opts.onOutput) return;
    const parts = (lines[stream] + d.toString()).split("\n");
    lines[stream] = parts.pop() ?? "";
    for (const line of parts) opts.onOutput(line);
  };
  child.stdout?.on("data", take("stdout"));
  child.stderr?.on("data", take("stderr"));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilUp(url, child);
  } catch (err) {
    process.stderr.write(output);
    killTree(child, "SIGKILL");
    throw err;
  }
  const fireCron = async (): Promise<void> => {
    const cron = `cron=${encodeURIComponent("* * * * *")}`;
    // On the wall clock: the trigger's scheduled time is now, as Cloudflare's would be.
    const res = await fetch(`${url}/__scheduled?${cron}`);
    const text = await res.text();
    if (!res.ok) throw new Error(`the scheduled handler answered ${res.status}: ${text.slice(0, 300)}`);
  };
  const failures = { count: 0, last: null as string | null };
  let stopped = false;
  // The periodic firings keep going after a failure; whoever relies on them reads cronFailures().
  const timer = setInterval(
    () =>
      void fireCron().catch((err: unknown) => {
        if (stopped) return; // killed on purpose mid-firing
        failures.count++;
        failures.last = String(err);
      }),
    opts.cronEveryMs ?? 60_000,
  );
  timer.unref();
  return {
    url,
    child,
    fireCron,
    cronFailures: () => ({ ...failures }),
    stop: (signal: NodeJS.Signals = "SIGTERM") =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        stopped = true;
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        killTree(child, signal);
        setTimeout(() => killTree(child, "SIGKILL"), 5_000).unref();
      }),
  };
}

function killTree(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid && process.platform !== "win32") process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    // already gone
  }
}

/** The admin token the soak and the restart tests give their dispatcher (`ADMIN_TOKEN`). */
export const LOCAL_ADMIN_TOKEN = "dev-admin-token";

/** One JSON call to a local dispatcher as its admin: the status and the parsed body (null when empty). */
export async function adminCall<T>(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${LOCAL_ADMIN_TOKEN}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}
