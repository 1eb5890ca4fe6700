#!/bin/sh
# tag-threads.sh - `crftag tag` end to end with 1 and 2 threads, alternated
# run by run (1, 2, 1, 2, ...), output to a regular file; prints the median
# wall seconds of each and tokens/s (section "Tagging with threads" of
# bench/RESULTS.md).
# Usage: sh bench/tag-threads.sh RUNS TOKENS OUT CRFTAG TAG-ARGS...
#   TOKENS: tokens of the input, for tokens/s; OUT: the output file
runs=$1 tokens=$2 out=$3
shift 3
t1= t2=
i=0
while [ "$i" -lt "$runs" ]; do
    for j in 1 2; do
        a=$(date +%s%N)
        "$@" -j $j > "$out" || exit 1
        b=$(date +%s%N)
        eval "t$j=\"\$t$j $((b - a))\""
    done
    i=$((i + 1))
done
med() { echo $1 | tr ' ' '\n' | sort -n | awk '{ t[NR] = $1 } END { printf "%.3f", t[int((NR + 1) / 2)] / 1e9 }'; }
m1=$(med "$t1") m2=$(med "$t2")
echo "$m1 $m2 $tokens" | awk '{ printf "1 thread: %s s, %.0f tokens/s; 2 threads: %s s, %.0f tokens/s; speed-up %.2fx\n", $1, $3 / $1, $2, $3 / $2, $1 / $2 }'
