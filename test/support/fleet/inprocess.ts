// The in-process fleet of the tests is the simulated fleet `drover demo` runs on.
export {
  type Behaviour,
  type SimFleet as InProcessFleet,
  type SimFleetOptions as InProcessFleetOptions,
  startSimFleet as startInProcessFleet,
} from '../../../src/demo/fleet.js';
