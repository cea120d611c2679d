import { useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { loadCapabilities } from '../lib/capabilities.js';
import { recentChats } from '../lib/chats.js';
import { isChatId, newChatId } from '../lib/ids.js';
import { navigate } from '../lib/router.js';
import { CHANNEL_NAMES } from './channel-chat.js';
import { useResource } from '../lib/resource.js';

/** Chats the server lists on every channel, when it offers a list (GET /api/chats?channel=all). */
async function serverChats(signal: AbortSignal) {
  const caps = await loadCapabilities();
  if (!caps.has('get', '/api/chats')) return [];
  const list = await api.ok(api.GET('/api/chats', { params: { query: { channel: 'all' } }, signal }));
  return list.filter((c) => isChatId(c.chatId));
}

/** `/`: pick a chat or start one. */
export function HomePage() {
  const [draft, setDraft] = useState('');
  const [invalid, setInvalid] = useState(false);
  const listed = useResource(serverChats, []);
  const listedChats = listed.data ?? [];
  const chats = Array.from(new Set([...recentChats(), ...listedChats.filter((c) => c.channel === 'web').map((c) => c.chatId)]));
  const elsewhere = listedChats.filter((c) => c.channel !== 'web');

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
      {elsewhere.length > 0 && (
        <>
          <h2>On other channels</h2>
          <ul class="chat-list">
            {elsewhere.map((c) => (
              <li key={`${c.channel}:${c.chatId}`}>
                <a href={`/channels/${c.channel}/${encodeURIComponent(c.chatId)}`}>
                  <span class="badge">{CHANNEL_NAMES[c.channel] ?? c.channel}</span> {c.chatId}
                </a>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
