import type { MigrationFactory } from './types.js';
import foundation from './0001_foundation.js';
import conversation from './0002_conversation.js';
import conversationChatKeys from './0002_conversation_chat_keys.js';
import conversationReplyParts from './0002_conversation_reply_parts.js';
import promises from './0003_promises.js';
import promisesScheduled from './0003_promises_scheduled.js';
import promisesBudgets from './0003_promises_budgets.js';
import memory from './0004_memory.js';
import memorySearchTuning from './0004_memory_search_tuning.js';
import telegram from './0005_telegram.js';
import pipelines from './0006_pipelines.js';
import pipelineTextVersions from './0006_pipelines_text_versions.js';
import tools from './0007_tools.js';
import modelUsage from './0009_model_usage.js';
import channels from './0009_channels.js';

/**
 * Every migration, in order. Names sort in the order they must run; each capability
 * owns its number: 0002 conversation, 0003 promises, 0004 memory, 0005 telegram,
 * 0006 pipelines, 0007 tools, 0008 operations, 0009 model usage and channels.
 */
export const MIGRATIONS: Record<string, MigrationFactory> = {
  '0001_foundation': foundation,
  '0002_conversation': conversation,
  '0002_conversation_chat_keys': conversationChatKeys,
  '0002_conversation_reply_parts': conversationReplyParts,
  '0003_promises': promises,
  '0003_promises_scheduled': promisesScheduled,
  '0003_promises_budgets': promisesBudgets,
  '0004_memory': memory,
  '0004_memory_search_tuning': memorySearchTuning,
  '0005_telegram': telegram,
  '0006_pipelines': pipelines,
  '0006_pipelines_text_versions': pipelineTextVersions,
  '0007_tools': tools,
  '0009_model_usage': modelUsage,
  '0009_channels': channels,
};
