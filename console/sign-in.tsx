import { useState } from 'preact/hooks';
import { ErrorMessage } from './messages.js';

/** The key is asked for here and kept in this tab only. */
export function SignIn({ onSignIn, error }: { onSignIn: (key: string) => Promise<void>; error?: string }) {
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    if (!key.trim()) return;
    setBusy(true);
    await onSignIn(key.trim());
    setBusy(false);
  };
  return (
    <form class="card sign-in" onSubmit={submit}>
      <label for="api-key">API key</label>
      <input
        id="api-key"
        type="password"
        autoComplete="off"
        spellcheck={false}
        required
        value={key}
        onInput={(event) => setKey(event.currentTarget.value)}
        aria-describedby="key-note"
      />
      <p id="key-note" class="muted">
        Kept in this tab's session storage until you sign out or close it; sent only to this gateway's /graphql.
      </p>
      <ErrorMessage text={error} />
      <button type="submit" class="primary" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}
