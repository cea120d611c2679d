import { useState } from 'preact/hooks';
import { get } from '../lib/api.js';
import { loadCapabilities } from '../lib/capabilities.js';
import { recentChats } from '../lib/chats.js';
import { isChatId, newChatId } from '../lib/ids.js';
import { navigate } from '../lib/router.js';
import { useResource } from '../lib/resource.js';

/** Chats the server lists, when it offers a list (GET /api/chats). */
async function serverChats(signal: AbortSignal): Promise<string[]> {
  const caps = await loadCapabilities();
  if (!caps.has('get', '/api/chats')) return [];
  const list = await get<Array<string | { chatId?: string; id?: string }>>('/api/chats', signal);
  return list.map((c) => (typeof c === 'string' ? c : c.chatId ?? c.id ?? '')).filter(isChatId);
}

/** `/`: pick a chat or start one. */
export function HomePage() {
  const [draft, setDraft] = useState('');
  const [invalid, setInvalid] = useState(false);
  const listed = useResource(serverChats, []);
  const chats = Array.from(new Set([...recentChats(), ...(listed.data ?? [])]));

  const open = (e: Event) => {
    e.preventDefault();
    const id = draft.trim();
    if (!isChatId(id)) return setInvalid(true);
    navigate(`/chat/${encodeURIComponent(id)}`);
  };

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1}>
        Chats
      </h1>
      <p class="lead">Talk to Mycel here: set reminders, ask it to remember things, run commands. Each chat keeps its own history.</p>
      <div class="cards">
        <div class="card">
          <h2>Start a new chat</h2>
          <p>A fresh conversation with its own id.</p>
          <button type="button" onClick={() => navigate(`/chat/${newChatId()}`)}>
            New chat
          </button>
        </div>
        <form class="card" onSubmit={open}>
          <h2>Open a chat</h2>
          <label for="open-chat">Chat id</label>
          <input
            id="open-chat"
            value={draft}
            placeholder="for example: main"
            aria-invalid={invalid || undefined}
            aria-describedby={invalid ? 'open-chat-error' : undefined}
            onInput={(e) => {
              setDraft((e.target as HTMLInputElement).value);
              setInvalid(false);
            }}
          />
          {invalid && (
            <p id="open-chat-error" class="field-error" role="alert">
              A chat id has 1–128 letters, digits, "_", ".", ":" or "-".
            </p>
          )}
          <button type="submit">Open</button>
        </form>
      </div>
      <h2>Your chats</h2>
      {chats.length === 0 ? (
        <p class="empty">No chats yet in this browser. Start one above.</p>
      ) : (
        <ul class="chat-list">
          {chats.map((id) => (
            <li key={id}>
              <a href={`/chat/${encodeURIComponent(id)}`}>{id}</a>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
