// Host certificates: nodes whose sshd presents a certificate signed by a test CA
// (`ssh-keygen -s`, sshd `HostCertificate`), known_hosts holding only `@cert-authority` lines.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeRunner } from '../../../src/adapters/ssh/transport.js';
import type { Config } from '../../../src/config/schema.js';
import { HostKeyError } from '../../../src/errors.js';
import { type OpensshFleet, opensshUnavailable, startOpensshFleet } from '../../support/fleet/openssh.js';

const unavailable = opensshUnavailable();
if (unavailable) console.warn(`skipping the host certificate tests: ${unavailable}`);

describe.skipIf(unavailable)('host certificates', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drover-ca-'));
  const ca = (name: string) => {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', join(dir, name)]);
    return join(dir, name);
  };
  const trusted = ca('trusted_ca');
  const other = ca('other_ca');
  let fleet: OpensshFleet;
  let knownHosts: string;
  beforeAll(async () => {
    fleet = await startOpensshFleet({
      names: ['good', 'rogue'],
      seedVersion: 'grizzly',
      sshdExtra: (name, hostKey, host) => {
        writeFileSync(`${hostKey}.pub`, execFileSync('ssh-keygen', ['-y', '-f', hostKey]));
        execFileSync('ssh-keygen', [
          '-q',
          '-s',
          name === 'good' ? trusted : other,
          '-I',
          name,
          '-h',
          '-n',
          host,
          `${hostKey}.pub`,
        ]);
        return [`HostCertificate ${hostKey}-cert.pub`];
      },
    });
    knownHosts = join(dir, 'known_hosts');
    const subnet = fleet.nodes[0]!.host.split('.').slice(0, 3).join('.');
    writeFileSync(knownHosts, `@cert-authority [${subnet}.*]:2222 ${readFileSync(`${trusted}.pub`, 'utf8')}`);
  });
  afterAll(async () => {
    await fleet?.close();
  });
  const ssh = (transport: Config['ssh']['transport']): Config['ssh'] => ({
    user: fleet.user,
    port: 22,
    privateKey: fleet.clientKeyPath,
    agent: false,
    knownHosts,
    connectTimeout: 5_000,
    keepalive: 15_000,
    keepOpen: 0,
    concurrency: 4,
    batchPhases: true,
    outputTail: 1024,
    transport,
    config: 'none',
    jump: [],
  });
  const node = (name: string) => fleet.nodes.find((n) => n.name === name)!;

  it('openssh: a node certified by the known CA is accepted, one certified by another CA refused', async () => {
    const runner = createNodeRunner({ ssh: ssh('openssh'), redact: [] });
    const session = await runner.open(node('good'));
    expect(await session.run({ phase: 'version', text: 'echo certified', timeoutMs: 5_000 })).toMatchObject({
      exitCode: 0,
      stdoutTail: 'certified\n',
    });
    await session.close();
    const rogue = runner.open(node('rogue'));
    await expect(rogue).rejects.toBeInstanceOf(HostKeyError);
    await expect(rogue).rejects.toThrow(`host key for [${node('rogue').host}]:2222 (node rogue)`);
    await runner.close();
  });

  it('node-ssh: refuses a node known only by its CA, naming ssh.transport: openssh', async () => {
    // ssh2 offers no *-cert-v01@openssh.com host key algorithm: it cannot check a certificate.
    const runner = createNodeRunner({ ssh: ssh('node-ssh'), redact: [] });
    const refused = runner.open(node('good'));
    await expect(refused).rejects.toBeInstanceOf(HostKeyError);
    await expect(refused).rejects.toThrow(
      /known only by a @cert-authority line .* cannot verify host certificates .* ssh\.transport: openssh/,
    );
    await runner.close();
  });
});
