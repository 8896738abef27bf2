/**
 * Cloudflare list prices the benchmark bills its counts at, in USD.
 *
 * As of 2026-11-23, from the list-price pages below (figures as given in
 * issue #8 of this project; re-check the pages before quoting a bill):
 * - Workers (Standard usage model):  https://developers.cloudflare.com/workers/platform/pricing/
 * - Queues:                          https://developers.cloudflare.com/queues/platform/pricing/
 * - D1:                              https://developers.cloudflare.com/d1/platform/pricing/
 * The included amounts are those of the Workers Paid plan, per month.
 */
export const PRICES_AS_OF = "2026-11-23";
export const PRICE_PAGES = [
  "https://developers.cloudflare.com/workers/platform/pricing/",
  "https://developers.cloudflare.com/queues/platform/pricing/",
  "https://developers.cloudflare.com/d1/platform/pricing/",
];

/** Workers Paid subscription, per month. */
export const WORKERS_PAID_USD_PER_MONTH = 5.0;

/** Workers: each fetch, queue-consumer batch and cron invocation is a request. */
export const WORKERS_USD_PER_MILLION_REQUESTS = 0.3;
export const WORKERS_INCLUDED_REQUESTS = 10_000_000;
export const WORKERS_USD_PER_MILLION_CPU_MS = 0.02;
export const WORKERS_INCLUDED_CPU_MS = 30_000_000;

/** Queues: per operation of 64 KB; a message is write + read + delete, plus a read per retry. */
export const QUEUES_USD_PER_MILLION_OPERATIONS = 0.4;
export const QUEUES_INCLUDED_OPERATIONS = 1_000_000;

/** D1: every row written (each index entry touched is another row) and every row read (scanned). */
export const D1_USD_PER_MILLION_ROWS_WRITTEN = 1.0;
export const D1_INCLUDED_ROWS_WRITTEN = 50_000_000;
export const D1_USD_PER_MILLION_ROWS_READ = 0.001;
export const D1_INCLUDED_ROWS_READ = 25_000_000_000;
