CREATE TABLE `sweep_marks` (
	`id` integer PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL
);
--> statement-breakpoint
DROP INDEX `deliveries_pending`;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `watched` integer DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX `deliveries_watched` ON `deliveries` (`seq`) WHERE status = 'pending' AND watched = 1;