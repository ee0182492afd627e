import { afterAll, beforeAll, describe } from 'vitest';
import { type OpensshFleet, opensshUnavailable, startOpensshFleet } from '../../support/fleet/openssh.js';
import { poolSuite, runnerSuite } from './runner-suite.js';

const unavailable = opensshUnavailable();
if (unavailable) console.warn(`skipping the OpenSSH runner tests: ${unavailable}`);

describe.skipIf(unavailable)('the SSH runners against real OpenSSH servers', () => {
  let fleet: OpensshFleet;
  beforeAll(async () => {
    fleet = await startOpensshFleet({ names: ['o1', 'o2', 'o3'], seedVersion: 'grizzly' });
  });
  afterAll(async () => {
    await fleet?.close();
  });
  const subject = {
    fleet: () => fleet,
    dropConnections: (node: string) => fleet.dropConnections(node),
    muteConnections: (node: string) => fleet.muteConnections(node),
  };
  describe('node-ssh transport', () => {
    runnerSuite({ ...subject, transport: 'node-ssh' });
    poolSuite({ ...subject, transport: 'node-ssh' });
  });
  describe('openssh transport', () => {
    runnerSuite({ ...subject, transport: 'openssh' });
  });
});
