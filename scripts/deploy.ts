/**
 * `npm run deploy`: the whole production deploy in one command. Each step
 * says what it does and how to undo it (docs/deploying.md has the same list).
 *
 * wrangler provisions what the config names without ids on `wrangler deploy`
 * (the D1 database and the queue we produce to); it does not create a queue we
 * only consume from, so the dead-letter queue is created here. Secrets go up
 * with the deploy itself (`--secrets-file`), so the Worker never runs without
 * them; existing secrets are never replaced.
 *
 * `npm run deploy -- --dry-run` prints the steps and bundles the Worker
 * (`wrangler deploy --dry-run`) without touching the network.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { d1Bindings, d1DatabaseNames, quietEnv, ROOT } from "./lib/local-dispatcher.ts";

const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");
const toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8");

/** One value of wrangler.toml, read where it is declared so the two cannot disagree. */
function tomlValue(key: string): string {
  const m = new RegExp(`^${key}\\s*=\\s*"([^"]+)"`, "m").exec(toml);
  if (!m) throw new Error(`wrangler.toml has no ${key}`);
  return m[1];
}

/** The control database and every shard (docs/shards.md), each migrated from its own migrations_dir. */
const DATABASES = d1DatabaseNames();
const DATABASE_LIST = DATABASES.join(", ");
/** Migrations go per binding (each its own migrations_dir), to the bindings of the given databases. */
const bindingsOf = (databases: string[]) => d1Bindings().filter((b) => databases.includes(b.name)).map((b) => b.binding);
const applyAll = (databases: string[]) => bindingsOf(databases).map((b) => `wrangler d1 migrations apply ${b} --remote`).join(" && ");
/** Every dead-letter queue (the main lane's and the slow lane's): consumed only, so wrangler does not provision them. */
const DEAD_LETTER_QUEUES = [...toml.matchAll(/^dead_letter_queue\s*=\s*"([^"]+)"/gm)].map((m) => m[1]);
const WORKER = tomlValue("name");
/** The queues we send to: the deliveries queue and the slow lane. */
const PRODUCED_QUEUES = [...new Set([...toml.matchAll(/^\[\[queues\.producers\]\][^[]*?^queue\s*=\s*"([^"]+)"/gms)].map((m) => m[1]))];
const REQUIRED_SECRETS = [...(/^required\s*=\s*\[([^\]]*)\]/m.exec(toml)?.[1] ?? "").matchAll(/"([^"]+)"/g)].map((m) => m[1]);

/** How each secret is made when missing: random, the shape the Worker expects. */
const GENERATE: Record<string, () => string> = {
  // A bearer token: URL-safe, 256 bits.
  ADMIN_TOKEN: () => randomBytes(32).toString("base64url"),
  // AES-256-GCM key: base64 of 32 bytes (src/security/secret-box.ts).
  SECRETS_KEY: () => randomBytes(32).toString("base64"),
};

type Step = { title: string; command: string; undo: string };

export const STEPS: Step[] = [
  { title: "Check that wrangler is logged in", command: "wrangler whoami", undo: "nothing to undo" },
  {
    title: `Create the dead-letter queues ${DEAD_LETTER_QUEUES.join(", ")} if missing`,
    command: DEAD_LETTER_QUEUES.map((q) => `(wrangler queues info ${q} || wrangler queues create ${q})`).join(" && "),
    undo: DEAD_LETTER_QUEUES.map((q) => `wrangler queues delete ${q}`).join("; "),
  },
  {
    title: `For each D1 database that exists (${DATABASE_LIST}), apply new migrations before the new code runs`,
    command: applyAll(DATABASES),
    undo: "migrations only add; restore with `wrangler d1 time-travel restore` if needed",
  },
  {
    title: `Generate the missing secrets among ${REQUIRED_SECRETS.join(", ")} (existing ones are kept)`,
    command: "wrangler secret list --format json",
    undo: "wrangler secret delete <NAME>",
  },
  {
    title: "Deploy; wrangler creates the D1 databases (control and shards) and the queues we produce to (both lanes) on the first run and uploads the new secrets",
    command: "wrangler deploy --secrets-file <temporary file, deleted afterwards>",
    undo: `wrangler delete ${WORKER}; ${DATABASES.map((d) => `wrangler d1 delete ${d}`).join("; ")}; ${PRODUCED_QUEUES.map((q) => `wrangler queues delete ${q}`).join("; ")}`,
  },
  {
    title: "Apply the migrations to each database the deploy just created (the first deploy, or a shard just added)",
    command: applyAll(DATABASES),
    undo: DATABASES.map((d) => `wrangler d1 delete ${d}`).join("; "),
  },
];

function wrangler(args: string[], opts: { quiet?: boolean; env?: Record<string, string> } = {}): SpawnSyncReturns<string> {
  return spawnSync(WRANGLER, args, {
    cwd: ROOT,
    env: { ...quietEnv, ...opts.env },
    encoding: "utf8",
    stdio: opts.quiet ? ["ignore", "pipe", "pipe"] : "inherit",
  });
}

function must(r: SpawnSyncReturns<string>, what: string): void {
  if (r.status !== 0) {
    if (r.stderr) process.stderr.write(r.stderr);
    throw new Error(`${what} failed (exit ${r.status})`);
  }
}

function step(n: number): void {
  console.log(`\n[${n + 1}/${STEPS.length}] ${STEPS[n].title}`);
}

function applyMigrations(databases: string[]): void {
  // CI=true: wrangler applies without asking for confirmation.
  for (const b of bindingsOf(databases)) must(wrangler(["d1", "migrations", "apply", b, "--remote"], { env: { CI: "true" } }), `applying migrations to ${b}`);
}

function missingSecrets(): string[] {
  const r = wrangler(["secret", "list", "--format", "json"], { quiet: true });
  // The Worker does not exist yet: every secret is missing.
  if (r.status !== 0) return REQUIRED_SECRETS;
  const present = new Set((JSON.parse(r.stdout) as { name: string }[]).map((s) => s.name));
  return REQUIRED_SECRETS.filter((s) => !present.has(s));
}

function dryRun(): void {
  console.log("Dry run: nothing is created or changed. A real `npm run deploy` would:");
  STEPS.forEach((s, i) => console.log(`\n[${i + 1}/${STEPS.length}] ${s.title}\n    $ ${s.command}\n    undo: ${s.undo}`));
  console.log("\nBundling the Worker as `wrangler deploy` would (wrangler deploy --dry-run):");
  must(wrangler(["deploy", "--dry-run", "--outdir", ".wrangler/dry-run"]), "wrangler deploy --dry-run");
  console.log("\nDry run complete.");
}

function deploy(): void {
  step(0);
  must(wrangler(["whoami"]), "wrangler whoami (run `npx wrangler login` first)");

  step(1);
  for (const queue of DEAD_LETTER_QUEUES) {
    if (wrangler(["queues", "info", queue], { quiet: true }).status !== 0) {
      must(wrangler(["queues", "create", queue]), `creating the dead-letter queue ${queue}`);
    } else console.log(`    ${queue} exists`);
  }

  step(2);
  const existing = DATABASES.filter((d) => wrangler(["d1", "info", d], { quiet: true }).status === 0);
  const created = DATABASES.filter((d) => !existing.includes(d));
  applyMigrations(existing);
  if (created.length) console.log(`    not yet: ${created.join(", ")} (created by the deploy, migrated in the last step)`);

  step(3);
  const generated = Object.fromEntries(missingSecrets().map((name) => [name, (GENERATE[name] ?? GENERATE.ADMIN_TOKEN)()]));
  console.log(Object.keys(generated).length ? `    generating ${Object.keys(generated).join(", ")}` : "    all set");

  step(4);
  const dir = mkdtempSync(join(tmpdir(), "ci-webhooks-deploy-"));
  try {
    const args = ["deploy"];
    if (Object.keys(generated).length) {
      const file = join(dir, "secrets.json");
      writeFileSync(file, JSON.stringify(generated), { mode: 0o600 });
      args.push("--secrets-file", file);
    }
    must(wrangler(args), "wrangler deploy");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  step(5);
  applyMigrations(created);
  if (!created.length) console.log("    done in step 3");

  if (generated.ADMIN_TOKEN) {
    console.log(`\nAdmin token (shown once; store it now):\n\n    ${generated.ADMIN_TOKEN}\n`);
  }
  console.log("Deployed. The API reference is at <worker URL>/docs.");
}

if (process.argv.includes("--dry-run")) dryRun();
else deploy();
