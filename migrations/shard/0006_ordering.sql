ALTER TABLE `deliveries` ADD `ordering_key` text;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `ordered` integer DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX `deliveries_ordered` ON `deliveries` (`ordering_key`,`webhook_id`,`seq`) WHERE ordered = 1 AND status = 'pending';--> statement-breakpoint
ALTER TABLE `events` ADD `ordering_key` text;--> statement-breakpoint
ALTER TABLE `webhooks` ADD `ordered` integer DEFAULT false NOT NULL;