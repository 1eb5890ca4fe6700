#!/bin/sh
# scripts/tune-bias.sh - chooses a label bias (crftag train --bias) on data
# held out from the training file, never on the evaluation data:
#
#   1. every 10th sentence of TRAIN is held out, a model is trained on the
#      other nine tenths with the given training options;
#   2. the global bias X (every entity label) is the one of 0, 0.25, .. 2
#      with the best entity F1 on the held-out tenth (ties: the smaller);
#   3. then for each entity type T, the bias TYPE=Y (Y from X - 0.5 to X +
#      1.5 by 0.25) with the best F1 of that type, kept when it beats X by
#      at least 0.5 points.
#
# Prints the spec ("X,TYPE=Y,...") on stdout, the figures on stderr.
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
f1() {   # f1 BIAS [TYPE]: entity F1 on the held-out tenth (overall or of TYPE)
    "$CRFTAG" eval --quiet --bias "$1" -m "$T/m.crftag" "$T/held.txt" > "$T/r"
    if [ $# -eq 1 ]; then sed -n 's/.*FB1: *\([0-9.]*\)$/\1/p' "$T/r" | head -n 1
    else awk -v t="$2:" '$1 == t { print $(NF - 1) }' "$T/r"; fi
}
best=0 bestf=-1
for x in 0 0.25 0.5 0.75 1 1.25 1.5 1.75 2; do
    f=$(f1 "$x")
    echo "bias $x: F1 $f" >&2
    if awk -v a="$f" -v b="$bestf" 'BEGIN { exit !(a > b) }'; then best=$x bestf=$f; fi
done
spec=$best
types=$("$CRFTAG" info -l "$T/m.crftag" | sed -n 's/^[BI]-//p' | sort -u)
for ty in $types; do
    base=$(f1 "$best" "$ty")
    tb=$best tf=$base
    for d in -0.5 -0.25 0.25 0.5 0.75 1 1.25 1.5; do
        y=$(awk -v a="$best" -v d="$d" 'BEGIN { print a + d }')
        f=$(f1 "$best,$ty=$y" "$ty")
        if awk -v a="$f" -v b="$tf" 'BEGIN { exit !(a > b) }'; then tb=$y tf=$f; fi
    done
    echo "$ty: bias $best F1 $base; best $tb F1 $tf" >&2
    if awk -v a="$tf" -v b="$base" 'BEGIN { exit !(a >= b + 0.5) }'; then spec="$spec,$ty=$tb"; fi
done
echo "$spec"
