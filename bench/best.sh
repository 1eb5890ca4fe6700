#!/bin/sh
# best.sh RUNS OUT CMD... - runs CMD RUNS times (stdout to OUT) and prints
# the shortest wall time in seconds (nanosecond clock; for the short tagging
# runs, where /usr/bin/time's 10 ms steps are too coarse).  Used by run.sh.
runs=$1 out=$2
shift 2
best=
i=0
while [ "$i" -lt "$runs" ]; do
    t0=$(date +%s%N)
    "$@" > "$out" || exit 1
    t1=$(date +%s%N)
    d=$((t1 - t0))
    if [ -z "$best" ] || [ "$d" -lt "$best" ]; then best=$d; fi
    i=$((i + 1))
done
echo "$best" | awk '{ printf "%.4f\n", $1 / 1e9 }'
