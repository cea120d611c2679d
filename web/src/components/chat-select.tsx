import { useState } from 'preact/hooks';
import { CHANNELS, type Channel } from '../lib/chat-param.js';
import { recentChats } from '../lib/chats.js';
import { isChatId } from '../lib/ids.js';

/**
 * Chooses the chat a dashboard page shows (reminders and memories belong to a chat): the
 * chats opened in this browser, or any chat id typed in, on the web or Telegram channel.
 */
export function ChatSelect({ value, channel, onChange }: { value: string | undefined; channel: Channel; onChange(chatId: string, channel: Channel): void }) {
  const [draft, setDraft] = useState(value ?? '');
  const [draftChannel, setDraftChannel] = useState<Channel>(channel);
  const [invalid, setInvalid] = useState(false);
  const options = Array.from(new Set([...(value ? [value] : []), ...recentChats()]));
  const submit = (e: Event) => {
    e.preventDefault();
    const id = draft.trim();
    if (!isChatId(id)) return setInvalid(true);
    setInvalid(false);
    onChange(id, draftChannel);
  };
  return (
    <form class="chat-select" onSubmit={submit}>
      <label for="chat-id">Chat</label>
      <input
        id="chat-id"
        list="known-chats"
        value={draft}
        placeholder="chat id"
        aria-invalid={invalid || undefined}
        aria-describedby={invalid ? 'chat-id-error' : undefined}
        onInput={(e) => setDraft((e.target as HTMLInputElement).value)}
      />
      <datalist id="known-chats">
        {options.map((id) => (
          <option key={id} value={id} />
        ))}
      </datalist>
      <label for="chat-channel" class="visually-hidden">
        Channel
      </label>
      <select id="chat-channel" value={draftChannel} onChange={(e) => setDraftChannel((e.target as HTMLSelectElement).value as Channel)}>
        {CHANNELS.map((c) => (
          <option key={c} value={c}>
            {c === 'web' ? 'Web' : 'Telegram'}
          </option>
        ))}
      </select>
      <button type="submit">Show</button>
      {invalid && (
        <p id="chat-id-error" class="field-error" role="alert">
          A chat id has 1–128 letters, digits, "_", ".", ":" or "-".
        </p>
      )}
    </form>
  );
}
