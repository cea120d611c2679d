import type { ActivityDeps } from '../activities/deps.js';
import type { ChatRef } from '../shared/envelope.js';

/**
 * Posts an assistant message to a chat on Mycel's own initiative (an approval's outcome):
 * into the transcript, and out through the chat's channel when it pushes. Idempotent on `key`.
 */
export async function postToChat(deps: ActivityDeps, chat: { channel: string; chatId: string }, text: string, key: string): Promise<void> {
  const ref = chat as ChatRef;
  await deps.outbound.send({ channel: ref.channel, chatId: ref.chatId, text, key });
}
