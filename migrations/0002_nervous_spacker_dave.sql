ALTER TABLE `deliveries` ADD `first_trigger` text;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `first_started_at` integer;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `first_duration_ms` integer;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `first_url` text;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `first_request_headers` text;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `first_response_status` integer;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `first_response_headers` text;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `first_response_body` text;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `first_error_class` text;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `first_error_message` text;