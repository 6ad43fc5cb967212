// PLACEHOLDER (being written): `tracelab verify [FILES|DIRS...]` — the simulator against a real backend, per scenario.
import type { Argv, CommandModule } from 'yargs';
import { UsageError } from '../../lab/backend.js';

export const verifyCommand: CommandModule = {
  command: 'verify [targets..]',
  describe: 'Run scenarios on the simulator and on a real backend and compare the outputs (millisecond figures masked)',
  builder: (y: Argv) => y.positional('targets', { type: 'string', array: true }),
  handler: () => {
    throw new UsageError('verify is not built yet');
  },
};
