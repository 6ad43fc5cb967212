// The build-time (ajv standalone) validators of the lab and scenario schemas: generated from the schemas as they are,
// and reporting exactly what ajv compiling the same schema at run time reports.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classValidator, labValidator, scenarioValidator } from '../topology/schema/validators.js';
import { compileSchema } from '../topology/yaml-source.js';

const ROOT = join(import.meta.dirname, '..');
const schema = (file: string) => JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as object;

describe('the generated validators', () => {
  it('are up to date with topology/schema/lab.schema.json and scenarios/scenario.schema.json (else: npm run build)', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'topology', 'schema', 'generate-validators.mjs'), '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  const labs: unknown[] = [
    { name: 'lab', nodes: [{ name: 'node-1', ip: '192.168.56.10' }] },
    { name: 'Lab_1', nodes: [] },
    { name: 'lab', nodes: [{ name: 'node-1', ip: '192.168.56.300', pods: [{ name: 'p', ip: 'x', listen: ['tcp/80', 'tcp/80'] }] }], extra: 1 },
    { name: 'lab', cluster: { network: '10.244.0.0', flannel: { backend: 'vxlan', iface: 3 } }, nodes: [{ ip: '1.2.3.4' }] },
    { name: 'lab', nodes: [{ name: 'n', ip: '1.2.3.4' }], services: [{ name: 's', ip: '10.96.0.1', ports: [{ protocol: 'sctp', port: 0 }] }], vm: { cpus: 99, kubernetesVersion: '2.0' } },
    'not an object',
  ];
  const scenarios: unknown[] = [
    { name: 'x' },
    { name: 'x', title: 't', lab: 'three-node', brief: 'b', break: [{ at: 'node-1', run: 'true' }, { wait: 5 }], probes: [{ at: 'node-1', run: 'ip route', expect: 3 }], bogus: true },
    [],
  ];

  const classes: unknown[] = [
    { name: 'c', scenarios: [{ scenario: 'forwarding-off-node-1', timeLimit: '20m' }] },
    { name: '', scenarios: [{ scenario: 'x', timeLimit: '20 minutes', colour: 1 }], trainerToken: 'short', maxTrainees: 0 },
  ];

  it('report what ajv compiling the schema at run time reports', () => {
    for (const [validate, file, docs] of [
      [labValidator(), 'topology/schema/lab.schema.json', labs],
      [scenarioValidator(), 'scenarios/scenario.schema.json', scenarios],
      [classValidator(), 'topology/schema/class.schema.json', classes],
    ] as const) {
      const atRunTime = compileSchema(schema(file));
      for (const doc of docs) {
        expect(validate(doc)).toBe(atRunTime(doc));
        expect(validate.errors ?? null).toEqual(atRunTime.errors ?? null);
      }
    }
  });
});
