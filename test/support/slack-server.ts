import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { waitFor } from './wait.js';

/**
 * A local stand-in of Slack that speaks its wire format, both ways:
 * - the Web API methods Mycel calls, `POST <root>/chat.postMessage` and `<root>/chat.update`
 *   with `Authorization: Bearer xoxb-…`, taking form-encoded or JSON arguments (nested values
 *   JSON-encoded in a form, as Slack's clients send them), answering HTTP 200 with `{ ok: true,
 *   channel, ts, message }` or `{ ok: false, error }`, and HTTP 429 with `Retry-After` for rate
 *   limits. It checks what Slack checks for the parts Mycel uses: a text or blocks, 40,000
 *   characters of text, a section's text of at most 3,000, an actions block of 1-25 buttons
 *   with 1-75-character texts, unique action ids and values of at most 2,000 characters.
 *   Posting to a member id posts to the app's direct message with them (a `D…` conversation).
 * - the Events API and interactivity deliveries Slack makes to the app's Request URLs, signed
 *   with `X-Slack-Signature: v0=<HMAC-SHA256 of "v0:<timestamp>:<raw body>">` and
 *   `X-Slack-Request-Timestamp`: `event_callback` envelopes with `message` events, the
 *   `url_verification` handshake, and `block_actions` payloads as `payload=<JSON>` forms.
 * - Socket Mode: `apps.connections.open` with the app-level token (`xapp-…`) answers a one-time
 *   `ws://` URL; on connecting the app gets `{ type: "hello" }`, then envelopes `{ envelope_id,
 *   type: "events_api" | "interactive", payload, accepts_response_payload, retry_attempt,
 *   retry_reason }` that it acknowledges with `{ envelope_id }`; the server pings, and can ask
 *   the app to reconnect with `{ type: "disconnect", reason: "refresh_requested" }`.
 */

/** A Socket Mode envelope as the stand-in sends it. */
export interface SocketEnvelope {
  envelope_id: string;
  type: 'events_api' | 'interactive';
  payload: Record<string, unknown>;
  accepts_response_payload: boolean;
  retry_attempt: number;
  retry_reason: string;
}

/** One button of a message Mycel sent. */
export interface SlackButton {
  action_id: string;
  text: string;
  value: string;
}

/** A message Mycel sent, as the stand-in keeps it (updated in place by chat.update). */
export interface SlackSent {
  /** The conversation it is in (`D…` for a direct message, `C…` for a channel). */
  channel: string;
  ts: string;
  /** The text as a Slack client shows it (escapes read back). */
  text: string;
  /** The `text` argument as it came over the wire (escaped). */
  raw: string;
  buttons: SlackButton[];
  /**
   * Its buttons as first posted: what a client that has not yet seen an update (a second
   * device, a quick double press) still shows and can press.
   */
  postedButtons: SlackButton[];
  blocks: Array<Record<string, any>>;
  /** The text of its context blocks (where a closed message shows the outcome of a press). */
  context: string;
  /** How often chat.update changed it. */
  updates: number;
}

/** One call to the Web API, with the HTTP status and `error` it got. */
export interface SlackCall {
  method: string;
  status: number;
  error?: string;
  channel?: string;
}

export interface SlackFailure {
  /** 429 (with Retry-After), a 5xx, or 200 with `{ ok: false, error }`. */
  status: number;
  error?: string;
  retryAfter?: number;
  /** Only a call to this conversation (a member id or channel id as Mycel passed it) fails. */
  channel?: string;
}

const MAX_TEXT = 40_000;
const MAX_SECTION = 3_000;
const MAX_ACTIONS = 25;
const MAX_BUTTON_TEXT = 75;
const MAX_VALUE = 2_000;

class SlackFailureError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly retryAfter?: number,
  ) {
    super(error);
  }
}

const unescape = (text: string) => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

export class SlackStandIn {
  readonly botToken = `xoxb-${Date.now()}-${randomBytes(6).toString('hex')}`;
  readonly appToken = `xapp-1-A${randomBytes(4).toString('hex').toUpperCase()}-${Date.now()}-${randomBytes(8).toString('hex')}`;
  /** Socket Mode connections opened, in order (a reconnect opens a new one). */
  readonly socketConnections: number[] = [];
  /** Envelope ids the app acknowledged, with how often. */
  readonly acks = new Map<string, number>();
  readonly signingSecret = randomBytes(16).toString('hex');
  readonly teamId = `T${randomBytes(4).toString('hex').toUpperCase()}`;
  readonly appId = `A${randomBytes(4).toString('hex').toUpperCase()}`;
  readonly botUserId = `U${randomBytes(4).toString('hex').toUpperCase()}BOT`;
  readonly sent: SlackSent[] = [];
  readonly calls: SlackCall[] = [];
  /** Where Events API deliveries go (Mycel's `/webhooks/slack`), set once Mycel runs. */
  eventsUrl = '';
  /** Where interactivity deliveries go (Mycel's `/webhooks/slack/interactive`). */
  interactiveUrl = '';

  private server!: Server;
  private root = '';
  private readonly failures: SlackFailure[] = [];
  private readonly dms = new Map<string, string>();
  private clock = Math.floor(Date.now() / 1000) * 1_000_000;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly tickets = new Set<string>();
  private readonly sockets = new Set<WebSocket>();
  private pinger: NodeJS.Timeout | undefined;

  static async start(): Promise<SlackStandIn> {
    const standIn = new SlackStandIn();
    standIn.server = createServer((req, res) => void standIn.handle(req, res));
    standIn.server.on('upgrade', (req, socket, head) => standIn.upgrade(req, socket as import('node:net').Socket, head));
    await new Promise<void>((resolve) => standIn.server.listen(0, '127.0.0.1', resolve));
    standIn.root = `http://127.0.0.1:${(standIn.server.address() as AddressInfo).port}/api`;
    // Slack pings each connection; a client that hears nothing for long reconnects.
    standIn.pinger = setInterval(() => {
      for (const ws of standIn.sockets) ws.ping('ping');
    }, 5_000);
    return standIn;
  }

  /** The value for `SLACK_API_ROOT`. */
  get apiRoot(): string {
    return this.root;
  }

  /** The variables that turn Mycel's Slack channel on in Socket Mode against this stand-in. */
  socketEnv(owners: string[], allowedChannel?: string): Record<string, string> {
    return {
      SLACK_BOT_TOKEN: this.botToken,
      SLACK_APP_TOKEN: this.appToken,
      SLACK_API_ROOT: this.root,
      MYCEL_OWNER_SLACK_IDS: owners.join(','),
      ...(allowedChannel ? { SLACK_ALLOWED_CHANNEL: allowedChannel } : {}),
    };
  }

  /** The variables that turn Mycel's Slack channel on (Events API) against this stand-in. */
  env(owners: string[], allowedChannel?: string): Record<string, string> {
    return {
      SLACK_BOT_TOKEN: this.botToken,
      SLACK_SIGNING_SECRET: this.signingSecret,
      SLACK_API_ROOT: this.root,
      MYCEL_OWNER_SLACK_IDS: owners.join(','),
      ...(allowedChannel ? { SLACK_ALLOWED_CHANNEL: allowedChannel } : {}),
    };
  }

  /** Points the deliveries at a running Mycel. */
  attach(mycelUrl: string): void {
    this.eventsUrl = `${mycelUrl}/webhooks/slack`;
    this.interactiveUrl = `${mycelUrl}/webhooks/slack/interactive`;
  }

  async stop(): Promise<void> {
    clearInterval(this.pinger);
    for (const ws of this.sockets) ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** A fresh member id. */
  newUser(): string {
    return `U${randomBytes(5).toString('hex').toUpperCase()}`;
  }

  /** The direct-message conversation of the app with a member (Slack's `D…` id). */
  dmOf(user: string): string {
    let dm = this.dms.get(user);
    if (!dm) this.dms.set(user, (dm = `D${user.slice(1)}`));
    return dm;
  }

  /** The next `times` calls fail as scripted (429 with Retry-After, a 5xx, `{ ok: false, error }`). */
  failNext(failure: SlackFailure, times = 1): void {
    for (let i = 0; i < times; i += 1) this.failures.push(failure);
  }

  // ---------------------------------------------------------------- deliveries to Mycel

  /** A `ts` as Slack makes them: seconds and microseconds, increasing. */
  nextTs(): string {
    this.clock += 1;
    return `${Math.floor(this.clock / 1_000_000)}.${String(this.clock % 1_000_000).padStart(6, '0')}`;
  }

  /** An `event_callback` envelope carrying one event. */
  envelope(event: Record<string, unknown>): Record<string, unknown> {
    return {
      token: 'deprecated-verification-token',
      team_id: this.teamId,
      api_app_id: this.appId,
      event,
      type: 'event_callback',
      event_id: `Ev${randomBytes(6).toString('hex').toUpperCase()}`,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ team_id: this.teamId, user_id: this.botUserId, is_bot: true }],
      is_ext_shared_channel: false,
    };
  }

  /** A member's message in their direct message with the app (or in a channel), as a `message` event. */
  message(user: string, text: string, options: { channel?: string; extra?: Record<string, unknown> } = {}): Record<string, unknown> {
    const inChannel = options.channel !== undefined;
    return {
      type: 'message',
      client_msg_id: randomBytes(16).toString('hex'),
      text,
      user,
      ts: this.nextTs(),
      team: this.teamId,
      channel: options.channel ?? this.dmOf(user),
      event_ts: this.nextTs(),
      channel_type: inChannel ? 'channel' : 'im',
      ...options.extra,
    };
  }

  /** Signs and posts a body to a URL as Slack does; returns the HTTP status and body. */
  async post(url: string, body: string, contentType: string, options: { secret?: string; timestamp?: number; signature?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: string }> {
    const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
    const signature = options.signature ?? `v0=${createHmac('sha256', options.secret ?? this.signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType, 'x-slack-request-timestamp': timestamp, 'x-slack-signature': signature, ...options.headers }, body });
    return { status: res.status, body: await res.text() };
  }

  /** Delivers an Events API payload (signed unless told otherwise); returns the HTTP status. */
  async deliver(payload: unknown, options: Parameters<SlackStandIn['post']>[3] = {}): Promise<number> {
    return (await this.post(this.eventsUrl, JSON.stringify(payload), 'application/json', options)).status;
  }

  /** A member writes in their direct message with the app; returns the delivered envelope. */
  async say(user: string, text: string): Promise<Record<string, unknown>> {
    const payload = this.envelope(this.message(user, text));
    const status = await this.deliver(payload);
    if (status !== 200) throw new Error(`the Events API route answered ${status}`);
    return payload;
  }

  /** A `block_actions` payload: `user` pressed `button` of message `on`. */
  blockActions(user: string, on: SlackSent, button: SlackButton): Record<string, unknown> {
    const actionTs = this.nextTs();
    return {
      type: 'block_actions',
      user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: this.teamId },
      api_app_id: this.appId,
      token: 'deprecated-verification-token',
      container: { type: 'message', message_ts: on.ts, channel_id: on.channel, is_ephemeral: false },
      trigger_id: `${Date.now()}.${randomBytes(4).readUInt32BE()}.${randomBytes(8).toString('hex')}`,
      team: { id: this.teamId, domain: 'mycel-test' },
      channel: { id: on.channel, name: on.channel.startsWith('D') ? 'directmessage' : 'general' },
      message: { type: 'message', ts: on.ts, text: on.text, blocks: on.blocks, user: this.botUserId, bot_id: 'B1' },
      response_url: `${this.root.replace(/\/api$/, '')}/actions/${randomBytes(6).toString('hex')}`,
      actions: [{ action_id: button.action_id, block_id: 'mycel-buttons', text: { type: 'plain_text', text: button.text }, value: button.value, type: 'button', action_ts: actionTs }],
    };
  }

  /** Delivers an interaction payload as Slack does (a `payload=` form, signed); returns the HTTP status. */
  async interact(payload: unknown, options: Parameters<SlackStandIn['post']>[3] = {}): Promise<number> {
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return (await this.post(this.interactiveUrl, body, 'application/x-www-form-urlencoded', options)).status;
  }

  // ---------------------------------------------------------------- Socket Mode

  /** Whether an app is connected over Socket Mode (it said nothing yet, Slack said hello). */
  get socketOpen(): boolean {
    return this.sockets.size > 0;
  }

  /** Sends an envelope over the open connection; resolves once the app acknowledged it. */
  async sendEnvelope(envelope: SocketEnvelope, timeoutMs = 10_000): Promise<void> {
    const before = this.acks.get(envelope.envelope_id) ?? 0;
    await waitFor(() => (this.socketOpen ? true : undefined), timeoutMs, 'a Socket Mode connection');
    // The newest connection: an older one may still be closing after a refresh.
    [...this.sockets].at(-1)!.send(JSON.stringify(envelope));
    await waitFor(() => ((this.acks.get(envelope.envelope_id) ?? 0) > before ? true : undefined), timeoutMs, `the ack of envelope ${envelope.envelope_id}`);
  }

  /** An envelope around an Events API payload or an interaction payload. */
  socketEnvelope(type: SocketEnvelope['type'], payload: Record<string, unknown>): SocketEnvelope {
    return { envelope_id: randomBytes(16).toString('hex'), type, payload, accepts_response_payload: false, retry_attempt: 0, retry_reason: '' };
  }

  /** Asks every connected app to reconnect, as Slack does before it recycles a server. */
  refreshConnections(): void {
    for (const ws of this.sockets) ws.send(JSON.stringify({ type: 'disconnect', reason: 'refresh_requested', debug_info: { host: 'applink-stand-in' } }));
  }

  private openConnection(): unknown {
    const ticket = randomBytes(12).toString('hex');
    this.tickets.add(ticket);
    const url = `${this.root.replace(/^http/, 'ws').replace(/\/api$/, '')}/link/?ticket=${ticket}&app_id=${this.appId}`;
    return { ok: true, url };
  }

  private upgrade(req: IncomingMessage, socket: import('node:net').Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const ticket = url.searchParams.get('ticket') ?? '';
    if (url.pathname !== '/link/' || !this.tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.sockets.add(ws);
      this.socketConnections.push(Date.now());
      ws.on('close', () => this.sockets.delete(ws));
      ws.on('message', (data) => {
        try {
          const message = JSON.parse(String(data)) as { envelope_id?: string };
          if (message.envelope_id) this.acks.set(message.envelope_id, (this.acks.get(message.envelope_id) ?? 0) + 1);
        } catch {
          // Not JSON: Slack ignores it too.
        }
      });
      ws.send(JSON.stringify({ type: 'hello', num_connections: this.sockets.size, debug_info: { host: 'applink-stand-in', approximate_connection_time: 18060 }, connection_info: { app_id: this.appId } }));
    });
  }

  // ---------------------------------------------------------------- what Mycel sent

  /** Messages in a member's direct message with the app (or in a channel, by its id). */
  sentTo(userOrChannel: string): SlackSent[] {
    const conversation = /^[UW]/.test(userOrChannel) ? this.dmOf(userOrChannel) : userOrChannel;
    return this.sent.filter((m) => m.channel === conversation);
  }

  waitForMessages(userOrChannel: string, count: number, timeoutMs = 30_000): Promise<SlackSent[]> {
    return waitFor(() => {
      const got = this.sentTo(userOrChannel);
      return got.length >= count ? got : undefined;
    }, timeoutMs, `${count} Slack message(s) to ${userOrChannel}`);
  }

  // ---------------------------------------------------------------- Web API

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const method = url.pathname.replace(/^\/api\//, '');
    const call: SlackCall = { method, status: 200 };
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
    let body: unknown;
    try {
      if (req.method !== 'POST' || !url.pathname.startsWith('/api/')) throw new SlackFailureError(404, 'unknown_method');
      if (method === 'apps.connections.open') {
        if (req.headers.authorization !== `Bearer ${this.appToken}`) throw new SlackFailureError(200, req.headers.authorization === `Bearer ${this.botToken}` ? 'not_allowed_token_type' : 'invalid_auth');
        body = this.openConnection();
        this.calls.push(call);
        res.writeHead(200, headers);
        res.end(JSON.stringify(body));
        return;
      }
      if (req.headers.authorization !== `Bearer ${this.botToken}`) throw new SlackFailureError(200, req.headers.authorization ? 'invalid_auth' : 'not_authed');
      const params = this.readArguments(req.headers['content-type'] ?? '', Buffer.concat(chunks).toString('utf8'));
      call.channel = typeof params.channel === 'string' ? params.channel : undefined;
      const at = this.failures.findIndex((f) => f.channel === undefined || f.channel === call.channel);
      const failure = at >= 0 ? this.failures.splice(at, 1)[0] : undefined;
      if (failure) throw new SlackFailureError(failure.status, failure.error ?? (failure.status === 429 ? 'ratelimited' : 'internal_error'), failure.status === 429 ? (failure.retryAfter ?? 1) : undefined);
      if (method === 'auth.test') body = { ok: true, url: 'https://mycel-test.slack.com/', team: 'Mycel Test', user: 'mycel', team_id: this.teamId, user_id: this.botUserId, bot_id: 'B1', is_enterprise_install: false };
      else if (method === 'chat.postMessage') body = this.postMessage(params);
      else if (method === 'chat.update') body = this.update(params);
      else throw new SlackFailureError(200, 'unknown_method');
    } catch (err) {
      const failure = err instanceof SlackFailureError ? err : new SlackFailureError(500, (err as Error).message);
      call.status = failure.status;
      call.error = failure.error;
      if (failure.retryAfter !== undefined) headers['retry-after'] = String(failure.retryAfter);
      body = { ok: false, error: failure.error };
    }
    this.calls.push(call);
    res.writeHead(call.status, headers);
    res.end(JSON.stringify(body));
  }

  /** Form or JSON arguments; nested values of a form are JSON text, as Slack reads them. */
  private readArguments(contentType: string, raw: string): Record<string, any> {
    if (!raw) return {};
    if (contentType.startsWith('application/json')) {
      try {
        return JSON.parse(raw);
      } catch {
        throw new SlackFailureError(200, 'invalid_json');
      }
    }
    if (!contentType.startsWith('application/x-www-form-urlencoded')) throw new SlackFailureError(200, 'invalid_form_data');
    const params: Record<string, any> = Object.fromEntries(new URLSearchParams(raw));
    for (const key of ['blocks', 'attachments']) {
      if (typeof params[key] !== 'string') continue;
      try {
        params[key] = JSON.parse(params[key]);
      } catch {
        throw new SlackFailureError(200, 'invalid_blocks_format');
      }
    }
    return params;
  }

  private conversation(channel: unknown): string {
    if (typeof channel !== 'string' || !channel) throw new SlackFailureError(200, 'channel_not_found');
    if (/^[UW][A-Z0-9]+$/.test(channel)) return this.dmOf(channel);
    if (/^[CDG][A-Z0-9]+$/.test(channel)) return channel;
    throw new SlackFailureError(200, 'channel_not_found');
  }

  private readBlocks(blocks: unknown): { buttons: SlackButton[]; blocks: Array<Record<string, any>>; context: string; sectionText?: string } {
    if (blocks === undefined) return { buttons: [], blocks: [], context: '' };
    if (!Array.isArray(blocks) || blocks.length > 50) throw new SlackFailureError(200, 'invalid_blocks');
    const buttons: SlackButton[] = [];
    let sectionText: string | undefined;
    const context: string[] = [];
    for (const block of blocks) {
      if (block?.type === 'section') {
        const text = block.text?.text;
        if (typeof text !== 'string' || !text.length || text.length > MAX_SECTION || !['mrkdwn', 'plain_text'].includes(block.text.type)) throw new SlackFailureError(200, 'invalid_blocks');
        sectionText = text;
      } else if (block?.type === 'actions') {
        const elements = block.elements;
        if (!Array.isArray(elements) || !elements.length || elements.length > MAX_ACTIONS) throw new SlackFailureError(200, 'invalid_blocks');
        for (const e of elements) {
          if (e?.type !== 'button' || e.text?.type !== 'plain_text' || typeof e.text.text !== 'string' || !e.text.text.length || e.text.text.length > MAX_BUTTON_TEXT) throw new SlackFailureError(200, 'invalid_blocks');
          if (typeof e.action_id !== 'string' || !e.action_id || e.action_id.length > 255 || buttons.some((b) => b.action_id === e.action_id)) throw new SlackFailureError(200, 'invalid_blocks');
          if (e.value !== undefined && (typeof e.value !== 'string' || e.value.length > MAX_VALUE)) throw new SlackFailureError(200, 'invalid_blocks');
          buttons.push({ action_id: e.action_id, text: e.text.text, value: e.value ?? '' });
        }
      } else if (block?.type === 'context') {
        if (!Array.isArray(block.elements) || !block.elements.length || block.elements.length > 10) throw new SlackFailureError(200, 'invalid_blocks');
        for (const e of block.elements) if (typeof e?.text === 'string') context.push(unescape(e.text));
      } else {
        throw new SlackFailureError(200, 'invalid_blocks');
      }
    }
    return { buttons, blocks, context: context.join('\n'), sectionText };
  }

  private content(params: Record<string, any>): Omit<SlackSent, 'channel' | 'ts' | 'updates' | 'postedButtons'> {
    const { buttons, blocks, context, sectionText } = this.readBlocks(params.blocks);
    const text = typeof params.text === 'string' ? params.text : undefined;
    if (!text && !blocks.length) throw new SlackFailureError(200, 'no_text');
    if (text && text.length > MAX_TEXT) throw new SlackFailureError(200, 'msg_too_long');
    return { text: unescape(sectionText ?? text ?? ''), raw: text ?? '', buttons, blocks, context };
  }

  private postMessage(params: Record<string, any>): unknown {
    const channel = this.conversation(params.channel);
    const content = this.content(params);
    const message: SlackSent = { channel, ts: this.nextTs(), ...content, postedButtons: content.buttons, updates: 0 };
    this.sent.push(message);
    return { ok: true, channel, ts: message.ts, message: { type: 'message', text: params.text, user: this.botUserId, bot_id: 'B1', ts: message.ts } };
  }

  private update(params: Record<string, any>): unknown {
    const channel = this.conversation(params.channel);
    if (/^[UW]/.test(String(params.channel))) throw new SlackFailureError(200, 'channel_not_found');
    const message = this.sent.find((m) => m.channel === channel && m.ts === params.ts);
    if (!message) throw new SlackFailureError(200, 'message_not_found');
    Object.assign(message, this.content(params));
    message.updates += 1;
    return { ok: true, channel, ts: message.ts, text: params.text };
  }
}
