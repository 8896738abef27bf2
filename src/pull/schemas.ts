/** Request and response schemas of the event feed and of polling (also the OpenAPI document's). */
import { z } from "@hono/zod-openapi";

const since = z.iso
  .datetime({ offset: true })
  .optional()
  .openapi({ description: "RFC 3339 time: only events created at or after it (a seek by time).", example: "2026-01-01T00:00:00Z" });
const cursor = z
  .string()
  .max(512)
  .optional()
  .openapi({ description: "`next_cursor` of the previous answer: the read resumes exactly after what it handed out." });
const limit = z.coerce.number().int().min(1).max(200).default(50).openapi({ description: "Page size, 1 to 200." });

export const FeedQuery = z.object({
  since,
  cursor,
  limit,
  type: z
    .string()
    .max(1000)
    .optional()
    .openapi({ description: "Event type patterns as in subscriptions (`build.*`, `deploy.finished`), comma-separated.", example: "build.*" }),
});

export const PollQuery = z.object({
  since,
  cursor,
  limit,
  wait: z.coerce
    .number()
    .int()
    .min(0)
    .max(30)
    .default(0)
    .openapi({ description: "Long poll: with nothing to hand out, wait up to this many seconds (0-30) for an event." }),
});

const feedAnswer = <T extends z.ZodType>(item: T, name: string) =>
  z
    .object({
      data: z.array(item),
      next_cursor: z.string().openapi({ description: "Never null: resume from it, whether or not `done`." }),
      done: z.boolean().openapi({ description: "Caught up for now: nothing more to read at this moment." }),
    })
    .openapi(name);

export const FeedEvent = z
  .object({
    id: z.string().openapi({ example: "evt_2Qm9" }),
    type: z.string().openapi({ example: "build.finished" }),
    data: z.unknown(),
    ordering_key: z.string().nullable().openapi({ description: "The event's ordering key (docs/ordering.md); null if none." }),
    created_at: z.string(),
    deliveries: z.number().int().openapi({ description: "How many push deliveries the event fanned out to." }),
  })
  .openapi("FeedEvent");

export const FeedPage = feedAnswer(FeedEvent, "FeedPage");

export const PollItem = z
  .object({
    id: z.string().openapi({ description: "The delivery this item is in the webhook's log.", example: "dlv_5yc1s" }),
    event_id: z.string(),
    event_type: z.string(),
    created_at: z.string(),
    headers: z.record(z.string(), z.string()).openapi({ description: "Every header a push would carry, signatures included." }),
    body: z.string().openapi({ description: "The exact bytes a push would POST (verify the signatures over this string)." }),
  })
  .openapi("PollItem");

export const PollPage = feedAnswer(PollItem, "PollPage");

export type FeedEventView = z.infer<typeof FeedEvent>;
export type PollItemView = z.infer<typeof PollItem>;
