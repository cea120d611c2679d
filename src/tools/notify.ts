import type { ActivityDeps } from '../activities/deps.js';
import { appendMessage } from '../conversation/transcript.js';
import type { Channel } from '../shared/envelope.js';

/**
 * Posts an assistant message to a chat on Mycel's own initiative (an approval's outcome):
 * into the transcript, and out through the chat's channel when it pushes. Idempotent on
 * `key`: a retried activity neither stores nor sends the message twice.
 */
export async function postToChat(deps: ActivityDeps, chat: { channel: string; chatId: string }, text: string, key: string, kind = 'approval'): Promise<void> {
  const channel = chat.channel as Channel;
  await appendMessage(deps.store, { channel, chatId: chat.chatId, role: 'assistant', text, kind, key });
  await deps.outbound.send({ channel, chatId: chat.chatId, text, key });
}
