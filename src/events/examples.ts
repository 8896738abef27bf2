/**
 * A realistic example payload of every catalog type (GET /v1/event-types shows
 * them; "send example" and the test ping of payload-as-body formats send them).
 * Built from the field lists in the field lists of docs/formats.md; the tests
 * publish every one of them.
 */
import buildFinished from "./examples/build.finished.json";
import buildFinishedPuppet from "./examples/build.finished.puppet.json";
import buildPinned from "./examples/build.pinned.json";
import buildStarted from "./examples/build.started.json";
import buildStartedPuppet from "./examples/build.started.puppet.json";
import buildSubmitted from "./examples/build.submitted.json";
import buildTagged from "./examples/build.tagged.json";
import buildUnpinned from "./examples/build.unpinned.json";
import cron from "./examples/cron.json";
import deliveryExhausted from "./examples/delivery.exhausted.json";
import deployFinished from "./examples/deploy.finished.json";
import deployStarted from "./examples/deploy.started.json";
import images from "./examples/images.json";
import inviteAccepted from "./examples/invite.accepted.json";
import inviteRejected from "./examples/invite.rejected.json";
import inviteSent from "./examples/invite.sent.json";
import jobCompleted from "./examples/job-completed.json";
import namespaces from "./examples/namespaces.json";
import objects from "./examples/objects.json";
import ping from "./examples/ping.json";
import sshKeys from "./examples/ssh_keys.json";
import variables from "./examples/variables.json";
import webhookCircuitOpened from "./examples/webhook.circuit_opened.json";
import webhookDisabled from "./examples/webhook.disabled.json";
import webhookFailing from "./examples/webhook.failing.json";
import webhookRecovered from "./examples/webhook.recovered.json";
import workflowCompleted from "./examples/workflow-completed.json";

import type { EventSystem, EventTypeDef } from "./catalog";

export type ExamplePayload = Record<string, unknown>;

/** By file name: `<type>`, or `<type>.puppet` for Puppet Pipelines' payload of a shared name. */
export const examplePayloads: Record<string, ExamplePayload> = {
  "build.finished": buildFinished,
  "build.finished.puppet": buildFinishedPuppet,
  "build.pinned": buildPinned,
  "build.started": buildStarted,
  "build.started.puppet": buildStartedPuppet,
  "build.submitted": buildSubmitted,
  "build.tagged": buildTagged,
  "build.unpinned": buildUnpinned,
  "cron": cron,
  "delivery.exhausted": deliveryExhausted,
  "deploy.finished": deployFinished,
  "deploy.started": deployStarted,
  "images": images,
  "invite.accepted": inviteAccepted,
  "invite.rejected": inviteRejected,
  "invite.sent": inviteSent,
  "job-completed": jobCompleted,
  "namespaces": namespaces,
  "objects": objects,
  "ping": ping,
  "ssh_keys": sshKeys,
  "variables": variables,
  "webhook.circuit_opened": webhookCircuitOpened,
  "webhook.disabled": webhookDisabled,
  "webhook.failing": webhookFailing,
  "webhook.recovered": webhookRecovered,
  "workflow-completed": workflowCompleted,
};

/** The example of a type as `system` sends it (for a shared name, each system has its own). */
export function exampleFor(def: EventTypeDef, system: EventSystem = def.system): ExamplePayload {
  const own = system === def.system || !(def.alsoFrom ?? []).includes(system);
  return examplePayloads[own ? def.name : `${def.name}.${SHARED_SUFFIX[system] ?? system}`];
}

const SHARED_SUFFIX: Partial<Record<EventSystem, string>> = { "puppet-pipelines": "puppet" };
