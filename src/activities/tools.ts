import { getChatSettings } from '../conversation/chats.js';
import { withLogContext } from '../logging/log-context.js';
import type { Envelope } from '../shared/envelope.js';
import type { ToolCall, ToolOutcome } from '../tools/types.js';
import type { ActivityDeps } from '../deps/activity-deps.js';
import type { WorkerDeps } from './worker-deps.js';

export interface RunToolRequest {
  call: ToolCall;
  /** `<turnKey>#<step>.<index>`: the key the tool's side effect is recorded under. */
  callId: string;
  envelope: Envelope;
  /** The workflow's clock at the call. */
  now: string;
  workflowId: string;
  runId: string;
}

/** The activity that runs one tool call of a turn, through the policy gate (audit included). */
export function createToolActivities(deps: ActivityDeps & Pick<WorkerDeps, 'tools'>) {
  return {
    async runTool(request: RunToolRequest): Promise<ToolOutcome> {
      const { envelope } = request;
      const chat = { channel: envelope.channel, chatId: envelope.chatId };
      return withLogContext({ chatId: chat.chatId, updateId: envelope.updateId }, async () => {
        const { timeZone } = await getChatSettings(deps.store, chat, deps.config);
        const outcome = await deps.tools.executor.execute(request.call, {
          chat,
          userId: envelope.userId,
          turnKey: envelope.updateId,
          callId: request.callId,
          workflowId: request.workflowId,
          runId: request.runId,
          timeZone,
          now: request.now,
        });
        deps.logger.debug({ tool: request.call.tool, callId: request.callId, status: outcome.status }, 'tool call');
        return outcome;
      });
    },
  };
}
