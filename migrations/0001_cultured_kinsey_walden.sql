ALTER TABLE `webhooks` ADD `rate_limit` integer;--> statement-breakpoint
ALTER TABLE `webhooks` ADD `max_in_flight` integer;--> statement-breakpoint
ALTER TABLE `webhooks` ADD `timeout_ms` integer;