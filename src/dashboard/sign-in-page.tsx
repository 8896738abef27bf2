/** The sign-in page: a namespace token, or the admin token and a namespace. */
import type { FC } from "hono/jsx";
import { Csrf, FieldError, Layout, Notice, type FieldErrors } from "./view";

export type SignInValues = { namespace: string };

export const SignInPage: FC<{ csrf: string; values: SignInValues; errors: FieldErrors; message?: string; notice?: string }> = ({
  csrf,
  values,
  errors,
  message,
  notice,
}) => (
  <Layout title="Sign in">
    <div class="narrow">
      <h1>Sign in to Webhooks</h1>
      <p class="muted">Manage the webhooks of your namespace: where events go, how they are signed, and what was delivered.</p>
      {notice ? <Notice tone="ok">{notice}</Notice> : null}
      {message ? (
        <Notice tone="bad" title="Could not sign in">
          <p>{message}</p>
        </Notice>
      ) : null}
      <form method="post" action="/sign-in" class="panel" novalidate>
        <Csrf token={csrf} />
        <div class={errors.token ? "field invalid" : "field"}>
          <label for="token">API token</label>
          <input
            id="token"
            name="token"
            type="password"
            autocomplete="off"
            required
            aria-describedby={errors.token ? "token-error token-hint" : "token-hint"}
            aria-invalid={errors.token ? "true" : undefined}
          />
          <p class="hint" id="token-hint">
            A namespace token (<code>cwh_…</code>) with the <code>webhooks:read</code> scope, or the admin token.
          </p>
          <FieldError id="token-error" errors={errors.token} />
        </div>
        <div class={errors.namespace ? "field invalid" : "field"}>
          <label for="namespace">Namespace</label>
          <input
            id="namespace"
            name="namespace"
            type="text"
            value={values.namespace}
            autocomplete="off"
            spellcheck={false}
            aria-describedby={errors.namespace ? "namespace-error namespace-hint" : "namespace-hint"}
            aria-invalid={errors.namespace ? "true" : undefined}
          />
          <p class="hint" id="namespace-hint">
            Required with the admin token. With a namespace token it may stay empty.
          </p>
          <FieldError id="namespace-error" errors={errors.namespace} />
        </div>
        <button type="submit" class="primary">
          Sign in
        </button>
      </form>
    </div>
  </Layout>
);
