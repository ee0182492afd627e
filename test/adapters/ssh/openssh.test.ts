import { afterAll, beforeAll, describe } from 'vitest';
import type { Config } from '../../../src/config/schema.js';
import { type OpensshFleet, opensshUnavailable, startOpensshFleet } from '../../support/fleet/openssh.js';
import { poolSuite, runnerSuite } from './runner-suite.js';

const unavailable = opensshUnavailable();
if (unavailable) console.warn(`skipping the OpenSSH runner tests: ${unavailable}`);

// One fleet per transport: the suite upgrades nodes, and each run starts from the seed.
for (const transport of ['node-ssh', 'openssh'] as Array<Config['ssh']['transport']>) {
  describe.skipIf(unavailable)(`the ${transport} runner against real OpenSSH servers`, () => {
    let fleet: OpensshFleet;
    beforeAll(async () => {
      fleet = await startOpensshFleet({ names: ['o1', 'o2', 'o3'], seedVersion: 'grizzly' });
    });
    afterAll(async () => {
      await fleet?.close();
    });
    const subject = {
      fleet: () => fleet,
      transport,
      dropConnections: (node: string) => fleet.dropConnections(node),
      muteConnections: (node: string) => fleet.muteConnections(node),
    };
    runnerSuite(subject);
    // The node-ssh transport's own pool (the openssh transport's is ControlMaster).
    if (transport === 'node-ssh') poolSuite(subject);
  });
}
