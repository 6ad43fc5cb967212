// The kubectl command over the lab's cluster objects (topology/kube-objects.ts): one flag parser, then the verb
// registered under its name (sim/commands/kubectl/registry.ts; files register their verbs and resource types).
import type { CommandResult } from '../../topology/trace.js';
import { kubeClusterOf } from '../kube-state.js';
import type { CommandContext } from './index.js';
import { parseKubectlArgs } from './kubectl/args.js';
import { kubectlVerb } from './kubectl/registry.js';
import { fail, unsupported } from './output.js';
import './kubectl/res-pods.js';
import './kubectl/res-services.js';
import './kubectl/res-nodes.js';
import './kubectl/res-workloads.js';
import './kubectl/get.js';
import './kubectl/describe.js';
import './kubectl/logs.js';
import './kubectl/exec.js';
import './kubectl/mutate.js';
import './kubectl/events.js';
import './kubectl/res-networkpolicies.js';

export { humanDuration } from './kubectl/table.js';

export function kubectl(args: readonly string[], ctx: CommandContext): CommandResult {
  const kind = ctx.state.device.kind;
  if (kind !== 'node' && kind !== 'host') return fail('sh: kubectl: not found', 127);
  const parsed = parseKubectlArgs(args);
  if (!parsed.ok) return parsed.unmodelled ? unsupported(parsed.message) : fail(parsed.message, 1);
  const verb = parsed.args.verb;
  if (verb === undefined) return unsupported('kubectl without a command');
  const run = kubectlVerb(verb);
  if (!run) return unsupported(`kubectl ${verb}`);
  return run({ args: parsed.args, cluster: kubeClusterOf(ctx.sim), nowMs: ctx.sim.dp.nowMs, ctx, namespace: parsed.args.namespace ?? 'default' });
}
