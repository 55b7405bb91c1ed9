#!/usr/bin/env python3
"""Two putt binaries side by side on every interdiff of an indexed archive.

    benches/interdiff-cmp.py --inbox DIR --index-dir DIR BEFORE AFTER [--out DIR]

Lists every series (`putt series --all --json`, with PUTT_NOW pinned), then
runs `putt interdiff SERIES --from @i --to @i+1 --json` for each pair of
consecutive revisions with both binaries, alternating which goes first, and
compares the pairing (status and both sides of every pair) and the whole
output. Prints the differences, and each binary's end-to-end p50 / p95 / max
and the load average during the run. Outputs that differ are kept in --out.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--inbox", required=True)
ap.add_argument("--index-dir", required=True)
ap.add_argument("--now", default="1784000000", help="PUTT_NOW")
ap.add_argument("--out", default="/tmp/interdiff-cmp")
ap.add_argument("--limit", type=int, default=0, help="only the first N pairs")
ap.add_argument("before")
ap.add_argument("after")
args = ap.parse_args()
os.makedirs(args.out, exist_ok=True)
env = dict(os.environ, PUTT_NOW=args.now)
common = ["--inbox", args.inbox, "--index-dir", args.index_dir]

listing = subprocess.run([args.before] + common + ["series", "--all", "-n", "1000000", "--json"],
                         capture_output=True, text=True, env=env, check=True).stdout
series = [json.loads(line) for line in listing.splitlines() if line.strip()]
jobs = [(s["id"], i) for s in series for i in range(1, len(s["revisions"]))]
if args.limit:
    jobs = jobs[:args.limit]


def run(binary, sid, i):
    t = time.perf_counter()
    r = subprocess.run([binary] + common + ["interdiff", sid, "--from", f"@{i}", "--to", f"@{i + 1}", "--json"],
                       capture_output=True, text=True, env=env)
    return time.perf_counter() - t, r


def pairing(d):
    side = lambda s: s and (s["counter"], s["message_id"])
    return [(p["status"], side(p["old"]), side(p["new"])) for p in d["pairs"]]


times = {args.before: [], args.after: []}
loads = [os.getloadavg()[0]]
errors = pairing_differs = output_differs = 0
for k, (sid, i) in enumerate(jobs):
    order = [args.before, args.after] if k % 2 == 0 else [args.after, args.before]
    res = {}
    for b in order:
        dt, res[b] = run(b, sid, i)
        times[b].append(dt)
    a, b = res[args.before], res[args.after]
    if a.returncode or b.returncode:
        errors += 1
        if (a.returncode, a.stderr) != (b.returncode, b.stderr):
            output_differs += 1
            print(f"ERROR DIFFERS {sid} @{i}: {a.stderr.strip()[:200]!r} / {b.stderr.strip()[:200]!r}")
        continue
    if pairing(json.loads(a.stdout)) != pairing(json.loads(b.stdout)):
        pairing_differs += 1
        print(f"PAIRING DIFFERS {sid} @{i} -> @{i + 1}")
    if a.stdout != b.stdout:
        output_differs += 1
        print(f"OUTPUT DIFFERS {sid} @{i} -> @{i + 1}")
        for tag, r in (("before", a), ("after", b)):
            with open(f"{args.out}/{sid}-{i}.{tag}.json", "w") as f:
                f.write(r.stdout)
    if k % 100 == 0:
        loads.append(os.getloadavg()[0])
        print(f"{k}/{len(jobs)}", file=sys.stderr)
loads.append(os.getloadavg()[0])

print(f"{len(series)} series, {len(jobs)} revision pairs, {errors} failed in both")
print(f"pairing differs: {pairing_differs}; whole output differs: {output_differs}")
for name, b in (("before", args.before), ("after", args.after)):
    ts = sorted(times[b])
    print(f"{name} {b}: p50 {statistics.median(ts) * 1e3:.0f} ms, p95 {ts[int(len(ts) * .95)] * 1e3:.0f} ms, "
          f"max {ts[-1] * 1e3:.0f} ms, total {sum(ts):.1f} s")
print(f"load average (1 min) during the run: {min(loads):.1f}-{max(loads):.1f}")
