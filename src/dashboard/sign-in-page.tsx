/** The sign-in page: a namespace token, or the admin token and a namespace. */
import type { FC } from "hono/jsx";
import { Csrf, Layout, Notice, TextField, type FieldErrors } from "./view";

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
        <TextField
          name="token"
          label="API token"
          type="password"
          autocomplete="off"
          required
          errors={errors.token}
          hint={
            <>
              A namespace token (<code>cwh_…</code>) with the <code>webhooks:read</code> scope, or the admin token.
            </>
          }
        />
        <TextField
          name="namespace"
          label="Namespace"
          value={values.namespace}
          autocomplete="off"
          spellcheck={false}
          errors={errors.namespace}
          hint="Required with the admin token. With a namespace token it may stay empty."
        />
        <button type="submit" class="primary">
          Sign in
        </button>
      </form>
    </div>
  </Layout>
);
