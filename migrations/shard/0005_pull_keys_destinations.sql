ALTER TABLE `webhooks` ADD `mode` text DEFAULT 'push' NOT NULL;--> statement-breakpoint
ALTER TABLE `webhooks` ADD `expires_at` integer;--> statement-breakpoint
ALTER TABLE `webhooks` ADD `signature_scheme` text DEFAULT 'hmac-sha256' NOT NULL;--> statement-breakpoint
ALTER TABLE `webhooks` ADD `public_key` text;--> statement-breakpoint
ALTER TABLE `webhooks` ADD `destination` text;--> statement-breakpoint
ALTER TABLE `webhooks` ADD `destination_sealed` text;--> statement-breakpoint
ALTER TABLE `webhooks` ADD `failing_alert_percent` integer;--> statement-breakpoint
CREATE INDEX `webhooks_expiring` ON `webhooks` (`expires_at`) WHERE expires_at IS NOT NULL;