// PLACEHOLDER (being written): `tracelab train SCENARIO` — a trainee shell on a broken lab.
import type { Argv, CommandModule } from 'yargs';
import { UsageError } from '../../lab/backend.js';

export const trainCommand: CommandModule = {
  command: 'train <scenario>',
  describe: 'Break a lab and open a trainee shell on it; `check` tells whether it is fixed',
  builder: (y: Argv) => y.positional('scenario', { type: 'string' }),
  handler: () => {
    throw new UsageError('train is not built yet');
  },
};
