import type { MigrationFactory } from './types.js';
import foundation from './0001_foundation.js';
import conversation from './0002_conversation.js';
import promises from './0003_promises.js';
import memory from './0004_memory.js';
import memorySearchTuning from './0004_memory_search_tuning.js';
import telegram from './0005_telegram.js';
import pipelines from './0006_pipelines.js';
import tools from './0007_tools.js';
import channels from './0009_channels.js';

/**
 * Every migration, in order. Names sort in the order they must run; each capability
 * owns its number: 0002 conversation, 0003 promises, 0004 memory, 0005 telegram,
 * 0006 pipelines, 0007 tools, 0008 operations, 0009 channels.
 */
export const MIGRATIONS: Record<string, MigrationFactory> = {
  '0001_foundation': foundation,
  '0002_conversation': conversation,
  '0003_promises': promises,
  '0004_memory': memory,
  '0004_memory_search_tuning': memorySearchTuning,
  '0005_telegram': telegram,
  '0006_pipelines': pipelines,
  '0007_tools': tools,
  '0009_channels': channels,
};
