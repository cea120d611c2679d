import { Component, type ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, currentToken, onAuthNeeded, setToken } from './lib/api.js';
import { isChatId } from './lib/ids.js';
import { useLocation, type Location } from './lib/router.js';
import { APPROVALS_CHANGED, ApprovalsPage } from './pages/approvals.js';
import { AuditPage } from './pages/audit.js';
import { ChannelChatPage, type ChannelName } from './pages/channel-chat.js';
import { ChatPage } from './pages/chat.js';
import { HomePage } from './pages/home.js';
import { MemoriesPage } from './pages/memories.js';
import { PipelinesPage } from './pages/pipelines.js';
import { PromisesPage } from './pages/promises.js';
import { SignInPage } from './pages/signin.js';
import { SystemPage } from './pages/system.js';

/** The app's pages: path prefix, nav label, page. The server serves index.html for each. */
const NAV: Array<{ path: string; label: string }> = [
  { path: '/', label: 'Chat' },
  { path: '/promises', label: 'Reminders' },
  { path: '/memories', label: 'Memories' },
  { path: '/approvals', label: 'Approvals' },
  { path: '/pipelines', label: 'Pipelines' },
  { path: '/audit', label: 'Audit' },
  { path: '/system', label: 'System' },
];

function route(location: Location): { title: string; section: string; page: ComponentChildren } {
  const { path } = location;
  const chat = /^\/chat\/([^/]+)\/?$/.exec(path);
  if (chat) {
    let id = '';
    try {
      id = decodeURIComponent(chat[1]!);
    } catch {
      // malformed escape: falls through to "not a chat id"
    }
    if (isChatId(id)) return { title: `Chat ${id}`, section: '/', page: <ChatPage key={id} chatId={id} /> };
    return { title: 'Not a chat', section: '/', page: <NotFound what={`"${chat[1]}" is not a chat id (letters, digits, "_", ".", ":" and "-" only).`} /> };
  }
  const onChannel = /^\/channels\/(telegram|whatsapp|discord|slack)\/([^/]+)\/?$/.exec(path);
  if (onChannel) {
    let id = '';
    try {
      id = decodeURIComponent(onChannel[2]!);
    } catch {
      // malformed escape: falls through to "not a chat id"
    }
    if (isChatId(id)) return { title: `Chat ${id}`, section: '/', page: <ChannelChatPage key={`${onChannel[1]}:${id}`} channel={onChannel[1] as ChannelName} chatId={id} /> };
    return { title: 'Not a chat', section: '/', page: <NotFound what={`"${onChannel[2]}" is not a chat id.`} /> };
  }
  switch (path.replace(/\/$/, '') || '/') {
    case '/':
    case '/chat':
      return { title: 'Chats', section: '/', page: <HomePage /> };
    case '/promises':
    case '/reminders':
      return { title: 'Reminders', section: '/promises', page: <PromisesPage location={location} /> };
    case '/memories':
      return { title: 'Memories', section: '/memories', page: <MemoriesPage location={location} /> };
    case '/approvals':
      return { title: 'Approvals', section: '/approvals', page: <ApprovalsPage /> };
    case '/pipelines':
      return { title: 'Pipelines', section: '/pipelines', page: <PipelinesPage /> };
    case '/audit':
      return { title: 'Audit log', section: '/audit', page: <AuditPage /> };
    case '/system':
      return { title: 'System health', section: '/system', page: <SystemPage /> };
    default:
      return { title: 'Not found', section: '', page: <NotFound what={`There is no page at ${path}.`} /> };
  }
}

function NotFound({ what }: { what: string }) {
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1}>
        Page not found
      </h1>
      <p>{what}</p>
      <p>
        <a href="/">Go to your chats</a>
      </p>
    </section>
  );
}

/** A page that throws while rendering shows this instead of a blank screen. */
class PageBoundary extends Component<{ children: ComponentChildren }, { failed: boolean }> {
  override state = { failed: false };
  static override getDerivedStateFromError() {
    return { failed: true };
  }
  override componentDidCatch(err: unknown) {
    console.error('page failed to render', err);
  }
  override render() {
    if (!this.state.failed) return this.props.children;
    return (
      <div class="notice error" role="alert">
        <p class="notice-title">This page ran into a problem and stopped.</p>
        <p>Your data is safe on the server; only the page failed to draw.</p>
        <p class="advice">Reload the page. If it happens again, the browser console has the details for a bug report.</p>
        <button type="button" onClick={() => location.reload()}>
          Reload
        </button>
      </div>
    );
  }
}

/** How often the nav checks for tool calls waiting for approval. */
const PENDING_POLL_MS = 10_000;

/** The number of approvals waiting, for the nav badge (undefined when unknown). */
function usePendingApprovals(enabled: boolean): number | undefined {
  const [count, setCount] = useState<number>();
  useEffect(() => {
    if (!enabled) return;
    let stopped = false;
    const check = () => {
      if (document.visibilityState !== 'visible') return;
      api.ok(api.GET('/api/approvals')).then(
        (list) => !stopped && setCount(list.length),
        () => !stopped && setCount(undefined),
      );
    };
    check();
    const timer = setInterval(check, PENDING_POLL_MS);
    window.addEventListener(APPROVALS_CHANGED, check);
    return () => {
      stopped = true;
      clearInterval(timer);
      window.removeEventListener(APPROVALS_CHANGED, check);
    };
  }, [enabled]);
  return count;
}

export function App() {
  const location = useLocation();
  const [needsSignIn, setNeedsSignIn] = useState(false);
  const [epoch, setEpoch] = useState(0);
  const [signedIn, setSignedIn] = useState(Boolean(currentToken()));
  const { title, section, page } = route(location);
  const pending = usePendingApprovals(!needsSignIn);

  useEffect(() => onAuthNeeded((needed) => setNeedsSignIn(needed)), []);
  useEffect(() => {
    document.title = needsSignIn ? 'Sign in · Mycel' : `${title} · Mycel`;
  }, [title, needsSignIn]);
  // After a navigation (not the first load), move keyboard and screen-reader focus to the new page's heading.
  const firstPath = useRef(location.path);
  useEffect(() => {
    if (location.path === firstPath.current) return;
    firstPath.current = '';
    (document.getElementById('page-title') as HTMLElement | null)?.focus({ preventScroll: true });
  }, [location.path]);

  const signOut = () => {
    setToken(undefined);
    setSignedIn(false);
    setNeedsSignIn(true);
  };

  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="/">
          Mycel
        </a>
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.path}>
                <a href={item.path} aria-current={section === item.path ? 'page' : undefined}>
                  {item.label}
                  {item.path === '/approvals' && pending ? (
                    <span class="count" title={`${pending} waiting for approval`}>
                      {pending}
                      <span class="visually-hidden"> waiting</span>
                    </span>
                  ) : null}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        {signedIn && !needsSignIn && (
          <button type="button" class="secondary signout" onClick={signOut}>
            Sign out
          </button>
        )}
      </header>
      <main id="main">
        {needsSignIn ? (
          <SignInPage
            onSignedIn={() => {
              setNeedsSignIn(false);
              setSignedIn(true);
              setEpoch((e) => e + 1);
            }}
          />
        ) : (
          <PageBoundary key={`${epoch}:${location.path}`}>
            <div key={epoch} class="page">
              {page}
            </div>
          </PageBoundary>
        )}
      </main>
    </>
  );
}
