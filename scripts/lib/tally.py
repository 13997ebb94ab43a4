#!/usr/bin/env python3
# Reads meson's testlog.json files and counts results. A test program that
# speaks TAP counts once per "ok"/"not ok" line; any other test counts
# once. Prints failures with their output, skips with their reason, and
# writes the counts as "passed failed skipped" to the file named last.
import json
import re
import sys

TAP = re.compile(r'^(not ok|ok)\b[^#]*(#\s*(SKIP|skip|TODO)\S*\s*(.*))?$')

passed = failed = skipped = 0
for path in sys.argv[1:-1]:
    label = path.split('/')[-3]  # build dir name
    try:
        lines = open(path).readlines()
    except FileNotFoundError:
        print(f'{label}: no test log ({path})')
        failed += 1
        continue
    for line in lines:
        t = json.loads(line)
        name = f"{label}:{t['name']}"
        out = t.get('stdout') or ''
        tap = [TAP.match(l) for l in out.splitlines()]
        tap = [m for m in tap if m]
        result = t['result']
        if t.get('duration', 0) >= 10:
            print(f"time: {name}: {t['duration']:.0f} s ({result})")
        if tap:
            bad = [m.group(0) for m in tap if m.group(1) == 'not ok']
            for m in tap:
                if m.group(1) == 'not ok':
                    failed += 1
                elif m.group(3) and m.group(3).upper() == 'SKIP':
                    skipped += 1
                    print(f'skip: {name}: {m.group(0)}')
                else:
                    passed += 1
            # A crash after the last TAP line, or a missing plan.
            if result not in ('OK', 'SKIP', 'EXPECTEDFAIL') and not bad:
                failed += 1
                bad = [f'exited with {t.get("returncode")} ({result})']
            if bad:
                print(f'FAIL: {name}')
                print('\n'.join('    ' + l for l in out.splitlines()[-60:]))
        elif result == 'OK':
            passed += 1
        elif result == 'SKIP':
            skipped += 1
            print(f'skip: {name}: {out.strip().splitlines()[-1] if out.strip() else "no reason given"}')
        else:
            failed += 1
            print(f'FAIL: {name} ({result}, exit {t.get("returncode")})')
            print('\n'.join('    ' + l for l in out.splitlines()[-60:]))

with open(sys.argv[-1], 'w') as f:
    f.write(f'{passed} {failed} {skipped}\n')
