import { api, type ApiPaths } from '../lib/api.js';
import { useResource } from '../lib/resource.js';
import { ErrorNotice } from '../components/notices.js';
import { Message } from './chat.js';

/** How often a channel chat's transcript is read again (its messages arrive on the channel). */
const REFRESH_MS = 3_000;

/** Names of the channels a chat may live on, for people. */
export const CHANNEL_NAMES: Record<string, string> = { web: 'Web', telegram: 'Telegram', whatsapp: 'WhatsApp', discord: 'Discord', slack: 'Slack' };

/**
 * `/channels/<channel>/<chatId>`: the transcript of a chat that lives on another channel
 * (Telegram, WhatsApp), read-only: its messages are written on that channel.
 */
/** A channel a chat may live on, as the API's `?channel=` names it. */
export type ChannelName = NonNullable<NonNullable<ApiPaths['/api/chats/{chatId}/messages']['get']['parameters']['query']>['channel']>;

export function ChannelChatPage({ channel, chatId }: { channel: ChannelName; chatId: string }) {
  const transcript = useResource(
    (signal) => api.ok(api.GET('/api/chats/{chatId}/messages', { params: { path: { chatId }, query: { channel } }, signal })),
    [channel, chatId],
    REFRESH_MS,
  );
  const name = CHANNEL_NAMES[channel] ?? channel;
  const lines = transcript.data ?? [];
  return (
    <section class="chat" aria-labelledby="page-title">
      <header class="chat-head">
        <h1 id="page-title" tabIndex={-1}>
          {name} chat <span class="chat-id">{chatId}</span>
        </h1>
        <p class="lead">This chat lives on {name}; answer it there. Its reminders and memories are on the other pages.</p>
        <nav class="chat-links" aria-label="This chat">
          <a href="/">Other chats</a>
        </nav>
      </header>
      {transcript.error !== undefined && <ErrorNotice error={transcript.error} action="load the conversation" onRetry={transcript.reload} />}
      <div class="log" role="log" aria-label="Conversation" aria-live="polite" tabIndex={0}>
        {!transcript.loading && lines.length === 0 && <p class="empty">No messages in this chat yet.</p>}
        {lines.map((m, i) => (
          <Message key={`${m.at}-${i}`} message={m} />
        ))}
      </div>
    </section>
  );
}
