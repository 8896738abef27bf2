/**
 * The pages around one webhook's own: its secret shown once (after create or
 * rotate), the delete confirmation, and "not found".
 */
import type { FC } from "hono/jsx";
import { shownUrl } from "../security/url-mask";
import type { Webhook } from "./types";
import { Csrf, Layout, Notice, type Me } from "./view";

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
          <p>{created ? "Events matching its subscription are now sent to its URL." : `Deliveries are now signed with the new ${webhook.public_key ? "key" : "secret"}.`}</p>
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
            {previousExpires ? <p class="small muted">The previous secret keeps signing too until {previousExpires.replace("T", " ").replace(/\.\d+Z$/, " UTC")}, so receivers can switch without missing events.</p> : null}
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

export const DeletePage: FC<{ me: Me; webhook: Webhook }> = ({ me, webhook }) => {
  const base = `/webhooks/${encodeURIComponent(webhook.id)}`;
  return (
    <Layout title={`Delete ${webhook.name}`} me={me} nav="webhooks">
      <div class="crumbs">
        <a href="/webhooks">Webhooks</a> / <a href={base}>{webhook.name}</a>
      </div>
      <div class="narrow wide">
        <form method="post" action={`${base}/delete`} class="panel">
          <Csrf token={me.csrf} />
          <h1>Delete webhook {webhook.name}?</h1>
          <p>
            No more events are sent to <code>{shownUrl(webhook.url, webhook.format)}</code>. Deliveries still pending end as failed; past deliveries stay readable until retention removes them.
            This cannot be undone.
          </p>
          <div class="actions">
            <button type="submit" class="danger">
              Delete webhook
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
