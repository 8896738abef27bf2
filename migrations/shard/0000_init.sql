CREATE TABLE `attempts` (
	`seq` integer PRIMARY KEY NOT NULL,
	`delivery_seq` integer NOT NULL,
	`attempt` integer NOT NULL,
	`trigger` text NOT NULL,
	`started_at` integer NOT NULL,
	`duration_ms` integer NOT NULL,
	`url` text NOT NULL,
	`request_headers` text NOT NULL,
	`response_status` integer,
	`response_headers` text,
	`response_body` text,
	`error_class` text,
	`error_message` text
);
--> statement-breakpoint
CREATE TABLE `deliveries` (
	`seq` integer PRIMARY KEY NOT NULL,
	`event_seq` integer NOT NULL,
	`webhook_id` text NOT NULL,
	`namespace` text NOT NULL,
	`event_type` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_response_status` integer,
	`last_duration_ms` integer,
	`next_attempt_at` integer NOT NULL,
	`enqueued_at` integer NOT NULL,
	`manual` integer DEFAULT false NOT NULL,
	`failure_reason` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`first_trigger` text,
	`first_started_at` integer,
	`first_duration_ms` integer,
	`first_url` text,
	`first_request_headers` text,
	`first_response_status` integer,
	`first_response_headers` text,
	`first_response_body` text,
	`first_error_class` text,
	`first_error_message` text
);
--> statement-breakpoint
CREATE INDEX `deliveries_webhook_created` ON `deliveries` (`webhook_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `deliveries_pending` ON `deliveries` (`seq`) WHERE status = 'pending';--> statement-breakpoint
CREATE TABLE `events` (
	`seq` integer PRIMARY KEY NOT NULL,
	`namespace` text NOT NULL,
	`id` text NOT NULL,
	`type` text NOT NULL,
	`data` text NOT NULL,
	`system` text DEFAULT '' NOT NULL,
	`test` integer DEFAULT false NOT NULL,
	`first_delivery_seq` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `events_namespace_id` ON `events` (`namespace`,`id`);--> statement-breakpoint
CREATE TABLE `webhooks` (
	`id` text PRIMARY KEY NOT NULL,
	`namespace` text NOT NULL,
	`name` text NOT NULL,
	`url` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`events` text NOT NULL,
	`format` text DEFAULT 'standard' NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`headers` text DEFAULT '{}' NOT NULL,
	`filter` text,
	`secret_sealed` text,
	`secret_hint` text,
	`previous_secret_sealed` text,
	`previous_secret_expires_at` integer,
	`disabled_reason` text,
	`disabled_at` integer,
	`failing_since` integer,
	`consecutive_failures` integer DEFAULT 0 NOT NULL,
	`rate_limit` integer,
	`max_in_flight` integer,
	`timeout_ms` integer,
	`circuit_state` text DEFAULT 'closed' NOT NULL,
	`circuit_since` integer,
	`circuit_next_probe_at` integer,
	`circuit_failures` integer DEFAULT 0 NOT NULL,
	`rate_tat` integer,
	`slow_until` integer,
	`last_success_at` integer,
	`last_failure_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `webhooks_namespace_name` ON `webhooks` (`namespace`,`name`);