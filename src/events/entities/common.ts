/**
 * Building blocks of the event schemas. Every object is an open map
 * (`z.looseObject`): unknown fields pass through untouched, because senders
 * add fields without notice (CircleCI says so; Djinn CI and Puppet do it).
 *
 * Field types the systems' webhook docs leave undocumented are inferred from
 * their examples: ids and counts are integers, times RFC 3339 strings or
 * null, `*_url` fields strings.
 */
import { z } from "@hono/zod-openapi";

/** An open map whose documented fields may each be absent, but are type-checked when present. */
export const entity = <T extends z.core.$ZodLooseShape>(shape: T) => z.looseObject(shape).partial();

/** An open map whose documented fields are all present (CircleCI's "Always present: yes"). */
export const strictEntity = <T extends z.core.$ZodLooseShape>(shape: T) => z.looseObject(shape);

/**
 * An integer JSON.parse can hold exactly. Larger numbers lose precision before
 * any code sees them, so a documented integer field refuses them instead of
 * storing a different number than the sender meant.
 */
export const int = () => z.int();

/** RFC 3339 date-time (with `Z` or an offset), or null where unset. */
export const time = () => z.iso.datetime({ offset: true }).nullable();

export const url = () => z.string();

/** `action` of the Djinn CI resource events (namespaces, cron, images, ...). */
export const action = () => z.enum(["created", "updated", "deleted"]);
