/**
 * CircleCI payloads (CircleCI's webhook docs, and CircleCI's outbound webhooks reference,
 * test/fixtures/real/SOURCES.md). Fields marked "always present" in both are
 * required here, the rest optional. `workflow` is not always there: the
 * job-completed samples for GitLab, GitHub App and Bitbucket Data Center
 * projects carry none, and `trigger_parameters` instead of `vcs`. The envelope keys
 * (`type`, `id`, `happened_at`, `webhook`) are added by the circleci format
 * at delivery time, so `data` holds only the sub-entities.
 */
import { z } from "@hono/zod-openapi";
import { entity, int, strictEntity, url } from "./common";

const when = () => z.iso.datetime({ offset: true });

export const CircleProject = strictEntity({ id: z.string(), slug: z.string(), name: z.string() });

export const CircleOrganization = strictEntity({ id: z.string(), name: z.string() });

export const CircleWorkflow = strictEntity({
  id: z.string(),
  name: z.string(),
  status: z.string().optional(),
  created_at: when(),
  stopped_at: when().nullable().optional(),
  url: url(),
});

const person = entity({ name: z.string(), email: z.string() });

export const CircleVcs = entity({
  target_repository_url: url(),
  origin_repository_url: url(),
  revision: z.string(),
  commit: entity({
    subject: z.string(),
    body: z.string(),
    author: person,
    authored_at: when(),
    committer: person,
    committed_at: when(),
  }),
  branch: z.string(),
  tag: z.string(),
});

export const CirclePipeline = strictEntity({
  id: z.string(),
  number: int(),
  created_at: when(),
  trigger: strictEntity({ type: z.string(), actor: entity({ id: z.string() }).optional() }),
  trigger_parameters: entity({
    circleci: entity({ event_time: when(), event_type: z.string(), trigger_type: z.string(), actor_id: z.string() }),
    git: entity({}),
    gitlab: entity({}),
  }).optional(),
  vcs: CircleVcs.optional(),
});

export const CircleJob = strictEntity({
  id: z.string(),
  number: int(),
  name: z.string(),
  status: z.string(),
  // The reference marks started_at "always present"; the seed does not list it, so publishers built on it omit it.
  started_at: when().nullable().optional(),
  stopped_at: when().nullable().optional(),
});

export const CircleWorkflowCompleted = strictEntity({
  project: CircleProject,
  organization: CircleOrganization,
  workflow: CircleWorkflow,
  pipeline: CirclePipeline,
});

export const CircleJobCompleted = CircleWorkflowCompleted.extend({ workflow: CircleWorkflow.optional(), job: CircleJob });

/** The test ping carries only the envelope; anything else passes through. */
export const CirclePing = entity({});
