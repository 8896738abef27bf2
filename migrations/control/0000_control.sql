-- Hand-edited (IF NOT EXISTS, WITHOUT ROWID; file named apart from the old single-database 0000_init.sql):
-- a database that held the old single-database schema keeps its tokens and sessions and gains the directory.
CREATE TABLE IF NOT EXISTS `namespace_shards` (
	`namespace` text PRIMARY KEY NOT NULL,
	`shard` text NOT NULL,
	`created_at` integer NOT NULL
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `revoked_sessions` (
	`sid` text PRIMARY KEY NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`namespace` text NOT NULL,
	`name` text NOT NULL,
	`scopes` text NOT NULL,
	`token_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_used_at` integer,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS `tokens_hash` ON `tokens` (`token_hash`);--> statement-breakpoint
CREATE INDEX IF NOT EXISTS `tokens_namespace` ON `tokens` (`namespace`);