#!/usr/bin/env bash
# bench/net: how long nidod takes to start a NAT network with DHCP, part
# by part, against doing the same by hand (ip, nft -f, dnsmasq), in the
# same run, in turn; then 100 networks started and destroyed, after which
# nothing may be left (no bridge, table, dnsmasq or run-time file) and
# nidod's fds and memory must not have grown. Output is TAP, so the same
# script runs as a test (net-load).
#
#   bench/net/run.sh [BUILD_DIR]     (default: $NIDO_BUILD_DIR or build)
#
# Environment: BENCH_ROUNDS (net-starts timed per contender, 30),
# BENCH_NETWORKS (100), BENCH_TMPFS (1: the run-time directory on a tmpfs,
# as /run is on a host; 0: on the scratch directory's file system).
#
# The peer is "by hand": libvirt's `virsh net-start` needs libvirtd,
# which Debian packages for a system with an init that starts it; on the
# machines this was written on there is none (see bench/README.md). The
# hand peer runs what nidod's network is made of, with nidod's own
# table and dnsmasq configuration: one `ip -batch` (bridge, MAC,
# address, up), one `nft -f`, the forwarding sysctl, and dnsmasq, which
# returns once it serves (it daemonizes after binding its sockets).
set -u
if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null ||
	! command -v dnsmasq >/dev/null || ! command -v nft >/dev/null; then
	echo "1..0 # SKIP needs root, unshare, dnsmasq and nft"
	exit 0
fi
build=$(readlink -f "${1:-${NIDO_BUILD_DIR:-build}}")
if [ -z "${NIDO_BENCH_NETNS:-}" ]; then
	export NIDO_BENCH_NETNS=1
	exec unshare --net --mount -- bash "$0" "$build"
fi
ip link set lo up
tmp=$(mktemp -d /tmp/nido-bench-net.XXXXXX)
chmod 755 "$tmp" # dnsmasq drops root and must reach its files
mkdir -p "$tmp/run"
if [ "${BENCH_TMPFS:-1}" = 1 ]; then
	mount -t tmpfs -o mode=755 nido-bench "$tmp/run" || exit 1
fi
export NIDO_STATE_DIR=$tmp/state NIDO_RUNTIME_DIR=$tmp/run
"$build/src/daemon/nidod" --session --log-level debug >"$tmp/nidod.log" 2>&1 &
pid=$!
cleanup() {
	kill "$pid" 2>/dev/null
	for p in $(pgrep -f -- "--conf-file=$tmp/"); do kill "$p"; done
	[ "${BENCH_TMPFS:-1}" = 1 ] && umount "$tmp/run" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
for _ in $(seq 300); do
	[ -S "$tmp/run/nidod.sock" ] && break
	sleep 0.1
done

TMP=$tmp PID=$pid NIDO=$build/src/cli/nido python3 - <<'PY'
import json, os, random, re, socket, statistics, struct, subprocess, time

tmp = os.environ['TMP']
pid = os.environ['PID']
run = tmp + '/run'
rounds = int(os.environ.get('BENCH_ROUNDS', 30))
n_nets = int(os.environ.get('BENCH_NETWORKS', 100))
asan = 'ASAN_OPTIONS' in os.environ
nido = [os.environ['NIDO'], '-c', 'nido:///session?socket=%s/nidod.sock' % run]
tap = 0
failed = 0

def ok(cond, desc, diag=''):
    global tap, failed
    tap += 1
    if not cond:
        failed += 1
    print(('ok' if cond else 'not ok') + ' %d - %s' % (tap, desc))
    if diag and not cond:
        for l in str(diag).splitlines():
            print('# ' + l)

class Client:
    def __init__(self):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.connect(run + '/nidod.sock')
        self.f = self.s.makefile('rb')
        self.id = 0
    def call(self, method, **params):
        self.id += 1
        req = {'jsonrpc': '2.0', 'id': self.id, 'method': method,
               'params': params}
        self.s.sendall((json.dumps(req) + '\n').encode())
        return json.loads(self.f.readline())

def sh(*cmd, stdin=None):
    return subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)

def net_xml(name, bridge, net):
    """A NAT network with DHCP on @net.0/24 ("10.90.0")."""
    return ("<network><name>%s</name><forward mode='nat'/>"
            "<bridge name='%s' stp='off' delay='0'/>"
            "<dns><host ip='%s.99'><hostname>probe</hostname></host></dns>"
            "<ip address='%s.1' prefix='24'><dhcp>"
            "<range start='%s.10' end='%s.200'/></dhcp></ip></network>"
            % (name, bridge, net, net, net, net))

def dns_ready(addr, deadline=5.0):
    """Seconds until dnsmasq at @addr answers a query for 'probe'."""
    q = struct.pack('>HHHHHH', 0x4e49, 0x0100, 1, 0, 0, 0) + \
        b'\x05probe\x00' + struct.pack('>HH', 1, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.002)
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < deadline:
        try:
            s.sendto(q, (addr, 53))
            r = s.recv(512)
            if r[:2] == q[:2]:
                s.close()
                return True
        except OSError:
            pass
    s.close()
    return False

def med(v):
    return statistics.median(v) * 1000 if v else float('nan')

def fds():
    return len(os.listdir('/proc/%s/fd' % pid))

def rss_kib():
    for l in open('/proc/%s/status' % pid):
        if l.startswith('VmRSS:'):
            return int(l.split()[1])

def ours_left(bridges):
    """What is left of nido's networks on the host: a list of strings."""
    left = []
    links = sh('ip', '-o', 'link', 'show').stdout
    left += ['link ' + b for b in bridges if re.search(r': %s[:@]' % b, links)]
    left += [l for l in sh('nft', 'list', 'tables').stdout.splitlines()
             if 'nido-' in l]
    left += ['dnsmasq ' + l for l in
             sh('pgrep', '-a', '-f', '--', '--conf-file=%s/' % tmp)
             .stdout.splitlines()]
    for d in ('networks', 'dnsmasq'):
        p = '%s/%s' % (run, d)
        if os.path.isdir(p):
            left += ['%s/%s' % (d, f) for f in os.listdir(p)
                     if not f.endswith('.xml')]
    return left

c = Client()

# ---- one NAT network with DHCP: nidod against the same by hand ---------
r = c.call('network.define', xml=net_xml('bench', 'nbench0', '10.90.0'))
ok('result' in r, 'define the NAT network with DHCP', r.get('error', ''))

def parts_of(log, name):
    out = []
    for l in log.splitlines():
        m = re.search(r"network '%s' start took ([0-9.]+) ms:(.*)" % name, l)
        if m:
            out.append(dict([('total', float(m.group(1)))] +
                            [(k, float(v)) for k, v in
                             re.findall(r'(\S+)=([0-9.]+)', m.group(2))]))
    return out

# Warm up, and take nidod's table and dnsmasq files for the hand peer.
hand = tmp + '/hand'
os.makedirs(hand, exist_ok=True)
os.chmod(hand, 0o755)
fails = []
for i in range(3):
    r = c.call('network.start', network='bench')
    if 'error' in r:
        fails.append(r)
    if i == 0:
        table = sh('nft', 'list', 'table', 'inet', 'nido-nbench0').stdout
        mac = re.search(r'link/ether (\S+)',
                        sh('ip', 'link', 'show', 'nbench0').stdout).group(1)
        conf = open(run + '/dnsmasq/bench/dnsmasq.conf').read()
        for f in ('dns-hosts', 'dhcp-hosts'):
            open('%s/%s' % (hand, f), 'w').write(
                open('%s/dnsmasq/bench/%s' % (run, f)).read())
        conf = conf.replace(run + '/dnsmasq/bench', hand)
        conf = conf.replace('keep-in-foreground\n', '')
        conf += 'pid-file=%s/pid\n' % hand
        open(hand + '/dnsmasq.conf', 'w').write(conf)
        open(hand + '/table.nft', 'w').write(table)
    dns_ready('10.90.0.1')
    c.call('network.destroy', network='bench')
ok(not fails and 'table inet nido-nbench0' in table,
   'nidod starts it (warm-up); its table and dnsmasq files copied for the '
   'hand peer', repr(fails))

ip_script = ('link add name nbench0 address %s type bridge stp_state 0 '
             'forward_delay 0\naddr add 10.90.0.1/24 dev nbench0\n'
             'link set nbench0 up\n' % mac)

def by_hand():
    """One start by hand; its parts' seconds, and the teardown."""
    t = [time.perf_counter()]
    r1 = sh('ip', '-batch', '-', stdin=ip_script)
    t.append(time.perf_counter())
    r2 = sh('nft', '-f', hand + '/table.nft')
    t.append(time.perf_counter())
    with open('/proc/sys/net/ipv4/ip_forward', 'w') as f:
        f.write('1\n')
    t.append(time.perf_counter())
    r3 = sh('dnsmasq', '--conf-file=%s/dnsmasq.conf' % hand)
    t.append(time.perf_counter())
    ready = dns_ready('10.90.0.1')
    t.append(time.perf_counter())
    bad = [r.stdout for r in (r1, r2, r3) if r.returncode != 0]
    if not ready:
        bad.append('dnsmasq did not answer')
    # teardown
    try:
        dpid = int(open(hand + '/pid').read())
        os.kill(dpid, 15)
        while os.path.exists('/proc/%d' % dpid):
            time.sleep(0.001)
    except (OSError, ValueError) as e:
        bad.append('dnsmasq pid: %r' % e)
    sh('nft', 'delete', 'table', 'inet', 'nido-nbench0')
    sh('ip', 'link', 'del', 'nbench0')
    return t, bad

api_start, api_ready, api_stop, cli_start = [], [], [], []
hand_parts = {'bridge': [], 'rules': [], 'forwarding': [], 'dnsmasq': [],
              'total': [], 'ready': []}
bad = []
for i in range(rounds):
    # nidod through the API
    t0 = time.perf_counter()
    r = c.call('network.start', network='bench')
    t1 = time.perf_counter()
    ready = dns_ready('10.90.0.1')
    t2 = time.perf_counter()
    if 'error' in r or not ready:
        bad.append(('api', r, ready))
    t3 = time.perf_counter()
    r = c.call('network.destroy', network='bench')
    api_stop.append(time.perf_counter() - t3)
    api_start.append(t1 - t0)
    api_ready.append(t2 - t0)
    # by hand
    t, b = by_hand()
    bad += b
    for k, part in enumerate(('bridge', 'rules', 'forwarding', 'dnsmasq')):
        hand_parts[part].append(t[k + 1] - t[k])
    hand_parts['total'].append(t[4] - t[0])
    hand_parts['ready'].append(t[5] - t[0])
    # nidod through the CLI: a process, a connection, the request
    t0 = time.perf_counter()
    r = sh(*nido, 'net-start', 'bench')
    cli_start.append(time.perf_counter() - t0)
    if r.returncode != 0 or not dns_ready('10.90.0.1'):
        bad.append(('cli', r.stdout))
    c.call('network.destroy', network='bench')
ok(not bad, '%d rounds of net-start / net-destroy, nidod and by hand in '
   'turn, each ready to serve DNS' % rounds, repr(bad[:3]))

log = open(tmp + '/nidod.log').read()
parts = parts_of(log, 'bench')[-2 * rounds:]
print('# NAT network with DHCP, median of %d rounds (ms):' % rounds)
print('#   nidod, API call:   net-start %.1f, until dnsmasq answers %.1f, '
      'net-destroy %.1f' % (med(api_start), med(api_ready), med(api_stop)))
print('#   nidod, `nido net-start` (CLI process included): %.1f'
      % med(cli_start))
if parts:
    keys = [k for k in parts[0] if k != 'total']
    print('#   nidod, its parts (log): ' + ', '.join(
        '%s %.2f' % (k, statistics.median(p[k] for p in parts))
        for k in keys) + '; total %.2f'
        % statistics.median(p['total'] for p in parts))
print('#   by hand: ip -batch %.1f, nft -f %.1f, forwarding sysctl %.1f, '
      'dnsmasq until it returns %.1f; total %.1f, until dnsmasq answers %.1f'
      % tuple(med(hand_parts[k]) for k in ('bridge', 'rules', 'forwarding',
                                          'dnsmasq', 'total', 'ready')))
print('#   ratio nidod / by hand, until dnsmasq answers: %.2f'
      % (med(api_ready) / med(hand_parts['ready'])))
print('#   ratio nidod / by hand, net-start returned: %.2f (API), %.2f (CLI)'
      % (med(api_start) / med(hand_parts['total']),
         med(cli_start) / med(hand_parts['total'])))
c.call('network.undefine', network='bench')

# ---- many networks started and destroyed --------------------------------
names = ['n%03d' % i for i in range(n_nets)]
bridges = ['nb%03d' % i for i in range(n_nets)]
errs = []
for i, n in enumerate(names):
    r = c.call('network.define', xml=net_xml(n, bridges[i], '10.91.%d' % i))
    if 'error' in r:
        errs.append(r)
ok(not errs, '%d networks defined' % n_nets, repr(errs[:2]))
# Warm up with one whole cycle: what nidod and its libraries allocate
# for n networks at once stays allocated (malloc keeps freed memory).
for n in names:
    c.call('network.start', network=n)
for n in names:
    c.call('network.destroy', network=n)
time.sleep(0.2)
fd0, rss0 = fds(), rss_kib()
starts, stops = [], []
for n in names:
    t0 = time.perf_counter()
    r = c.call('network.start', network=n)
    starts.append(time.perf_counter() - t0)
    if 'error' in r:
        errs.append(r)
running = len(sh('pgrep', '-f', '--', '--conf-file=%s/' % tmp).stdout.split())
links = sum(1 for b in bridges
            if sh('ip', 'link', 'show', b).returncode == 0)
ok(not errs and running == n_nets and links == n_nets,
   '%d networks running at once (%d dnsmasqs, %d bridges)'
   % (n_nets, running, links), repr(errs[:2]))
for n in names:
    t0 = time.perf_counter()
    r = c.call('network.destroy', network=n)
    stops.append(time.perf_counter() - t0)
    if 'error' in r:
        errs.append(r)
left = ours_left(bridges)
ok(not errs and not left, 'all destroyed: no bridge, table, dnsmasq or '
   'run-time file left', '\n'.join(left[:20]) + repr(errs[:2]))
k = max(1, n_nets // 10)
print('# %d networks: net-start median %.1f ms (first %d: %.1f, last %d: '
      '%.1f), net-destroy median %.1f ms' %
      (n_nets, med(starts), k, med(starts[:k]), k, med(starts[-k:]),
       med(stops)))
log = open(tmp + '/nidod.log').read()
def part_meds(ns):
    ps = [parts_of(log, n)[-1] for n in ns if parts_of(log, n)]
    return ', '.join('%s %.1f' % (key, statistics.median(p[key] for p in ps))
                     for key in ('firewall', 'bridge', 'dnsmasq', 'total')) \
        if ps else '?'
print('#   parts of the first %d: %s; of the last %d: %s' %
      (k, part_meds(names[:k]), k, part_meds(names[-k:])))
time.sleep(0.2)
fd1, rss1 = fds(), rss_kib()
ok(fd1 == fd0, 'nidod\'s fds did not grow (%d -> %d)' % (fd0, fd1))
if asan:
    tap += 1
    print('ok %d - no memory growth # SKIP ASan keeps freed memory in its '
          'quarantine (LeakSanitizer checks nidod at exit instead)' % tap)
else:
    ok(rss1 - rss0 <= 1024, 'nidod\'s memory did not grow (RSS %d KiB -> '
       '%d KiB)' % (rss0, rss1))
for n in names:
    c.call('network.undefine', network=n)
print('1..%d' % tap)
raise SystemExit(1 if failed else 0)
PY
rc=$?
kill "$pid"
wait "$pid"
drc=$?
if [ "$drc" -ne 0 ]; then
	echo "# nidod exited with status $drc:"
	grep -v ': debug: ' "$tmp/nidod.log" | tail -40 | sed 's/^/# /'
	exit 1
fi
exit $rc
