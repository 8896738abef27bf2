/**
 * Usage counters of this isolate: what Cloudflare bills for. Read by the
 * benchmark through GET /v1/admin/usage (admin token only).
 */
export const usage = {
  workerInvocations: 0,
  d1Queries: 0,
  d1RowsRead: 0,
  d1RowsWritten: 0,
  queueMessagesSent: 0,
  /** Messages handed to a consumer (each is a billed read, retries included). */
  queueMessagesReceived: 0,
  queueRetries: 0,
  queueAcks: 0,
  deliveryAttempts: 0,
  deliverySuccesses: 0,
  /** A publish that found its day's tables missing and created them (the cron creates them ahead: db/generations.ts). */
  dayTablesCreatedOnRequest: 0,
  /** A statement that found a day table behind the template's columns (a migration the cron had not yet carried to the days) and brought the days up to date first. */
  daySchemaHealedOnRequest: 0,
};

export function resetUsage(): void {
  for (const k of Object.keys(usage) as (keyof typeof usage)[]) usage[k] = 0;
}
