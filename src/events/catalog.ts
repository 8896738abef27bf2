/**
 * The event catalog: every event type we accept, where it comes from, and the
 * zod schema its `data` must satisfy. The single source of truth for event
 * validation, GET /v1/event-types and the dashboard's event checkboxes.
 *
 * Schemas follow the documented fields of each system (see
 * shared/reference/wire-formats.md) and are open maps: unknown fields pass.
 */
import { z } from "@hono/zod-openapi";

export type EventSystem = "djinn-ci" | "puppet-pipelines" | "circleci" | "ci-webhooks";

export type EventTypeDef = {
  name: string;
  system: EventSystem;
  description: string;
  schema: z.ZodType;
  /** Emitted only by the dispatcher; not publishable, not matched by `*`. */
  operational?: boolean;
};

const open = z.looseObject({});

export const eventCatalog: EventTypeDef[] = [
  { name: "build.submitted", system: "djinn-ci", description: "A build was submitted to the namespace.", schema: open },
  { name: "build.started", system: "djinn-ci", description: "A build began running.", schema: open },
  { name: "build.finished", system: "djinn-ci", description: "A build finished running.", schema: open },
  { name: "build.tagged", system: "djinn-ci", description: "A tag was added to a build after submission.", schema: open },
  { name: "build.pinned", system: "djinn-ci", description: "A build was pinned.", schema: open },
  { name: "build.unpinned", system: "djinn-ci", description: "A build was unpinned.", schema: open },
  { name: "invite.sent", system: "djinn-ci", description: "An invite to the namespace was sent.", schema: open },
  { name: "invite.accepted", system: "djinn-ci", description: "An invite was accepted.", schema: open },
  { name: "invite.rejected", system: "djinn-ci", description: "An invite was rejected.", schema: open },
  { name: "namespaces", system: "djinn-ci", description: "A namespace was created, updated or deleted.", schema: open },
  { name: "cron", system: "djinn-ci", description: "A cron job was created, updated or deleted.", schema: open },
  { name: "images", system: "djinn-ci", description: "An image was created or deleted.", schema: open },
  { name: "objects", system: "djinn-ci", description: "An object was created or deleted.", schema: open },
  { name: "variables", system: "djinn-ci", description: "A variable was created or deleted.", schema: open },
  { name: "ssh_keys", system: "djinn-ci", description: "An SSH key was created, updated or deleted.", schema: open },
  { name: "deploy.started", system: "puppet-pipelines", description: "An environment deploy began.", schema: open },
  { name: "deploy.finished", system: "puppet-pipelines", description: "An environment deploy finished.", schema: open },
  { name: "workflow-completed", system: "circleci", description: "A workflow reached a terminal state.", schema: open },
  { name: "job-completed", system: "circleci", description: "A job reached a terminal state.", schema: open },
  { name: "ping", system: "circleci", description: "Test ping sent to one webhook on request.", schema: open },
  {
    name: "webhook.disabled",
    system: "ci-webhooks",
    description: "A webhook of the namespace was disabled.",
    schema: open,
    operational: true,
  },
  {
    name: "delivery.exhausted",
    system: "ci-webhooks",
    description: "A delivery failed its last attempt.",
    schema: open,
    operational: true,
  },
];

/** Older Djinn CI names (seed 000), stored under the current name. */
export const eventAliases: Record<string, string> = {
  build_submitted: "build.submitted",
  build_started: "build.started",
  build_finished: "build.finished",
  build_tagged: "build.tagged",
  collaborator_joined: "invite.accepted",
};

const byName = new Map(eventCatalog.map((e) => [e.name, e]));

export function resolveEventType(name: string): EventTypeDef | undefined {
  return byName.get(eventAliases[name] ?? name);
}
