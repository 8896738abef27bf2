/**
 * The chat formats: bodies a person reads in Slack or Discord (and the chats
 * that take Slack's incoming-webhook format). Built from the stored event
 * alone, so the same event always gives the same bytes.
 */
import { discordMessage } from "./discord";
import { slackMessage } from "./slack";
import { summarize } from "./summary";

export const CHAT_FORMATS = ["slack", "discord"] as const;
export type ChatFormat = (typeof CHAT_FORMATS)[number];

export function isChatFormat(format: string): format is ChatFormat {
  return (CHAT_FORMATS as readonly string[]).includes(format);
}

export function chatBody(format: ChatFormat, event: { type: string; data: string; createdAt: number }): string {
  const summary = summarize(event.type, JSON.parse(event.data) as unknown, new Date(event.createdAt).toISOString());
  return JSON.stringify(format === "slack" ? slackMessage(summary) : discordMessage(summary));
}
