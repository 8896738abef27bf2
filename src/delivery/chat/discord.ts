/**
 * Discord webhook bodies: `content` (the notification line) plus one embed
 * coloured by the status. Limits kept: content 2,000; embed title 256,
 * description 4,096, 25 fields of name 256 / value 1,024, footer 2,048, and
 * 6,000 over the whole embed. `allowed_mentions` is empty so nothing in a
 * payload (`@everyone`, a role id) can ping anyone.
 */
import { clip, TONE_EMOJI, type ChatSummary, type Tone } from "./summary";

export const DISCORD_LIMITS = { content: 2000, title: 256, description: 4096, fields: 25, fieldName: 256, fieldValue: 1024, footer: 2048, embed: 6000 } as const;

export const TONE_COLOR: Record<Tone, number> = { success: 0x2eb67d, failure: 0xe01e5a, running: 0xecb22e, neutral: 0x8a8f98 };

export type DiscordEmbed = {
  title: string;
  url?: string;
  description?: string;
  color: number;
  fields: { name: string; value: string; inline: boolean }[];
  footer: { text: string };
  timestamp: string;
};
export type DiscordMessage = { content: string; embeds: [DiscordEmbed]; allowed_mentions: { parse: [] } };

/** The characters Discord counts toward the 6,000 of an embed. */
export function embedLength(e: DiscordEmbed): number {
  return e.title.length + (e.description?.length ?? 0) + e.footer.text.length + e.fields.reduce((n, f) => n + f.name.length + f.value.length, 0);
}

export function discordMessage(s: ChatSummary): DiscordMessage {
  const emoji = TONE_EMOJI[s.tone];
  const embed: DiscordEmbed = {
    title: clip(`${emoji} ${s.headline}`, DISCORD_LIMITS.title),
    ...(s.url ? { url: s.url } : {}),
    ...(s.project ? { description: clip(s.project, DISCORD_LIMITS.description) } : {}),
    color: TONE_COLOR[s.tone],
    fields: [
      ...(s.status ? [{ name: "Status", value: s.status }] : []),
      ...s.facts,
    ]
      .slice(0, DISCORD_LIMITS.fields)
      .map((f) => ({ name: clip(f.name, DISCORD_LIMITS.fieldName), value: clip(f.value, DISCORD_LIMITS.fieldValue), inline: f.value.length <= 40 })),
    footer: { text: clip(`${s.system} · ${s.eventType}`, DISCORD_LIMITS.footer) },
    timestamp: s.at,
  };
  // Over the whole-embed budget (only with very long values): drop facts from the end, then cut the description.
  while (embedLength(embed) > DISCORD_LIMITS.embed && embed.fields.length > 0) embed.fields.pop();
  if (embedLength(embed) > DISCORD_LIMITS.embed && embed.description) {
    embed.description = clip(embed.description, Math.max(1, embed.description.length - (embedLength(embed) - DISCORD_LIMITS.embed)));
  }
  const content = clip(`${emoji} **${s.system}**: ${s.headline}${s.project ? ` (${s.project})` : ""}`, DISCORD_LIMITS.content);
  return { content, embeds: [embed], allowed_mentions: { parse: [] } };
}
