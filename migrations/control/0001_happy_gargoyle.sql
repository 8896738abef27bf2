ALTER TABLE `namespace_shards` ADD `status` text DEFAULT 'active' NOT NULL;--> statement-breakpoint
ALTER TABLE `namespace_shards` ADD `status_at` integer;--> statement-breakpoint
ALTER TABLE `namespace_shards` ADD `moving_to` text;--> statement-breakpoint
CREATE INDEX `namespace_shards_busy` ON `namespace_shards` (`status`) WHERE status <> 'active';