import { reply, type OfflineCommand } from '../command.js';

/**
 * Commands of the contract whose capability is not part of this build yet. Each answers
 * honestly that the feature is not available; a capability's own module replaces its
 * entries (a placeholder steps aside as soon as a real command of the same name exists).
 */
const PENDING: Array<Pick<OfflineCommand, 'name' | 'usage' | 'example' | 'summary'> & { feature: string /* 'Reminders are' */ }> = [
  { name: 'remember', usage: '/remember <fact>', example: "/remember my sister's birthday is May 3", summary: 'remember a fact for later', feature: 'Memory is' },
  { name: 'memories', usage: '/memories', example: '/memories', summary: 'list what I remember', feature: 'Memory is' },
  { name: 'forget', usage: '/forget <id>', example: '/forget m1a2b3', summary: 'forget a fact for good', feature: 'Memory is' },
];

/** Placeholders for the contract commands that no module in `existing` provides. */
export function pendingCommands(existing: OfflineCommand[]): OfflineCommand[] {
  const taken = new Set(existing.flatMap((c) => [c.name, ...(c.aliases ?? [])]));
  return PENDING.filter((p) => !taken.has(p.name)).map(({ feature, ...command }) => ({
    ...command,
    summary: `${command.summary} (not available yet)`,
    run: () => reply(`${feature} not available in this version of Mycel yet, so I can't do ${command.usage.split(' ')[0]} for now.`),
  }));
}
