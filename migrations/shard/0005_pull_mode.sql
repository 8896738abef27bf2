ALTER TABLE `webhooks` ADD `mode` text DEFAULT 'push' NOT NULL;--> statement-breakpoint
ALTER TABLE `webhooks` ADD `expires_at` integer;