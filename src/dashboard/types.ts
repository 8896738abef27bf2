/** The API's answers as the dashboard reads them (types from the API's own schemas). */
import type { AttemptView, DeliverySummaryView } from "../delivery/schemas";
import type { WebhookActivity } from "../webhooks/activity";
import type { WebhookHealth } from "../webhooks/health";
import type { WebhookView } from "../webhooks/schemas";

export type Webhook = WebhookView;
export type WebhookWithSecret = WebhookView & { secret: string | null; previous_secret_expires_at?: string | null };
export type Health = WebhookHealth;
export type Activity = WebhookActivity;
export type DeliverySummary = DeliverySummaryView;
export type Attempt = AttemptView;
export type DeliveryDetail = Omit<DeliverySummaryView, "attempts"> & { attempts: AttemptView[]; attempt_count: number; request_body: string | null };
export type Page<T> = { data: T[]; next_cursor: string | null };
export type EventType = { name: string; system: string; also_from: string[]; formats: string[]; description: string; operational: boolean; filterable_paths: string[] };
