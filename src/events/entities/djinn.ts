/**
 * Djinn CI payloads (Djinn CI's current webhook docs; docs/formats.md). The body Djinn CI sends is the entity
 * itself, no envelope. Every documented field is optional because the older
 * docs (the older ones) show `{ }` as each event's example. Nullable where the
 * docs' tables say so or Djinn CI's code sends null
 * (test/fixtures/real/SOURCES.md): `user`, `author`, `trigger`, checksums.
 */
import { z } from "@hono/zod-openapi";
import { action, entity, int, time, url } from "./common";

export const DjinnUser = entity({
  id: int(),
  email: z.string(),
  username: z.string(),
  created_at: time(),
});

export const DjinnNamespace = entity({
  id: int(),
  user_id: int(),
  root_id: int().nullable(),
  parent_id: int().nullable(),
  name: z.string(),
  path: z.string(),
  description: z.string(),
  visibility: z.string(),
  created_at: time(),
  url: url(),
  builds_url: url(),
  namespaces_url: url(),
  images_url: url(),
  objects_url: url(),
  variables_url: url(),
  keys_url: url(),
  invites_url: url(),
  collaborators_url: url(),
  webhooks_url: url(),
  user: DjinnUser.nullable(),
});

export const DjinnTrigger = entity({
  type: z.string(),
  comment: z.string(),
  data: entity({ email: z.string(), username: z.string() }),
});

export const DjinnTag = entity({ name: z.string(), url: url() });

/** build.submitted / started / finished / pinned / unpinned. */
export const DjinnBuild = entity({
  id: int(),
  user_id: int(),
  namespace_id: int().nullable(),
  number: int(),
  manifest: z.string(),
  status: z.string(),
  output: z.string().nullable(),
  // The build entity lists tag names; build.tagged sends tag objects. Accept both.
  tags: z.array(z.union([z.string(), DjinnTag])),
  created_at: time(),
  started_at: time(),
  finished_at: time(),
  url: url(),
  objects_url: url(),
  variables_url: url(),
  jobs_url: url(),
  artifacts_url: url(),
  tags_url: url(),
  pinned: z.boolean(),
  user: DjinnUser.nullable(),
  namespace: DjinnNamespace.nullable(),
  trigger: DjinnTrigger.nullable(),
});

export const DjinnBuildTagged = entity({
  build: DjinnBuild,
  tags: z.array(DjinnTag),
  // The docs say the tags' URL; Djinn CI's newest code puts the build object here.
  url: z.union([url(), DjinnBuild]),
  user: DjinnUser.nullable(),
});

export const DjinnInviteSent = entity({ invitee: DjinnUser, inviter: DjinnUser, namespace: DjinnNamespace });
export const DjinnInvite = entity({ invitee: DjinnUser, namespace: DjinnNamespace });

/** Fields every namespace resource (cron, image, object, variable, key) shares. */
const owned = {
  id: int(),
  author_id: int(),
  user_id: int(),
  namespace_id: int().nullable(),
  created_at: time(),
  url: url(),
  author: DjinnUser.nullable(),
  user: DjinnUser.nullable(),
  namespace: DjinnNamespace.nullable(),
};

export const DjinnCron = entity({
  ...owned,
  name: z.string(),
  schedule: z.string(),
  manifest: z.string(),
  next_run: time(),
});
export const DjinnImage = entity({ ...owned, driver: z.string(), name: z.string() });
export const DjinnObject = entity({
  ...owned,
  name: z.string(),
  type: z.string(),
  size: int(),
  // Null for an empty object (database.Bytea marshals empty as null).
  md5: z.string().nullable(),
  sha256: z.string().nullable(),
  builds_url: url(),
});
export const DjinnVariable = entity({ ...owned, key: z.string(), value: z.string() });
export const DjinnKey = entity({ ...owned, name: z.string(), config: z.string(), updated_at: time() });

/** The namespace resource events: `{ action, <entity> }`. */
export const DjinnNamespacesEvent = entity({ action: action(), namespace: DjinnNamespace });
export const DjinnCronEvent = entity({ action: action(), cron: DjinnCron });
export const DjinnImagesEvent = entity({ action: action(), image: DjinnImage });
export const DjinnObjectsEvent = entity({ action: action(), object: DjinnObject });
export const DjinnVariablesEvent = entity({ action: action(), variable: DjinnVariable });
export const DjinnSshKeysEvent = entity({ action: action(), key: DjinnKey });
