#!/usr/bin/env python3
"""What N workers of --jobs would give, simulated from the sizes of the parts of one search.

Input (stdin): the stderr of a run with LOCKSTEP_DEBUG_UNITS=1 and --jobs=M (M sizes the split:
the search is cut into about 64*M subtrees), one "unit K" line per counted execution. Odd K =
subtree (K-1)/2, even K = the shared prefix between subtrees. Model (one execution = one time
unit): worker 0 runs the first FORK executions alone; then every worker walks the units in
order, runs every prefix unit itself (the prefix is re-run by every worker), and runs a
subtree only if no other worker has claimed it when it gets there (first come). Prints the
speed-up total / makespan and the extra work for each N.

usage: simulate_workers.py N [N ...] < units.txt
"""
import heapq
import sys
from collections import Counter

FORK = 1000


def simulate(units, n):
    keys = sorted(units)
    total = sum(units.values())
    # The serial start: worker 0 alone until FORK executions, then the others start at the key
    # worker 0 is in (they give its subtree up).
    done, start = 0, 0
    for i, k in enumerate(keys):
        done += units[k]
        if done >= FORK:
            start = i
            break
    else:
        return total, total, 0
    claimed = set(k for k in keys[: start + 1] if k % 2)
    heap = [(done, 0, start + 1)] + [(done, w, start + 1) for w in range(1, n)]
    heapq.heapify(heap)
    finish, extra = 0, 0
    while heap:
        clock, w, pos = heapq.heappop(heap)
        if pos >= len(keys):
            finish = max(finish, clock)
            continue
        k = keys[pos]
        if k % 2 == 0:  # prefix: every worker runs it; only one run counts
            clock += units[k]
            if w:
                extra += units[k]
        elif k not in claimed:
            claimed.add(k)
            clock += units[k]
        heapq.heappush(heap, (clock, w, pos + 1))
    return total, finish, extra


def main():
    units = Counter()
    for line in sys.stdin:
        if line.startswith("unit "):
            units[int(line.split()[1])] += 1
    subtrees = sum(1 for k in units if k % 2)
    print(f"{sum(units.values())} executions, {subtrees} subtrees, "
          f"largest {max(units.values())}")
    for n in map(int, sys.argv[1:]):
        total, makespan, extra = simulate(units, n)
        print(f"{n:3d} workers: speed-up {total / makespan:5.2f}  "
              f"(makespan {makespan} of {total}; prefix re-run {extra})")


main()
