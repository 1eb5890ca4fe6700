#!/bin/sh
# median.sh RUNS OUT CMD... - runs CMD RUNS times (stdout to OUT) and prints
# the median wall time in seconds (nanosecond clock; for the short tagging
# runs, where /usr/bin/time's 10 ms steps are too coarse; with an even RUNS
# the lower middle one).  Used by run.sh.
runs=$1 out=$2
shift 2
times=
i=0
while [ "$i" -lt "$runs" ]; do
    t0=$(date +%s%N)
    "$@" > "$out" || exit 1
    t1=$(date +%s%N)
    times="$times $((t1 - t0))"
    i=$((i + 1))
done
echo $times | tr ' ' '\n' | sort -n | awk '{ t[NR] = $1 } END { printf "%.4f\n", t[int((NR + 1) / 2)] / 1e9 }'
