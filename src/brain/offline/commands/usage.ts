import { call, describeFailure, reply, type OfflineCommand } from '../command.js';

interface Figures {
  inputTokens: number;
  outputTokens: number;
  calls: number;
  costUsd?: number;
}

interface UsageOutput {
  totals: Figures;
  days: Array<{ date: string } & Figures>;
  byOrigin: Array<{ origin: string } & Figures>;
  byModel: Array<{ model: string } & Figures>;
  today: number;
  dailyLimit: number | null;
  model: string;
  pricesError?: string;
}

const n = (v: number) => v.toLocaleString('en-US');
const usd = (v: number | undefined) => (v === undefined ? '' : `, $${v.toFixed(v < 1 ? 4 : 2)}`);
const line = (label: string, f: Figures) => `${label}: ${n(f.inputTokens)} in / ${n(f.outputTokens)} out, ${n(f.calls)} call${f.calls === 1 ? '' : 's'}${usd(f.costUsd)}`;

/** Renders the usage report for a chat. */
export function renderUsage(u: UsageOutput): string {
  if (u.totals.calls === 0) return u.model === 'offline' ? 'No model is configured (MYCEL_MODEL=offline), so no tokens were used.' : 'No model calls counted yet.';
  const lines = [`Model usage (${u.model}):`, line('All time', u.totals)];
  if (u.dailyLimit !== null) lines.push(`Today: ${n(u.today)} of ${n(u.dailyLimit)} tokens (daily limit for background work).`);
  for (const day of u.days) lines.push(line(`- ${day.date}`, day));
  if (u.byOrigin.length) lines.push(`By origin: ${u.byOrigin.map((o) => `${o.origin} ${n(o.inputTokens + o.outputTokens)}`).join(', ')} tokens.`);
  if (u.byModel.length > 1) lines.push(`By model: ${u.byModel.map((m) => `${m.model} ${n(m.inputTokens + m.outputTokens)}`).join(', ')} tokens.`);
  if (u.pricesError) lines.push(`(No cost shown: ${u.pricesError})`);
  return lines.join('\n');
}

/** `/usage`: tokens the models used (and cost, with a price table). */
export function usageCommands(): OfflineCommand[] {
  return [
    {
      name: 'usage',
      usage: '/usage',
      example: '/usage',
      summary: 'show the tokens the models used (and their cost, with a price table)',
      run(turn) {
        const outcome = turn.result('usage.report');
        if (!outcome) return call({ tool: 'usage.report', input: {} });
        if (outcome.status !== 'ok') return reply(`I could not read the usage: ${describeFailure(outcome)}`);
        return reply(renderUsage(outcome.output as UsageOutput));
      },
    },
  ];
}
