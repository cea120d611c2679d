import type { OfflineCommand, OfflinePhrase } from '../command.js';
import { coreCommands } from './core.js';
import { toolCommands } from './tools.js';

/**
 * Every command and phrasing of the offline brain. Each capability contributes a module
 * (reminders, memory, tools, pipelines) and lists it here.
 */
export function offlineCommands(): OfflineCommand[] {
  const list: OfflineCommand[] = [];
  list.push(...coreCommands(() => list));
  list.push(...toolCommands());
  return list;
}

export function offlinePhrases(): OfflinePhrase[] {
  return [];
}
