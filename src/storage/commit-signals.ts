/**
 * In-process wake-ups on commits: a writer (the Telegram poller, a webhook route) tells the
 * readers of the same store in this process (the inbox dispatchers) that there is something
 * new, at once. Other processes find the rows on their next poll. Owned by the `Store`, so two
 * stores (two processes in one test) never wake each other.
 */
export class CommitSignals {
  private readonly listeners = new Map<string, Set<() => void>>();

  /** Calls `fn` on every commit to `topic`; returns the unsubscribe. */
  on(topic: string, fn: () => void): () => void {
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  /** Wakes the listeners of `topic`. */
  emit(topic: string): void {
    for (const fn of this.listeners.get(topic) ?? []) fn();
  }
}
