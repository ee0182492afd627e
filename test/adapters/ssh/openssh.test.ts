import { afterAll, beforeAll, describe } from 'vitest';
import { type OpensshFleet, opensshUnavailable, startOpensshFleet } from '../../support/fleet/openssh.js';
import { runnerSuite } from './runner-suite.js';

const unavailable = opensshUnavailable();
if (unavailable) console.warn(`skipping the OpenSSH runner tests: ${unavailable}`);

describe.skipIf(unavailable)('the SSH runner against real OpenSSH servers', () => {
  let fleet: OpensshFleet;
  beforeAll(async () => {
    fleet = await startOpensshFleet({ names: ['o1', 'o2', 'o3'], seedVersion: 'grizzly' });
  });
  afterAll(async () => {
    await fleet?.close();
  });
  runnerSuite({
    fleet: () => fleet,
    dropConnections: (node) => fleet.dropConnections(node),
    muteConnections: (node) => fleet.muteConnections(node),
  });
});
