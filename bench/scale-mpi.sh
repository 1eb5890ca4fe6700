#!/bin/sh
# Data-parallel training over MPI: per-iteration time, peak memory per rank,
# bytes summed per evaluation and the share of time in the collectives, for
# 1, 2 and 4 ranks on WikiSER train (corpora/) and on COPIES copies of it.
# Usage: sh bench/scale-mpi.sh [COPIES [ITERATIONS]]   (after make mpi)
# Prints one TAB-separated line per run:
#   data ranks sentences iterations s/iteration max-RSS-MB(rank) ... bytes/sum sums comm-s train-s comm-%
BUILD=${BUILD:-build}
COPIES=${1:-16}
ITER=${2:-10}
if [ "$(id -u)" = 0 ]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/crftag-scale-mpi.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
gzip -dc corpora/wikiser-train.txt.gz > "$T/x1.txt"
i=0; : > "$T/x$COPIES.txt"
while [ $i -lt "$COPIES" ]; do cat "$T/x1.txt" >> "$T/x$COPIES.txt"; i=$((i + 1)); done
printf 'data\tranks\titer\ts/iter\tRSS MB per rank\tbytes/sum\tsums\tcomm s\ttrain s\tcomm %%\n'
for data in 1 "$COPIES"; do
    for n in 1 2 4; do
        mpirun --oversubscribe -np $n /usr/bin/time -f 'rss %M' "$BUILD/crftag-mpi" train \
            --bias 0 --max-iter "$ITER" --threads 1 -o "$T/m.crftag" "$T/x$data.txt" \
            > /dev/null 2> "$T/log"
        rss=$(sed -n 's/^rss \([0-9]*\)$/\1/p' "$T/log" | awk '{ printf "%s%d", s, $1 / 1024; s = " " }')
        per=$(sed -n 's/^iter *\([0-9]*\) .* \([0-9.]*\)s$/\1 \2/p' "$T/log" |
              awk 'NR == 1 { i0 = $1; t0 = $2 } { i1 = $1; t1 = $2 } END { if (i1 > i0) printf "%.3f", (t1 - t0) / (i1 - i0) }')
        sed -n 's/.*ranks; \([0-9]*\) gradient sums (allreduce) of \([0-9]*\) bytes each; .* \([0-9.]*\) s of \([0-9.]*\) s in them (\([0-9.]*\) %).*/\2\t\1\t\3\t\4\t\5/p' \
            "$T/log" > "$T/comm"
        printf '%sx\t%d\t%s\t%s\t%s\t%s\n' "$data" $n "$ITER" "$per" "$rss" "$(cat "$T/comm")"
    done
done
