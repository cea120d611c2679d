import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { ZodError } from 'zod';
import { InvalidEnvelopeError } from '../conversation/ingress.js';
import type { Logger } from '../logging/logger.js';
import { ENVELOPE_VERSION, envelopeSchema, type Envelope } from '../shared/envelope.js';
import type { Store } from '../storage/database.js';
import { inboundKey, type ChannelAdapter } from './adapter.js';
import { pressButton } from './buttons.js';
import type { ChannelInboxRow, SettledStatus } from './inbox.js';
import type { Settled } from './lanes.js';
import { authorizeSender, markPairingNotified, pairingMessage, requestPairing } from './pairing.js';

/** Hands a turn to the conversation (update-with-start of the chat's workflow). */
export type SubmitTurn = (envelope: Envelope) => Promise<unknown>;

export interface ChannelHandlerDeps {
  store: Store;
  logger: Logger;
  temporal: Client;
  adapter: ChannelAdapter;
  /** The channel's owner list (user ids as the channel gives them). */
  owners: readonly string[];
  submitTurn: SubmitTurn;
}

/**
 * Handles one inbox row of any channel on the shared adapter: owners and paired people are
 * served (a turn, a note for media, a button's action), a stranger gets one pairing code and
 * nothing else. Throws only for failures worth retrying (Temporal or the channel's service
 * unreachable): the row then stays pending and its chat waits.
 */
export async function handleChannelRow(deps: ChannelHandlerDeps, row: ChannelInboxRow): Promise<Settled<SettledStatus>> {
  const { adapter, store } = deps;
  let raw: unknown;
  try {
    raw = JSON.parse(row.payload);
  } catch {
    return { status: 'skipped', detail: 'the stored event is not JSON' };
  }
  const event = adapter.normalize(raw);
  if (event.kind === 'ignore') return { status: 'ignored', detail: event.reason };
  const key = inboundKey(adapter.channel, adapter.account, row.eventId);
  const who = await authorizeSender(store, adapter.channel, deps.owners, event.userId);
  if (!who) return refuseStranger(deps, event);
  switch (event.kind) {
    case 'media':
      await adapter.sender.send({ channel: adapter.channel, chatId: event.chatId, text: event.note, key: `${key}:note` });
      return { status: 'answered', detail: 'media without text: answered with a note' };
    case 'button': {
      const outcome = await pressButton(deps, {
        channel: adapter.channel,
        chatId: event.chatId,
        buttonId: event.buttonId,
        pressKey: key,
        by: `${adapter.channel}:${event.userId}`,
        isOwner: who === 'owner',
      });
      // The outcome as a message (WhatsApp has no other press acknowledgement); a channel that
      // can edit (Slack) also closes the pressed message so that its buttons are gone.
      await adapter.sender.send({ channel: adapter.channel, chatId: event.chatId, text: outcome.text, key: `${key}:answer` });
      if (outcome.status === 'done' && event.pressed && adapter.capabilities.canEdit && adapter.closePressed) {
        await adapter.closePressed(event.chatId, event.pressed, outcome.text).catch((err: unknown) => deps.logger.warn({ chatId: event.chatId }, `could not close the pressed message on ${adapter.channel}: ${err instanceof Error ? err.message : String(err)}`));
      }
      return { status: outcome.status, detail: `button: ${outcome.text}` };
    }
    case 'turn': {
      let envelope: Envelope;
      try {
        envelope = envelopeSchema.parse({
          v: ENVELOPE_VERSION,
          channel: adapter.channel,
          chatId: event.chatId,
          userId: event.userId,
          updateId: key,
          sequence: event.sequence,
          requestId: `${adapter.channel}-${row.attempts}-${randomBytes(6).toString('hex')}`,
          text: event.text,
          receivedAt: new Date(row.receivedAt).toISOString(),
        });
      } catch (err) {
        if (err instanceof ZodError) return { status: 'skipped', detail: `not a valid message: ${err.issues[0]?.message ?? 'invalid'}` };
        throw err;
      }
      try {
        await deps.submitTurn(envelope);
      } catch (err) {
        // The conversation refused the turn itself (validation): retrying cannot help.
        if (err instanceof InvalidEnvelopeError) return { status: 'skipped', detail: `the conversation refused the turn: ${err.message}` };
        throw err;
      }
      return { status: 'done', detail: `turn (${who})` };
    }
  }
}

/** A stranger gets one message with a pairing code, and nothing else; their words are not kept. */
async function refuseStranger(deps: ChannelHandlerDeps, event: { chatId: string; userId: string; userName?: string | undefined; privateChatId?: string | undefined }): Promise<Settled<SettledStatus>> {
  const { adapter, store } = deps;
  const pairing = await requestPairing(store, { id: event.userId, name: event.userName }, event.privateChatId ?? event.chatId, new Date(), adapter.channel);
  if (pairing.notifiedAt) return { status: 'refused', detail: `stranger ${event.userId}: already has pairing code`, forget: true };
  await adapter.sender.send({ channel: adapter.channel, chatId: pairing.chatId, text: pairingMessage(pairing.code), key: `pairing:${pairing.userId}:${pairing.code}` });
  await markPairingNotified(store, pairing.userId, pairing.code);
  deps.logger.info({ userId: event.userId, chatId: event.chatId }, `a stranger wrote on ${adapter.channel}; sent pairing code ${pairing.code} (approve with \`mycel pairing approve ${pairing.code}\`)`);
  return { status: 'refused', detail: `stranger ${event.userId}: pairing code sent`, forget: true };
}
