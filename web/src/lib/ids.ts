/** Same rule as the server's chat id schema (letters, digits, "_", ".", ":", "@", "+", "-"; 1-128). */
export const CHAT_ID_PATTERN = /^[A-Za-z0-9_.:@+-]{1,128}$/;

export function isChatId(value: string): boolean {
  return CHAT_ID_PATTERN.test(value);
}

function randomHex(bytes: number): string {
  // getRandomValues works on plain http too (randomUUID needs a secure context).
  const buf = new Uint8Array(bytes);
  crypto.getRandomValues(buf);
  return Array.from(buf, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * A client-generated message id: the API's idempotency key. A resend of the same message
 * (after a network error, a reload) carries the same id, so the server starts no second turn.
 */
export function newMessageId(): string {
  return `web-${Date.now().toString(36)}-${randomHex(8)}`;
}

/** A fresh chat id for "start a new chat". */
export function newChatId(): string {
  return `chat-${randomHex(4)}`;
}
