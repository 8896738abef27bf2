CREATE TABLE `revoked_sessions` (
	`sid` text PRIMARY KEY NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `events` ADD `system` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `events` ADD `test` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `webhooks` ADD `filter` text;--> statement-breakpoint
ALTER TABLE `webhooks` ADD `rate_limit` integer;--> statement-breakpoint
ALTER TABLE `webhooks` ADD `max_in_flight` integer;--> statement-breakpoint
ALTER TABLE `webhooks` ADD `timeout_ms` integer;--> statement-breakpoint
ALTER TABLE `webhooks` ADD `circuit_state` text DEFAULT 'closed' NOT NULL;--> statement-breakpoint
ALTER TABLE `webhooks` ADD `circuit_since` integer;--> statement-breakpoint
ALTER TABLE `webhooks` ADD `circuit_next_probe_at` integer;--> statement-breakpoint
ALTER TABLE `webhooks` ADD `circuit_failures` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `webhooks` ADD `rate_tat` integer;--> statement-breakpoint
ALTER TABLE `webhooks` ADD `slow_until` integer;