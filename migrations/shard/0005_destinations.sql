ALTER TABLE `webhooks` ADD `destination` text;--> statement-breakpoint
ALTER TABLE `webhooks` ADD `destination_sealed` text;