-- Hand-written (drizzle-kit generate --custom): rows from before 0003 learn
-- what every new row carries, so one statement serves both: a delivery its
-- event's id, an event its delivery count (its deliveries were the rowid
-- range up to the next event's first_delivery_seq). A one-time write of
-- every row of the template tables; a database created since has none.
--
-- First, the same for rows the previous Worker still writes between this
-- migration and its replacement's deploy (it writes the template tables,
-- without event_id): they get it on insert, and are watched, so the sweep
-- finds them whatever its watermark. The Worker after this one never writes
-- the template tables, so the trigger never fires again.
CREATE TRIGGER IF NOT EXISTS `deliveries_from_before_generations` AFTER INSERT ON `deliveries` WHEN NEW.`event_id` = ''
BEGIN
  UPDATE `deliveries` SET `event_id` = coalesce((SELECT e.`id` FROM `events` e WHERE e.`seq` = NEW.`event_seq`), ''), `watched` = 1 WHERE `seq` = NEW.`seq`;
  UPDATE `events` SET `delivery_count` = `delivery_count` + 1 WHERE `seq` = NEW.`event_seq`;
END;
--> statement-breakpoint
UPDATE `deliveries` SET `event_id` = coalesce((SELECT e.`id` FROM `events` e WHERE e.`seq` = `deliveries`.`event_seq`), '') WHERE `event_id` = '';
--> statement-breakpoint
UPDATE `events` SET `delivery_count` = (SELECT count(*) FROM `deliveries` d
  WHERE d.`seq` >= `events`.`first_delivery_seq`
    AND d.`seq` < coalesce((SELECT n.`first_delivery_seq` FROM `events` n WHERE n.`seq` > `events`.`seq` ORDER BY n.`seq` LIMIT 1), 9007199254740991)
    AND d.`event_seq` = `events`.`seq`)
WHERE `delivery_count` = 0;
