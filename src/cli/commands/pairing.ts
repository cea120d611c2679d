import type { Command } from 'commander';
import type { Pairing } from '../../telegram/pairing.js';
import type { Store } from '../../storage/database.js';

const pairingModule = () => import('../../telegram/pairing.js');
import type { CliContext } from '../context.js';

function who(p: Pairing): string {
  const name = p.name ?? '';
  return p.username ? `${name} (@${p.username})`.trim() : name || '-';
}

/** "Telegram user 123", "WhatsApp number 4915…" or "Slack member U0…", from the id a person is stored under. */
function whom(userId: string): string {
  const m = /^([a-z]+):(.+)$/.exec(userId);
  if (!m) return `Telegram user ${userId}`;
  if (m[1] === 'whatsapp') return `WhatsApp number ${m[2]}`;
  if (m[1] === 'discord') return `Discord user ${m[2]}`;
  return m[1] === 'slack' ? `Slack member ${m[2]}` : `${m[1]} user ${m[2]}`;
}

async function withStore<T>(ctx: CliContext, fn: (store: Store) => Promise<T>): Promise<T> {
  const { openInstanceDatabase } = await import('../instance.js');
  const store = await openInstanceDatabase(ctx.config());
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/**
 * `mycel pairing list|approve <code>|revoke <id>`: who may talk to the assistant on
 * Telegram, WhatsApp and every other channel (one pairing table for all). Only the database is needed, so these work whether Mycel runs or not; a
 * running gateway reads the change on the user's next message.
 */
export function registerPairingCommands(program: Command, ctx: CliContext): void {
  const pairing = program.command('pairing').description('manage who may talk to the assistant on Telegram, WhatsApp, Discord and Slack');

  pairing
    .command('list')
    .description('list pending pairing codes and paired users')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const config = ctx.config();
      const owners = config.telegram.ownerIds;
      const whatsappOwners = config.whatsapp.ownerNumbers;
      const discordOwners = config.discord.ownerIds;
      const slackOwners = config.slack.ownerIds;
      const list = await withStore(ctx, async (store) => (await pairingModule()).listPairings(store));
      if (opts.json) return ctx.out(JSON.stringify({ owners, whatsappOwners, discordOwners, slackOwners, pairings: list }, null, 2));
      ctx.out(`Owners (MYCEL_OWNER_TELEGRAM_IDS): ${owners.length ? owners.join(', ') : 'none set'}`);
      if (whatsappOwners.length) ctx.out(`WhatsApp owners (MYCEL_OWNER_WHATSAPP_NUMBERS): ${whatsappOwners.join(', ')}`);
      if (discordOwners.length) ctx.out(`Discord owners (MYCEL_OWNER_DISCORD_IDS): ${discordOwners.join(', ')}`);
      if (slackOwners.length) ctx.out(`Slack owners (MYCEL_OWNER_SLACK_IDS): ${slackOwners.join(', ')}`);
      if (!list.length) return ctx.out('Nobody else has asked for access yet.');
      const rows = list.map((p) => [p.status, p.userId, who(p), p.status === 'pending' ? p.code : '-', p.requestedAt, p.decidedAt ? `${p.decidedAt} by ${p.decidedBy}` : '-']);
      const header = ['STATUS', 'USER ID', 'NAME', 'CODE', 'REQUESTED', 'DECIDED'];
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      for (const line of [header, ...rows]) ctx.out(line.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
    });

  pairing
    .command('approve <code>')
    .description('allow the person who was given this pairing code (on any channel)')
    .action(async (code: string) => {
      const approved = await withStore(ctx, async (store) => (await pairingModule()).approvePairing(store, code, 'owner (cli)'));
      ctx.out(`Approved ${who(approved)} (${whom(approved.userId)}); they can talk to the assistant now.`);
    });

  pairing
    .command('revoke <id>')
    .description('revoke a paired person (by Telegram user id, whatsapp:<number>, discord:<user id>, slack:<member id>, or their pairing code)')
    .action(async (id: string) => {
      const revoked = await withStore(ctx, async (store) => (await pairingModule()).revokePairing(store, id, 'owner (cli)'));
      ctx.out(`Revoked ${whom(revoked.userId)} ${who(revoked)}; their messages are no longer read.`);
    });
}
