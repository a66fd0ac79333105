/** Header, navigation and the current view (hash routes: #/chat, #/approvals, …). */
import { useEffect, useState } from 'preact/hooks';
import { messageOf, post, type UiSession } from './api.js';
import { useApprovals } from './approvals-feed.js';
import { ApprovalsView } from './views/approvals.js';
import { AuditView } from './views/audit.js';
import { ChatView } from './views/chat.js';
import { LayersView } from './views/layers.js';
import { MemoryView } from './views/memory.js';
import { SessionsView } from './views/sessions.js';
import { TokensView } from './views/tokens.js';
import { UsageView } from './views/usage.js';

interface ViewDef {
  readonly id: string;
  readonly title: string;
  readonly scope: 'chat' | 'admin';
}

const VIEWS: readonly ViewDef[] = [
  { id: 'chat', title: 'Chat', scope: 'chat' },
  { id: 'approvals', title: 'Approvals', scope: 'admin' },
  { id: 'layers', title: 'Layers', scope: 'admin' },
  { id: 'audit', title: 'Audit', scope: 'admin' },
  { id: 'sessions', title: 'Sessions', scope: 'admin' },
  { id: 'usage', title: 'Usage', scope: 'admin' },
  { id: 'tokens', title: 'Tokens', scope: 'admin' },
  { id: 'memory', title: 'Memory', scope: 'admin' },
];

function routeOf(hash: string): string {
  return hash.replace(/^#\/?/, '');
}

export function Shell({ session, onLoggedOut }: { session: UiSession; onLoggedOut: () => void }) {
  const views = VIEWS.filter((v) => session.scopes.includes(v.scope));
  const [route, setRoute] = useState(routeOf(location.hash));
  const [error, setError] = useState('');
  const admin = session.scopes.includes('admin');
  const approvals = useApprovals(admin);
  useEffect(() => {
    const onHash = () => setRoute(routeOf(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  const current = views.find((v) => v.id === route) ?? views[0];
  useEffect(() => {
    document.title = current ? `${current.title} · bulwark` : 'bulwark';
  }, [current?.id]);
  const logout = async () => {
    try {
      await post('/ui/logout');
      onLoggedOut();
    } catch (e) {
      setError(messageOf(e));
    }
  };
  return (
    <>
      <header class="top">
        <h1>bulwark</h1>
        <span class="who">
          {session.label} ({session.scopes.join(', ')})
        </span>
        <button type="button" onClick={logout}>
          Log out
        </button>
      </header>
      <nav class="views" aria-label="Views">
        <ul>
          {views.map((v) => (
            <li key={v.id}>
              <a href={`#/${v.id}`} aria-current={current?.id === v.id ? 'page' : undefined}>
                {v.title}
                {v.id === 'approvals' && approvals.pending.length > 0 ? (
                  <span class="badge" aria-label={`${approvals.pending.length} pending`}>
                    {approvals.pending.length}
                  </span>
                ) : null}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main">
        {error ? (
          <p role="alert" class="error">
            {error}
          </p>
        ) : null}
        {current === undefined ? <p>This token has no scope the UI can show.</p> : null}
        {/* Kept mounted while another view shows: a turn waiting on an approval must outlive a look at Approvals. */}
        {views.some((v) => v.id === 'chat') ? (
          <div hidden={current?.id !== 'chat'}>
            <ChatView admin={admin} />
          </div>
        ) : null}
        {current?.id === 'approvals' ? <ApprovalsView feed={approvals} /> : null}
        {current?.id === 'layers' ? <LayersView /> : null}
        {current?.id === 'audit' ? <AuditView /> : null}
        {current?.id === 'sessions' ? <SessionsView /> : null}
        {current?.id === 'usage' ? <UsageView /> : null}
        {current?.id === 'tokens' ? <TokensView session={session} /> : null}
        {current?.id === 'memory' ? <MemoryView /> : null}
      </main>
    </>
  );
}
