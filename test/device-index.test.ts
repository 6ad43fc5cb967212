// The model's device lookup (topology/device-index.ts): every device by its id, nothing for other names.
import { describe, expect, it } from 'vitest';
import { compileLabObject, loadLab } from '../topology/compile.js';
import { generateHostGwLab } from '../topology/generate.js';

describe('LabModel.device', () => {
  it('finds every device of a large lab by its id, and no other name', () => {
    const lab = compileLabObject('g', generateHostGwLab(300, 20));
    expect(lab.devices.length).toBe(300 * 21 + 301);
    for (const d of lab.devices) expect(lab.device(d.id)).toBe(d);
    for (const id of ['', 'p300-0', 'p0-20', 'node-300', 'node-300-nat', 'host-only', 'wan', 'P0-0']) expect(lab.device(id)).toBeUndefined();
  });
  it('finds the three-node lab\'s devices', () => {
    const lab = loadLab('three-node');
    expect(lab.device('node-1')?.kind).toBe('node');
    expect(lab.device('host')?.kind).toBe('host');
    expect(lab.device('nowhere')).toBeUndefined();
  });
});
