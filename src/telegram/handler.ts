import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { InvalidEnvelopeError, MessageIdConflictError } from '../conversation/ingress.js';
import { ZodError } from 'zod';
import type { Logger } from '../logging/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Envelope } from '../shared/envelope.js';
import { formatError } from '../shared/errors.js';
import type { Store } from '../storage/database.js';
import { runButtonAction } from '../channels/buttons.js';
import { CALLBACK_KEY_PREFIX, parseButtonData } from './callback-data.js';
import type { InboxRow, InboxStatus } from './inbox.js';
import { authorization, markPairingNotified, pairingMessage, requestPairing } from './pairing.js';
import type { TelegramSender } from './sender.js';
import type { Attachment } from '../media/attachments.js';
import { MediaRefusedError, pickFile, textWithoutWords, type TelegramFileRef, type TelegramMediaSettings } from './media.js';
import { classifyUpdate, mediaNote, telegramUpdateKey, toEnvelope, updateSchema, type TelegramCallbackQuery, type TelegramMessage, type TelegramUser } from './updates.js';

/** Hands a turn to the conversation (update-with-start of the chat's workflow). */
export type SubmitTurn = (envelope: Envelope) => Promise<unknown>;

export interface UpdateHandlerDeps {
  store: Store;
  logger: Logger;
  metrics: Metrics;
  botId: string;
  botUsername: string;
  ownerIds: readonly number[];
  sender: TelegramSender;
  temporal: Client;
  submitTurn: SubmitTurn;
  /** Photos and voice notes: what is taken, and how a file is fetched (absent: every medium gets a note). */
  media?: {
    settings: TelegramMediaSettings;
    fetch(chatId: string, ref: TelegramFileRef): Promise<Attachment>;
  };
}

/** The answer to a press of an approval button by anyone but an owner. */
export const ONLY_OWNERS_DECIDE = 'Only an owner can decide approvals; it waits for the owner.';

/** What became of an inbox row; `forget` blanks the stored update (a stranger's words). */
export interface HandledUpdate {
  status: Exclude<InboxStatus, 'pending'>;
  detail: string;
  forget?: boolean;
}

/**
 * Handles one inbox row. Throws only for failures worth retrying (Temporal or the Bot API
 * unreachable): the row then stays pending and its chat waits, so nothing is lost and the
 * chat's order holds. Everything else ends in a status: a turn handed to the conversation
 * (`done`), a note for media (`answered`), a stranger given a pairing code (`refused`),
 * an update ignored on purpose (`ignored`), or a malformed one (`skipped`).
 */
export async function handleInboxRow(deps: UpdateHandlerDeps, row: InboxRow): Promise<HandledUpdate> {
  let raw: unknown;
  try {
    raw = JSON.parse(row.payload);
  } catch {
    return { status: 'skipped', detail: 'the stored update is not JSON' };
  }
  const parsed = updateSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { status: 'skipped', detail: `malformed ${row.kind} update: ${issue?.path.join('.') || 'update'}: ${issue?.message ?? 'invalid'}` };
  }
  const update = classifyUpdate(parsed.data, deps.botUsername);
  switch (update.kind) {
    case 'ignore':
      return { status: 'ignored', detail: update.reason };
    case 'callback':
      return handleButtonPress(deps, row, update.query);
    case 'media':
    case 'turn': {
      const who = await authorization(deps.store, deps.ownerIds, update.from.id);
      if (!who) return refuseStranger(deps, update.message, update.from);
      const chatId = String(update.message.chat.id);
      await trackSequence(deps, chatId, update.message.message_id);
      const noteKey = `${telegramUpdateKey(deps.botId, row.updateId)}:note`;
      const file = deps.media ? pickFile(update.message, deps.media.settings) : undefined;
      if (update.kind === 'media' && !file) {
        await deps.sender.send({ channel: 'telegram', chatId, text: mediaNote(update.media), key: noteKey });
        return { status: 'answered', detail: `${update.media} without text: answered with a note` };
      }
      let attachment: Attachment | undefined;
      if (file && deps.media) {
        try {
          attachment = await deps.media.fetch(chatId, file);
        } catch (err) {
          if (!(err instanceof MediaRefusedError)) throw err;
          await deps.sender.send({ channel: 'telegram', chatId, text: err.message, key: noteKey });
          return { status: 'answered', detail: `${file.kind} refused: ${err.message}` };
        }
      }
      const turn = { message: update.message, from: update.from, text: update.kind === 'turn' ? update.text : textWithoutWords(file!.kind) };
      let envelope: Envelope;
      try {
        envelope = toEnvelope(deps.botId, row.updateId, turn, new Date(row.receivedAt), `tg-${row.updateId}-${row.attempts}-${randomBytes(3).toString('hex')}`, attachment ? [attachment] : undefined);
      } catch (err) {
        if (err instanceof ZodError) return { status: 'skipped', detail: `not a valid message: ${err.issues[0]?.message ?? 'invalid'}` };
        throw err;
      }
      const stopTyping = deps.sender.startTyping(chatId);
      try {
        await deps.submitTurn(envelope);
      } catch (err) {
        // The conversation refused the turn itself (validation): retrying cannot help.
        if (err instanceof InvalidEnvelopeError) return { status: 'skipped', detail: `the conversation refused the turn: ${err.message}` };
        if (err instanceof MessageIdConflictError) return { status: 'skipped', detail: err.message };
        throw err;
      } finally {
        stopTyping();
      }
      return { status: 'done', detail: `turn (${who})` };
    }
  }
}

function displayName(user: TelegramUser): string {
  const last = (user as { last_name?: unknown }).last_name;
  return [user.first_name, typeof last === 'string' ? last : ''].filter(Boolean).join(' ');
}

/** A stranger gets one message with a pairing code (private chats only), and nothing else. */
async function refuseStranger(deps: UpdateHandlerDeps, message: TelegramMessage, from: TelegramUser): Promise<HandledUpdate> {
  if (message.chat.type !== 'private') {
    return { status: 'refused', detail: `stranger ${from.id} in a group: ignored`, forget: true };
  }
  const chatId = String(message.chat.id);
  const pairing = await requestPairing(deps.store, { id: from.id, username: from.username, name: displayName(from) }, chatId);
  if (pairing.notifiedAt) return { status: 'refused', detail: `stranger ${from.id}: already has pairing code`, forget: true };
  await deps.sender.send({ channel: 'telegram', chatId, text: pairingMessage(pairing.code), key: `pairing:${from.id}:${pairing.code}` });
  await markPairingNotified(deps.store, pairing.userId, pairing.code);
  deps.logger.info({ userId: String(from.id), chatId }, `a stranger wrote; sent pairing code ${pairing.code} (approve with \`mycel pairing approve ${pairing.code}\`)`);
  return { status: 'refused', detail: `stranger ${from.id}: pairing code sent`, forget: true };
}

/**
 * Remembers the highest message id seen per chat and counts messages that arrive below it
 * (out of order). Returns whether this one did.
 */
async function trackSequence(deps: UpdateHandlerDeps, chatId: string, messageId: number): Promise<boolean> {
  const now = new Date().toISOString();
  const row = await deps.store.db
    .selectFrom('telegram_chats')
    .select(['last_message_id'])
    .where('bot_id', '=', deps.botId)
    .where('chat_id', '=', chatId)
    .executeTakeFirst();
  if (!row) {
    await deps.store.db
      .insertInto('telegram_chats')
      .values({ bot_id: deps.botId, chat_id: chatId, last_message_id: messageId, out_of_order: 0, updated_at: now })
      .onConflict((oc) => oc.columns(['bot_id', 'chat_id']).doNothing())
      .execute();
    return false;
  }
  const late = messageId < Number(row.last_message_id);
  await deps.store.db
    .updateTable('telegram_chats')
    .set(late ? { out_of_order: (eb) => eb('out_of_order', '+', 1), updated_at: now } : { last_message_id: messageId, updated_at: now })
    .where('bot_id', '=', deps.botId)
    .where('chat_id', '=', chatId)
    .execute();
  if (late) deps.logger.info({ chatId, messageId, after: Number(row.last_message_id) }, 'a Telegram message arrived out of order');
  return late;
}

/** Out-of-order arrivals counted for a chat. */
export async function outOfOrderCount(store: Store, botId: string, chatId: string): Promise<number> {
  const row = await store.db.selectFrom('telegram_chats').select('out_of_order').where('bot_id', '=', botId).where('chat_id', '=', chatId).executeTakeFirst();
  return Number(row?.out_of_order ?? 0);
}

/**
 * A button press: the presser must be allowed to talk; the button's stored action runs
 * once (the first press of any button of that message wins); the press is always answered.
 * A transient failure leaves the row pending so the action is retried durably.
 */
async function handleButtonPress(deps: UpdateHandlerDeps, row: InboxRow, query: TelegramCallbackQuery): Promise<HandledUpdate> {
  const answer = async (text: string, outcome: HandledUpdate): Promise<HandledUpdate> => {
    await deps.sender.answerCallback(query.id, text);
    return outcome;
  };
  const who = await authorization(deps.store, deps.ownerIds, query.from.id);
  if (!who) {
    return answer('Only the owner can use these buttons.', { status: 'refused', detail: `button pressed by stranger ${query.from.id}`, forget: true });
  }
  const data = query.data ?? '';
  const button = data.startsWith(CALLBACK_KEY_PREFIX)
    ? await deps.store.db.selectFrom('telegram_buttons').selectAll().where('id', '=', data.slice(CALLBACK_KEY_PREFIX.length)).executeTakeFirst()
    : undefined;
  const chatMatches = !query.message || !button || String(query.message.chat.id) === button.chat_id;
  const action = button ? parseButtonData(button.data) : undefined;
  if (!button || !action || !chatMatches) {
    return answer('This button has expired.', { status: 'ignored', detail: `unknown or expired button "${data.slice(0, 64)}"` });
  }
  // Only owners decide approvals: a paired guest's press changes nothing, and the button stays usable.
  if (action.kind === 'approval' && who !== 'owner') {
    deps.logger.warn({ component: 'telegram', approvalId: action.approvalId }, `refused an approval button pressed by paired user ${query.from.id}, who is not an owner`);
    return answer(ONLY_OWNERS_DECIDE, { status: 'refused', detail: `approval button pressed by paired user ${query.from.id}, not an owner` });
  }
  const pressKey = telegramUpdateKey(deps.botId, row.updateId);
  const used = await deps.store.db
    .selectFrom('telegram_buttons')
    .select(['used_by_update', 'result'])
    .where('message_key', '=', button.message_key)
    .where('used_at', 'is not', null)
    .where('used_by_update', '!=', pressKey)
    .executeTakeFirst();
  if (used) {
    return answer(`Already answered${used.result ? `: ${used.result}` : '.'}`, { status: 'ignored', detail: 'a button of this message was already used' });
  }
  await deps.store.db
    .updateTable('telegram_buttons')
    .set({ used_at: new Date().toISOString(), used_by_update: pressKey })
    .where('id', '=', button.id)
    .where((eb) => eb.or([eb('used_at', 'is', null), eb('used_by_update', '=', pressKey)]))
    .execute();

  let result: string;
  try {
    result = await runButtonAction(deps, action, `telegram:${query.from.id}`);
  } catch (err) {
    deps.logger.warn({ button: button.id }, `button action failed, will retry: ${formatError(err)}`);
    await deps.sender.answerCallback(query.id, 'Got it; I will act on it in a moment.');
    throw err;
  }
  await deps.store.db.updateTable('telegram_buttons').set({ result }).where('id', '=', button.id).execute();
  if (query.message) await deps.sender.removeButtons(query.message.chat.id, query.message.message_id);
  return answer(result, { status: 'done', detail: `button: ${result}` });
}
