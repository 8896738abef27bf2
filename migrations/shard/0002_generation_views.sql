-- Hand-written (drizzle-kit generate --custom): the views every read across
-- days goes through (src/db/generations.ts). They start with the template
-- tables only; each day's tables join them when created, and leave them
-- when retention drops the day.
CREATE VIEW IF NOT EXISTS `all_events` AS SELECT * FROM `events`;
--> statement-breakpoint
CREATE VIEW IF NOT EXISTS `all_deliveries` AS SELECT * FROM `deliveries`;
--> statement-breakpoint
INSERT OR IGNORE INTO `sweep_marks` (`id`, `seq`) VALUES (1, 0);
