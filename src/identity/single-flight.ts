/**
 * Concurrent callers asking for the same key share one in-flight promise; the next call after it settles
 * starts afresh (results are not cached here).
 */
export class SingleFlight<T> {
  private readonly inFlight = new Map<string, Promise<T>>();

  run(key: string, operation: () => Promise<T>): Promise<T> {
    const running = this.inFlight.get(key);
    if (running) return running;
    const started = operation().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, started);
    return started;
  }
}
