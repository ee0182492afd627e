// Writes that arrive close together go in one statement: the first waits `lingerMs` for
// company, and whatever arrives while a write is in flight goes in the next one. A busy
// database gets one multi-row statement instead of a queue of single-row ones. Each caller's
// promise settles when its own row is stored (or not).

export interface CoalesceOptions {
  /** How long the first item waits for others before it is written (0: at once). */
  lingerMs?: number;
  maxBatch?: number;
}

export function coalesce<T>(
  write: (items: T[]) => Promise<void>,
  { lingerMs = 0, maxBatch = 500 }: CoalesceOptions = {},
): (item: T) => Promise<void> {
  let waiting: Array<{ item: T; resolve: () => void; reject: (error: unknown) => void }> = [];
  let busy = false;

  const flush = async (): Promise<void> => {
    busy = true;
    if (lingerMs > 0) await new Promise((resolve) => setTimeout(resolve, lingerMs));
    while (waiting.length > 0) {
      const batch = waiting.slice(0, maxBatch);
      waiting = waiting.slice(batch.length);
      try {
        await write(batch.map((entry) => entry.item));
        for (const entry of batch) entry.resolve();
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    busy = false;
  };

  return (item) =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (!busy) void flush();
    });
}
