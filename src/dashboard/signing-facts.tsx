/** How the webhook signs, on its page: the scheme, and the HMAC secret's hint or the Ed25519 public key (docs/formats.md). */
import type { FC } from "hono/jsx";
import type { Webhook } from "./types";

export const SigningFacts: FC<{ webhook: Webhook }> = ({ webhook }) => (
  <>
    <dt>Signature</dt>
    <dd id="signature-scheme">
      {webhook.signature_scheme === "ed25519" ? "Ed25519 (v1a)" : webhook.secret_hint ? "HMAC-SHA256" : "none"}
    </dd>
    {webhook.signature_scheme === "ed25519" ? (
      <>
        <dt>Public key</dt>
        <dd>
          <code class="mono" id="public-key">
            {webhook.public_key}
          </code>
          <div class="small muted">Receivers verify the v1a signatures with this key alone; the private key is never shown.</div>
        </dd>
      </>
    ) : (
      <>
        <dt>Secret</dt>
        <dd>{webhook.secret_hint ? <span class="mono">…{webhook.secret_hint}</span> : <span class="muted">none (unsigned)</span>}</dd>
      </>
    )}
  </>
);
