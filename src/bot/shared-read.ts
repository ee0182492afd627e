// Reads that many askers want at once share one trip to the database. A request that arrives
// while a read of its key is in flight joins the *next* read, which starts when that one ends:
// every asker gets a read that began after it asked (a `status` right after a `pause` sees the
// pause), and however many ask, one read per key is in flight at a time. `status` under load
// is the case: 50 askers a second during a 300-node upgrade need a handful of reads, not 50.
export function sharedRead<T>(read: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const inFlight = new Map<string, Promise<T>>();
  const queued = new Map<string, Promise<T>>();
  const start = (key: string): Promise<T> => {
    const running = read(key).finally(() => {
      if (inFlight.get(key) === running) inFlight.delete(key);
    });
    inFlight.set(key, running);
    return running;
  };
  return (key) => {
    const running = inFlight.get(key);
    if (!running) return start(key);
    const waiting = queued.get(key);
    if (waiting) return waiting;
    const next = running
      .catch(() => undefined)
      .then(() => {
        queued.delete(key);
        return start(key);
      });
    queued.set(key, next);
    return next;
  };
}
