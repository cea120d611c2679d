/**
 * What an inline button does when pressed. Capabilities attach buttons to an outbound
 * message as `buttons: [{ text, data }]`; `data` is one of these forms (build it with the
 * helpers below rather than by hand):
 *
 * - `approval:<approvalId>:approve` / `approval:<approvalId>:deny` — decides a pending tool
 *   approval (the database row first, then the approval workflow's `decide` signal).
 * - `sig:<workflowId>:<signalName>:<payload>` — sends the signal `signalName` with the
 *   string `payload` to the workflow `workflowId`; each part is URI-encoded, so any of them
 *   may contain `:`.
 *
 * Telegram allows only 64 bytes of `callback_data`, so the sender stores `data` in the
 * database and puts a short key (`c:<12 characters>`) on the button; a press is routed back
 * through that key. Workflow-safe: no I/O.
 */
export type ButtonAction =
  | { kind: 'approval'; approvalId: string; decision: 'approve' | 'deny' }
  | { kind: 'signal'; workflowId: string; signal: string; payload: string };

/** Button data that decides a tool approval. */
export function approvalButtonData(approvalId: string, decision: 'approve' | 'deny'): string {
  return `approval:${approvalId}:${decision}`;
}

/** Button data that signals a waiting workflow with a string payload. */
export function signalButtonData(workflowId: string, signal: string, payload: string): string {
  return `sig:${encodeURIComponent(workflowId)}:${encodeURIComponent(signal)}:${encodeURIComponent(payload)}`;
}

/** Parses button data; undefined when it is not one of the documented forms. */
export function parseButtonData(data: string): ButtonAction | undefined {
  const approval = /^approval:([A-Za-z0-9_-]{1,64}):(approve|deny)$/.exec(data);
  if (approval) return { kind: 'approval', approvalId: approval[1]!, decision: approval[2] as 'approve' | 'deny' };
  const signal = /^sig:([^:]+):([^:]+):([^:]*)$/.exec(data);
  if (signal) {
    try {
      const [workflowId, name, payload] = [signal[1]!, signal[2]!, signal[3]!].map(decodeURIComponent) as [string, string, string];
      if (workflowId && name) return { kind: 'signal', workflowId, signal: name, payload };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The `callback_data` put on a Telegram button: a key into the stored button actions. */
export const CALLBACK_KEY_PREFIX = 'c:';
