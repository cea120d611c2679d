/**
 * The key of a message sent to a web chat (the HTTP API, the web app, `mycel chat`), built from
 * its `messageId`: the turn's idempotency key on the server, and the `key` its reply parts
 * (`delta`, `reset`) carry on the chat's event stream; its transcript lines carry it with `#…`
 * after it. The chat is part of it, so the same messageId in another chat is another message;
 * `/` is in neither a chat id nor a messageId, so no two pairs share a key. Shared by the
 * server and its clients so that both read it alike.
 */
export function webMessageKey(chatId: string, messageId: string): string {
  return `web:api:${chatId}/${messageId}`;
}

/** The messageId a reply part's `key` names, when it is a message of `chatId`; else undefined. */
export function messageIdOfKey(chatId: string, key: string): string | undefined {
  const prefix = webMessageKey(chatId, '');
  return key.startsWith(prefix) && key.length > prefix.length ? key.slice(prefix.length) : undefined;
}
