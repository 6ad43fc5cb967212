// kubectl exec [-it] POD [-c C] -- COMMAND...: runs the command once in the pod's sandbox (the training shell's own
// `kubectl exec ... -- sh` moves into the pod instead: lab/train/places.ts).
import { EXEC_WRONG_KUBELET } from '../../../topology/kube-nodes.js';
import type { CommandResult } from '../../../topology/trace.js';
import { fail } from '../output.js';
import { quoteWord } from '../../words.js';
import { kubeletUnreachable, targetPod } from './logs.js';
import { registerKubectlVerb, type KubectlCall } from './registry.js';


function exec(call: KubectlCall): CommandResult {
  const word = call.args.words[0];
  if (word === undefined) return fail('error: pod, type/name or --filename must be specified', 1);
  const command = call.args.command ?? call.args.words.slice(1);
  if (command.length === 0) return fail('error: you must specify at least one command for the container', 1);
  const target = targetPod(call, word);
  if ('error' in target) return fail(target.error, 1);
  if (kubeletUnreachable(call, target.pod)) return fail(EXEC_WRONG_KUBELET, 1);
  return call.ctx.sim.run(target.pod.device, command.map(quoteWord).join(' '));
}

registerKubectlVerb('exec', exec);
