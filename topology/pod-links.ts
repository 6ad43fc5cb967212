// The model's per-pod objects (a pod's address, its connected route, its eth0 and the veth peer on the node) as small
// classes: 150,000 pods make them most of a large lab's memory. Each reads exactly like the object literal it replaces
// (same own enumerable keys in the same order), except that an interface's MAC is derived when read.
import type { Cidr, IfAddr } from './address.js';
import { macFor } from './device-names.js';
import type { Interface, Route } from './model.js';

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
  declare readonly type: 'unicast';
  declare readonly dev: string;
  declare readonly proto: 'kernel';
  declare readonly scope: 'link';
  declare readonly src: number;
  constructor(dst: Cidr, src: number) {
    this.dst = dst;
    this.type = 'unicast';
    this.dev = 'eth0';
    this.proto = 'kernel';
    this.scope = 'link';
    this.src = src >>> 0;
  }
}

type Peer = NonNullable<Interface['peer']>;

/** A pod's eth0: the pod end of its veth pair, on its node's cni0 segment. */
export class PodEth0 implements Interface {
  declare readonly name: 'eth0';
  declare readonly kind: 'veth';
  declare readonly addrs: readonly IfAddr[];
  declare readonly mtu: number;
  declare readonly segment: string;
  declare readonly peer: Peer;
  readonly #pod: string;
  constructor(pod: string, addr: IfAddr, mtu: number, segment: string, peer: Peer) {
    this.name = 'eth0';
    this.kind = 'veth';
    this.addrs = [addr];
    this.mtu = mtu;
    this.segment = segment;
    this.peer = peer;
    this.#pod = pod;
  }

  get mac(): string {
    return macFor(this.#pod, 'eth0');
  }
}

const NO_ADDRS: readonly IfAddr[] = Object.freeze([]);

/** The node's end of a pod's veth pair: a cni0 port in hairpin mode, without addresses. */
export class HostVeth implements Interface {
  declare readonly name: string;
  declare readonly kind: 'veth';
  declare readonly addrs: readonly IfAddr[];
  declare readonly mtu: number;
  declare readonly master: 'cni0';
  declare readonly hairpin: true;
  declare readonly peer: Peer;
  readonly #node: string;
  constructor(node: string, name: string, mtu: number, pod: string) {
    this.name = name;
    this.kind = 'veth';
    this.addrs = NO_ADDRS;
    this.mtu = mtu;
    this.master = 'cni0';
    this.hairpin = true;
    this.peer = { device: pod, iface: 'eth0' };
    this.#node = node;
  }

  get mac(): string {
    return macFor(this.#node, this.peer.device);
  }
}
