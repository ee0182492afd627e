// Baseline (a): a bare node-ssh loop. One connection per node, the two commands in turn,
// `concurrency` nodes in flight. No host-key check, no database, no engine: the floor.
// Usage: node bench/node-ssh-loop.mjs <job.json>   (job: {nodes:[{host,port}], user, key, concurrency, commands})
import { readFileSync } from 'node:fs';
import { NodeSSH } from 'node-ssh';

const job = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const privateKey = readFileSync(job.key, 'utf8');
let next = 0;
let failed = 0;
async function worker() {
  while (next < job.nodes.length) {
    const node = job.nodes[next++];
    const ssh = new NodeSSH();
    try {
      await ssh.connect({
        host: node.host,
        port: node.port,
        username: job.user,
        privateKey,
        readyTimeout: 30_000,
      });
      for (const command of job.commands) {
        const result = await ssh.execCommand(command);
        if (result.code !== 0) {
          failed += 1;
          break;
        }
      }
    } catch (error) {
      failed += 1;
      process.stderr.write(`${node.host}: ${error.message}\n`);
    } finally {
      ssh.dispose();
    }
  }
}
await Promise.all(Array.from({ length: job.concurrency }, worker));
process.exitCode = failed === 0 ? 0 : 1;
