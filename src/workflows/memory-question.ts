import { condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type * as memoryActivities from '../activities/memory.js';
import type { MemoryQuestionWorkflowInput, QuestionChoice } from '../memory/questions.js';
import { memoryAnswerSignal, memoryQuestionStateQuery } from './definitions.js';

const acts = proxyActivities<ReturnType<typeof memoryActivities.createMemoryActivities>>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * One question about two facts that disagree with close confidences. It posts the question,
 * waits durably for the answer (a signal) or for the timeout, then lets the database decide
 * which answer stands (the first one recorded; on timeout the documented default, the newer
 * fact) and closes the fact that lost.
 */
export async function memoryQuestionWorkflow(input: MemoryQuestionWorkflowInput): Promise<string> {
  let state = 'asking';
  let choice: QuestionChoice | undefined;
  setHandler(memoryAnswerSignal, (payload) => {
    const n = Number(String(payload).trim());
    if (choice === undefined && (n === 1 || n === 2)) choice = n;
  });
  setHandler(memoryQuestionStateQuery, () => state);

  if ((await acts.askMemoryQuestion(input)) === 'gone') {
    state = 'gone';
    return state;
  }
  state = 'waiting';
  await condition(() => choice !== undefined, input.timeoutSeconds * 1000);
  const settled = await acts.settleMemoryQuestion({ questionId: input.questionId, choice: choice ?? null });
  state = settled.status;
  return state;
}
