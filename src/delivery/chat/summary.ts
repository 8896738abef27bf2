/**
 * "What happened", read out of any catalog event for a person in a chat
 * channel: a headline, the project or namespace, a status with its tone, the
 * branch and commit where the payload has them, and the link to the build,
 * workflow or deployment page. The Slack and Discord builders only lay this
 * out; a type without a dedicated reader gets the generic one (system, type,
 * action, the resource's name and URL).
 *
 * Pure: the same event always gives the same summary, so a delivery's body
 * can be rebuilt byte for byte later (the delivery page shows it).
 */
import { eventCatalog, type EventSystem } from "../../events/catalog";
import { isPuppetBuild } from "../../events/entities/puppet";

export type Tone = "success" | "failure" | "running" | "neutral";

export type ChatFact = { name: string; value: string };

export type ChatSummary = {
  /** e.g. "Workflow build-and-test failed". */
  headline: string;
  system: string;
  eventType: string;
  project: string | null;
  status: string | null;
  tone: Tone;
  /** The page to open (an http(s) URL from the payload), or null. */
  url: string | null;
  facts: ChatFact[];
  /** When it happened (the event's time), RFC 3339. */
  at: string;
};

export const SYSTEM_LABELS: Record<EventSystem, string> = {
  "djinn-ci": "Djinn CI",
  "puppet-pipelines": "Puppet Pipelines",
  circleci: "CircleCI",
  "ci-webhooks": "ci-webhooks",
};

export const TONE_EMOJI: Record<Tone, string> = { success: "✅", failure: "❌", running: "⏳", neutral: "ℹ️" };

const SUCCESS = new Set(["success", "succeeded", "passed", "fixed", "done", "complete", "completed"]);
const FAILURE = new Set(["failed", "failure", "error", "errored", "killed", "timed_out", "canceled", "cancelled", "unauthorized", "passed_with_failures"]);
const RUNNING = new Set(["queued", "running", "started", "in_progress", "pending", "waiting", "on_hold", "not_run"]);

export function toneOf(status: string | null): Tone {
  const s = (status ?? "").toLowerCase().replace(/[\s-]+/g, "_");
  if (SUCCESS.has(s)) return "success";
  if (FAILURE.has(s)) return "failure";
  if (RUNNING.has(s)) return "running";
  return "neutral";
}

function get(data: unknown, path: string): unknown {
  let cur = data;
  for (const key of path.split(".")) {
    if (cur === null || typeof cur !== "object" || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** A printable scalar at the path, or null. */
function str(data: unknown, path: string): string | null {
  const v = get(data, path);
  if (typeof v === "string") return v.trim() === "" ? null : v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return null;
}

/** Longer links are left out rather than cut (a cut URL leads nowhere). */
const MAX_LINK = 2000;

/** The first http(s) URL among the paths: chat clients refuse anything else as a link. */
function link(data: unknown, ...paths: string[]): string | null {
  for (const p of paths) {
    const v = str(data, p);
    if (v && v.length <= MAX_LINK && /^https?:\/\/[^\s<>|]+$/i.test(v)) return v;
  }
  return null;
}

const facts = (...pairs: [string, string | null][]): ChatFact[] => pairs.filter((p): p is [string, string] => p[1] !== null).map(([name, value]) => ({ name, value }));

const shortSha = (sha: string | null) => (sha && /^[0-9a-f]{12,}$/i.test(sha) ? sha.slice(0, 8) : sha);

const firstLine = (s: string | null) => (s === null ? null : s.split("\n")[0]);

type Reader = (data: unknown, type: string) => Omit<ChatSummary, "system" | "eventType" | "at">;

const circleci: Reader = (d, type) => {
  const isJob = type === "job-completed";
  const status = str(d, isJob ? "job.status" : "workflow.status");
  const name = str(d, isJob ? "job.name" : "workflow.name") ?? "?";
  const number = str(d, "pipeline.number");
  return {
    headline: `${isJob ? "Job" : "Workflow"} ${name} ${status ?? "completed"}`,
    project: str(d, "project.slug") ?? str(d, "project.name"),
    status,
    tone: toneOf(status),
    url: link(d, "workflow.url", "job.url", "pipeline.vcs.target_repository_url"),
    facts: facts(
      ["Branch", str(d, "pipeline.vcs.branch") ?? str(d, "pipeline.vcs.tag")],
      ["Commit", joinNonNull(shortSha(str(d, "pipeline.vcs.revision")), firstLine(str(d, "pipeline.vcs.commit.subject")))],
      ["Author", str(d, "pipeline.vcs.commit.author.name")],
      ["Pipeline", number === null ? null : `#${number}`],
      ["Workflow", isJob ? str(d, "workflow.name") : null],
    ),
  };
};

const djinnBuild: Reader = (d, type) => {
  const status = str(d, "status");
  const verb = type === "build.submitted" ? "submitted" : type === "build.pinned" ? "pinned" : type === "build.unpinned" ? "unpinned" : status ?? type.split(".")[1];
  return {
    headline: `Build #${str(d, "number") ?? str(d, "id") ?? "?"} ${verb}`,
    project: str(d, "namespace.path") ?? str(d, "user.username"),
    status,
    tone: toneOf(status),
    url: link(d, "url"),
    facts: facts(
      ["Trigger", joinNonNull(str(d, "trigger.type"), firstLine(str(d, "trigger.comment")))],
      ["By", str(d, "user.username") ?? str(d, "trigger.data.username")],
    ),
  };
};

const puppetBuild: Reader = (d, type) => {
  const status = type === "build.started" ? str(d, "status") ?? "started" : str(d, "status");
  return {
    headline: `Build #${str(d, "build_num") ?? "?"} ${status ?? type.split(".")[1]}`,
    project: str(d, "app_name"),
    status,
    tone: toneOf(status),
    url: link(d, "html_url", "api_url"),
    facts: facts(
      ["Branch", str(d, "commit.branch")],
      ["Commit", joinNonNull(shortSha(str(d, "commit.commit_id")), firstLine(str(d, "commit.msg")))],
      ["Committer", str(d, "commit.committer")],
      ["Release", str(d, "release_version")],
    ),
  };
};

const puppetDeploy: Reader = (d) => {
  const status = str(d, "deployment_state");
  const failed = get(d, "servers.failed");
  const done = get(d, "servers.done");
  return {
    headline: `Deploy #${str(d, "deployment_number") ?? "?"} to ${str(d, "env_name") ?? "?"} ${status ?? ""}`.trim(),
    project: str(d, "app_name"),
    status,
    tone: toneOf(status),
    url: link(d, "html_url", "env_url", "app_url"),
    facts: facts(
      ["Environment", str(d, "env_name")],
      ["Release", str(d, "release_version")],
      ["Deployer", str(d, "deployer")],
      ["Servers", typeof done === "number" || typeof failed === "number" ? `${done ?? 0} done, ${failed ?? 0} failed` : null],
    ),
  };
};

const operational: Reader = (d, type) => {
  const name = str(d, "webhook.name") ?? "a webhook";
  const disabled = type === "webhook.disabled";
  return {
    headline: disabled ? `Webhook ${name} was disabled` : `A delivery to ${name} failed its last attempt`,
    project: null,
    status: str(d, "reason"),
    tone: "failure",
    url: null,
    facts: facts(
      ["Reason", str(d, "reason")],
      ["Event", disabled ? null : joinNonNull(str(d, "event.type"), str(d, "event.id"))],
      ["Attempts", disabled ? null : str(d, "attempts")],
      ["Last response", disabled ? null : str(d, "last_response_status")],
      ["Delivery", disabled ? null : str(d, "delivery_id")],
      ["Receiver", str(d, "webhook.url")],
    ),
  };
};

const failingNotice: Reader = (d) => ({
  headline: `Webhook ${str(d, "webhook.name") ?? "a webhook"} has been failing (${str(d, "percent") ?? "?"} % of the way to being disabled)`,
  project: null,
  status: "failing",
  tone: "failure",
  url: null,
  facts: facts(["Failing since", str(d, "failing_since")], ["Disabled at", str(d, "disables_at")], ["Receiver", str(d, "webhook.url")]),
});

/** The resource of a Djinn CI event (`cron`, `object`, ..., the namespace or the build). */
const RESOURCE_KEYS = ["build", "cron", "image", "object", "variable", "key", "namespace"];

const generic: Reader = (d, type) => {
  const key = RESOURCE_KEYS.find((k) => get(d, k) !== null && typeof get(d, k) === "object") ?? null;
  const action = str(d, "action");
  const name = key ? str(d, `${key}.name`) ?? str(d, `${key}.key`) ?? str(d, `${key}.path`) ?? str(d, `${key}.number`) : null;
  const invitee = str(d, "invitee.username");
  const tags = get(d, "tags");
  const tagNames = Array.isArray(tags) ? tags.map((t) => (typeof t === "string" ? t : str(t, "name"))).filter((t): t is string => t !== null) : [];
  return {
    headline: [type, action, invitee ? `${invitee} to ${name ?? "the namespace"}` : name ? `${key === "build" ? "#" : ""}${name}` : null].filter(Boolean).join(" "),
    project: str(d, "namespace.path") ?? (key ? str(d, `${key}.namespace.path`) : null),
    status: action,
    tone: "neutral",
    url: link(d, "url", ...(key ? [`${key}.url`] : []), "namespace.url"),
    facts: facts(
      ["Invitee", invitee],
      ["Inviter", str(d, "inviter.username")],
      ["Tags", tagNames.length ? tagNames.join(", ") : null],
      ["By", (key ? str(d, `${key}.author.username`) ?? str(d, `${key}.user.username`) : null) ?? str(d, "user.username")],
    ),
  };
};

function joinNonNull(...parts: (string | null)[]): string | null {
  const kept = parts.filter((p): p is string => p !== null);
  return kept.length ? kept.join(" ") : null;
}

function readerFor(type: string, data: unknown): Reader {
  if (type === "workflow-completed" || type === "job-completed") return circleci;
  if (type === "deploy.started" || type === "deploy.finished") return puppetDeploy;
  if (type === "webhook.disabled" || type === "delivery.exhausted") return operational;
  if (type === "webhook.failing") return failingNotice;
  if (type === "build.started" || type === "build.finished") return isPuppetBuild(data) ? puppetBuild : djinnBuild;
  if (type === "build.submitted" || type === "build.pinned" || type === "build.unpinned") return djinnBuild;
  return generic;
}

/** The test ping: what a person sees when they press "Send test ping". */
function pingSummary(at: string): ChatSummary {
  return {
    headline: "This channel is connected",
    system: "ci-webhooks",
    eventType: "ping",
    project: null,
    status: "connected",
    tone: "success",
    url: null,
    facts: [{ name: "Test ping", value: "The events this webhook subscribes to will appear here." }],
    at,
  };
}

export function summarize(type: string, data: unknown, at: string): ChatSummary {
  if (type === "ping") return pingSummary(at);
  const def = eventCatalog.find((e) => e.name === type);
  const system = type.startsWith("build.") && isPuppetBuild(data) ? "puppet-pipelines" : def?.system;
  const read = readerFor(type, data)(data, type);
  return { ...read, system: system ? SYSTEM_LABELS[system] : "ci-webhooks", eventType: type, at };
}

/**
 * At most `max` UTF-16 units (never more characters than the chat counts),
 * ending in "…" when cut, without splitting a surrogate pair.
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, Math.max(0, max - 1));
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}
