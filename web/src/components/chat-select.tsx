import { useState } from 'preact/hooks';
import { recentChats } from '../lib/chats.js';
import { isChatId } from '../lib/ids.js';

/**
 * Chooses the chat a dashboard page shows (promises and memories belong to a chat):
 * the chats opened in this browser, or any chat id typed in.
 */
export function ChatSelect({ value, onChange, known = [] }: { value: string | undefined; onChange(chatId: string): void; known?: string[] }) {
  const [draft, setDraft] = useState(value ?? '');
  const [invalid, setInvalid] = useState(false);
  const options = Array.from(new Set([...(value ? [value] : []), ...known, ...recentChats()]));
  const submit = (e: Event) => {
    e.preventDefault();
    const id = draft.trim();
    if (!isChatId(id)) return setInvalid(true);
    setInvalid(false);
    onChange(id);
  };
  return (
    <form class="chat-select" onSubmit={submit}>
      <label for="chat-id">Chat</label>
      <input
        id="chat-id"
        list="known-chats"
        value={draft}
        placeholder="chat id"
        aria-invalid={invalid}
        aria-describedby={invalid ? 'chat-id-error' : undefined}
        onInput={(e) => setDraft((e.target as HTMLInputElement).value)}
        onChange={(e) => {
          const id = (e.target as HTMLInputElement).value.trim();
          if (options.includes(id)) onChange(id);
        }}
      />
      <datalist id="known-chats">
        {options.map((id) => (
          <option key={id} value={id} />
        ))}
      </datalist>
      <button type="submit">Show</button>
      {invalid && (
        <p id="chat-id-error" class="field-error">
          A chat id has 1–128 letters, digits, "_", ".", ":" or "-".
        </p>
      )}
    </form>
  );
}
