#!/bin/sh
# threads.sh - crftag training on CoNLL-2000 (classic template) with 1 and 2
# threads, alternately, RUNS times each (make bench-threads): the median wall
# time and time per L-BFGS iteration of each, and the speed-up of the
# medians.  Alternating spreads slow phases of a shared machine over both.
#
# Environment as run.sh: TOP, BUILD, CORPORA, BENCH_LOCK; RUNS (default 3).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${BUILD:-$TOP/build}
CORPORA=${CORPORA:-$TOP/../shared/corpora}
RUNS=${RUNS:-3}
BENCH_LOCK=${BENCH_LOCK:-}
OUT=$TOP/bench/out
CRFTAG=$BUILD/crftag
TRAIN=$CORPORA/conll2000/train.txt.gz
if [ ! -f "$TRAIN" ]; then
    echo "bench-threads: no CoNLL-2000 training data ($TRAIN). Nothing run."
    exit 0
fi
mkdir -p "$OUT"
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
i=0
while [ $i -lt "$RUNS" ]; do
    for j in 1 2; do
        ${BENCH_LOCK:+flock "$BENCH_LOCK"} /usr/bin/time -f '%e' -o "$OUT/threads-$j-$i.time" \
            "$CRFTAG" train -j $j --bias 0 --c1 0 --c2 1 --delta 1e-5 \
            --template "$TOP/tests/data/features_conll2000.tpl" \
            -o "$OUT/threads-$j.crftag" "$TRAIN" 2> "$OUT/threads-$j-$i.err" || exit 1
        # seconds an iteration from the progress lines (iterations 2..last)
        awk '$1 == "iter" { if ($2 == 2) t0 = $NF + 0; last = $2; t1 = $NF + 0 }
             END { printf "%.4f %d\n", (t1 - t0) / (last - 2), last }' \
            "$OUT/threads-$j-$i.err" > "$OUT/threads-$j-$i.spi"
    done
    i=$((i + 1))
done
echo "## Training threads: CoNLL-2000, classic template, $RUNS runs each, alternating"
echo
echo "| threads | wall, s (median) | s / iteration (median) | iterations | every run's wall, s |"
echo "|---|---|---|---|---|"
for j in 1 2; do
    w=$(cat "$OUT"/threads-$j-*.time | median)
    s=$(cut -d' ' -f1 "$OUT"/threads-$j-*.spi | median)
    it=$(cut -d' ' -f2 "$OUT"/threads-$j-*.spi | sort -u | tr '\n' ' ')
    all=$(cat "$OUT"/threads-$j-*.time | tr '\n' ' ')
    echo "| $j | $w | $s | $it| $all|"
    eval "w$j=$w s$j=$s"
done
echo
awk -v a="$w1" -v b="$w2" -v c="$s1" -v d="$s2" \
    'BEGIN { printf "speed-up with 2 threads: %.2fx wall, %.2fx an iteration (medians)\n", a / b, c / d }'
