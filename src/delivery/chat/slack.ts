/**
 * Slack incoming-webhook bodies (also taken by Mattermost, Rocket.Chat and
 * others): `text` is the notification line and the fallback, `blocks` the
 * message (Block Kit, mrkdwn). Limits kept: 50 blocks, 3,000 characters per
 * section text, 10 fields of 2,000 each, 10 context elements; payload
 * strings are escaped so they can neither mention (`<!channel>`) nor link.
 */
import { clip, TONE_EMOJI, type ChatSummary } from "./summary";

export const SLACK_LIMITS = { blocks: 50, text: 3000, fieldText: 2000, fields: 10, contextElements: 10 } as const;

type MrkdwnText = { type: "mrkdwn"; text: string };
export type SlackBlock =
  | { type: "section"; text: MrkdwnText }
  | { type: "section"; fields: MrkdwnText[] }
  | { type: "context"; elements: MrkdwnText[] };
export type SlackMessage = { text: string; blocks: SlackBlock[] };

/** Slack's three control characters; everything else in mrkdwn is harmless text. */
export const escapeMrkdwn = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

const mrkdwn = (text: string, max: number): MrkdwnText => ({ type: "mrkdwn", text: clip(text, max) });

export function slackMessage(s: ChatSummary): SlackMessage {
  const emoji = TONE_EMOJI[s.tone];
  // Cut before escaping would let an escape be split; cut the raw value, then escape it.
  const headline = escapeMrkdwn(clip(s.headline, 500));
  const linked = s.url ? `<${s.url}|${headline.replace(/\|/g, "¦")}>` : headline;
  const project = s.project ? `\n\`${escapeMrkdwn(clip(s.project, 300))}\`` : "";
  // A link cut short is broken markup: past the limit the headline goes without it.
  const title = `${emoji} *${linked}*`.length + project.length <= SLACK_LIMITS.text ? linked : headline;
  const blocks: SlackBlock[] = [{ type: "section", text: mrkdwn(`${emoji} *${title}*${project}`, SLACK_LIMITS.text) }];
  const fields = s.facts
    .slice(0, SLACK_LIMITS.fields)
    .map((f) => mrkdwn(`*${escapeMrkdwn(clip(f.name, 100))}*\n${escapeMrkdwn(clip(f.value, SLACK_LIMITS.fieldText - 120))}`, SLACK_LIMITS.fieldText));
  if (fields.length) blocks.push({ type: "section", fields });
  const context = [s.system, `\`${s.eventType}\``, s.status ? `status: ${escapeMrkdwn(clip(s.status, 200))}` : null, s.at].filter(Boolean).join(" · ");
  blocks.push({ type: "context", elements: [mrkdwn(context, SLACK_LIMITS.text)] });
  const text = `${emoji} ${s.system}: ${escapeMrkdwn(clip(s.headline, 500))}${s.project ? ` (${escapeMrkdwn(clip(s.project, 300))})` : ""}`;
  return { text: clip(text, SLACK_LIMITS.text), blocks: blocks.slice(0, SLACK_LIMITS.blocks) };
}
