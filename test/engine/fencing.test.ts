// Two drivers after a database stall (PRODUCT.md, "Nothing lost"): the lease holder's database
// connections freeze (a TCP proxy on 127.0.0.1 stops every byte), another process takes the
// lease once it expires and finishes the upgrade; the old holder, thawed, must not act. Two
// processes on the real PostgreSQL server.
import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { backends, freshMigratedPostgres } from '../support/db.js';
import { type Lab, startLab } from '../support/lab.js';
import { type FrozenProxy, startProxy } from '../support/tcp-proxy.js';

const SCRIPT = new URL('../support/drive-process.ts', import.meta.url).pathname;
const TSX = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).pathname;

function driver(lab: Lab, url: string, owner: string, what: string) {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', TSX, SCRIPT, lab.configPath, owner, '2000', what],
    {
      cwd: lab.root,
      env: { ...process.env, DATABASE_URL: url },
    },
  );
  let out = '';
  const seen: Array<() => void> = [];
  child.stdout!.on('data', (chunk) => {
    out += chunk;
    for (const check of seen) check();
  });
  child.stderr!.on('data', (chunk) => (out += chunk));
  const done = new Promise<{ code: number | null; out: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, out })),
  );
  const line = (pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve) => {
      const check = () => {
        const match = out.match(pattern);
        if (match) resolve(match);
      };
      seen.push(check);
      check();
    });
  return { child, done, line, out: () => out };
}

const until = async (what: () => boolean, ms: number) => {
  const deadline = Date.now() + ms;
  while (!what() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  return what();
};

describe.each(backends().filter((b) => b === 'postgres'))('fencing on %s', () => {
  let lab: Lab | undefined;
  let proxy: FrozenProxy | undefined;
  let drop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    proxy?.thaw();
    await proxy?.close();
    await lab?.close();
    await drop?.();
  });

  it('a holder whose database stalls past its lease stops dispatching; the next driver finishes and no unit runs twice', async () => {
    lab = await startLab({
      controllers: 1,
      computes: 3,
      strategy: '{ kind: rolling, batch: 2, auto: true, soak: 0s }',
      concurrency: 2,
      phases: { upgrade: 'sleep 5; sh bin/upgrade {{service}} {{commit}}' },
      // The lease is checked between phases run one exec each; a batched unit's script is
      // waited out whole by the next driver (its phases' timeouts summed), past this test's bound.
      batchPhases: false,
    });
    for (const node of lab.fleet.nodes) lab.fleet.behave(node.name, { slowMs: 300 });
    const db = await freshMigratedPostgres();
    drop = db.drop;
    const target = new URL(db.url);
    proxy = await startProxy(Number.parseInt(target.port || '5432', 10), target.hostname);
    const viaProxy = new URL(db.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);

    const holder = driver(lab, viaProxy.toString(), 'holder', 'start');
    const [, id] = await holder.line(/upgrade (\d+)/);
    // The next driver is up and waiting for the lease before the stall begins.
    const next = driver(lab, db.url, 'next', id!);
    await next.line(/upgrade \d+/);
    // Freeze the holder's database as its first units start draining: their `upgrade` (5 s)
    // starts in time and outlasts the lease; the next driver must not run it again.
    const drains = () =>
      lab!.fleet.nodes.reduce(
        (n, node) => n + lab!.fleet.commands(node.name).filter((c) => c.includes('bin/drain')).length,
        0,
      );
    expect(await until(() => drains() > 0, 60_000)).toBe(true);
    proxy.freeze();

    const finished = await next.done;
    expect(finished.out).toContain('state completed');
    proxy.thaw();
    const old = await holder.done;
    expect(old.code, old.out).toBe(0);

    for (const node of lab.fleet.nodes) {
      const services = node.name.startsWith('ctl') ? ['keystone', 'nova-api'] : ['nova-compute'];
      const lines = lab.fleet.upgrades(node.name).map((line) => line.split(' ')[0]);
      expect(lines.sort(), `${node.name}: each service upgraded once`).toEqual(services);
    }
  }, 240_000);
});
