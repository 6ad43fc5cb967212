// decideUp, the vagrant backend's `up` decision, as a table: no vagrant needed.
import { describe, expect, it } from 'vitest';
import { decideUp, type RenderedChange, type UpDecision } from '../lab/vagrant/decide-up.js';
import { GROUP_VARS_FILE, INVENTORY_FILE as INVENTORY, VAGRANT_JSON_FILE } from '../lab/render-vagrant.js';

const MACHINES = ['controlplane', 'node-1', 'node-2'];
const states = (...s: string[]) => MACHINES.map((name, i) => ({ name, state: s[i] ?? 'not_created' }));
const same = (path: string): RenderedChange => ({ path, before: 'x', after: 'x' });
const changed = (path: string): RenderedChange => ({ path, before: 'x', after: 'y' });
const fresh = (path: string): RenderedChange => ({ path, after: 'y' });


const CASES: readonly (readonly [string, Parameters<typeof decideUp>[0], UpDecision])[] = [
  ['nothing created, nothing rendered before: build', { machines: MACHINES, states: states(), files: [fresh(VAGRANT_JSON_FILE), fresh(GROUP_VARS_FILE)] },
    { kind: 'up', attached: false, provision: false, restoreOnDown: false }],
  ['all running, same model: attach', { machines: MACHINES, states: states('running', 'running', 'running'), files: [same(VAGRANT_JSON_FILE), same(GROUP_VARS_FILE)] },
    { kind: 'up', attached: true, provision: false, restoreOnDown: false }],
  ['all created but stopped: attach (vagrant up starts them)', { machines: MACHINES, states: states('poweroff', 'running', 'saved'), files: [same(VAGRANT_JSON_FILE)] },
    { kind: 'up', attached: true, provision: false, restoreOnDown: false }],
  ['attached, group_vars changed: provision, and put the old model back on down', { machines: MACHINES, states: states('running', 'running', 'running'), files: [same(VAGRANT_JSON_FILE), changed(GROUP_VARS_FILE)] },
    { kind: 'up', attached: true, provision: true, restoreOnDown: true }],
  ['attached, group_vars new (never rendered): provision, nothing to restore', { machines: MACHINES, states: states('running', 'running', 'running'), files: [same(VAGRANT_JSON_FILE), fresh(GROUP_VARS_FILE)] },
    { kind: 'up', attached: true, provision: true, restoreOnDown: false }],
  ['attached, machines or addresses changed: refuse', { machines: MACHINES, states: states('running', 'running', 'running'), files: [changed(VAGRANT_JSON_FILE), changed(INVENTORY), changed(GROUP_VARS_FILE)] },
    { kind: 'refuse', rebuilt: [VAGRANT_JSON_FILE, INVENTORY] }],
  ['partly created: not attached, so no refusal; this session builds (and destroys) the lab', { machines: MACHINES, states: states('running', 'not_created', 'running'), files: [changed(VAGRANT_JSON_FILE)] },
    { kind: 'up', attached: false, provision: false, restoreOnDown: false }],
  ['a machine vagrant does not list counts as not created', { machines: MACHINES, states: states('running', 'running').slice(0, 2), files: [same(VAGRANT_JSON_FILE)] },
    { kind: 'up', attached: false, provision: false, restoreOnDown: false }],
  ['no machines rendered: never attached', { machines: [], states: [], files: [] },
    { kind: 'up', attached: false, provision: false, restoreOnDown: false }],
];

describe('decideUp', () => {
  it.each(CASES)('%s', (_what, input, expected) => {
    expect(decideUp(input)).toEqual(expected);
  });
});
