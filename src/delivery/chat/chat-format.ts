/** The chat formats: bodies a person reads in Slack or Discord (and Slack-compatible chats). */
export const CHAT_FORMATS = ["slack", "discord"] as const;
export type ChatFormat = (typeof CHAT_FORMATS)[number];

export function isChatFormat(format: string): format is ChatFormat {
  return (CHAT_FORMATS as readonly string[]).includes(format);
}
