// Idle connections kept for a node's next session, as OpenSSH's ControlPersist keeps a master
// connection: a unit, the next service on the same node, the next deploy within `keepMs` skip
// the TCP handshake, key exchange and login (on the node: a forked sshd and its key exchange).
// Only a connection whose every command ended cleanly comes back here; one that closes while
// idle leaves at once; the oldest goes when more than `maxIdle` wait.

export interface IdlePool<T> {
  /** The newest idle connection for `key`, taken out of the pool, or undefined. */
  take(key: string): T | undefined;
  /** Keeps `connection` for `keepMs`; disposed at once when the pool keeps nothing or is closed. */
  put(key: string, connection: T): void;
  /** Takes out a connection that closed by itself (not disposed again). */
  forget(connection: T): void;
  /** Disposes every idle connection; later `put`s dispose at once. */
  close(): void;
  readonly size: number;
}

interface Idle<T> {
  key: string;
  connection: T;
  timer: NodeJS.Timeout;
}

export function createIdlePool<T>(options: {
  keepMs: number;
  maxIdle: number;
  dispose: (connection: T) => void;
}): IdlePool<T> {
  // Insertion order is age order: the first entry is the oldest.
  const idle = new Map<T, Idle<T>>();
  const byKey = new Map<string, T[]>();
  let closed = false;
  const remove = (connection: T): Idle<T> | undefined => {
    const entry = idle.get(connection);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    idle.delete(connection);
    const same = byKey.get(entry.key)!;
    same.splice(same.indexOf(connection), 1);
    if (same.length === 0) byKey.delete(entry.key);
    return entry;
  };
  const expire = (connection: T) => {
    if (remove(connection)) options.dispose(connection);
  };
  return {
    take(key) {
      const newest = byKey.get(key)?.at(-1);
      if (newest !== undefined) remove(newest);
      return newest;
    },
    put(key, connection) {
      if (closed || options.keepMs <= 0 || options.maxIdle <= 0) return options.dispose(connection);
      const timer = setTimeout(() => expire(connection), options.keepMs);
      // An idle connection never keeps the process alive by its timer alone.
      timer.unref();
      idle.set(connection, { key, connection, timer });
      byKey.set(key, [...(byKey.get(key) ?? []), connection]);
      if (idle.size > options.maxIdle) expire(idle.keys().next().value as T);
    },
    forget(connection) {
      remove(connection);
    },
    close() {
      closed = true;
      for (const connection of [...idle.keys()]) expire(connection);
    },
    get size() {
      return idle.size;
    },
  };
}
