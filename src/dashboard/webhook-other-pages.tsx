/**
 * The pages around one webhook's own: its secret shown once (after create or
 * rotate), the rotate and delete confirmations, and "not found".
 */
import type { FC, PropsWithChildren } from "hono/jsx";
import { shownUrl } from "../security/url-mask";
import type { Webhook } from "./types";
import { Csrf, Layout, Notice, utc, type Me } from "./view";

/** Formats whose receivers take one signature: during the grace period they keep getting the old secret's only (delivery/formats.ts). */
const ONE_SIGNATURE_FORMATS = new Set(["djinn", "circleci"]);

/** What signs the deliveries after a rotation, honestly, by format (docs/owner-tools.md, "Rotate the signing secret"). */
function afterRotation(format: string, previousExpires: string | null | undefined): string {
  if (!previousExpires) return "Deliveries are now signed with the new secret only: receivers that still hold the old one refuse them until they get the new one.";
  const until = utc(previousExpires);
  return ONE_SIGNATURE_FORMATS.has(format)
    ? `Deliveries keep being signed with the previous secret only until ${until} (a ${format} receiver checks one signature), then with the new one. Put the new secret in your receiver before then.`
    : `Until ${until} deliveries carry two signatures, one with the new secret and one with the previous; a receiver holding either accepts them. After that only the new secret signs.`;
}

export const SecretPage: FC<{ me: Me; webhook: Webhook; secret: string | null; created: boolean; previousExpires?: string | null }> = ({
  me,
  webhook,
  secret,
  created,
  previousExpires,
}) => {
  const base = `/webhooks/${encodeURIComponent(webhook.id)}`;
  return (
    <Layout title={created ? "Webhook created" : "Secret rotated"} me={me} nav="webhooks">
      <div class="crumbs">
        <a href="/webhooks">Webhooks</a> / <a href={base}>{webhook.name}</a>
      </div>
      <div class="narrow wide">
        <Notice tone="ok" title={created ? `Webhook ${webhook.name} created` : `New ${webhook.public_key ? "key pair" : "secret"} for ${webhook.name}`}>
          <p>{created ? "Events matching its subscription are now sent to its URL." : webhook.public_key ? "Deliveries are now signed with the new key." : afterRotation(webhook.format, previousExpires)}</p>
        </Notice>
        {secret ? (
          <section class="panel" aria-labelledby="secret-title">
            <h2 id="secret-title">Signing secret</h2>
            <label for="secret-value">Copy this secret into your receiver to verify signatures.</label>
            <div class="secret-box">
              <input id="secret-value" type="text" readonly value={secret} spellcheck={false} autocomplete="off" />
              <button type="button" data-copy="secret-value" hidden>
                Copy
              </button>
            </div>
            <Notice tone="warn" title="This secret is shown only once">
              <p>Store it now. It cannot be shown again; if it is lost, rotate the secret to get a new one.</p>
            </Notice>
          </section>
        ) : webhook.public_key ? (
          <section class="panel" aria-labelledby="secret-title">
            <h2 id="secret-title">Ed25519 public key</h2>
            <label for="secret-value">Give this public key to your receiver: it verifies the v1a signatures with it alone. The private key never leaves the dispatcher.</label>
            <div class="secret-box">
              <input id="secret-value" type="text" readonly value={webhook.public_key} spellcheck={false} autocomplete="off" />
              <button type="button" data-copy="secret-value" hidden>
                Copy
              </button>
            </div>
            {previousExpires ? <p class="small muted">The previous key keeps signing too until {previousExpires.replace("T", " ").replace(/\.\d+Z$/, " UTC")}, so receivers can switch without missing events.</p> : null}
          </section>
        ) : (
          <p class="muted">This webhook has no secret: its deliveries are not signed.</p>
        )}
        <a class="btn primary" href={base}>
          Continue to the webhook
        </a>
      </div>
    </Layout>
  );
};

/** The grace periods the confirmation offers (seconds); the API's default first. */
export const ROTATION_GRACES = [
  { seconds: 86_400, label: "24 hours (default)" },
  { seconds: 3_600, label: "1 hour" },
  { seconds: 7 * 86_400, label: "7 days" },
  { seconds: 0, label: "none: the old secret stops now" },
] as const;

/** A webhook action that asks first: the form posting to `action`, its button, and Cancel back to the webhook. */
const ConfirmPage: FC<PropsWithChildren<{ me: Me; webhook: Webhook; title: string; action: string; button: string; kind: "primary" | "danger" }>> = ({
  me,
  webhook,
  title,
  action,
  button,
  kind,
  children,
}) => {
  const base = `/webhooks/${encodeURIComponent(webhook.id)}`;
  return (
    <Layout title={title} me={me} nav="webhooks">
      <div class="crumbs">
        <a href="/webhooks">Webhooks</a> / <a href={base}>{webhook.name}</a>
      </div>
      <div class="narrow wide">
        <form method="post" action={`${base}/${action}`} class="panel">
          <Csrf token={me.csrf} />
          {children}
          <div class="actions">
            <button type="submit" class={kind}>
              {button}
            </button>
            <a class="btn" href={base}>
              Cancel
            </a>
          </div>
        </form>
      </div>
    </Layout>
  );
};

export const RotatePage: FC<{ me: Me; webhook: Webhook }> = ({ me, webhook }) => {
  const one = ONE_SIGNATURE_FORMATS.has(webhook.format);
  return (
    <ConfirmPage me={me} webhook={webhook} title={`Rotate the secret of ${webhook.name}`} action="rotate-secret" button="Rotate secret" kind="primary">
      <h1>Rotate the signing secret of {webhook.name}?</h1>
      <p>A new secret is generated and shown once. During the grace period the previous secret goes on signing:</p>
      <p>
        {one
          ? `a ${webhook.format} receiver checks one signature, so deliveries stay signed with the previous secret only until the grace period ends, then switch to the new one. Put the new secret in your receiver before it ends.`
          : "deliveries carry both signatures (new and previous), so a receiver holding either accepts them; after the grace period only the new secret signs."}
      </p>
      <div class="field">
        <label for="grace">Grace period</label>
        <select id="grace" name="grace_seconds">
          {ROTATION_GRACES.map((g) => (
            <option value={String(g.seconds)}>{g.label}</option>
          ))}
        </select>
      </div>
    </ConfirmPage>
  );
};

export const DeletePage: FC<{ me: Me; webhook: Webhook }> = ({ me, webhook }) => (
  <ConfirmPage me={me} webhook={webhook} title={`Delete ${webhook.name}`} action="delete" button="Delete webhook" kind="danger">
    <h1>Delete webhook {webhook.name}?</h1>
    <p>
      No more events are sent to <code>{shownUrl(webhook.url, webhook.format)}</code>. Deliveries still pending end as failed; past deliveries stay readable until retention removes them.
      This cannot be undone.
    </p>
  </ConfirmPage>
);

export const NotFoundPage: FC<{ me: Me; message: string }> = ({ me, message }) => (
  <Layout title="Not found" me={me} nav="webhooks">
    <div class="panel empty">
      <h1>Not found</h1>
      <p>{message}</p>
      <a class="btn" href="/webhooks">
        Back to the webhooks
      </a>
    </div>
  </Layout>
);
