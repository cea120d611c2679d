import type { OfflineCommand, OfflinePhrase } from '../command.js';
import { conversationCommands } from './conversation.js';
import { coreCommands } from './core.js';
import { pendingCommands } from './pending.js';
import { reminderCommands, reminderPhrases } from './reminders.js';
import { pipelineCommands } from './pipelines.js';
import { memoryCommands, memoryPhrases } from './memory.js';
import { toolCommands } from './tools.js';
import { mcpCommands } from './mcp.js';
import { usageCommands } from './usage.js';

/**
 * Every command and phrasing of the offline brain. Each capability contributes a module
 * (reminders, memory, tools, pipelines) and lists it here.
 */
export function offlineCommands(): OfflineCommand[] {
  const list: OfflineCommand[] = [];
  list.push(...coreCommands(() => list));
  list.push(...reminderCommands());
  list.push(...conversationCommands());
  list.push(...toolCommands());
  list.push(...mcpCommands());
  list.push(...pipelineCommands());
  list.push(...memoryCommands());
  list.push(...usageCommands());
  // Keep last: placeholders for contract commands that no module provides yet.
  list.push(...pendingCommands(list));
  return list;
}

export function offlinePhrases(): OfflinePhrase[] {
  return [...reminderPhrases(), /* keep last: it answers any question */ ...memoryPhrases()];
}
