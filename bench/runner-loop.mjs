// Contender (a+): the same loop as (a) through drover's own SSH adapter (compiled by run.ts):
// host keys verified against known_hosts, each command under the remote timeout wrapper,
// bounded redacted output. The difference to (a) is the adapter's cost; the difference to
// drover is the engine's, the database's and the process start's.
// Usage: node bench/runner-loop.mjs <job.json>   (job as for node-ssh-loop.mjs + knownHosts, module)
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const job = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const { createSshRunner } = await import(pathToFileURL(job.module).href);
const runner = createSshRunner({
  ssh: {
    user: job.user,
    port: 22,
    privateKey: job.key,
    agent: false,
    knownHosts: job.knownHosts,
    connectTimeout: 30_000,
    keepalive: 15_000,
    // One connection per node, closed after its commands, as in (a).
    keepOpen: 0,
    concurrency: job.concurrency,
    outputTail: 8192,
  },
  redact: [],
});
let next = 0;
let failed = 0;
async function worker() {
  while (next < job.nodes.length) {
    const node = job.nodes[next++];
    try {
      const session = await runner.open({
        name: node.host,
        host: node.host,
        port: node.port,
        user: job.user,
        roles: [],
        labels: {},
      });
      try {
        for (const text of job.commands) {
          const result = await session.run({ phase: 'upgrade', text, timeoutMs: 60_000 });
          if (result.exitCode !== 0) {
            failed += 1;
            break;
          }
        }
      } finally {
        await session.close();
      }
    } catch (error) {
      failed += 1;
      process.stderr.write(`${node.host}: ${error.message}\n`);
    }
  }
}
await Promise.all(Array.from({ length: job.concurrency }, worker));
await runner.close();
process.exitCode = failed === 0 ? 0 : 1;
