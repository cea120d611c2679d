import { MAX_PROMISE_HORIZON_DAYS } from '../../../promises/limits.js';
import type { PromiseView } from '../../../promises/service.js';
import type { PromiseToolOutput } from '../../../promises/tools.js';
import type { LedgerEntry } from '../../../promises/ledger.js';
import { formatDuration } from '../../../promises/lateness.js';
import { parseBudgetFlags } from '../../../promises/budget.js';
import { formatInZone, parseReminderArgs, parseReminderPhrase, parseScheduleArgs, type ReminderRequest, type WhenContext } from '../../../promises/when.js';
import type { BrainInput, BrainStep } from '../../types.js';
import { call, describeFailure, reply, type OfflineCommand, type OfflinePhrase, type OfflineTurn } from '../command.js';

/**
 * Reminders in the offline brain (**contract**): `/remind <when> <text>`, `/reminders`,
 * `/cancel <id>`, plus `/snooze <id> <when>` and the natural phrasings "remind me in 10
 * minutes to stretch", "remind me tomorrow at 9 to call mum", "what are my reminders?".
 * Each runs through the remind.* tools (so the model brain and the chat do the same thing);
 * the tool checks the configured horizon, the command only finds where the time ends.
 */

/** The brain does not know the configured horizon; the tool enforces it. */
function whenContext(input: BrainInput): WhenContext {
  return { now: new Date(input.now), timeZone: input.timeZone, horizonDays: MAX_PROMISE_HORIZON_DAYS };
}

function confirmCreated(out: PromiseToolOutput): string {
  const what = out.recurrence ? `${out.recurrence} (${out.timeZone}), next on ${formatInZone(out.dueAt, out.timeZone)}` : formatInZone(out.dueAt, out.timeZone);
  const manage = out.recurrence ? `Cancel it with /cancel ${out.id}.` : `Cancel it with /cancel ${out.id}, or move it with /snooze ${out.id} 10m.`;
  return `OK, I'll remind you ${what}: ${out.text}\nReminder id: ${out.id}. ${manage}`;
}

/** Step 0 asks remind.create; step 1 confirms or explains why nothing was created. */
function createFrom(turn: OfflineTurn, request: ReminderRequest): BrainStep {
  if (!request.ok) return reply(request.message);
  const outcome = turn.result('remind.create');
  if (!outcome) return call({ tool: 'remind.create', input: { when: request.when, text: request.text } });
  if (outcome.status !== 'ok') return reply(`I did not set that reminder: ${outcome.error ?? describeFailure(outcome)}`);
  return reply(confirmCreated(outcome.output as PromiseToolOutput));
}

function renderList(reminders: PromiseView[], timeZone: string): string {
  if (!reminders.length) return 'You have no pending reminders. Set one with /remind <when> <text>, for example /remind 10m stretch.';
  return [
    `Pending reminders (${timeZone}):`,
    ...reminders.map((r) => `• ${r.id} — ${formatInZone(r.dueAt, timeZone).replace(` (${timeZone})`, '')}${r.recurrence ? ` (${r.recurrence})` : ''} — ${r.kind === 'scheduled' ? `runs: ${r.text}` : r.text}`),
    'Cancel one with /cancel <id>; move one with /snooze <id> <when>.',
  ].join('\n');
}

function listReply(turn: OfflineTurn): BrainStep {
  const outcome = turn.result('remind.list');
  if (!outcome) return call({ tool: 'remind.list', input: {} });
  if (outcome.status !== 'ok') return reply(`I could not list your reminders: ${describeFailure(outcome)}`);
  const out = outcome.output as { timeZone: string; reminders: PromiseView[] };
  return reply(renderList(out.reminders, out.timeZone));
}

const ID = /^r[0-9a-z]{4,16}$/i;
const SCHEDULE_USAGE = '/schedule [--per-run <tokens>] [--per-day <tokens>] <when> <what>';
const RESUME_USAGE = '/resume <id> [--per-run <tokens>] [--per-day <tokens>]';

function confirmScheduled(out: PromiseToolOutput): string {
  const what = out.recurrence ? `${out.recurrence} (${out.timeZone}), next on ${formatInZone(out.dueAt, out.timeZone)}` : formatInZone(out.dueAt, out.timeZone);
  const catchUp = out.recurrence ? ` If Mycel is down at a due time, it runs ${out.catchUp === 'skip' ? 'none of the missed ones (and says how many it skipped)' : 'once for all missed ones (and says how many)'}.` : '';
  const manage = out.recurrence ? `Cancel it with /cancel ${out.id}.` : `Cancel it with /cancel ${out.id}, or move it with /snooze ${out.id} 10m.`;
  const own = [out.budget?.perRun ? `${out.budget.perRun.toLocaleString('en-US')} tokens per run` : '', out.budget?.perDay ? `${out.budget.perDay.toLocaleString('en-US')} per day` : ''].filter(Boolean).join(', ');
  const budget = own ? ` Token budget for model work: ${own}.` : '';
  return `OK, I'll run "${out.text}" ${what} and post the result here.${catchUp}${budget}\nSchedule id: ${out.id}. ${manage}`;
}

function describeDelivery(d: LedgerEntry['deliveries'][number], timeZone: string): string {
  const when = formatInZone(d.at, timeZone).replace(` (${timeZone})`, '');
  const late = d.lateMs > 60_000 ? `, ${formatDuration(d.lateMs)} late` : '';
  return `${d.outcome} ${when}${late}`;
}

function renderLedger(entries: LedgerEntry[], timeZone: string): string {
  if (!entries.length) return 'No promises in this chat yet. Set one with /remind <when> <text> or /schedule <when> <what>.';
  const lines = [`Promises of this chat (${timeZone}):`];
  for (const p of entries) {
    const due = p.status === 'pending' ? `due ${formatInZone(p.dueAt, timeZone).replace(` (${timeZone})`, '')}` : p.status;
    lines.push(`• ${p.id} [${p.kind}] ${due}${p.recurrence ? ` (${p.recurrence})` : ''} — ${p.text}`);
    if (p.status === 'paused') lines.push(`    paused: ${p.pausedReason ?? 'no reason recorded'}. Resume it with /resume ${p.id}`);
    const recent = p.deliveries.slice(-3);
    if (recent.length) lines.push(`    ${recent.map((d) => describeDelivery(d, timeZone)).join('; ')}`);
  }
  return lines.join('\n');
}

export function reminderCommands(): OfflineCommand[] {
  const remind: OfflineCommand = {
    name: 'remind',
    usage: '/remind <when> <text>',
    example: '/remind 10m stretch',
    summary: 'set a reminder: in 30s, 10m, 2h, 17:30, an ISO time, tomorrow at 9, every weekday at 8',
    run: (turn) =>
      turn.args
        ? createFrom(turn, parseReminderArgs(turn.args, whenContext(turn.input)))
        : reply('Usage: /remind <when> <text>, for example /remind 10m stretch, /remind 17:30 call the plumber, /remind every weekday at 8 stand up.'),
  };

  const reminders: OfflineCommand = {
    name: 'reminders',
    usage: '/reminders',
    example: '/reminders',
    summary: 'list your pending reminders with their ids',
    run: listReply,
  };

  const cancel: OfflineCommand = {
    name: 'cancel',
    usage: '/cancel <id>',
    example: '/cancel r7k2m9xqa',
    summary: 'cancel a pending reminder',
    run(turn) {
      const id = turn.args.split(/\s+/)[0] ?? '';
      if (!ID.test(id)) return reply('Usage: /cancel <id>, with an id from /reminders (they start with r).');
      const outcome = turn.result('remind.cancel');
      if (!outcome) return call({ tool: 'remind.cancel', input: { id } });
      if (outcome.status !== 'ok') return reply(`I could not cancel ${id}: ${outcome.error ?? describeFailure(outcome)}`);
      const out = outcome.output as PromiseView;
      return reply(`Cancelled ${out.id}: ${out.text}`);
    },
  };

  const snooze: OfflineCommand = {
    name: 'snooze',
    usage: '/snooze <id> <when>',
    example: '/snooze r7k2m9xqa 10m',
    summary: 'move a pending reminder to a new time',
    run(turn) {
      const [id = '', ...rest] = turn.args.split(/\s+/);
      const when = rest.join(' ').trim();
      if (!ID.test(id) || !when) return reply('Usage: /snooze <id> <when>, for example /snooze r7k2m9xqa 10m (ids come from /reminders).');
      const outcome = turn.result('remind.snooze');
      if (!outcome) return call({ tool: 'remind.snooze', input: { id, when } });
      if (outcome.status !== 'ok') return reply(`I could not snooze ${id}: ${outcome.error ?? describeFailure(outcome)}`);
      const out = outcome.output as PromiseToolOutput;
      return reply(`Snoozed ${out.id} to ${out.when}: ${out.text}`);
    },
  };

  const schedule: OfflineCommand = {
    name: 'schedule',
    usage: SCHEDULE_USAGE,
    example: '/schedule every weekday at 8 /sh date',
    summary: 'run a command or a request at a time or on a rule, and post the result: /schedule 10m /run daily-digest; --per-run/--per-day set its token budget',
    run(turn) {
      if (!turn.args) return reply(`Usage: ${SCHEDULE_USAGE}, for example /schedule every weekday at 8 /sh date, /schedule tomorrow at 9 /run daily-digest, or /schedule --per-run 20000 every day at 8 summarise my notes.`);
      const flags = parseBudgetFlags(turn.args);
      if (!flags.ok) return reply(`${flags.message} Usage: ${SCHEDULE_USAGE}.`);
      const request = parseScheduleArgs(flags.rest, whenContext(turn.input));
      if (!request.ok) return reply(request.message);
      const outcome = turn.result('schedule.create');
      const budget = Object.keys(flags.budget).length ? { budget: flags.budget } : {};
      if (!outcome) return call({ tool: 'schedule.create', input: { when: request.when, what: request.text, ...budget } });
      if (outcome.status !== 'ok') return reply(`I did not schedule that: ${outcome.error ?? describeFailure(outcome)}`);
      return reply(confirmScheduled(outcome.output as PromiseToolOutput));
    },
  };

  const promises: OfflineCommand = {
    name: 'promises',
    usage: '/promises',
    example: '/promises',
    summary: "this chat's promise ledger: reminders and schedules with their deliveries",
    run(turn) {
      const outcome = turn.result('promises.list');
      if (!outcome) return call({ tool: 'promises.list', input: { status: 'all' } });
      if (outcome.status !== 'ok') return reply(`I could not read the ledger: ${describeFailure(outcome)}`);
      const out = outcome.output as { timeZone: string; promises: LedgerEntry[] };
      return reply(renderLedger(out.promises, out.timeZone));
    },
  };

  const resume: OfflineCommand = {
    name: 'resume',
    usage: RESUME_USAGE,
    example: '/resume r7k2m9xqa --per-run 40000',
    summary: 'resume a schedule that paused for its token budget (optionally with a new budget)',
    run(turn) {
      const [id = '', ...rest] = turn.args.split(/\s+/);
      if (!ID.test(id)) return reply(`Usage: ${RESUME_USAGE}, with an id from /promises (they start with r).`);
      const flags = parseBudgetFlags(rest.join(' '));
      if (!flags.ok) return reply(`${flags.message} Usage: ${RESUME_USAGE}.`);
      if (flags.rest) return reply(`I did not understand "${flags.rest}". Usage: ${RESUME_USAGE}.`);
      const outcome = turn.result('promises.resume');
      if (!outcome) return call({ tool: 'promises.resume', input: { id, ...(Object.keys(flags.budget).length ? { budget: flags.budget } : {}) } });
      if (outcome.status !== 'ok') return reply(`I could not resume ${id}: ${outcome.error ?? describeFailure(outcome)}`);
      const out = outcome.output as PromiseView;
      const next = out.recurrence ? `; next on ${formatInZone(out.dueAt, out.timeZone)}` : '';
      return reply(`Resumed ${out.id} (${out.recurrence ?? 'one-off'}${next}): ${out.text}`);
    },
  };

  return [remind, reminders, cancel, snooze, schedule, promises, resume];
}

const LIST_PHRASE = /^(?:what|which|show|list|see)\b.*\breminders?\b|^my reminders\??$/i;

export function reminderPhrases(): OfflinePhrase[] {
  return [
    {
      id: 'reminder-request',
      // "remind me in 10 minutes to stretch": the whole message is the argument.
      match: (text, input) => (parseReminderPhrase(text, whenContext(input)) ? text : undefined),
      run: (turn) => createFrom(turn, parseReminderPhrase(turn.args, whenContext(turn.input))!),
    },
    {
      id: 'reminder-list',
      match: (text) => (LIST_PHRASE.test(text.trim()) ? '' : undefined),
      run: listReply,
    },
  ];
}
