/**
 * Promises that settle once a condition over arriving data holds: `until` checks at once and again on every
 * `changed()` (a test server calls it when something arrives), and rejects with `failure()` after `timeoutMs`.
 */
export class Waiters {
  private readonly pending = new Set<() => void>();

  until(holds: () => boolean, timeoutMs: number, failure: () => string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!holds()) return;
        this.pending.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.pending.delete(check);
        reject(new Error(failure()));
      }, timeoutMs);
      this.pending.add(check);
      check();
    });
  }

  changed(): void {
    for (const check of [...this.pending]) check();
  }
}
