/**
 * Daily digest: gathers a chat's reminders for the coming day and posts a summary to that
 * chat. Schedule it every morning:
 *
 *   npx mycel pipelines schedule daily-digest "0 7 * * *" --input '{"chatId":"me"}'
 *
 * Input: { chatId: string, channel?: "web" | "telegram", hours?: number, apiUrl?: string }.
 * Reminders are read through Mycel's HTTP API (GET /api/chats/{chatId}/reminders), so the
 * digest works wherever the API is reachable; when it is not, the digest says so instead
 * of failing silently.
 */
import { pipeline, task } from 'mycel';

interface Reminder {
  id: string;
  text: string;
  dueAt: string;
}

const reminders = task({ id: 'reminders', retry: { attempts: 3, initialInterval: '2s' }, timeout: '30s' }, async (ctx) => {
  const chatId = String(ctx.input.chatId ?? 'me');
  const apiUrl = String(ctx.input.apiUrl ?? process.env.MYCEL_DIGEST_API_URL ?? `http://127.0.0.1:${process.env.MYCEL_HTTP_PORT ?? '8787'}`);
  const token = process.env.MYCEL_API_TOKEN;
  try {
    const res = await fetch(`${apiUrl}/api/chats/${encodeURIComponent(chatId)}/reminders`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: ctx.signal,
    });
    if (!res.ok) return { available: false, reason: `the reminders API answered ${res.status}`, items: [] };
    const list = (await res.json()) as Reminder[];
    return { available: true, reason: '', items: list.map((r) => ({ id: r.id, text: r.text, dueAt: r.dueAt })) };
  } catch (err) {
    return { available: false, reason: `could not reach ${apiUrl}: ${err instanceof Error ? err.message : String(err)}`, items: [] };
  }
});

const upcoming = task({ id: 'upcoming', dependsOn: [reminders] }, (ctx) => {
  const hours = typeof ctx.input.hours === 'number' ? ctx.input.hours : 24;
  const now = Date.now();
  const until = now + hours * 3_600_000;
  const items = ctx.parents.reminders.items
    .filter((r) => Date.parse(r.dueAt) <= until)
    .sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt));
  return { hours, items };
});

const compose = task({ id: 'compose', dependsOn: [reminders, upcoming] }, (ctx) => {
  const { available, reason } = ctx.parents.reminders;
  const { hours, items } = ctx.parents.upcoming;
  if (!available) return { text: `📋 Daily digest: I could not read your reminders (${reason}).` };
  if (!items.length) return { text: `📋 Daily digest: nothing is due in the next ${hours} hours.` };
  const lines = items.map((r) => `• ${r.dueAt.slice(11, 16)} UTC — ${r.text}`);
  return { text: [`📋 Daily digest: ${items.length} reminder${items.length === 1 ? '' : 's'} in the next ${hours} hours`, ...lines].join('\n') };
});

const send = task({ id: 'send', dependsOn: [compose] }, async (ctx) => {
  const channel = ctx.input.channel === 'telegram' ? 'telegram' : 'web';
  const chatId = String(ctx.input.chatId ?? 'me');
  await ctx.notify({ channel, chatId }, ctx.parents.compose.text);
  return { channel, chatId, chars: ctx.parents.compose.text.length };
});

export default pipeline({
  id: 'daily-digest',
  version: 1,
  description: "A chat's reminders for the coming day, posted to that chat",
  tasks: [reminders, upcoming, compose, send],
});
