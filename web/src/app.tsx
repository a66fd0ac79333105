/** The page: the login form, or the views the session's scopes allow. */
import { useEffect, useState } from 'preact/hooks';
import { currentSession, messageOf, setSession, whenLoggedOut, type UiSession } from './api.js';
import { Login } from './views/login.js';
import { Shell } from './shell.js';

export function App() {
  const [session, setState] = useState<UiSession | null | undefined>(undefined);
  const [error, setError] = useState('');
  const use = (s: UiSession | null) => {
    setSession(s ?? undefined);
    setState(s);
  };
  useEffect(() => {
    whenLoggedOut(() => use(null));
    currentSession().then(
      (s) => use(s ?? null),
      (e: unknown) => {
        setError(messageOf(e));
        use(null);
      },
    );
  }, []);
  if (session === undefined) return <p class="boot">Loading bulwark…</p>;
  if (session === null) return <Login onLoggedIn={use} note={error} />;
  return <Shell session={session} onLoggedOut={() => use(null)} />;
}
