/**
 * The event catalog: every event type we accept, where it comes from, and the
 * zod schema its `data` must satisfy. The single source of truth for event
 * validation, GET /v1/event-types and the dashboard's event checkboxes.
 *
 * Schemas follow the documented fields of each system (see
 * docs/formats.md) and are open maps: unknown fields pass.
 */
import { z } from "@hono/zod-openapi";
import { CircleJobCompleted, CirclePing, CircleWorkflowCompleted } from "./entities/circleci";
import {
  DjinnBuild,
  DjinnBuildTagged,
  DjinnCronEvent,
  DjinnImagesEvent,
  DjinnInvite,
  DjinnInviteSent,
  DjinnNamespacesEvent,
  DjinnObjectsEvent,
  DjinnSshKeysEvent,
  DjinnVariablesEvent,
} from "./entities/djinn";
import { DeliveryExhausted, WebhookCircuitOpened, WebhookDisabled, WebhookFailing, WebhookRecovered } from "./entities/operational";
import { isPuppetBuild, PuppetBuild, PuppetDeploy } from "./entities/puppet";

export type EventSystem = "djinn-ci" | "puppet-pipelines" | "circleci" | "ci-webhooks";

export type EventTypeDef = {
  name: string;
  system: EventSystem;
  /** Other systems that send this event under the same name (Puppet Pipelines' build begins/finishes). */
  alsoFrom?: EventSystem[];
  description: string;
  /** The schema of `data`; also what GET /v1/event-types shows as JSON Schema. */
  schema: z.ZodType;
  /**
   * For a type two systems share: picks the one schema to check `data`
   * against, so a refusal names the offending field rather than "matched
   * neither".
   */
  schemaFor?: (data: unknown) => z.ZodType;
  /** For a type two systems share: which system's payload this is (decides which formats carry it). */
  systemFor?: (data: unknown) => EventSystem;
  /** Emitted only by the dispatcher; not publishable, not matched by `*`. */
  operational?: boolean;
};

/** build.started / build.finished: Djinn CI's build entity or a Puppet Pipelines build. */
const eitherBuild = {
  alsoFrom: ["puppet-pipelines"] as EventSystem[],
  schema: z.union([DjinnBuild, PuppetBuild]),
  schemaFor: (data: unknown) => (isPuppetBuild(data) ? PuppetBuild : DjinnBuild),
  systemFor: (data: unknown): EventSystem => (isPuppetBuild(data) ? "puppet-pipelines" : "djinn-ci"),
};

export const eventCatalog: EventTypeDef[] = [
  { name: "build.submitted", system: "djinn-ci", description: "A build was submitted to the namespace.", schema: DjinnBuild },
  {
    name: "build.started",
    system: "djinn-ci",
    description: "A build began running (Djinn CI build, or a Puppet Pipelines application build).",
    ...eitherBuild,
  },
  {
    name: "build.finished",
    system: "djinn-ci",
    description: "A build finished running (Djinn CI build, or a Puppet Pipelines application build).",
    ...eitherBuild,
  },
  { name: "build.tagged", system: "djinn-ci", description: "A tag was added to a build after submission.", schema: DjinnBuildTagged },
  { name: "build.pinned", system: "djinn-ci", description: "A build was pinned.", schema: DjinnBuild },
  { name: "build.unpinned", system: "djinn-ci", description: "A build was unpinned.", schema: DjinnBuild },
  { name: "invite.sent", system: "djinn-ci", description: "An invite to the namespace was sent.", schema: DjinnInviteSent },
  { name: "invite.accepted", system: "djinn-ci", description: "An invite was accepted.", schema: DjinnInvite },
  { name: "invite.rejected", system: "djinn-ci", description: "An invite was rejected.", schema: DjinnInvite },
  { name: "namespaces", system: "djinn-ci", description: "A namespace was created, updated or deleted.", schema: DjinnNamespacesEvent },
  { name: "cron", system: "djinn-ci", description: "A cron job was created, updated or deleted.", schema: DjinnCronEvent },
  { name: "images", system: "djinn-ci", description: "An image was created or deleted.", schema: DjinnImagesEvent },
  { name: "objects", system: "djinn-ci", description: "An object was created or deleted.", schema: DjinnObjectsEvent },
  { name: "variables", system: "djinn-ci", description: "A variable was created or deleted.", schema: DjinnVariablesEvent },
  { name: "ssh_keys", system: "djinn-ci", description: "An SSH key was created, updated or deleted.", schema: DjinnSshKeysEvent },
  { name: "deploy.started", system: "puppet-pipelines", description: "An environment deploy began.", schema: PuppetDeploy },
  { name: "deploy.finished", system: "puppet-pipelines", description: "An environment deploy finished.", schema: PuppetDeploy },
  { name: "workflow-completed", system: "circleci", description: "A workflow reached a terminal state.", schema: CircleWorkflowCompleted },
  { name: "job-completed", system: "circleci", description: "A job reached a terminal state.", schema: CircleJobCompleted },
  { name: "ping", system: "circleci", description: "Test ping sent to one webhook on request.", schema: CirclePing },
  {
    name: "webhook.disabled",
    system: "ci-webhooks",
    description: "A webhook of the namespace was disabled.",
    schema: WebhookDisabled,
    operational: true,
  },
  {
    name: "webhook.failing",
    system: "ci-webhooks",
    description: "A webhook has been failing for 50, 70 or 90 % of AUTO_DISABLE_DAYS (once each per failing run): it will be disabled unless a delivery succeeds.",
    schema: WebhookFailing,
    operational: true,
  },
  {
    name: "webhook.circuit_opened",
    system: "ci-webhooks",
    description: "A webhook's circuit breaker opened: deliveries wait until a probe succeeds.",
    schema: WebhookCircuitOpened,
    operational: true,
  },
  {
    name: "webhook.recovered",
    system: "ci-webhooks",
    description: "A webhook's circuit breaker closed again after a successful probe.",
    schema: WebhookRecovered,
    operational: true,
  },
  {
    name: "delivery.exhausted",
    system: "ci-webhooks",
    description: "A delivery failed its last attempt.",
    schema: DeliveryExhausted,
    operational: true,
  },
];

/** Older Djinn CI names (its earlier webhook docs), stored under the current name. */
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
