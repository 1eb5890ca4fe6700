#!/bin/sh
# scripts/tune-bias.sh - chooses a label bias (crftag train --bias) on data
# held out from the training file, never on the evaluation data:
#
#   1. every 10th sentence of TRAIN is held out, a model is trained on the
#      other nine tenths with the given training options;
#   2. the bias X of every entity label is the one of 0, 0.25, .. 2 with the
#      best entity F1 on the held-out tenth (ties: the smaller).
#
# Prints X on stdout, the F1 of each value on stderr.  (Choosing a bias per
# type the same way was tried: on WikiSER the per-type choices did not carry
# over to the dev data, docs/ACCURACY.md.)
#
#   sh scripts/tune-bias.sh TRAIN [crftag train options...]
set -eu
CRFTAG=${CRFTAG:-build/crftag}
TRAIN=$1
shift
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
gzip -dcf "$TRAIN" | awk -v dir="$T" '
    /^<s>$/ { s++ }
    { f = (s % 10 == 0) ? dir "/held.txt" : dir "/train.txt"; print > f }'
"$CRFTAG" train --quiet "$@" -o "$T/m.crftag" "$T/train.txt"
f1() {   # f1 BIAS: entity F1 on the held-out tenth
    "$CRFTAG" eval --quiet --bias "$1" -m "$T/m.crftag" "$T/held.txt" |
        sed -n 's/.*FB1: *\([0-9.]*\)$/\1/p' | head -n 1
}
best=0 bestf=-1
for x in 0 0.25 0.5 0.75 1 1.25 1.5 1.75 2; do
    f=$(f1 "$x")
    echo "bias $x: F1 $f" >&2
    if awk -v a="$f" -v b="$bestf" 'BEGIN { exit !(a > b) }'; then best=$x bestf=$f; fi
done
echo "$best"
