// kubectl describe TYPE [NAME|PREFIX] and TYPE/NAME: each object's describer, objects separated by a blank line
// pair as DescribeOptions.Run does; a name that matches nothing exactly describes the objects it prefixes.
import type { CommandResult } from '../../../topology/trace.js';
import { fail, unsupported } from '../output.js';
import { parseRequest, selectItems } from './get.js';
import { registerKubectlVerb, type KubectlCall, type KubeItem } from './registry.js';

function describe(call: KubectlCall): CommandResult {
  if (call.args.words.length === 0) return fail('error: You must specify the type of resource to describe. Use "kubectl api-resources" for a complete list of supported resources.', 1);
  const parsed = parseRequest(call.args.words);
  if (!parsed.ok) return fail(parsed.message, 1);
  const texts: string[] = [];
  const errors: string[] = [];
  for (const r of parsed.request.resources) {
    if (!r.describe) return unsupported(`kubectl describe ${r.plural}`);
    const names = parsed.request.names.get(r)!;
    const all = selectItems(r, [], call);
    if ('message' in all) return fail(all.message, 1);
    const chosen: KubeItem[] = [];
    for (const n of names) {
      const exact = all.items.filter((i) => i.name === n);
      const matches = exact.length > 0 ? exact : all.items.filter((i) => i.name.startsWith(n));
      if (matches.length === 0) errors.push(`Error from server (NotFound): ${r.group ? `${r.plural}.${r.group}` : r.plural} "${n}" not found`);
      chosen.push(...matches);
    }
    for (const item of names.length === 0 ? all.items : chosen) texts.push(r.describe(item, call));
  }
  const stderr = errors.map((e) => `${e}\n`).join('') + (texts.length === 0 && errors.length === 0 ? `No resources found in ${call.namespace} namespace.\n` : '');
  return { stdout: texts.join('\n\n'), stderr, exitCode: errors.length > 0 ? 1 : 0 };
}

registerKubectlVerb('describe', describe);
