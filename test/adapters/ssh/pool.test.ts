import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createIdlePool } from '../../../src/adapters/ssh/pool.js';

describe('the idle connection pool', () => {
  let disposed: string[];
  const pool = (keepMs = 1_000, maxIdle = 10) =>
    createIdlePool<string>({ keepMs, maxIdle, dispose: (connection) => disposed.push(connection) });
  beforeEach(() => {
    disposed = [];
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('hands back the newest idle connection of the same key, once', () => {
    const p = pool();
    p.put('n1', 'a');
    p.put('n2', 'b');
    p.put('n1', 'c');
    expect(p.take('n1')).toBe('c');
    expect(p.take('n1')).toBe('a');
    expect(p.take('n1')).toBeUndefined();
    expect(p.take('n3')).toBeUndefined();
    expect(p.size).toBe(1);
    expect(disposed).toEqual([]);
  });

  it('disposes a connection idle for keepMs, and one taken in time is not disposed later', () => {
    const p = pool(1_000);
    p.put('n1', 'a');
    p.put('n2', 'b');
    vi.advanceTimersByTime(999);
    expect(p.take('n2')).toBe('b');
    vi.advanceTimersByTime(1);
    expect(disposed).toEqual(['a']);
    vi.advanceTimersByTime(10_000);
    expect(disposed).toEqual(['a']);
    expect(p.size).toBe(0);
  });

  it('keeps nothing when keepMs is 0, and disposes the oldest beyond maxIdle', () => {
    const none = pool(0);
    none.put('n1', 'a');
    expect(disposed).toEqual(['a']);
    expect(none.take('n1')).toBeUndefined();
    const two = pool(1_000, 2);
    two.put('n1', 'b');
    two.put('n2', 'c');
    two.put('n1', 'd');
    expect(disposed).toEqual(['a', 'b']);
    expect(two.take('n1')).toBe('d');
    expect(two.take('n1')).toBeUndefined();
  });

  it('forgets a connection that closed by itself without disposing it', () => {
    const p = pool();
    p.put('n1', 'a');
    p.forget('a');
    expect(p.take('n1')).toBeUndefined();
    vi.advanceTimersByTime(5_000);
    expect(disposed).toEqual([]);
  });

  it('disposes every idle connection on close, and any handed back later', () => {
    const p = pool();
    p.put('n1', 'a');
    p.put('n2', 'b');
    p.close();
    expect(disposed).toEqual(['a', 'b']);
    p.put('n1', 'c');
    expect(disposed).toEqual(['a', 'b', 'c']);
    expect(p.size).toBe(0);
  });
});
