// Save and restore of a node's network state (sysctls, links, routes, iptables) around a scenario on an attached lab.

/** Where a node keeps its baseline while a session runs (tmpfs: a reboot forgets it, as it forgets the faults). */
export function baselineDir(node: string): string {
  return `/run/tracelab-baseline/${node}`;
}

/** The sysctls scenarios change: forwarding, reverse-path filter, ICMP rate limits, bridge netfilter. */
const SYSCTL_PATTERN = String.raw`^net\.(ipv4\.(ip_forward|icmp_[a-z_]+|conf\.[^.]+\.(rp_filter|forwarding|accept_local|log_martians))|bridge\.bridge-nf-call-[a-z0-9]+) = `;

/** Saves the state into $1, replacing a baseline a crashed session may have left (the backend snapshots once per node). */
const SNAPSHOT = `set -e
dir=$1
rm -rf "$dir"
mkdir -p "$dir"
sysctl -a 2>/dev/null | grep -E '${SYSCTL_PATTERN}' > "$dir/sysctl" || true
ip -o link show | sed -n 's/^[0-9]*: \\([^:@]*\\)[^:]*: <\\([^>]*\\)> mtu \\([0-9]*\\).*/\\1 \\2 \\3/p' > "$dir/links"
ip route show table main > "$dir/routes"
iptables-save > "$dir/iptables"
`;

/** Puts back what $1 holds (links first: a link set down loses its routes), reports what it changed, removes $1. */
const RESTORE = `dir=$1
[ -d "$dir" ] || exit 0
changed=0
while read -r key _ value; do
  [ "$(sysctl -n "$key" 2>/dev/null)" = "$value" ] && continue
  sysctl -qw "$key=$value" 2>/dev/null && { echo "sysctl $key=$value"; changed=$((changed + 1)); }
done < "$dir/sysctl"
while read -r name flags mtu; do
  now=$(ip -o link show dev "$name" 2>/dev/null) || continue
  case "$now" in *" mtu $mtu "*) ;; *) ip link set dev "$name" mtu "$mtu" && echo "link $name mtu $mtu" && changed=$((changed + 1)) ;; esac
  case ",$flags," in *,UP,*) want=up ;; *) want=down ;; esac
  case "$now" in *"<"*UP*">"*) have=up ;; *) have=down ;; esac
  [ "$want" = "$have" ] || { ip link set dev "$name" "$want" && echo "link $name $want" && changed=$((changed + 1)); }
done < "$dir/links"
ip route show table main | sed 's/ linkdown//' > "$dir/routes.now"
sed 's/ linkdown//' "$dir/routes" > "$dir/routes.then"
grep -vxF -f "$dir/routes.then" "$dir/routes.now" | while read -r route; do
  ip route del $route 2>/dev/null && echo "route del $route"
done
grep -vxF -f "$dir/routes.now" "$dir/routes.then" | while read -r route; do
  ip route add $route 2>/dev/null && echo "route add $route"
done
iptables-save | grep -v '^#' | sed 's/\\[[0-9]*:[0-9]*\\]$//' > "$dir/iptables.now"
grep -v '^#' "$dir/iptables" | sed 's/\\[[0-9]*:[0-9]*\\]$//' > "$dir/iptables.then"
if ! cmp -s "$dir/iptables.now" "$dir/iptables.then"; then
  iptables-restore < "$dir/iptables" && echo "iptables restored"
fi
rm -rf "$dir"
`;

/** The argv that takes a node's baseline; run it as root, once per node and session. */
export function snapshotArgv(node: string): string[] {
  return ['sh', '-c', SNAPSHOT, 'tracelab-snapshot', baselineDir(node)];
}

/** The argv that restores a node from its baseline, printing one line per thing it put back; run it as root. */
export function restoreArgv(node: string): string[] {
  return ['sh', '-c', RESTORE, 'tracelab-restore', baselineDir(node)];
}
