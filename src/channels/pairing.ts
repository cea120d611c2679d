import { randomInt } from 'node:crypto';
import { MycelError } from '../shared/errors.js';
import type { Store } from '../storage/database.js';
import type { Channel } from '../shared/envelope.js';
import type { TelegramPairingTable } from '../storage/schema.js';

/**
 * Who may talk to the assistant, on every channel: the owners named in the channel's owner
 * list (MYCEL_OWNER_TELEGRAM_IDS, MYCEL_OWNER_WHATSAPP_NUMBERS, …), and people an owner
 * approved with `mycel pairing approve <code>`. Anyone else is given a pairing code, once,
 * and nothing they send goes further. Everything lives in the database (one pairing table
 * for all channels), so the CLI works whether or not Mycel is running.
 *
 * A person is stored under their channel's user id: bare for Telegram (as it always was),
 * `<channel>:<id>` for every other channel, so ids of two channels never collide.
 */

/** Letters and digits that cannot be mistaken for each other (no 0/O, 1/I/L). */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
/** Characters of a pairing code (shown as two groups of four). */
export const PAIRING_CODE_LENGTH = 8;

export type PairingStatus = TelegramPairingTable['status'];

export interface Pairing {
  userId: string;
  code: string;
  chatId: string;
  username: string | null;
  name: string | null;
  status: PairingStatus;
  requestedAt: string;
  notifiedAt: string | null;
  decidedAt: string | null;
  decidedBy: string | null;
}

export class PairingNotFoundError extends MycelError {
  constructor(what: string) {
    super('PAIRING_NOT_FOUND', `There is no pairing request or paired user matching "${what}".`, 'list them with `mycel pairing list`');
  }
}

export function newPairingCode(): string {
  const chars = Array.from({ length: PAIRING_CODE_LENGTH }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]);
  return `${chars.slice(0, 4).join('')}-${chars.slice(4).join('')}`;
}

/** `abcd efgh`, `ABCDEFGH` and `ABCD-EFGH` are the same code. */
export function normalizePairingCode(input: string): string {
  const bare = input.toUpperCase().replace(/[^A-Z0-9]/g, '');
  return bare.length === PAIRING_CODE_LENGTH ? `${bare.slice(0, 4)}-${bare.slice(4)}` : input.trim().toUpperCase();
}

function view(row: TelegramPairingTable): Pairing {
  return {
    userId: row.user_id,
    code: row.code,
    chatId: row.chat_id,
    username: row.username,
    name: row.name,
    status: row.status,
    requestedAt: row.requested_at,
    notifiedAt: row.notified_at,
    decidedAt: row.decided_at,
    decidedBy: row.decided_by,
  };
}

/** The id a person is stored under in the pairing table. */
export function pairingUserId(channel: Channel, userId: string | number): string {
  return channel === 'telegram' ? String(userId) : `${channel}:${userId}`;
}

/** Why a person may talk on a channel: `owner`, `paired`, or undefined (a stranger). */
export async function authorizeSender(store: Store, channel: Channel, owners: readonly (string | number)[], userId: string | number): Promise<'owner' | 'paired' | undefined> {
  if (owners.some((owner) => String(owner) === String(userId))) return 'owner';
  const row = await store.db.selectFrom('telegram_pairing').select('status').where('user_id', '=', pairingUserId(channel, userId)).executeTakeFirst();
  return row?.status === 'approved' ? 'paired' : undefined;
}

/** Why a Telegram user may talk: `owner`, `paired`, or undefined (a stranger). */
export function authorization(store: Store, ownerIds: readonly number[], userId: number): Promise<'owner' | 'paired' | undefined> {
  return authorizeSender(store, 'telegram', ownerIds, userId);
}

/**
 * The pairing request of a stranger: the pending one they already have, or a new one with
 * a fresh code (also after a revocation). The caller sends the code once per request.
 */
export async function requestPairing(
  store: Store,
  user: { id: number | string; username?: string | undefined; name?: string | undefined },
  chatId: string,
  now = new Date(),
  channel: Channel = 'telegram',
): Promise<Pairing> {
  const userId = pairingUserId(channel, user.id);
  const existing = await store.db.selectFrom('telegram_pairing').selectAll().where('user_id', '=', userId).executeTakeFirst();
  if (existing && existing.status !== 'revoked') return view(existing);
  const row: TelegramPairingTable = {
    user_id: userId,
    code: newPairingCode(),
    chat_id: chatId,
    username: user.username ?? null,
    name: user.name ?? null,
    status: 'pending',
    requested_at: now.toISOString(),
    notified_at: null,
    decided_at: null,
    decided_by: null,
  };
  await store.db
    .insertInto('telegram_pairing')
    .values(row)
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ ...row }))
    .execute();
  return view(row);
}

export async function markPairingNotified(store: Store, userId: string, code: string, now = new Date()): Promise<void> {
  await store.db
    .updateTable('telegram_pairing')
    .set({ notified_at: now.toISOString() })
    .where('user_id', '=', userId)
    .where('code', '=', code)
    .where('notified_at', 'is', null)
    .execute();
}

/** Approves the user who was given `code`; approving twice is harmless. */
export async function approvePairing(store: Store, code: string, by: string, now = new Date()): Promise<Pairing> {
  const normalized = normalizePairingCode(code);
  const row = await store.db.selectFrom('telegram_pairing').selectAll().where('code', '=', normalized).executeTakeFirst();
  if (!row || row.status === 'revoked') throw new PairingNotFoundError(code);
  if (row.status === 'approved') return view(row);
  await store.db
    .updateTable('telegram_pairing')
    .set({ status: 'approved', decided_at: now.toISOString(), decided_by: by })
    .where('user_id', '=', row.user_id)
    .execute();
  return view({ ...row, status: 'approved', decided_at: now.toISOString(), decided_by: by });
}

/** Revokes a paired user (by stored user id, `whatsapp:<number>` or `slack:<member id>` for example, or by their code); a revoked user is a stranger again. */
export async function revokePairing(store: Store, idOrCode: string, by: string, now = new Date()): Promise<Pairing> {
  const trimmed = idOrCode.trim();
  const row = /^(?:\d+|[a-z]+:[A-Za-z0-9]+)$/.test(trimmed)
    ? await store.db.selectFrom('telegram_pairing').selectAll().where('user_id', '=', trimmed).executeTakeFirst()
    : await store.db.selectFrom('telegram_pairing').selectAll().where('code', '=', normalizePairingCode(trimmed)).executeTakeFirst();
  if (!row || row.status === 'revoked') throw new PairingNotFoundError(idOrCode);
  await store.db
    .updateTable('telegram_pairing')
    .set({ status: 'revoked', decided_at: now.toISOString(), decided_by: by })
    .where('user_id', '=', row.user_id)
    .execute();
  return view({ ...row, status: 'revoked', decided_at: now.toISOString(), decided_by: by });
}

/** Every pairing request and paired user, newest request first. */
export async function listPairings(store: Store): Promise<Pairing[]> {
  const rows = await store.db.selectFrom('telegram_pairing').selectAll().orderBy('requested_at', 'desc').execute();
  return rows.map(view);
}

/** The one message a stranger gets. */
export function pairingMessage(code: string): string {
  return [
    'Hello! This assistant is private, and you are not on its list of people it talks to.',
    `If you know its owner, send them this pairing code: ${code}`,
    `They can let you in with: mycel pairing approve ${code}`,
    'Until then, I will not read or answer your messages.',
  ].join('\n');
}
