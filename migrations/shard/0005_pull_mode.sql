ALTER TABLE `webhooks` ADD `mode` text DEFAULT 'push' NOT NULL;--> statement-breakpoint
ALTER TABLE `webhooks` ADD `expires_at` integer;--> statement-breakpoint
CREATE INDEX `webhooks_expiring` ON `webhooks` (`expires_at`) WHERE expires_at IS NOT NULL;