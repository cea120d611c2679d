import type { ActivityDeps } from '../deps/activity-deps.js';
import type { RecalledFact } from '../brain/types.js';
import type { ChatRef } from '../shared/envelope.js';
import { recallFacts } from '../memory/recall.js';

/**
 * The facts fed into a turn. The memory capability plugs its retrieval in here; until then
 * a turn sees no facts. Called by the `brainStep` activity on the first step of a turn.
 */
export async function recallForTurn(deps: ActivityDeps, chat: ChatRef, text: string): Promise<RecalledFact[]> {
  return recallFacts(deps, chat, text);
}
