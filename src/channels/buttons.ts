import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Channel } from '../shared/envelope.js';
import type { Store } from '../storage/database.js';
import { ApprovalAlreadyDecidedError, ApprovalNotFoundError, decideApproval } from '../tools/approvals.js';
import { getApproval } from '../tools/approvals-store.js';
import { approvalWorkflowId, decideSignal } from '../workflows/definitions.js';
import { parseButtonData, type ButtonAction } from '../telegram/callback-data.js';
import type { ChannelCapabilities } from './adapter.js';
import { MAX_BUTTON_DATA_CHARS } from './limits.js';

/**
 * Buttons on every channel that has them (`canButtons`). A capability attaches
 * `buttons: [{ text, data }]` to an outbound message, `data` in one of the forms of
 * src/telegram/callback-data.ts; the sender stores each action under a short id
 * (`channel_buttons`) and puts only that id on the button. A press comes back as an inbound
 * event carrying the id; the first press of any button of a message wins.
 */

/** The prefix of a stored button's id as a channel carries it back. */
export const BUTTON_ID_PREFIX = 'b:';

/** The short, stable id of button `index` of the message sent under `messageKey`. */
export function channelButtonId(messageKey: string, index: number, data: string): string {
  return createHash('sha256').update(`${messageKey}\u0000${index}\u0000${data}`).digest('base64url').slice(0, 12);
}

/** Stores what each button does; returns the ids (with their prefix) and labels to show. */
export async function storeButtons(
  store: Store,
  channel: Channel,
  capabilities: ChannelCapabilities,
  message: { chatId: string; key: string; buttons: Array<{ text: string; data: string }> },
  /** The stored id of button `index` (default: a short hash); reply commands choose readable ids. */
  idOf: (index: number, button: { text: string; data: string }) => string = (index, button) => channelButtonId(message.key, index, button.data),
): Promise<Array<{ id: string; text: string }>> {
  if (message.buttons.length > capabilities.maxButtons) {
    throw ApplicationFailure.nonRetryable(`${message.buttons.length} buttons, but a ${channel} message carries at most ${capabilities.maxButtons}`, 'ButtonsInvalid');
  }
  const shown = [];
  for (const [index, button] of message.buttons.entries()) {
    const label = button.text.trim();
    if (!label) throw ApplicationFailure.nonRetryable('a button needs a text', 'ButtonsInvalid');
    if (button.data.length > MAX_BUTTON_DATA_CHARS || !parseButtonData(button.data)) {
      throw ApplicationFailure.nonRetryable(
        `button data "${button.data.slice(0, 80)}" is not one of the documented forms (approval:<id>:approve|deny, sig:<workflowId>:<signal>:<payload>)`,
        'ButtonsInvalid',
      );
    }
    const id = idOf(index, button);
    await store.db
      .insertInto('channel_buttons')
      .values({ channel, id, chat_id: message.chatId, message_key: message.key, data: button.data, created_at: new Date().toISOString(), used_at: null, used_by: null, result: null })
      .onConflict((oc) => oc.columns(['channel', 'id']).doNothing())
      .execute();
    shown.push({ id: `${BUTTON_ID_PREFIX}${id}`, text: label.slice(0, capabilities.maxButtonLabelChars) });
  }
  return shown;
}

export interface ButtonPress {
  channel: Channel;
  chatId: string;
  /** The id the channel carried back (with its prefix). */
  buttonId: string;
  /** The inbound key of the press (a redelivered press is the same press). */
  pressKey: string;
  /** Who pressed, as recorded on a decision: `<channel>:<user id>`. */
  by: string;
  /** Only owners decide tool approvals; a paired guest may answer other questions. */
  isOwner: boolean;
}

/** What a press did, in words for the presser, and how the inbox row settles. */
export interface PressOutcome {
  status: 'done' | 'ignored' | 'refused';
  text: string;
}

/**
 * Runs a pressed button's action once. Throws only for transient failures (Temporal
 * unreachable): the press's inbox row then stays pending and is retried durably.
 */
export async function pressButton(deps: { store: Store; temporal: Client }, press: ButtonPress): Promise<PressOutcome> {
  const { store } = deps;
  const id = press.buttonId.startsWith(BUTTON_ID_PREFIX) ? press.buttonId.slice(BUTTON_ID_PREFIX.length) : undefined;
  const button = id ? await store.db.selectFrom('channel_buttons').selectAll().where('channel', '=', press.channel).where('id', '=', id).executeTakeFirst() : undefined;
  const action = button ? parseButtonData(button.data) : undefined;
  if (!button || !action || button.chat_id !== press.chatId) return { status: 'ignored', text: 'This button has expired.' };
  if (action.kind === 'approval' && !press.isOwner) return { status: 'refused', text: 'Only an owner can decide approvals.' };
  const used = await store.db
    .selectFrom('channel_buttons')
    .select(['used_by', 'result'])
    .where('channel', '=', press.channel)
    .where('message_key', '=', button.message_key)
    .where('used_at', 'is not', null)
    .where('used_by', '!=', press.pressKey)
    .executeTakeFirst();
  if (used) return { status: 'ignored', text: `Already answered${used.result ? `: ${used.result}` : '.'}` };
  await store.db
    .updateTable('channel_buttons')
    .set({ used_at: new Date().toISOString(), used_by: press.pressKey })
    .where('channel', '=', press.channel)
    .where('id', '=', button.id)
    .where((eb) => eb.or([eb('used_at', 'is', null), eb('used_by', '=', press.pressKey)]))
    .execute();
  const result = await runButtonAction(deps, action, press.by);
  await store.db.updateTable('channel_buttons').set({ result }).where('channel', '=', press.channel).where('id', '=', button.id).execute();
  return { status: 'done', text: result };
}

/**
 * Runs a button's action (a signal, or an approval's decision by `by`); returns the text shown
 * to the presser. Throws only for transient failures. Telegram's own buttons run through it too.
 */
export async function runButtonAction(deps: { store: Store; temporal: Client }, action: ButtonAction, by: string): Promise<string> {
  if (action.kind === 'signal') {
    try {
      await deps.temporal.workflow.getHandle(action.workflowId).signal(action.signal, action.payload);
      return 'Done.';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return 'This question is already closed.';
      throw err;
    }
  }
  try {
    const approval = await decideApproval(deps.store, deps.temporal, action.approvalId, action.decision, by);
    return `${approval.status === 'approved' ? 'Approved' : 'Denied'} ${approval.id}.`;
  } catch (err) {
    if (err instanceof ApprovalNotFoundError) return `There is no approval ${action.approvalId}.`;
    if (!(err instanceof ApprovalAlreadyDecidedError)) throw err;
    const approval = await getApproval(deps.store, action.approvalId);
    // Our own earlier attempt decided it but may not have reached the workflow: signal again
    // (the approval workflow takes the first decision only).
    if (approval && approval.decidedBy === by && approval.status !== 'expired') {
      try {
        await deps.temporal.workflow.getHandle(approvalWorkflowId(approval.id)).signal(decideSignal, { decision: action.decision, by });
      } catch (signalErr) {
        if (!(signalErr instanceof WorkflowNotFoundError)) throw signalErr;
      }
      return `${approval.status === 'approved' ? 'Approved' : 'Denied'} ${approval.id}.`;
    }
    return `${action.approvalId} was already ${approval?.status ?? 'decided'}.`;
  }
}
