/** `npm run deploy -- --dry-run`: the steps are printed and the Worker bundles, with no network. */
import { spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { quietEnv, ROOT } from "../../scripts/lib/local-dispatcher.ts";

describe("deploy --dry-run", () => {
  it("prints every step with its undo and bundles the Worker", () => {
    const started = Date.now();
    const r = spawnSync(process.execPath, ["scripts/deploy.ts", "--dry-run"], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...quietEnv, PATH: `${join(ROOT, "node_modules", ".bin")}:${process.env.PATH}` },
      timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout;
    for (let n = 1; n <= 6; n++) expect(out).toContain(`[${n}/6]`);
    expect(out.match(/undo: /g)).toHaveLength(6);
    expect(out).toContain("wrangler queues create ci-webhooks-deliveries-dlq");
    // Per binding, each from its own migrations_dir: the control database and every shard.
    for (const binding of ["DB", "SHARD_0", "SHARD_1"]) expect(out).toContain(`wrangler d1 migrations apply ${binding} --remote`);
    expect(out).toContain("--dry-run: exiting now");
    expect(statSync(join(ROOT, ".wrangler/dry-run/index.js")).mtimeMs).toBeGreaterThanOrEqual(started - 1000);
  });

  it("leaves ids to wrangler: wrangler.toml holds no placeholder id", () => {
    const toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
    expect(toml).not.toMatch(/^\s*(database_id|id)\s*=/m);
    expect(toml).not.toMatch(/00000000-0000/);
  });
});
