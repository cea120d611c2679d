import { createHash } from 'node:crypto';
import { GrammyError } from 'grammy';
import type { LiveReply } from '../channels/outbound.js';
import type { ReplyStreamEvent } from '../conversation/reply-stream.js';
import type { Logger } from '../logging/logger.js';
import type { Store } from '../storage/database.js';
import { describeApiError, type TelegramClient } from './client.js';
import { LIVE_REPLY_LIMITS, type LiveReplyLimits } from './limits.js';
import { splitMessage } from './split.js';

/** Failed updates in a row after which a reply stops being shown growing (the final message still comes). */
const MAX_FAILED_UPDATES = 3;

/**
 * Shows a Telegram reply growing while the model writes it, in the worker that runs the
 * brain step (the process that also sends the final message).
 *
 * Where the Bot API offers `sendMessageDraft` (private chats), the partial text goes out as
 * a draft: an ephemeral preview that Telegram drops when the final message is sent. Where it
 * does not (a 404 turns drafts off for the process) or in groups, the first partial is sent
 * as a placeholder message and then edited; the final message replaces it by one more edit
 * (`TelegramSender`), so the chat ends with one message that holds the whole reply.
 *
 * Within Telegram's limits: nothing before `firstDelayMs` and `firstMinChars` (a quick reply
 * comes whole), then at most one update per `intervalMs`, and only when the text grew by
 * `minGrowthChars` or changed otherwise (a reset starts it over). The brain step closes it
 * before it returns, and closing waits for the update in flight: the workflow sends the final
 * message after the step, so no update can come after the final one.
 */
export class TelegramLiveReply implements LiveReply {
  private text = '';
  /** The text last shown (draft or placeholder); '' before anything was shown. */
  private shown = '';
  private startedAt: number | undefined;
  /** When the last update (shown or failed) ended; 0 before the first. */
  private lastAttemptAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private readonly abort = new AbortController();
  /** grammY types its signal parameter with its own shim of the standard AbortSignal. */
  private readonly signal = this.abort.signal as unknown as Parameters<TelegramClient['api']['sendMessage']>[3];
  private closed = false;
  /** Updates that failed in a row; after `MAX_FAILED_UPDATES` the reply just comes whole. */
  private failures = 0;
  /** The placeholder: undefined until looked up, then its message id, 'none' yet, or null (unusable). */
  private placeholder: number | 'none' | null | undefined;

  constructor(
    private readonly deps: { client: TelegramClient; store: Store; logger: Logger; support: LiveSupport },
    private readonly chatId: number,
    /** The key the final message will be sent under. */
    private readonly key: string,
    private readonly limits: LiveReplyLimits = LIVE_REPLY_LIMITS,
  ) {}

  apply(event: ReplyStreamEvent): void {
    if (this.closed) return;
    if (event.type === 'reset') this.text = '';
    else {
      this.text += event.text;
      this.startedAt ??= Date.now();
    }
    this.schedule();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    if (!this.inFlight) return;
    const bound = setTimeout(() => this.abort.abort(), this.limits.closeWaitMs);
    await this.inFlight;
    clearTimeout(bound);
  }

  /** The text to show now: the first message's worth, trimmed. */
  private visible(): string {
    return (splitMessage(this.text)[0] ?? '').trim();
  }

  private worthShowing(next: string): boolean {
    // Never a few characters alone (also after a reset).
    if (next.length < this.limits.firstMinChars || next === this.shown) return false;
    if (!this.shown) return true;
    return !next.startsWith(this.shown) || next.length - this.shown.length >= this.limits.minGrowthChars;
  }

  private schedule(): void {
    if (this.closed || this.timer || this.inFlight || this.startedAt === undefined) return;
    const at = this.lastAttemptAt ? this.lastAttemptAt + this.limits.intervalMs : this.startedAt + this.limits.firstDelayMs;
    this.timer = setTimeout(() => this.tick(), Math.max(0, at - Date.now()));
    this.timer.unref();
  }

  private tick(): void {
    this.timer = undefined;
    if (this.closed) return;
    const next = this.visible();
    // Not worth an update yet: the next part schedules again.
    if (!this.worthShowing(next)) return;
    this.inFlight = this.show(next)
      .then(() => {
        this.failures = 0;
      })
      .catch((err) => {
        this.deps.logger.debug({ chatId: String(this.chatId) }, `partial reply not shown: ${describeApiError(err)}`);
        if (++this.failures >= MAX_FAILED_UPDATES) this.closed = true;
      })
      .finally(() => {
        this.inFlight = undefined;
        this.lastAttemptAt = Date.now();
        this.schedule();
      });
  }

  private async show(text: string): Promise<void> {
    // Drafts are for private chats (positive ids) only.
    if (this.deps.support.drafts && this.chatId > 0) {
      try {
        await this.deps.client.api.sendMessageDraft(this.chatId, draftId(this.key), text, {}, this.signal);
        this.shown = text;
        return;
      } catch (err) {
        if (!(err instanceof GrammyError && err.error_code === 404)) throw err;
        this.deps.support.drafts = false;
        this.deps.logger.info(`the Bot API server does not offer sendMessageDraft (${describeApiError(err)}); replies grow by editing one message instead`);
      }
    }
    await this.showByEdit(text);
  }

  private async showByEdit(text: string): Promise<void> {
    const { store, client } = this.deps;
    if (this.placeholder === undefined) this.placeholder = await placeholderState(store, this.key);
    if (this.placeholder === null) {
      // A placeholder may exist whose id is unknown: nothing can be shown; the final message comes.
      this.closed = true;
      return;
    }
    if (this.placeholder === 'none') {
      // Claimed before the request: a retried brain step that finds `sending` (it stopped
      // before recording the answer) never posts a second placeholder.
      if (!(await claimPlaceholder(store, this.key, String(this.chatId)))) {
        this.placeholder = null;
        this.closed = true;
        return;
      }
      let sent;
      try {
        sent = await client.api.sendMessage(this.chatId, text, {}, this.signal);
      } catch (err) {
        // Telegram answered with an error: nothing was posted, the next update may try again.
        if (err instanceof GrammyError) {
          await store.db.deleteFrom('telegram_outbox').where('key', '=', liveKey(this.key)).where('status', '=', 'sending').execute();
          this.placeholder = 'none';
        }
        throw err;
      }
      await store.db.updateTable('telegram_outbox').set({ status: 'sent', message_id: sent.message_id, updated_at: new Date().toISOString() }).where('key', '=', liveKey(this.key)).execute();
      this.placeholder = sent.message_id;
    } else {
      try {
        await client.api.editMessageText(this.chatId, this.placeholder, text, {}, this.signal);
      } catch (err) {
        if (!isNotModified(err)) throw err;
      }
    }
    this.shown = text;
  }
}

/** What a process learned about the Bot API server: drafts are on until it answers 404. */
export interface LiveSupport {
  drafts: boolean;
}

/** The outbox key of a reply's placeholder message (beside the final message's own key). */
export function liveKey(key: string): string {
  return `${key}#live`;
}

/** A draft id stable across attempts of the same reply (non-zero, 31 bits). */
export function draftId(key: string): number {
  return (createHash('sha256').update(key).digest().readUInt32BE(0) & 0x7fffffff) || 1;
}

/**
 * The placeholder message of the reply sent under `key`: its message id, 'none' when no
 * placeholder was posted, or null when one may have been posted but its id is unknown.
 */
export async function placeholderState(store: Store, key: string): Promise<number | 'none' | null> {
  const row = await store.db.selectFrom('telegram_outbox').select(['status', 'message_id']).where('key', '=', liveKey(key)).executeTakeFirst();
  if (!row) return 'none';
  return row.status === 'sent' && row.message_id !== null ? Number(row.message_id) : null;
}

async function claimPlaceholder(store: Store, key: string, chatId: string): Promise<boolean> {
  const now = new Date().toISOString();
  const result = await store.db
    .insertInto('telegram_outbox')
    .values({ key: liveKey(key), chat_id: chatId, status: 'sending', message_id: null, attempts: 1, error: null, created_at: now, updated_at: now })
    .onConflict((oc) => oc.column('key').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Telegram's answer to an edit that changes nothing: the text is already what we want. */
export function isNotModified(err: unknown): boolean {
  return err instanceof GrammyError && err.error_code === 400 && /message is not modified/i.test(err.description);
}
