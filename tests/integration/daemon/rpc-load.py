#!/usr/bin/env python3
"""Load clients for rpc-limits.sh: hold many connections to nidod, idle or
with half-sent requests, and watch the daemon meanwhile.

  rpc-load.py hold SOCK PID NIDO N_IDLE N_HALF WAIT
      opens N_IDLE idle and N_HALF half-sent connections, times `NIDO list`
      from another client, then waits WAIT s and reports what the held
      connections were told.
  rpc-load.py flood SOCK PID N LOG
      opens N connections (more than the daemon's fd limit), measures the
      daemon's CPU time and log growth for 3 s at the limit, then reports
      what the refused clients were told.

Prints `key value` lines for the shell test to check.
"""
import json
import os
import socket
import subprocess
import sys
import time


def cpu_seconds(pid):
    with open('/proc/%s/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def connect(path):
    """A connection, or None when the backlog stays full for 0.5 s."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setblocking(False)
    deadline = time.monotonic() + 0.5
    while True:
        try:
            s.connect(path)
            return s
        except BlockingIOError:  # the backlog is full: not connected
            if time.monotonic() > deadline:
                break
            time.sleep(0.002)
        except OSError:
            break
    s.close()
    return None


def told(socks, wait):
    """What each connection received before its close, within @wait s."""
    msgs = {}
    deadline = time.monotonic() + wait
    for s in socks:
        s.setblocking(True)
        s.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data = s.recv(4096)
        except (socket.timeout, OSError):
            data = None
        if data:
            try:
                msg = json.loads(data.split(b'\n')[0])['error']['message']
            except (ValueError, KeyError, TypeError):
                msg = 'bad line: %r' % data[:80]
        else:
            msg = 'nothing' if data is None else 'closed'
        key = msg.split(':')[0] + ':' + msg.split(':')[1][:30] \
            if ':' in msg else msg
        msgs[key] = msgs.get(key, 0) + 1
    return msgs


def hold(path, pid, nido, n_idle, n_half, wait):
    idle = [s for s in (connect(path) for _ in range(n_idle)) if s]
    half = []
    for _ in range(n_half):
        s = connect(path)
        if s:
            try:
                s.send(b'{"jsonrpc":"2.0","id":1,"method":"domain.li')
            except OSError:
                pass
            half.append(s)
    time.sleep(0.5)
    fds = len(os.listdir('/proc/%s/fd' % pid))
    print('connected', len(idle) + len(half))
    print('daemon_fds', fds)
    t0 = time.monotonic()
    r = subprocess.run([nido, 'list', '--all'], capture_output=True,
                       timeout=60)
    print('list_seconds %.3f' % (time.monotonic() - t0))
    print('list_status', r.returncode)
    for k, v in sorted(told(half, wait).items()):
        print('half_told %d %s' % (v, k))
    for k, v in sorted(told(idle, 0.5).items()):
        print('idle_told %d %s' % (v, k))


def flood(path, pid, n, log):
    log_before = os.path.getsize(log)
    socks = [s for s in (connect(path) for _ in range(n)) if s]
    print('connected', len(socks))
    time.sleep(1)  # the daemon reaches its limit
    cpu0, log0 = cpu_seconds(pid), os.path.getsize(log)
    time.sleep(3)
    cpu1, log1 = cpu_seconds(pid), os.path.getsize(log)
    print('cpu_seconds_in_3s %.2f' % (cpu1 - cpu0))
    print('log_bytes_in_3s', log1 - log0)
    print('log_bytes_total', log1 - log_before)
    for k, v in sorted(told(socks, 15).items()):
        print('told %d %s' % (v, k))


def main():
    if sys.argv[1] == 'hold':
        hold(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]),
             int(sys.argv[6]), float(sys.argv[7]))
    else:
        flood(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])


main()
