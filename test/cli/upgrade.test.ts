// `drover upgrade <verb>` as a user runs it (a child process against a simulated fleet): every
// verb goes through the dispatcher and leaves one audit row naming the upgrade.
import { asc } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/adapters/db/open.js';
import { auditLog } from '../../src/adapters/db/schema.js';
import { drover as runDrover } from '../support/child.js';
import { type Lab, startLab } from '../support/lab.js';

/** `drover <args> --config <the lab's>` in the lab's directory, on its embedded database. */
const drover = (lab: Lab, args: string[]) =>
  runDrover([...args, '--config', lab.configPath], { cwd: lab.root, env: { DATABASE_URL: '' } });

describe('drover upgrade', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ controllers: 1, computes: 1, strategy: '{ kind: all-at-once }' });
    // The CLI opens its own embedded database in the lab's directory.
    await lab.database.close();
  });
  afterAll(async () => {
    await lab?.fleet.close();
  });

  it('carries out each verb through the dispatcher, audited with the upgrade id', async () => {
    const started = await drover(lab, ['upgrade', 'start', 'havana', '--env', 'lab', '--wait', '--json']);
    expect(started.code, started.err).toBe(0);
    const upgrade: unknown = JSON.parse(started.out);
    expect(upgrade).toMatchObject({ environment: 'lab', release: 'havana', state: 'completed' });
    const id = (upgrade as { id: number }).id;

    const status = await drover(lab, ['upgrade', 'status', String(id), '--json']);
    expect(status.code, status.err).toBe(0);
    expect(JSON.parse(status.out)).toMatchObject([{ id, state: 'completed' }]);

    const refused = await drover(lab, ['upgrade', 'pause', '--id', String(id)]);
    expect(refused).toMatchObject({ code: 1, err: expect.stringMatching(/completed, not running/) });

    const rolledBack = await drover(lab, ['upgrade', 'rollback', 'all', '--wait', '--json']);
    expect(rolledBack.code, rolledBack.err).toBe(0);
    expect(JSON.parse(rolledBack.out)).toMatchObject({ id, state: 'rolled_back' });

    const database = await openDatabase({ env: {}, dataDir: `${lab.root}/.drover/db` });
    try {
      const audit = await database.db
        .select({
          actor_id: auditLog.actorId,
          actor_platform: auditLog.actorPlatform,
          command: auditLog.command,
          args: auditLog.args,
          outcome: auditLog.outcome,
          upgrade_id: auditLog.upgradeId,
        })
        .from(auditLog)
        .orderBy(asc(auditLog.id));
      expect(audit).toEqual([
        {
          actor_id: expect.stringMatching(/^cli:.+@.+$/),
          actor_platform: 'cli',
          command: 'start',
          args: { verb: 'start', release: 'havana', env: 'lab' },
          outcome: 'ok',
          upgrade_id: id,
        },
        expect.objectContaining({
          command: 'status',
          args: { verb: 'status', id },
          outcome: 'ok',
          upgrade_id: id,
        }),
        expect.objectContaining({
          command: 'pause',
          outcome: expect.stringMatching(/^refused: upgrade #\d+ is completed, not running/),
          upgrade_id: id,
        }),
        expect.objectContaining({
          command: 'rollback',
          args: { verb: 'rollback', scope: 'all' },
          upgrade_id: id,
        }),
      ]);
    } finally {
      await database.close();
    }
  }, 180_000);

  it('answers a flag the verb does not take with its usage line and 64, changing nothing', async () => {
    const wrong = await drover(lab, ['upgrade', 'start', 'havana', '--bogus']);
    expect(wrong.code).toBe(64);
    expect(wrong.err).toMatch(/unknown option '--bogus'\nusage: drover upgrade start \[options\] <release>/);
    expect(wrong.err).not.toMatch(/\n\s+at /);
    const scope = await drover(lab, ['upgrade', 'rollback', 'everything']);
    expect(scope.code).toBe(64);
    expect(scope.err).toMatch(/Allowed choices are wave, all/);
  }, 60_000);
});
