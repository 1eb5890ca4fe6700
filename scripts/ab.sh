#!/bin/bash
# ab.sh - wall time of commands run in turn, for comparing binaries on a
# machine whose speed drifts: each round runs every command once, in the
# order given (output to /dev/null), so a slow stretch slows them all alike.
#
#   scripts/ab.sh ROUNDS 'OLD/crftag tag -m M FILE' 'NEW/crftag tag -m M FILE' ...
#
# Prints, for each command, the median and the minimum of its wall times in
# milliseconds.  A command that fails is reported and ends the run.
set -u
if [ $# -lt 2 ]; then
    echo "usage: $0 ROUNDS COMMAND..." >&2
    exit 2
fi
R=$1
shift
declare -a res
for ((r = 0; r < R; r++)); do
    i=0
    for c in "$@"; do
        s=$(date +%s%N)
        if ! eval "$c" > /dev/null 2>&1; then
            echo "ab.sh: failed: $c" >&2
            exit 1
        fi
        e=$(date +%s%N)
        res[$i]="${res[$i]:-} $(( (e - s) / 1000000 ))"
        i=$((i + 1))
    done
done
i=0
for c in "$@"; do
    echo "${res[$i]}" | tr ' ' '\n' | grep . | sort -n |
        awk -v c="$c" '{ a[NR] = $1 } END { printf "median %d min %d  %s\n", a[int((NR + 1) / 2)], a[1], c }'
    i=$((i + 1))
done
