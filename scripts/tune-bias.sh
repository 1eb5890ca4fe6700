#!/bin/sh
# scripts/tune-bias.sh - chooses a label bias (crftag train --bias) on data
# held out from the training file, never on the evaluation data.
#
#   1. the sentences of TRAIN are dealt into FOLDS folds (sentence s into
#      fold s mod FOLDS); for each of the first ROUNDS folds a model is
#      trained on the other folds (with the given training options) and tags
#      that fold with every candidate bias;
#   2. the bias X of every entity label is the one of 0, 0.25, .. 2 with the
#      best entity F1 over all the held-out sentences together (ties: the
#      smaller);
#   3. with PER_TYPE=1, then for each entity type T the value Y (X - 0.5 to
#      X + 1.5 by 0.25, with X for the other types) with the best F1 of T,
#      kept when it beats X by at least 0.5 points.
#
# Prints the spec ("X" or "X,TYPE=Y,...") on stdout, the figures on stderr.
# FOLDS=10 ROUNDS=1 (the default: one tenth held out, one training) is the
# quick choice; FOLDS=5 ROUNDS=5 is 5-fold cross-validation.
#
#   [FOLDS=K] [ROUNDS=N] [PER_TYPE=1] sh scripts/tune-bias.sh TRAIN [train options...]
set -eu
CRFTAG=${CRFTAG:-build/crftag}
FOLDS=${FOLDS:-10}
ROUNDS=${ROUNDS:-1}
PER_TYPE=${PER_TYPE:-0}
TRAIN=$1
shift
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
gzip -dcf "$TRAIN" > "$T/all.txt"
k=0
while [ "$k" -lt "$ROUNDS" ]; do
    awk -v dir="$T" -v K="$FOLDS" -v k="$k" '
        /^<s>$/ { s++ }
        { f = (s % K == k) ? dir "/held" k ".txt" : dir "/train" k ".txt"; print > f }' \
        "$T/all.txt"
    "$CRFTAG" train --quiet "$@" -o "$T/m$k.crftag" "$T/train$k.txt"
    rm -f "$T/train$k.txt"
    k=$((k + 1))
done
# report BIAS: conlleval report of all held-out folds decoded with BIAS
report() {
    : > "$T/pred.tsv"
    k=0
    while [ "$k" -lt "$ROUNDS" ]; do
        "$CRFTAG" tag -m "$T/m$k.crftag" --tokenized --bias "$1" "$T/held$k.txt" > "$T/tagged" 2>/dev/null
        awk -F'\t' 'NR == FNR { if ($0 == "") next; pred[++n] = $2; next }
                    /^<s>$/ { next } /^<\/s>$/ { print ""; next } { print $0 "\t" pred[++k] }' \
            "$T/tagged" "$T/held$k.txt" >> "$T/pred.tsv"
        k=$((k + 1))
    done
    "$CRFTAG" eval --quiet --pred "$T/pred.tsv"
}
f1() {   # f1 [TYPE]: entity F1 (overall or of TYPE) of the report on stdin
    if [ $# -eq 0 ]; then sed -n 's/.*FB1: *\([0-9.]*\)$/\1/p' | head -n 1
    else awk -v t="$1:" '$1 == t { print $(NF - 1) }'; fi
}
gt() { awk -v a="$1" -v b="$2" -v d="${3:-0}" 'BEGIN { exit !(a + 0 >= b + d && a + 0 > b + 0) }'; }
best=0 bestf=-1
for x in 0 0.25 0.5 0.75 1 1.25 1.5 1.75 2; do
    f=$(report "$x" | f1)
    echo "bias $x: F1 $f" >&2
    if gt "$f" "$bestf"; then best=$x bestf=$f; fi
done
spec=$best
if [ "$PER_TYPE" = 1 ]; then
    report "$best" > "$T/base.report"
    types=$("$CRFTAG" info -l "$T/m0.crftag" | sed -n 's/^[BI]-//p' | sort -u)
    for ty in $types; do
        base=$(f1 "$ty" < "$T/base.report")
        tb=$best tf=$base
        for d in -0.5 -0.25 0.25 0.5 0.75 1 1.25 1.5; do
            y=$(awk -v a="$best" -v d="$d" 'BEGIN { print a + d }')
            f=$(report "$best,$ty=$y" | f1 "$ty")
            if gt "$f" "$tf"; then tb=$y tf=$f; fi
        done
        echo "$ty: bias $best F1 $base; best $tb F1 $tf" >&2
        if gt "$tf" "$base" 0.5; then spec="$spec,$ty=$tb"; fi
    done
fi
echo "$spec"
