import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A local stand-in of Discord that speaks its wire format, for the parts Mycel uses:
 * - REST under `/api/v10` with `Authorization: Bot <token>`: `GET /gateway/bot`, `POST
 *   /users/@me/channels` (open a DM), `POST /channels/{id}/messages` (2,000 characters of
 *   content at most; components: one action row of at most five buttons with a label of at
 *   most 80 characters and a custom id of at most 100), `POST /interactions/{id}/{token}/callback`.
 *   Errors are `{ message, code }`; a 429 carries `retry_after` and the rate-limit headers.
 * - The gateway over a websocket (`?v=10&encoding=json`): HELLO (op 10), IDENTIFY (op 2) checked
 *   for the token and the intents, READY, heartbeats (op 1 → op 11), RESUME (op 6) → RESUMED, and
 *   dispatches (op 0) with sequence numbers: MESSAGE_CREATE for a user's message, INTERACTION_CREATE
 *   for a button press.
 */

/** A message Mycel posted, as the stand-in took it. */
export interface DiscordSent {
  id: string;
  channelId: string;
  content: string;
  /** The buttons of its action row: label and custom id. */
  buttons: Array<{ label: string; customId: string }>;
  at: number;
}

/** One REST call, with the status it got. */
export interface DiscordCall {
  method: string;
  path: string;
  status: number;
  channelId?: string;
}

interface Failure {
  status: number;
  channelId?: string;
}

const MAX_CONTENT = 2000;
/** The gateway intents Mycel must ask for: DIRECT_MESSAGES, GUILD_MESSAGES, MESSAGE_CONTENT. */
const REQUIRED_INTENTS = (1 << 12) | (1 << 9) | (1 << 15);

let sequence = BigInt(Date.now()) << 22n;
const snowflake = () => String((sequence += 1n));

export class DiscordStandIn {
  readonly botId = snowflake();
  readonly token: string;
  readonly sent: DiscordSent[] = [];
  readonly calls: DiscordCall[] = [];
  readonly acknowledged: string[] = [];
  identified = 0;
  private readonly failures: Failure[] = [];
  private readonly dmChannels = new Map<string, string>();
  private readonly sockets = new Set<WebSocket>();
  private seq = 0;
  private readonly wss: WebSocketServer;

  private constructor(private readonly server: Server) {
    this.token = `${Buffer.from(this.botId).toString('base64').replace(/=+$/, '')}.${randomBytes(4).toString('hex')}.${randomBytes(16).toString('base64url')}`;
    this.wss = new WebSocketServer({ server, path: '/gateway' });
    this.wss.on('connection', (socket) => this.onSocket(socket));
    server.on('request', (req, res) => void this.onRequest(req, res));
  }

  static async start(): Promise<DiscordStandIn> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new DiscordStandIn(server);
  }

  get apiRoot(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The variables that turn Mycel's Discord channel on against this stand-in. */
  env(owners: string[], channelId?: string): Record<string, string> {
    return { DISCORD_BOT_TOKEN: this.token, DISCORD_API_ROOT: this.apiRoot, MYCEL_OWNER_DISCORD_IDS: owners.join(','), ...(channelId ? { DISCORD_CHANNEL_ID: channelId } : {}) };
  }

  newUserId(): string {
    return snowflake();
  }

  /** The DM channel of a user (the same one every time, as Discord does). */
  dmChannelOf(userId: string): string {
    let id = this.dmChannels.get(userId);
    if (!id) {
      id = snowflake();
      this.dmChannels.set(userId, id);
    }
    return id;
  }

  /** Messages posted to a channel (a user's DM channel, or a server channel), in order. */
  sentTo(channelId: string): DiscordSent[] {
    return this.sent.filter((m) => m.channelId === channelId);
  }

  /** The next message post (to this channel, when given) fails with `status`. */
  failNext(status: number, channelId?: string): void {
    this.failures.push({ status, ...(channelId ? { channelId } : {}) });
  }

  /** A user writes in their DM with the bot, or in a server channel: returns the dispatch, to send again. */
  message(userId: string, content: string, options: { guildChannelId?: string; guildId?: string; bot?: boolean; attachments?: number } = {}): object {
    const channelId = options.guildChannelId ?? this.dmChannelOf(userId);
    return {
      t: 'MESSAGE_CREATE',
      d: {
        id: snowflake(),
        channel_id: channelId,
        ...(options.guildChannelId ? { guild_id: options.guildId ?? '1000000000000000001', member: { roles: [], joined_at: new Date().toISOString() } } : {}),
        author: { id: userId, username: `user${userId.slice(-4)}`, discriminator: '0', global_name: null, avatar: null, ...(options.bot ? { bot: true } : {}) },
        content,
        timestamp: new Date().toISOString(),
        edited_timestamp: null,
        tts: false,
        mention_everyone: false,
        mentions: [],
        mention_roles: [],
        attachments: Array.from({ length: options.attachments ?? 0 }, () => ({ id: snowflake(), filename: 'photo.png', size: 1, url: 'https://cdn.invalid/x', proxy_url: 'https://cdn.invalid/x' })),
        embeds: [],
        pinned: false,
        type: 0,
        flags: 0,
      },
    };
  }

  /** A user presses a button of a message Mycel posted: returns the dispatch. */
  press(userId: string, sent: DiscordSent, label: string): object {
    const button = sent.buttons.find((b) => b.label === label);
    if (!button) throw new Error(`the message has no button "${label}"`);
    return {
      t: 'INTERACTION_CREATE',
      d: {
        id: snowflake(),
        application_id: this.botId,
        type: 3,
        token: randomBytes(24).toString('base64url'),
        version: 1,
        channel_id: sent.channelId,
        channel: { id: sent.channelId, type: 1 },
        user: { id: userId, username: `user${userId.slice(-4)}`, discriminator: '0', global_name: null, avatar: null },
        data: { custom_id: button.customId, component_type: 2 },
        message: { id: sent.id, channel_id: sent.channelId, content: sent.content },
        app_permissions: '0',
        locale: 'en-US',
        entitlements: [],
        authorizing_integration_owners: {},
        context: 1,
      },
    };
  }

  /** Sends a dispatch to every connected gateway session, with the next sequence number. */
  dispatch(event: object): void {
    const payload = JSON.stringify({ op: 0, s: ++this.seq, ...event });
    for (const socket of this.sockets) socket.send(payload);
  }

  /** Number of gateway sessions that completed IDENTIFY and are connected. */
  get connected(): number {
    return this.sockets.size;
  }

  /** Closes every gateway session as Discord does before a resume (close code 4000, unknown error: resumable). */
  dropConnections(): void {
    for (const socket of this.sockets) socket.close(4000, 'Unknown error');
    this.sockets.clear();
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onSocket(socket: WebSocket): void {
    socket.send(JSON.stringify({ op: 10, d: { heartbeat_interval: 41_250 }, s: null, t: null }));
    socket.on('message', (data) => {
      let message: { op: number; d: unknown };
      try {
        message = JSON.parse(String(data)) as { op: number; d: unknown };
      } catch {
        socket.close(4002, 'Decode error');
        return;
      }
      if (message.op === 1) {
        socket.send(JSON.stringify({ op: 11, d: null, s: null, t: null }));
      } else if (message.op === 2) {
        const identify = message.d as { token: string; intents: number };
        if (identify.token !== this.token && identify.token !== `Bot ${this.token}`) return socket.close(4004, 'Authentication failed.');
        if ((identify.intents & REQUIRED_INTENTS) !== REQUIRED_INTENTS) return socket.close(4014, 'Disallowed intent(s).');
        this.identified += 1;
        this.sockets.add(socket);
        const ready = {
          v: 10,
          user: { id: this.botId, username: 'mycel-bot', discriminator: '0', global_name: null, avatar: null, bot: true },
          guilds: [],
          session_id: randomBytes(16).toString('hex'),
          resume_gateway_url: `${this.apiRoot.replace('http', 'ws')}/gateway`,
          application: { id: this.botId, flags: 0 },
          shard: [0, 1],
        };
        socket.send(JSON.stringify({ op: 0, s: ++this.seq, t: 'READY', d: ready }));
      } else if (message.op === 6) {
        this.sockets.add(socket);
        socket.send(JSON.stringify({ op: 0, s: ++this.seq, t: 'RESUMED', d: {} }));
      }
    });
    socket.on('close', () => this.sockets.delete(socket));
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.apiRoot);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}, channelId?: string) => {
      this.calls.push({ method: req.method ?? 'GET', path: url.pathname, status, ...(channelId ? { channelId } : {}) });
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(status === 204 ? undefined : JSON.stringify(body));
    };
    const path = url.pathname.replace(/^\/api\/v10/, '');
    if (!url.pathname.startsWith('/api/v10/')) return reply(404, { message: '404: Not Found', code: 0 });
    const interaction = /^\/interactions\/(\d+)\/([^/]+)\/callback$/.exec(path);
    if (interaction) {
      this.acknowledged.push(interaction[1]!);
      return reply(204, null);
    }
    if (req.headers.authorization !== `Bot ${this.token}`) return reply(401, { message: '401: Unauthorized', code: 0 });
    let body: Record<string, unknown>;
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      return reply(400, { message: 'The request body contains invalid JSON.', code: 50109 });
    }
    if (req.method === 'GET' && (path === '/gateway/bot' || path === '/gateway')) {
      return reply(200, { url: `${this.apiRoot.replace('http', 'ws')}/gateway`, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 } });
    }
    if (req.method === 'POST' && path === '/users/@me/channels') {
      const recipient = String(body.recipient_id ?? '');
      if (!/^\d+$/.test(recipient)) return reply(400, { message: 'Invalid Form Body', code: 50035 });
      return reply(200, { id: this.dmChannelOf(recipient), type: 1, recipients: [{ id: recipient, username: `user${recipient.slice(-4)}`, discriminator: '0' }], last_message_id: null });
    }
    const post = /^\/channels\/(\d+)\/messages$/.exec(path);
    if (req.method === 'POST' && post) {
      const channelId = post[1]!;
      const failure = this.failures.findIndex((f) => !f.channelId || f.channelId === channelId);
      if (failure >= 0) {
        const { status } = this.failures.splice(failure, 1)[0]!;
        if (status === 429) {
          return reply(429, { message: 'You are being rate limited.', retry_after: 0.2, global: false }, { 'retry-after': '1', 'x-ratelimit-scope': 'user', 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': '0.2', 'x-ratelimit-bucket': 'stand-in' }, channelId);
        }
        return reply(status, { message: `${status}: failure on demand`, code: 0 }, {}, channelId);
      }
      const content = typeof body.content === 'string' ? body.content : '';
      if (!content || content.length > MAX_CONTENT) return reply(400, { message: 'Invalid Form Body', code: 50035, errors: { content: 'Must be 2000 or fewer in length.' } }, {}, channelId);
      const rows = (Array.isArray(body.components) ? body.components : []) as Array<{ type: number; components: Array<{ type: number; label: string; custom_id: string }> }>;
      if (rows.length > 1 || rows.some((r) => r.type !== 1 || r.components.length > 5 || r.components.some((b) => b.type !== 2 || !b.label || b.label.length > 80 || !b.custom_id || b.custom_id.length > 100))) {
        return reply(400, { message: 'Invalid Form Body', code: 50035, errors: { components: 'invalid' } }, {}, channelId);
      }
      const message: DiscordSent = { id: snowflake(), channelId, content, buttons: rows.flatMap((r) => r.components.map((b) => ({ label: b.label, customId: b.custom_id }))), at: Date.now() };
      this.sent.push(message);
      return reply(200, { id: message.id, channel_id: channelId, content, author: { id: this.botId, username: 'mycel-bot', bot: true }, timestamp: new Date().toISOString(), type: 0 }, {}, channelId);
    }
    return reply(404, { message: '404: Not Found', code: 0 });
  }
}
