/**
 * CircleCI payloads (CircleCI's webhook docs). The docs mark which fields are "always
 * present": those are required here, the rest optional. The envelope keys
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
  vcs: CircleVcs.optional(),
});

export const CircleJob = strictEntity({ id: z.string(), number: int(), name: z.string(), status: z.string() });

export const CircleWorkflowCompleted = strictEntity({
  project: CircleProject,
  organization: CircleOrganization,
  workflow: CircleWorkflow,
  pipeline: CirclePipeline,
});

export const CircleJobCompleted = CircleWorkflowCompleted.extend({ job: CircleJob });

/** The test ping carries only the envelope; anything else passes through. */
export const CirclePing = entity({});
