import { ApiError } from './api.js';

/** An error as a person wants it: what failed, why (the server's words), what to do. */
export interface Problem {
  title: string;
  detail: string;
  advice: string;
}

/**
 * Describes a failure of `action` ("send your message", "load the reminders") for a
 * person. Never a stack trace: the server log has those.
 */
export function describeError(err: unknown, action: string): Problem {
  const title = `Could not ${action}.`;
  if (err instanceof ApiError) {
    switch (err.kind) {
      case 'network':
        return { title, detail: err.message, advice: 'Check that Mycel is running (`npx mycel start`) and that this device can reach it, then try again.' };
      case 'auth':
        return { title, detail: err.message, advice: 'Sign in with the API token (the value of MYCEL_API_TOKEN on the server).' };
      case 'missing-route':
        return { title, detail: 'This version of Mycel does not offer it.', advice: 'Update Mycel to a version that has this feature.' };
      case 'not-found':
        return { title, detail: err.message, advice: 'It may have been removed already; reload the list.' };
      case 'conflict':
        return { title, detail: err.message, advice: 'Someone (or something) changed it first; reload to see its current state.' };
      case 'bad-request':
        return { title, detail: err.message, advice: err.hint ?? 'Correct the input and try again.' };
      case 'server':
        return { title, detail: err.message, advice: err.hint ?? 'Try again in a moment; if it keeps failing, look at the Mycel server log.' };
    }
  }
  const detail = err instanceof Error && err.message ? err.message : String(err);
  return { title, detail, advice: 'Reload the page; if it keeps failing, look at the browser console and the Mycel server log.' };
}
