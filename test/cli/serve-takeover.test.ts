// Graceful shutdown with two `drover serve` processes on one PostgreSQL: SIGTERM to the one
// driving an upgrade mid-wave makes it refuse commands, finish its phases in flight, release
// its lease and exit 0; the other takes the upgrade over within seconds; nothing runs twice.
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/adapters/db/open.js';
import { freshPostgresDatabase } from '../support/db.js';
import { slackClient, startFakeSlack } from '../support/fake-slack.js';
import { type Lab, startLab } from '../support/lab.js';
import { type ServeChild, serveChild } from '../support/serve-child.js';
import { until } from '../support/wait.js';

const SECRET = 'slack-secret';

type Served = ServeChild;
const serve = (lab: Lab, env: NodeJS.ProcessEnv): Served => serveChild(lab.configPath, lab.root, env);

describe.skipIf(!process.env.DATABASE_URL)(
  'drover serve: SIGTERM with another serve on the same database',
  () => {
    const cleanups: Array<() => Promise<unknown>> = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    it('the other process takes the upgrade over within seconds, and no unit runs twice', async () => {
      const lab = await startLab({ controllers: 1, computes: 5, strategy: '{ kind: rolling, batch: 2 }' });
      cleanups.push(() => lab.close());
      for (const node of lab.fleet.nodes) lab.fleet.behave(node.name, { slowMs: 250 });
      const database = await freshPostgresDatabase();
      cleanups.push(() => database.drop());
      const slack = await startFakeSlack();
      cleanups.push(() => slack.close());
      const env = {
        DATABASE_URL: database.url,
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: slack.apiUrl,
        DROVER_SHUTDOWN_GRACE: '20s',
      };
      const first = serve(lab, env);
      cleanups.push(async () => {
        first.child.kill('SIGKILL');
        await first.exit;
      });
      const firstPort = await first.port;
      const second = serve(lab, env);
      cleanups.push(async () => {
        second.child.kill('SIGKILL');
        await second.exit;
      });
      await second.port;
      const watcher: Database = await openDatabase({ env: { DATABASE_URL: database.url } });
      cleanups.push(() => watcher.close());

      const client = slackClient(
        `http://127.0.0.1:${firstPort}/slack/events`,
        SECRET,
        slack.apiUrl.replace(/\/api\/$/, ''),
      );
      expect((await client.command('U0OPS', 'start havana auto')).json().text).toMatch(/^upgrade #1 started/);
      const holder = async () => watcher.store.leaseHolder(1, new Date());
      // Either process may win the lease: the one driving is stopped, the other takes over.
      const driver = await until(holder, 'a process to drive the upgrade');
      const [driving, other] =
        driver === `${hostOf()}:${first.child.pid}` ? [first, second] : [second, first];
      expect(driver).toBe(`${hostOf()}:${driving.child.pid}`);
      const upgraded = () => lab.fleet.nodes.filter((n) => lab.fleet.upgrades(n.name).length > 0).length;
      await until(() => upgraded() >= 3, 'the first units to finish', 60_000);

      const signalled = Date.now();
      driving.child.kill('SIGTERM');
      // While it shuts down, commands are refused (or the process is already gone).
      const refused = await slackClient(
        `http://127.0.0.1:${await driving.port}/slack/events`,
        SECRET,
        slack.apiUrl.replace(/\/api\/$/, ''),
      )
        .command('U0OPS', 'status')
        .catch(() => undefined);
      if (refused) expect([200, 503]).toContain(refused.status);
      await until(
        async () => (await holder()) === `${hostOf()}:${other.child.pid}`,
        'the other process to hold the lease',
        60_000,
        50,
      );
      const takeoverMs = Date.now() - signalled;
      expect(await driving.exit).toBe(0);
      expect(takeoverMs).toBeLessThan(25_000);
      process.stdout.write(`takeover after SIGTERM: ${takeoverMs} ms\n`);

      await until(
        async () => (await watcher.store.load(1))?.upgrade.state === 'completed',
        'the upgrade to complete on the other process',
        120_000,
      );
      for (const node of lab.fleet.nodes)
        expect(lab.fleet.upgrades(node.name), node.name).toHaveLength(node.name.startsWith('ctl') ? 2 : 1);
      const tops = slack.messages.filter((m) => !m.thread_ts && m.text.startsWith('Upgrade #1'));
      expect(tops).toHaveLength(1);
      // Logs are JSON lines; every line of an upgrade carries it, its environment and its node.
      expect(driving.lines.some((line) => line.msg === 'stopped')).toBe(true);
      expect(driving.lines.find((line) => line.msg === 'unit.finished')).toMatchObject({
        upgrade: 1,
        environment: 'lab',
        node: expect.any(String),
        service: expect.any(String),
        state: 'done',
      });
    }, 600_000);
  },
);

const hostOf = () => hostname();
