CREATE TABLE `portal_links` (
	`id` text PRIMARY KEY NOT NULL,
	`namespace` text NOT NULL,
	`token_hash` text NOT NULL,
	`read_only` integer NOT NULL,
	`event_types` text,
	`branding` text,
	`embed_origins` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	`session_hash` text,
	`session_expires_at` integer,
	`purge_after` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `namespace_shards` ADD `status` text DEFAULT 'active' NOT NULL;--> statement-breakpoint
ALTER TABLE `namespace_shards` ADD `status_at` integer;--> statement-breakpoint
ALTER TABLE `namespace_shards` ADD `moving_to` text;--> statement-breakpoint
CREATE INDEX `namespace_shards_busy` ON `namespace_shards` (`status`) WHERE status <> 'active';--> statement-breakpoint
ALTER TABLE `tokens` ADD `webhook_id` text;