import type { ActivityDeps } from '../deps/activity-deps.js';
import type { ModelUsage } from '../brain/types.js';
import { appendMessage } from '../conversation/transcript.js';
import type { ChatRef } from '../shared/envelope.js';
import { formatError } from '../shared/errors.js';
import { recordUsage, tokensOnDay, utcDay, type UsageOrigin } from './usage.js';

/**
 * Counts one model call: stored by day, chat and origin, and added to the Prometheus
 * counters. A failure to store is logged, never passed on: the call itself succeeded.
 */
export async function meterModelCall(deps: Pick<ActivityDeps, 'store' | 'metrics' | 'logger'>, chat: ChatRef | undefined, origin: UsageOrigin, usage: ModelUsage): Promise<void> {
  deps.metrics.modelTokens.inc({ model: usage.model, origin, direction: 'input' }, usage.inputTokens);
  deps.metrics.modelTokens.inc({ model: usage.model, origin, direction: 'output' }, usage.outputTokens);
  deps.metrics.modelCalls.inc({ model: usage.model, origin });
  try {
    await recordUsage(deps.store.db, { at: new Date(), channel: chat?.channel ?? '', chatId: chat?.chatId ?? '', origin, ...usage });
  } catch (err) {
    deps.logger.warn({ origin, model: usage.model }, `model usage not stored: ${formatError(err)}`);
  }
}

/** The notice a chat gets (once a day) when background model work stops for the daily limit. */
export function dailyLimitNotice(limit: number): string {
  return `Today's model token limit (${limit.toLocaleString('en-US')} tokens, MYCEL_MODEL_DAILY_TOKEN_LIMIT) is reached: background model work such as remembering facts from our chats is paused until 00:00 UTC. Replies and commands keep working; /usage shows the figures.`;
}

/**
 * Whether background model work may run now. When today's tokens reached
 * MYCEL_MODEL_DAILY_TOKEN_LIMIT it may not: the skip is counted and the chat is told, once
 * per day (the notice's key names the day and the chat).
 */
export async function backgroundWorkAllowed(deps: Pick<ActivityDeps, 'store' | 'metrics' | 'logger' | 'config'>, chat: ChatRef | undefined, origin: UsageOrigin): Promise<boolean> {
  const limit = deps.config.usage.dailyTokenLimit;
  if (limit === undefined) return true;
  const day = utcDay(new Date());
  if ((await tokensOnDay(deps.store.db, day)) < limit) return true;
  deps.metrics.modelWorkSkipped.inc({ origin });
  deps.logger.warn({ origin, limit }, 'daily model token limit reached: background model work skipped');
  if (chat) {
    await appendMessage(deps.store, { ...chat, role: 'assistant', kind: 'notice', text: dailyLimitNotice(limit), key: `usage-limit:${day}:${chat.channel}:${chat.chatId}` }).catch((err: unknown) =>
      deps.logger.warn({}, `daily limit notice not stored: ${formatError(err)}`),
    );
  }
  return false;
}
