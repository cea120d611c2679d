import { reply, type OfflineCommand } from '../command.js';

/** `/start` and `/help`; `/help` lists every registered command with an example. */
export function coreCommands(all: () => OfflineCommand[]): OfflineCommand[] {
  const help: OfflineCommand = {
    name: 'help',
    usage: '/help',
    example: '/help',
    summary: 'list every command with an example',
    run: () =>
      reply(
        [
          'Here is what I understand:',
          ...all().map((c) => `${c.usage} — ${c.summary} (e.g. ${c.example})`),
          'Anything else: ask me, and I answer from what you asked me to remember.',
        ].join('\n'),
      ),
  };
  const start: OfflineCommand = {
    name: 'start',
    usage: '/start',
    example: '/start',
    summary: 'say hello and see what I can do',
    run: () =>
      reply(
        "Hello! I'm Mycel, your assistant. I keep my promises: reminders fire even if I restart. Send /help to see what I can do.",
      ),
  };
  return [start, help];
}
