import type { ComponentChildren } from 'preact';
import { ApiError } from '../lib/api.js';
import { describeError } from '../lib/errors.js';

/** A failure, said the way a person wants it: what failed, why, what to do; and a retry. */
export function ErrorNotice({ error, action, onRetry }: { error: unknown; action: string; onRetry?: () => void }) {
  if (error instanceof ApiError && error.kind === 'missing-route') return <Unavailable />;
  const p = describeError(error, action);
  return (
    <div class="notice error" role="alert">
      <p class="notice-title">{p.title}</p>
      <p>{p.detail}</p>
      <p class="advice">{p.advice}</p>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** Shown where this server has no API for a page (the capability has not landed). */
export function Unavailable({ what }: { what?: string }) {
  return (
    <div class="notice muted" role="status">
      <p class="notice-title">{what ? `${what}: not` : 'Not'} available in this version.</p>
      <p>This Mycel server does not offer this feature yet. Update Mycel to use it.</p>
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

/** True when a failure means the server lacks the API altogether. */
export function isMissing(error: unknown): boolean {
  return error instanceof ApiError && error.kind === 'missing-route';
}
