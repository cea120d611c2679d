import { createApprovalActivities } from './approvals.js';
import { createConversationActivities } from './conversation.js';
import { createToolActivities } from './tools.js';
import type { ActivityDeps } from './deps.js';
import { createDoctorActivities } from './doctor.js';
import { createMemoryActivities } from './memory.js';
import { createMediaActivities } from './media.js';
import { createPipelineActivities } from './pipelines.js';
import { createPromiseActivities } from './promises.js';

/**
 * Builds every activity of the worker from its dependencies. Each capability has its own
 * `create…Activities(deps)` factory; this merges them into the object the worker registers.
 */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createApprovalActivities(deps),
    ...createPromiseActivities(deps),
    ...createConversationActivities(deps),
    ...createToolActivities(deps),
    ...createPipelineActivities(deps),
    ...createMemoryActivities(deps),
    ...createMediaActivities(deps),
    ...createDoctorActivities(deps),
  };
}

export type MycelActivities = ReturnType<typeof createActivities>;
