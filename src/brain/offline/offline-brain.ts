import type { Brain, BrainInput, BrainStep } from '../types.js';
import { imagesOf, PHOTO_NOTE } from '../../media/attachments.js';
import { reply, type OfflineCommand, type OfflinePhrase, type OfflineTurn } from './command.js';
import { offlineCommands, offlinePhrases } from './commands/index.js';

/** `/cmd@botname args` → `{ name, args }`. */
export function parseCommand(text: string): { name: string; args: string } | undefined {
  const match = /^\/([A-Za-z0-9_]+)(?:@[A-Za-z0-9_]+)?(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!match) return undefined;
  return { name: match[1]!.toLowerCase(), args: (match[2] ?? '').trim() };
}

/** The reply when nothing matches: short and honest. */
export const FALLBACK_REPLY =
  "I'm running without a language model, so I only understand commands and a few phrasings. Send /help to see them.";

/**
 * The default brain: deterministic, no model and no network. Slash commands and a few
 * natural phrasings; anything else gets an honest fallback (or a matching memory).
 */
export class OfflineBrain implements Brain {
  readonly id = 'offline';
  private readonly commands: Map<string, OfflineCommand>;

  constructor(
    private readonly commandList: OfflineCommand[] = offlineCommands(),
    private readonly phrases: OfflinePhrase[] = offlinePhrases(),
  ) {
    this.commands = new Map();
    for (const command of commandList) {
      for (const name of [command.name, ...(command.aliases ?? [])]) this.commands.set(name, command);
    }
  }

  /** No model, ever. */
  callsModel(): boolean {
    return false;
  }

  async step(input: BrainInput): Promise<BrainStep> {
    const text = input.envelope.text.trim();
    const turn = (args: string): OfflineTurn => ({
      input,
      args,
      result: (tool) => input.results.find((r) => r.tool === tool),
    });
    const parsed = parseCommand(text);
    // No model, no eyes: a photo gets the same clear answer on every channel (a command in its caption still runs).
    if (!parsed && imagesOf(input.envelope).length) return reply(PHOTO_NOTE);
    if (parsed) {
      const command = this.commands.get(parsed.name);
      if (!command) return reply(`I don't know the command /${parsed.name}. Send /help to see the commands I understand.`);
      return command.run(turn(parsed.args));
    }
    for (const phrase of this.phrases) {
      const args = phrase.match(text, input);
      if (args !== undefined) return phrase.run(turn(args));
    }
    return reply(FALLBACK_REPLY);
  }
}
