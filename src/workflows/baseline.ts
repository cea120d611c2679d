import { condition, setHandler } from '@temporalio/workflow';
import { echoUpdate, finishSignal } from './definitions.js';

/**
 * The smallest workflow that takes Updates: the baseline every turn-latency figure of
 * `npm run bench` is divided by, and the integration harness's smoke test.
 */

export async function baselineWorkflow(): Promise<number> {
  let handled = 0;
  let finished = false;
  setHandler(echoUpdate, (text: string) => {
    handled += 1;
    return text;
  });
  setHandler(finishSignal, () => {
    finished = true;
  });
  await condition(() => finished);
  return handled;
}
