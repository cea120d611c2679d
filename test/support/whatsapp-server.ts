import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from './wait.js';

/**
 * A local stand-in of the WhatsApp Business Cloud API that speaks its wire format: the
 * Graph API's send-message call (`POST /<version>/<phone number id>/messages` with a bearer
 * token, answering `{ messaging_product, contacts: [{ input, wa_id }], messages: [{ id }] }`,
 * errors as `{ error: { message, type, code, fbtrace_id } }`), and Meta's side of the webhook:
 * deliveries of `{ object: "whatsapp_business_account", entry: [{ id, changes: [{ field:
 * "messages", value: { messaging_product, metadata, contacts, messages } }] }] }`, signed
 * with `X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body with the app secret>`.
 * It checks what the real API checks for the parts Mycel uses: 4096 characters of text,
 * interactive button messages with 1-3 reply buttons of at most 20-character titles and
 * unique ids, a body of at most 1024 characters.
 */

/** What one interactive reply button looked like on the wire. */
export interface WaReplyButton {
  type: 'reply';
  reply: { id: string; title: string };
}

/** A message Mycel sent, as the stand-in took it. */
export interface WaSent {
  id: string;
  to: string;
  type: 'text' | 'interactive';
  /** The text body, or the interactive body's text. */
  text: string;
  buttons: WaReplyButton[];
  at: number;
}

/** One call to the Graph API, with the status it got. */
export interface WaCall {
  path: string;
  status: number;
  to?: string;
  at: number;
}

export interface WaFailure {
  status: number;
  /** Only a send to this number fails (any send when unset). */
  to?: string;
  code?: number;
  message?: string;
  retryAfter?: number;
}

const GRAPH_VERSION = /^v\d+\.\d+$/;
const MAX_TEXT = 4096;
const MAX_INTERACTIVE_BODY = 1024;
const MAX_BUTTONS = 3;
const MAX_TITLE = 20;

class GraphFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

export class WhatsAppStandIn {
  readonly accessToken = `EAAG${randomBytes(12).toString('hex')}`;
  readonly appSecret = randomBytes(16).toString('hex');
  readonly verifyToken = `verify-${randomBytes(6).toString('hex')}`;
  /** A phone number id of its own per stand-in: keys derived from it never collide between tests. */
  readonly phoneNumberId = String(100_000_000_000_000 + Math.floor(Math.random() * 800_000_000_000_000));
  readonly displayNumber = '15550001111';
  /** Every message Mycel sent, in order. */
  readonly sent: WaSent[] = [];
  readonly calls: WaCall[] = [];
  /** Where deliveries go: Mycel's webhook URL (set once Mycel runs). */
  webhookUrl = '';

  private server!: Server;
  private root = '';
  private readonly failures: WaFailure[] = [];
  private nextId = 1;

  static async start(): Promise<WhatsAppStandIn> {
    const standIn = new WhatsAppStandIn();
    standIn.server = createServer((req, res) => void standIn.handle(req, res));
    await new Promise<void>((resolve) => standIn.server.listen(0, '127.0.0.1', resolve));
    standIn.root = `http://127.0.0.1:${(standIn.server.address() as AddressInfo).port}`;
    return standIn;
  }

  /** The value for `WHATSAPP_API_ROOT`. */
  get apiRoot(): string {
    return this.root;
  }

  /** The variables that turn Mycel's WhatsApp channel on against this stand-in. */
  env(owners: string[]): Record<string, string> {
    return {
      WHATSAPP_ACCESS_TOKEN: this.accessToken,
      WHATSAPP_PHONE_NUMBER_ID: this.phoneNumberId,
      WHATSAPP_VERIFY_TOKEN: this.verifyToken,
      WHATSAPP_APP_SECRET: this.appSecret,
      WHATSAPP_API_ROOT: this.root,
      MYCEL_OWNER_WHATSAPP_NUMBERS: owners.join(','),
    };
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next `times` send calls fail as scripted (429, 503, a Graph error code). */
  failNext(failure: WaFailure, times = 1): void {
    for (let i = 0; i < times; i += 1) this.failures.push(failure);
  }

  // ---------------------------------------------------------------- webhook deliveries

  /** A new message id in the Cloud API's form. */
  messageId(): string {
    return `wamid.${Buffer.from(`${this.phoneNumberId}-${Date.now()}-${randomBytes(6).toString('hex')}`).toString('base64url')}`;
  }

  /** The webhook payload carrying `messages` from one sender. */
  payload(from: string, messages: Array<Record<string, unknown>>, name = `User ${from}`): Record<string, unknown> {
    return {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '102290129340398',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: this.displayNumber, phone_number_id: this.phoneNumberId },
                contacts: [{ profile: { name }, wa_id: from }],
                messages: messages.map((m) => ({ from, timestamp: String(Math.floor(Date.now() / 1000)), ...m })),
              },
            },
          ],
        },
      ],
    };
  }

  /** A text message as the webhook carries it. */
  text(body: string, id = this.messageId()): Record<string, unknown> {
    return { id, type: 'text', text: { body } };
  }

  /** A press of a reply button of a message Mycel sent. */
  buttonReply(on: WaSent, button: WaReplyButton, id = this.messageId()): Record<string, unknown> {
    return { id, type: 'interactive', context: { from: this.displayNumber, id: on.id }, interactive: { type: 'button_reply', button_reply: { id: button.reply.id, title: button.reply.title } } };
  }

  /** Delivers a payload to Mycel's webhook as Meta does, signed unless told otherwise; returns the HTTP status. */
  async deliver(payload: unknown, options: { signature?: string; secret?: string } = {}): Promise<number> {
    const body = JSON.stringify(payload);
    const signature = options.signature ?? `sha256=${createHmac('sha256', options.secret ?? this.appSecret).update(body).digest('hex')}`;
    const res = await fetch(this.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature }, body });
    await res.arrayBuffer();
    return res.status;
  }

  /** Sends one text message from `from`; returns the message id. */
  async send(from: string, body: string, name?: string): Promise<string> {
    const message = this.text(body);
    const status = await this.deliver(this.payload(from, [message], name));
    if (status !== 200) throw new Error(`the webhook answered ${status}`);
    return message.id as string;
  }

  /** Meta's verification handshake against Mycel's webhook; returns status and body. */
  async verify(params: Record<string, string>): Promise<{ status: number; body: string }> {
    const url = new URL(this.webhookUrl);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const res = await fetch(url);
    return { status: res.status, body: await res.text() };
  }

  // ---------------------------------------------------------------- what Mycel sent

  sentTo(number: string): WaSent[] {
    return this.sent.filter((m) => m.to === number);
  }

  waitForMessages(number: string, count: number, timeoutMs = 30_000): Promise<WaSent[]> {
    return waitFor(() => {
      const got = this.sentTo(number);
      return got.length >= count ? got : undefined;
    }, timeoutMs, `${count} WhatsApp message(s) to ${number}`);
  }

  // ---------------------------------------------------------------- Graph API

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.root);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const call: WaCall = { path: url.pathname, status: 200, at: Date.now() };
    let body: unknown;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    try {
      const [, version, phoneId, edge] = url.pathname.split('/');
      if (req.method !== 'POST' || !version || !GRAPH_VERSION.test(version) || edge !== 'messages') throw new GraphFailure(400, 100, `Unsupported request - method type: ${req.method?.toLowerCase()}`);
      if (req.headers.authorization !== `Bearer ${this.accessToken}`) throw new GraphFailure(401, 190, 'Invalid OAuth access token - Cannot parse access token');
      if (phoneId !== this.phoneNumberId) throw new GraphFailure(400, 100, `Unsupported post request. Object with ID '${phoneId}' does not exist`);
      let params: Record<string, any>;
      try {
        params = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        throw new GraphFailure(400, 100, 'Invalid parameter: the body is not JSON');
      }
      call.to = String(params.to ?? '');
      const at = this.failures.findIndex((f) => f.to === undefined || f.to === call.to);
      const failure = at >= 0 ? this.failures.splice(at, 1)[0] : undefined;
      if (failure) throw new GraphFailure(failure.status, failure.code ?? (failure.status === 429 ? 130429 : 1), failure.message ?? (failure.status === 429 ? 'Rate limit hit' : 'An unknown error occurred'), failure.retryAfter);
      body = this.accept(params);
    } catch (err) {
      const failure = err instanceof GraphFailure ? err : new GraphFailure(500, 1, (err as Error).message);
      call.status = failure.status;
      if (failure.retryAfter !== undefined) headers['retry-after'] = String(failure.retryAfter);
      body = { error: { message: failure.message, type: failure.status === 401 ? 'OAuthException' : 'OAuthException', code: failure.code, fbtrace_id: randomBytes(8).toString('base64url') } };
    }
    this.calls.push(call);
    res.writeHead(call.status, headers);
    res.end(JSON.stringify(body));
  }

  private accept(params: Record<string, any>): unknown {
    if (params.messaging_product !== 'whatsapp') throw new GraphFailure(400, 100, 'Invalid parameter: messaging_product must be "whatsapp"');
    const to = String(params.to ?? '');
    if (!/^\+?\d{5,20}$/.test(to)) throw new GraphFailure(400, 100, 'Invalid parameter: to');
    let sent: Omit<WaSent, 'id' | 'at'>;
    if (params.type === 'text') {
      const text = params.text?.body;
      if (typeof text !== 'string' || !text.length) throw new GraphFailure(400, 100, 'Invalid parameter: text.body is required');
      if (text.length > MAX_TEXT) throw new GraphFailure(400, 100, `Invalid parameter: text.body is longer than ${MAX_TEXT} characters`);
      sent = { to, type: 'text', text, buttons: [] };
    } else if (params.type === 'interactive') {
      const interactive = params.interactive ?? {};
      if (interactive.type !== 'button') throw new GraphFailure(400, 100, 'Invalid parameter: only interactive.type "button" is offered by this stand-in');
      const text = interactive.body?.text;
      if (typeof text !== 'string' || !text.length || text.length > MAX_INTERACTIVE_BODY) throw new GraphFailure(400, 131009, `Parameter value is not valid: interactive.body.text must be 1-${MAX_INTERACTIVE_BODY} characters`);
      const buttons = interactive.action?.buttons;
      if (!Array.isArray(buttons) || buttons.length < 1 || buttons.length > MAX_BUTTONS) throw new GraphFailure(400, 131009, `Parameter value is not valid: 1-${MAX_BUTTONS} buttons`);
      const ids = new Set<string>();
      for (const b of buttons) {
        if (b?.type !== 'reply' || typeof b.reply?.id !== 'string' || typeof b.reply?.title !== 'string') throw new GraphFailure(400, 131009, 'Parameter value is not valid: a button is { type: "reply", reply: { id, title } }');
        if (!b.reply.title.length || b.reply.title.length > MAX_TITLE) throw new GraphFailure(400, 131009, `Parameter value is not valid: button title must be 1-${MAX_TITLE} characters`);
        if (!b.reply.id.length || b.reply.id.length > 256 || ids.has(b.reply.id)) throw new GraphFailure(400, 131009, 'Parameter value is not valid: button ids must be unique, 1-256 characters');
        ids.add(b.reply.id);
      }
      sent = { to, type: 'interactive', text, buttons };
    } else {
      throw new GraphFailure(400, 100, `Invalid parameter: type "${String(params.type)}" is not offered by this stand-in`);
    }
    const id = `wamid.out${this.nextId++}.${randomBytes(6).toString('hex')}`;
    this.sent.push({ ...sent, id, at: Date.now() });
    return { messaging_product: 'whatsapp', contacts: [{ input: to, wa_id: to.replace(/^\+/, '') }], messages: [{ id }] };
  }
}
