import { lastChat } from './chats.js';
import { isChatId } from './ids.js';
import { navigate, type Location } from './router.js';

/** Channels a dashboard page can show a chat of (the API's `?channel=`; `web` by default). */
export const CHANNELS = ['web', 'telegram'] as const;
export type Channel = (typeof CHANNELS)[number];

/**
 * The chat a dashboard page shows: `?chat=` (and `?channel=`) in the URL, else the last
 * chat opened in this browser.
 */
export function chatParam(location: Location): { chatId: string | undefined; channel: Channel; choose(chatId: string, channel: Channel): void } {
  const fromUrl = location.query.get('chat') ?? '';
  const chatId = isChatId(fromUrl) ? fromUrl : lastChat();
  const channel = (CHANNELS as readonly string[]).includes(location.query.get('channel') ?? '') ? (location.query.get('channel') as Channel) : 'web';
  return {
    chatId,
    channel,
    choose: (id, ch) => navigate(`${location.path}?chat=${encodeURIComponent(id)}${ch === 'web' ? '' : `&channel=${ch}`}`, { replace: true }),
  };
}

/** The API's `?channel=` for a chat: none for the web channel (the server's default). */
export function channelQuery(channel: Channel): { channel?: Exclude<Channel, 'web'> } {
  return channel === 'web' ? {} : { channel };
}
