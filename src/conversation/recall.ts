import type { ActivityDeps } from '../activities/deps.js';
import type { RecalledFact } from '../brain/types.js';
import type { ChatRef } from '../shared/envelope.js';

/**
 * The facts fed into a turn. The memory capability plugs its retrieval in here; until then
 * a turn sees no facts. Called by the `brainStep` activity on the first step of a turn.
 */
export async function recallForTurn(_deps: ActivityDeps, _chat: ChatRef, _text: string): Promise<RecalledFact[]> {
  return [];
}
