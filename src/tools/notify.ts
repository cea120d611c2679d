import type { ActivityDeps } from '../deps/activity-deps.js';
import type { OutboundMessage } from '../channels/outbound.js';
import { appendMessage } from '../conversation/transcript.js';
import type { Channel, ChatRef } from '../shared/envelope.js';
import { formatError } from '../shared/errors.js';
import { approvalButtonData } from '../telegram/callback-data.js';

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

/**
 * The owners' own chats on the channels that push: a Telegram owner's private chat has their
 * user id, a WhatsApp owner's chat their number, a Discord owner's their user id, a Slack
 * owner's their member id (their direct message with the app), each when its channel is on.
 */
export function ownerChats(config: ActivityDeps['config']): ChatRef[] {
  return [
    ...config.telegram.ownerIds.map((id) => ({ channel: 'telegram' as const, chatId: String(id) })),
    ...(config.whatsapp.enabled ? config.whatsapp.ownerNumbers.map((n) => ({ channel: 'whatsapp' as const, chatId: String(n) })) : []),
    // A Discord owner's chat is their direct messages with the bot, under their user id.
    ...(config.discord.token ? config.discord.ownerIds.map((id) => ({ channel: 'discord' as const, chatId: id })) : []),
    ...(config.slack.enabled ? config.slack.ownerIds.map((id) => ({ channel: 'slack' as const, chatId: id })) : []),
  ];
}

export interface ApprovalRequest {
  id: string;
  /** The chat whose tool call waits. */
  chat: ChatRef;
  /** One line: the tool and its input. */
  summary: string;
}

/**
 * Asks the owners to decide (**contract**: only owners decide approvals). The request with
 * its Approve / Deny buttons goes to every owner's chat, never to the chat that asked unless
 * that is an owner's own chat: a paired guest must not approve their own tool calls. The
 * asking chat is told that the call waits for the owner. The web app, the CLI and the API
 * (holders of the token) list and decide pending approvals too. Best effort and idempotent
 * on the approval id: the approval itself is already durable.
 */
export async function sendApprovalRequest(deps: ActivityDeps, request: ApprovalRequest): Promise<void> {
  const owners = ownerChats(deps.config);
  const text = `Approval needed (${request.id}): ${request.summary}`;
  const buttons = [
    { text: 'Approve', data: approvalButtonData(request.id, 'approve') },
    { text: 'Deny', data: approvalButtonData(request.id, 'deny') },
  ];
  const asking = request.chat;
  const isAsking = (chat: ChatRef) => chat.channel === asking.channel && chat.chatId === asking.chatId;
  const sends: Array<{ message: OutboundMessage; to: string }> = owners.map((owner) => ({
    message: {
      ...owner,
      text: isAsking(owner) ? text : `${text}\nAsked in ${asking.channel} chat ${asking.chatId}.`,
      key: `approval-request:${request.id}:${owner.channel}:${owner.chatId}`,
      buttons,
    },
    to: `the owner's chat ${owner.chatId}`,
  }));
  if (!owners.some(isAsking)) {
    // No buttons here: whoever asked is not (known to be) an owner.
    sends.push({
      message: { ...asking, text: `${text}\nIt waits for the owner's decision; I will post the outcome here.`, key: `approval-request:${request.id}` },
      to: 'the asking chat',
    });
  }
  for (const { message, to } of sends) {
    await deps.outbound.send(message).catch((err) => deps.logger.warn({ approvalId: request.id }, `could not send the approval request to ${to}: ${formatError(err)}`));
  }
}
