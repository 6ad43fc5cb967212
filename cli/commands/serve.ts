// `tracelab serve [--class FILE] [--port P] [--host H]`: the web trainer (lab/web): trainee pages and the dashboard.
import type { Argv, CommandModule } from 'yargs';
import { COMMAND_LINES } from './lines.js';
import { libraryClass, loadClassFile } from '../../lab/web/class-file.js';
import { startClassServer } from '../../lab/web/server.js';
import { write, writeErr } from '../common.js';
import { backendFactory, backendOptionsFrom, demand, withBackendOptions, type BackendArgs } from '../options.js';

interface ServeArgs extends BackendArgs {
  readonly class?: string;
  readonly port: number;
  readonly host: string;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Namespace prefix of the class's lab on the netns backend (unless --prefix says otherwise). */
export const SERVE_PREFIX = 'tlweb';

export const serveCommand: CommandModule<object, ServeArgs> = {
  ...COMMAND_LINES.serve,
  builder: (y: Argv<object>) =>
    withBackendOptions(y, {
      default: 'sim', choices: ['sim', 'netns'], defaultPrefix: SERVE_PREFIX,
      describe: 'sim: a lab per trainee in this process; netns: the namespace lab as root, for one trainer-run session',
    })
      .option('class', { type: 'string', describe: 'the class file (YAML; see docs/example-class.yaml); default: every trainable library scenario' })
      .option('port', { type: 'number', default: 8080, describe: 'TCP port (0: any free one)' })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to listen on; anything but loopback exposes the class to the network (see README)' })
      .check((a) => demand(Number.isInteger(a.port) && a.port >= 0 && a.port <= 65535, `--port must be a whole number from 0 to 65535, not ${String(a.port)}`))
      .example('$0 serve --class docs/example-class.yaml', 'serve a class on http://127.0.0.1:8080') as unknown as Argv<ServeArgs>,
  handler: async (args: ServeArgs) => {
    const cls = args.class ? loadClassFile(args.class) : libraryClass();
    if (!LOOPBACK.has(args.host)) writeErr(`tracelab: warning: listening on ${args.host}: anyone who can reach it can start sessions; the dashboard's token travels unencrypted (no TLS)\n`);
    const real = args.backend === 'netns';
    const make = await backendFactory(args.backend);
    const backendOpts = backendOptionsFrom({ ...args, prefix: args.prefix ?? (real ? SERVE_PREFIX : undefined) });
    if (real) writeErr('tracelab: the namespace lab is one lab on this machine: this class takes a single trainee\n');
    const server = await startClassServer(cls, { host: args.host, port: args.port, backend: { make: () => make(backendOpts), real } });
    const dashboard = `${server.url}/dashboard?token=${encodeURIComponent(cls.trainerToken)}`;
    write(`Class "${cls.name}": ${cls.steps.length} scenario${cls.steps.length === 1 ? '' : 's'}\n`);
    write(`Trainees: ${server.url}/\nDashboard: ${cls.tokenGenerated ? dashboard : `${server.url}/dashboard?token=(the class file's trainerToken)`}\n`);
    write(`Transcripts: ${server.transcriptDir}\nCtrl-C ends every session (each transcript gets its summary) and stops the server.\n`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void server.close().then(resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
  },
};
