// What the DNS clients share besides BIND's core: the version BIND's tools print per place, and dig's wall-clock text.
import type { ToolContext } from '../tool-context.js';

/**
 * The BIND version `dig` prints in its banner: Debian 12's bind9-dnsutils on nodes and Debian-based images (the
 * version FACTS-L4 §5 captured); Alpine's bind-tools where the place links musl (netshoot: Alpine edge,
 * [ASSUMED] 9.20.15). Comparisons mask it (sim/tools/mask.ts), since the namespace lab runs the host's dig.
 */
export function bindVersion(ctx: ToolContext): string {
  return ctx.dns.resolver() === 'musl' ? '9.20.15' : '9.18.49-1~deb12u3-Debian';
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number): string => String(n).padStart(2, '0');

/** `%a %b %d %H:%M:%S %Z %Y` in UTC (pods and the lab's VMs run in UTC): `Fri Dec 04 20:14:53 UTC 2026`. */
export function clockText(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}
