// PGlite does not lock its directory: two processes opening it would corrupt it. A lock
// file next to it names the holder; a holder that died on this host is replaced.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { DatabaseLockedError } from '../../errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes `<dir>.lock`; returns the release function. Throws DatabaseLockedError when held. */
export function acquireDirectoryLock(dir: string): () => void {
  const path = `${dir}.lock`;
  const me = `${process.pid}@${hostname()}`;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, me);
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(path, 'utf8') === me) unlinkSync(path);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readFileSync(path, 'utf8').trim();
      const [pid, host] = holder.split('@');
      const stale = host === hostname() && !alive(Number(pid));
      if (!stale) throw new DatabaseLockedError(dir, holder || 'unknown process');
      unlinkSync(path);
    }
  }
  throw new DatabaseLockedError(dir, 'another process racing for it');
}
