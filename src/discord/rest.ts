import { DiscordAPIError, HTTPError, REST, RateLimitError } from '@discordjs/rest';
import { Routes, type APIChannel, type APIMessage, type RESTPostAPIChannelMessageJSONBody } from 'discord-api-types/v10';
import { DISCORD_API_VERSION, DISCORD_CHANNEL_CHAT_PREFIX, DISCORD_REQUEST_TIMEOUT_MS } from './limits.js';

/**
 * Discord's REST API as Mycel uses it, through `@discordjs/rest` (which keeps Discord's
 * per-route rate limits and waits out a 429 before it tries again): open the direct-message
 * channel of a user, post a message, acknowledge a button press.
 */
export interface DiscordRest {
  /** Posts a message to the channel of a Mycel chat (a user's id: their DM; `channel-<id>`: that channel); returns its id. */
  postMessage(chatId: string, body: RESTPostAPIChannelMessageJSONBody): Promise<string>;
  /** Tells Discord a button press was received (the outcome follows as a message). */
  acknowledgePress(interactionId: string, token: string): Promise<void>;
  /** The REST client, for the gateway's own calls (gateway URL). */
  readonly rest: REST;
}

export function createDiscordRest(options: { apiRoot: string; token: string }): DiscordRest {
  const rest = new REST({ api: `${options.apiRoot.replace(/\/+$/, '')}/api`, version: DISCORD_API_VERSION, timeout: DISCORD_REQUEST_TIMEOUT_MS, retries: 1 }).setToken(options.token);
  const dmChannels = new Map<string, string>();

  async function channelOf(chatId: string): Promise<string> {
    if (chatId.startsWith(DISCORD_CHANNEL_CHAT_PREFIX)) return chatId.slice(DISCORD_CHANNEL_CHAT_PREFIX.length);
    const known = dmChannels.get(chatId);
    if (known) return known;
    // Discord answers with the existing DM channel when there is one.
    const channel = (await rest.post(Routes.userChannels(), { body: { recipient_id: chatId } })) as APIChannel;
    dmChannels.set(chatId, channel.id);
    return channel.id;
  }

  return {
    rest,
    async postMessage(chatId, body) {
      const message = (await rest.post(Routes.channelMessages(await channelOf(chatId)), { body })) as APIMessage;
      return message.id;
    },
    async acknowledgePress(interactionId, token) {
      // Type 6, DEFERRED_UPDATE_MESSAGE: "received", without changing the message.
      await rest.post(Routes.interactionCallback(interactionId, token), { body: { type: 6 }, auth: false });
    },
  };
}

/** Worth trying again later: Discord throttled us or failed, or did not answer. */
export function isTransientDiscordError(err: unknown): boolean {
  if (err instanceof RateLimitError) return true;
  if (err instanceof HTTPError) return err.status >= 500 || err.status === 429;
  if (err instanceof DiscordAPIError) return err.status >= 500 || err.status === 429;
  return true;
}

/** Discord answered (so it posted nothing) with a refusal that retrying cannot fix. */
export function isPermanentDiscordError(err: unknown): boolean {
  return err instanceof DiscordAPIError && err.status >= 400 && err.status < 500 && err.status !== 401 && err.status !== 429;
}

/** The error in words, without the token. */
export function describeDiscordError(err: unknown): string {
  if (err instanceof DiscordAPIError) return `Discord answered ${err.status} (code ${err.code}): ${err.message}`;
  if (err instanceof HTTPError) return `Discord answered ${err.status}: ${err.message}`;
  if (err instanceof RateLimitError) return `rate limited on ${err.route} for ${err.timeToReset} ms`;
  return err instanceof Error ? err.message : String(err);
}

/** The bot's user id, from its token (the token's first part is the id in base64): part of every ingress key. */
export function botIdFromToken(token: string): string {
  const first = token.split('.')[0] ?? '';
  const id = Buffer.from(first, 'base64').toString('utf8');
  return /^\d{5,25}$/.test(id) ? id : 'bot';
}

/** Discord answered the request (with an error), so it certainly posted nothing. */
export function discordAnswered(err: unknown): boolean {
  return err instanceof DiscordAPIError || err instanceof HTTPError || err instanceof RateLimitError;
}
