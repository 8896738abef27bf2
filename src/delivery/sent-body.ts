/**
 * The body a delivery sent, shown on its detail: rebuilt from the stored event
 * in the webhook's format by the same function the consumer signs (formats.ts
 * requestBody), so it is byte for byte what went out, without storing a copy
 * per attempt (D1 bills every byte written). It is rebuilt with the webhook's
 * current format and name: after a format change it shows what would be sent
 * now, and a deleted webhook's deliveries show none.
 */
import { EVENTS_T } from "../db/generations";
import { D, E, W } from "../db/stores/names";
import { storedDataSql, unpackData, type StoredData } from "../events/stored-data";
import { requestBody, webhookFormats, type WebhookFormat } from "./formats";

/** Extra columns over deliveries `d` of one generation (EVENTS_T its events table): the event and the webhook identity, as JSON objects. */
export const SENT_BODY_COLUMNS = `(SELECT json_object('id', e.${E.id}, 'namespace', e.${E.namespace}, 'type', e.${E.type}, ${storedDataSql("e")}, 'created_at', e.${E.createdAt}, 'test', e.${E.test})
     FROM ${EVENTS_T} e WHERE e.${E.namespace} = d.${D.namespace} AND e.${E.id} = d.${D.eventId}) AS sent_event,
  (SELECT json_object('id', w.${W.id}, 'name', w.${W.name}, 'format', w.${W.format}) FROM webhooks w WHERE w.${W.id} = d.${D.webhookId}) AS sent_webhook`;

export type SentBodyColumns = { sent_event: string | null; sent_webhook: string | null };

/** The delivery's webhook's current format, or null when the webhook is gone. */
export function sentWebhookFormat(row: SentBodyColumns): string | null {
  return row.sent_webhook ? (JSON.parse(row.sent_webhook) as { format: string }).format : null;
}

export async function sentBody(row: SentBodyColumns): Promise<string | null> {
  if (!row.sent_event || !row.sent_webhook) return null;
  const event = JSON.parse(row.sent_event) as { id: string; namespace: string; type: string; created_at: number; test: number } & StoredData;
  const webhook = JSON.parse(row.sent_webhook) as { id: string; name: string; format: string };
  if (!(webhookFormats as readonly string[]).includes(webhook.format)) return null;
  return requestBody(
    webhook.format as WebhookFormat,
    { id: event.id, namespace: event.namespace, type: event.type, data: await unpackData(event), createdAt: event.created_at, test: event.test === 1 },
    { id: webhook.id, name: webhook.name },
  );
}
