import { WebSocketManager, WebSocketShardEvents } from '@discordjs/ws';
import { GatewayDispatchEvents, GatewayIntentBits, InteractionType, ComponentType, type GatewayDispatchPayload } from 'discord-api-types/v10';
import type { InboundEventRecord } from '../channels/inbox.js';
import type { Logger } from '../logging/logger.js';
import { formatError } from '../shared/errors.js';
import { discordChatId, type StoredDiscordEvent } from './adapter.js';
import type { DiscordRest } from './rest.js';

/** Gateway intents: direct messages and server messages, with their text. */
export const DISCORD_INTENTS = GatewayIntentBits.DirectMessages | GatewayIntentBits.GuildMessages | GatewayIntentBits.MessageContent;

/** Commit attempts of one event while the database is away, with this pause between them. */
const COMMIT_ATTEMPTS = 8;
const COMMIT_PAUSE_MS = 500;

export interface DiscordGatewayDeps {
  token: string;
  rest: DiscordRest;
  botId: string;
  /** The one server channel Mycel answers in besides direct messages (DISCORD_CHANNEL_ID). */
  allowedChannelId: string | undefined;
  /** Commits one event to the channel inbox (throws when the database is unavailable). */
  commit(event: InboundEventRecord): Promise<void>;
  logger: Logger;
}

/**
 * Reads what an incoming gateway event asks of Mycel: a message in a DM or in the allowed
 * channel, or a press of one of Mycel's buttons. Everything else (other channels, bots,
 * Mycel's own messages, other interactions) is not an event for the inbox.
 */
export function storedEventOf(payload: GatewayDispatchPayload, botId: string, allowedChannelId: string | undefined): (StoredDiscordEvent & { interactionToken?: string }) | undefined {
  const inScope = (guildId: string | undefined, channelId: string) => !guildId || channelId === allowedChannelId;
  if (payload.t === GatewayDispatchEvents.MessageCreate) {
    const m = payload.d;
    if (m.author.id === botId || m.author.bot || m.webhook_id || !inScope(m.guild_id, m.channel_id)) return undefined;
    return { type: 'message', id: m.id, channelId: m.channel_id, guildId: m.guild_id ?? null, author: { id: m.author.id, username: m.author.username }, content: m.content, attachments: m.attachments.length };
  }
  if (payload.t === GatewayDispatchEvents.InteractionCreate) {
    const i = payload.d;
    if (i.type !== InteractionType.MessageComponent || i.data.component_type !== ComponentType.Button || !i.channel) return undefined;
    const user = i.member?.user ?? i.user;
    if (!user || !inScope(i.guild_id, i.channel.id)) return undefined;
    return { type: 'button', id: i.id, channelId: i.channel.id, guildId: i.guild_id ?? null, user: { id: user.id, username: user.username }, customId: i.data.custom_id, interactionToken: i.token };
  }
  return undefined;
}

/**
 * Mycel's connection to Discord's gateway (`@discordjs/ws`: identify, heartbeats, resume after
 * a drop). Each message and button press is committed to the channel inbox before anything
 * else; a press is acknowledged to Discord only once it is stored. The gateway does not
 * deliver an event twice on its own, but a resumed session replays what the socket missed:
 * the inbox's key (the message or interaction id) makes a replay a counted duplicate.
 */
export class DiscordGateway {
  private manager: WebSocketManager | undefined;
  /** Events are stored one after the other, in the order the gateway sent them. */
  private storing: Promise<void> = Promise.resolve();

  constructor(private readonly deps: DiscordGatewayDeps) {}

  async start(): Promise<void> {
    const { deps } = this;
    const manager = new WebSocketManager({ token: deps.token, intents: DISCORD_INTENTS, rest: deps.rest.rest });
    manager.on(WebSocketShardEvents.Dispatch, (payload) => {
      this.storing = this.storing.then(() => this.onDispatch(payload));
    });
    manager.on(WebSocketShardEvents.Error, (err) => deps.logger.warn(`Discord gateway error: ${formatError(err)}`));
    manager.on(WebSocketShardEvents.Ready, (ready) => deps.logger.info({ user: ready.user.username }, 'Discord gateway ready'));
    this.manager = manager;
    await manager.connect();
  }

  async stop(): Promise<void> {
    await this.manager?.destroy();
    this.manager = undefined;
    await this.storing;
  }

  private async onDispatch(payload: GatewayDispatchPayload): Promise<void> {
    const { deps } = this;
    const event = storedEventOf(payload, deps.botId, deps.allowedChannelId);
    if (!event) return;
    const { interactionToken, ...stored } = event;
    const userId = stored.type === 'message' ? stored.author.id : stored.user.id;
    const record: InboundEventRecord = { eventId: stored.id, chatId: discordChatId(stored, userId), kind: stored.type, payload: stored };
    for (let attempt = 1; ; attempt++) {
      try {
        await deps.commit(record);
        break;
      } catch (err) {
        if (attempt >= COMMIT_ATTEMPTS) {
          deps.logger.error({ eventId: stored.id }, `could not store a Discord ${stored.type}; it is lost (the database was unavailable): ${formatError(err)}`);
          return;
        }
        await new Promise((r) => setTimeout(r, COMMIT_PAUSE_MS * attempt));
      }
    }
    if (interactionToken) {
      await deps.rest.acknowledgePress(stored.id, interactionToken).catch((err) => deps.logger.warn(`could not acknowledge a Discord button press (the outcome still follows as a message): ${formatError(err)}`));
    }
  }
}
