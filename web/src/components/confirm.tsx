import { useEffect, useRef } from 'preact/hooks';

/**
 * An inline "are you sure?" for destructive actions: keyboard focus moves to it, Escape
 * or "Keep" backs out.
 */
export function ConfirmBar({ question, confirmLabel, onConfirm, onCancel, busy }: { question: string; confirmLabel: string; onConfirm(): void; onCancel(): void; busy?: boolean }) {
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div class="confirm" role="alertdialog" aria-label={question} onKeyDown={(e) => e.key === 'Escape' && onCancel()}>
      <p>{question}</p>
      <button type="button" class="danger" ref={ref} onClick={onConfirm} disabled={busy}>
        {confirmLabel}
      </button>
      <button type="button" class="secondary" onClick={onCancel} disabled={busy}>
        Keep
      </button>
    </div>
  );
}
