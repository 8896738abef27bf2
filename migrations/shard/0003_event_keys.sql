ALTER TABLE `deliveries` ADD `event_id` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `events` ADD `delivery_count` integer DEFAULT 0 NOT NULL;