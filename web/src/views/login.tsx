/** Log in once with an API token; the page keeps nothing of it (the daemon answers with an HttpOnly cookie). */
import { useState } from 'preact/hooks';
import { login, messageOf, type UiSession } from '../api.js';

export function Login({ onLoggedIn, note }: { onLoggedIn: (s: UiSession) => void; note?: string }) {
  const [error, setError] = useState(note ?? '');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const input = form.elements.namedItem('token') as HTMLInputElement;
    const token = input.value;
    // The token leaves the page's memory with the form: it is never stored.
    input.value = '';
    setBusy(true);
    setError('');
    try {
      onLoggedIn(await login(token));
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <form class="panel" onSubmit={submit}>
        <h2>Log in to bulwark</h2>
        <label for="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="off"
          spellcheck={false}
          required
          placeholder="bwk_…"
        />
        <p class="muted">
          Create one with <code>bulwark token create</code>. The token is sent once; the session lasts until you log
          out, it expires or the token is revoked.
        </p>
        {error ? (
          <p role="alert" class="error">
            {error}
          </p>
        ) : null}
        <button type="submit" class="primary" disabled={busy}>
          Log in
        </button>
      </form>
    </main>
  );
}
