// Which way the engine and SSH suites send a unit's phases: ssh.batchPhases as the config's
// default unless DROVER_TEST_BATCH_PHASES=true|false says otherwise, so the same suites run
// both ways over real SSH (`npm run test:unbatched`).
import { sshSchema } from '../../src/config/schema-ssh.js';

export function testBatchPhases(): boolean {
  const value = process.env.DROVER_TEST_BATCH_PHASES;
  if (value === 'true' || value === 'false') return value === 'true';
  return sshSchema.shape.batchPhases.parse(undefined);
}
