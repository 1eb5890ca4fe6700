#!/bin/sh
# scale.sh - crftag training on 1x, 4x and 16x copies of the WikiSER training
# data (make bench-scale): time per L-BFGS iteration, peak RSS, attributes and
# features.  Copies add tokens but no distinct features, so the figures
# separate what grows with the tokens from what grows with the features.
#
# Environment as run.sh: TOP, BUILD, CORPORA, THREADS (default 2),
# BENCH_LOCK; ITERS (default 12; iterations 2..ITERS are timed), COPIES
# (default "1 4 16").
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${BUILD:-$TOP/build}
CORPORA=${CORPORA:-$TOP/../shared/corpora}
THREADS=${THREADS:-2}
ITERS=${ITERS:-12}
COPIES=${COPIES:-1 4 16}
BENCH_LOCK=${BENCH_LOCK:-}
OUT=$TOP/bench/out
CRFTAG=$BUILD/crftag
TRAIN=$CORPORA/wikiser/train.txt.gz
[ -f "$TRAIN" ] || TRAIN=$TOP/corpora/wikiser-train.txt.gz
if [ ! -f "$TRAIN" ]; then
    echo "bench-scale: no WikiSER training data ($CORPORA/wikiser/train.txt.gz). Nothing run."
    exit 0
fi
mkdir -p "$OUT"
echo "## WikiSER scaling: copies of train.txt.gz, $THREADS threads, iterations 2..$ITERS timed"
echo
echo "| copies | tokens | attributes | features | s / iteration | s / iteration / 1M tokens | peak RSS, MB | setup + $ITERS iterations, s |"
echo "|---|---|---|---|---|---|---|---|"
for k in $COPIES; do
    f=$OUT/wikiser-x$k.txt
    : > "$f"
    i=0
    while [ $i -lt "$k" ]; do
        gzip -dc "$TRAIN" >> "$f"
        i=$((i + 1))
    done
    ${BENCH_LOCK:+flock "$BENCH_LOCK"} /usr/bin/time -f '%e %U %S %M' -o "$OUT/scale-x$k.time" \
        "$CRFTAG" train -j "$THREADS" --bias 0 -i "$ITERS" -o "$OUT/scale-x$k.crftag" "$f" \
        > "$OUT/scale-x$k.out" 2> "$OUT/scale-x$k.err"
    ntok=$(sed -n 's/.*sentences, \([0-9]*\) tokens.*/\1/p' "$OUT/scale-x$k.err" | head -n 1)
    nattr=$(sed -n 's/.* \([0-9]*\) attributes, \([0-9]*\) features.*/\1/p' "$OUT/scale-x$k.err")
    nfeat=$(sed -n 's/.* \([0-9]*\) attributes, \([0-9]*\) features.*/\2/p' "$OUT/scale-x$k.err")
    spi=$(awk -v last="$ITERS" '$1 == "iter" && $2 == 2 { t0 = $NF + 0 }
                               $1 == "iter" && $2 == last { t1 = $NF + 0 }
                               END { if (t1 > 0) printf "%.3f", (t1 - t0) / (last - 2) }' \
          "$OUT/scale-x$k.err")
    per=$(echo "$spi $ntok" | awk '{ if ($2 > 0) printf "%.3f", $1 / ($2 / 1e6) }')
    rss=$(awk '{printf "%.0f", $4 * 1024 / 1e6}' "$OUT/scale-x$k.time")
    wall=$(awk '{print $1}' "$OUT/scale-x$k.time")
    echo "| $k | $ntok | $nattr | $nfeat | $spi | $per | $rss | $wall |"
    rm -f "$f"
done
