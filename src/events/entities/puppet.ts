/**
 * Puppet Pipelines payloads (Puppet Pipelines' webhook docs; docs/formats.md).
 * Their examples are not JSON and carry impossible times (`23:43:90Z`); the fixtures in test/ are fixed copies.
 */
import { z } from "@hono/zod-openapi";
import { entity, int, time, url } from "./common";

export const PuppetCommit = entity({
  branch: z.string(),
  commit_id: z.string(),
  committer: z.string(),
  date: time(),
  msg: z.string(),
  repo_name: z.string(),
  repo_owner: z.string(),
  url: url(),
});

/** Application build begins / finishes (our build.started / build.finished). */
export const PuppetBuild = entity({
  api_url: url(),
  app_name: z.string(),
  build_num: int(),
  build_server: z.string().nullable(),
  commit: PuppetCommit,
  create_time: time(),
  // Undocumented contents: null in the examples, or a list.
  dependencies: z.array(z.unknown()).nullable(),
  deployments: z.array(z.unknown()).nullable(),
  end_time: time(),
  html_url: url(),
  release_url: url().nullable(),
  release_version: z.string().nullable(),
  start_time: time(),
  status: z.string(),
});

/** Tells a Pipelines build from a Djinn CI build (both are build.started / build.finished). */
export function isPuppetBuild(data: unknown): boolean {
  return typeof data === "object" && data !== null && ("build_num" in data || "app_name" in data);
}

/** Environment deploy begins / finishes (deploy.started / deploy.finished). */
export const PuppetDeploy = entity({
  api_url: url(),
  app_name: z.string(),
  app_url: url(),
  deployer: z.string(),
  deployment_id: z.string(),
  deployment_number: int(),
  deployment_state: z.string(),
  deployment_time: time(),
  deployment_type: z.string(),
  env_name: z.string(),
  env_url: url(),
  html_url: url(),
  release_url: url().nullable(),
  release_version: z.string().nullable(),
  servers: entity({ done: int(), failed: int(), in_progress: int(), pending: int(), waiting: int() }),
  servers_url: url(),
  stagger_delay: int(),
  stagger_size: int(),
});
