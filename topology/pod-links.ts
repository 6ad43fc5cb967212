// The model's per-pod objects (a pod's address, its connected route, its eth0 and the veth peer on the node) as small
// classes: 150,000 pods make them most of a large lab's memory. Each reads like the object literal it replaces, property
// by property; what all pods share (kind, MTU, route type...) is a getter of the class, the MACs are derived (hashed)
// when read and the veth peers made on first read, so only what differs is stored. Nothing enumerates a model
// interface's or route's keys (describe.ts and the backends read them by name, nothing spreads them).
import type { Cidr, IfAddr } from './address.js';
import { macFor, vethNameFor } from './device-names.js';
import { LAB_DEFAULTS } from './labfile.js';
import type { Interface, Route } from './model.js';

/** The MTU the model gives every interface it builds (topology/build-devices.ts). */
const POD_MTU = LAB_DEFAULTS.mtu;

// Why classes, and why `>>> 0`: V8 gives all object literals with the same keys one shape, and a shape stores a number
// field unboxed only while every value ever written to it is a small integer (a Smi, below 2^31). Node and external
// addresses (172.16/12, 192.168/16, 203.0.113/24) are not, so every `{ ip, len }` boxes its address in a 16-byte heap
// number. A class has a shape of its own; and an address computed in floating point (`subnet.addr + 2`) arrives as a
// heap number even when it is small, which `>>> 0` turns back into a Smi. The fields stay unboxed while the cluster
// network is below 128.0.0.0.

/** A pod's address on its eth0. */
export class PodAddr implements IfAddr {
  declare readonly ip: number;
  declare readonly len: number;
  constructor(ip: number, len: number) {
    this.ip = ip >>> 0;
    this.len = len;
  }
}

/** A pod's connected route (the kernel's, for its eth0 address): `dst dev eth0 proto kernel scope link src IP`. */
export class PodConnectedRoute implements Route {
  declare readonly dst: Cidr;
  declare readonly src: number;
  constructor(dst: Cidr, src: number) {
    this.dst = dst;
    this.src = src >>> 0;
  }

  get type(): 'unicast' { return 'unicast'; }
  get dev(): string { return 'eth0'; }
  get proto(): 'kernel' { return 'kernel'; }
  get scope(): 'link' { return 'link'; }
}

type Peer = NonNullable<Interface['peer']>;

// What every pod's interfaces and connected route have in common is read from the class (a getter), not stored per
// object; what differs is stored. A veth peer is made on first read and kept (its identity then never changes).

/** A pod's eth0: the pod end of its veth pair, on its node's cni0 segment. */
export class PodEth0 implements Interface {
  declare readonly name: 'eth0';
  declare readonly addrs: readonly IfAddr[];
  declare readonly segment: string;
  readonly #pod: string;
  readonly #node: string;
  #peer: Peer | undefined;
  constructor(pod: string, addr: IfAddr, segment: string, node: string) {
    this.name = 'eth0';
    this.addrs = [addr];
    this.segment = segment;
    this.#pod = pod;
    this.#node = node;
  }

  get kind(): 'veth' { return 'veth'; }
  get mtu(): number { return POD_MTU; }
  get mac(): string { return macFor(this.#pod, 'eth0'); }
  get peer(): Peer { return (this.#peer ??= { device: this.#node, iface: vethNameFor(this.#pod) }); }
}

const NO_ADDRS: readonly IfAddr[] = Object.freeze([]);

/** The node's end of a pod's veth pair: a cni0 port in hairpin mode, without addresses. */
export class HostVeth implements Interface {
  /** Stored, not derived: every device state of the node keys its interfaces by name as it is made. */
  declare readonly name: string;
  readonly #node: string;
  readonly #pod: string;
  #peer: Peer | undefined;
  constructor(node: string, pod: string) {
    this.name = vethNameFor(pod);
    this.#node = node;
    this.#pod = pod;
  }

  /** Not on a segment of its own (the bridge's ports are reached through cni0): read as absent, answered here. */
  get segment(): undefined { return undefined; }
  get kind(): 'veth' { return 'veth'; }
  get addrs(): readonly IfAddr[] { return NO_ADDRS; }
  get mtu(): number { return POD_MTU; }
  get master(): 'cni0' { return 'cni0'; }
  get hairpin(): true { return true; }
  get mac(): string { return macFor(this.#node, this.#pod); }
  get peer(): Peer { return (this.#peer ??= { device: this.#pod, iface: 'eth0' }); }
}
