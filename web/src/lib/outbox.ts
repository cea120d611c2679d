/**
 * Messages typed but not yet confirmed by the server, per chat, kept in this tab's
 * sessionStorage so that a reload still offers "Retry" with the same messageId
 * (the server's idempotency key: a resend never starts a second turn).
 */
export interface OutboxItem {
  messageId: string;
  text: string;
  /** When it was queued (ISO), to match it against the transcript. */
  queuedAt: string;
  state: 'sending' | 'failed';
  /** An image sent with the message (base64), kept in memory only: a reload drops it. */
  image?: { name: string; mime: string; dataBase64: string };
  /** What went wrong, for the person; set when state is `failed`. */
  error?: { title: string; detail: string; advice: string; retryable: boolean };
}

const key = (chatId: string) => `mycel.outbox.${chatId}`;

export function loadOutbox(chatId: string): OutboxItem[] {
  try {
    const items = JSON.parse(sessionStorage.getItem(key(chatId)) ?? '[]') as OutboxItem[];
    // Anything still "sending" belonged to a page that went away before the answer came.
    return items.map((item) =>
      item.state === 'sending'
        ? { ...item, state: 'failed' as const, error: { title: 'Not confirmed.', detail: 'The page was closed or reloaded before Mycel answered.', advice: 'Retry sends it again with the same id, so it is never answered twice.', retryable: true } }
        : item,
    );
  } catch {
    return [];
  }
}

export function saveOutbox(chatId: string, items: OutboxItem[]): void {
  try {
    // Images stay out of storage (megabytes); a reloaded item is retried as its text alone.
    if (items.length) sessionStorage.setItem(key(chatId), JSON.stringify(items.map(({ image: _image, ...item }) => item)));
    else sessionStorage.removeItem(key(chatId));
  } catch {
    // storage full or disabled: the outbox lives in memory only
  }
}
