#!/bin/sh
# scripts/accuracy.sh - the headline rows of docs/ACCURACY.md, from the corpora
# in $CORPORA (default ../shared/corpora): WikiSER train -> dev with the
# defaults and without the lexicon, CoNLL-2000 train -> test with the classic
# template.  Prints, per row, the training time, the model size, conlleval's
# report and the tagging speed `crftag eval` measures.  Exits 0 without
# training when the corpora are absent.
#
#   make accuracy [CORPORA=DIR] [ROWS="default nolex conll"]
set -eu
CRFTAG=${CRFTAG:-build/crftag}
CORPORA=${CORPORA:-../shared/corpora}
ROWS=${ROWS:-"default nolex conll"}
W=$CORPORA/wikiser
C=$CORPORA/conll2000
if [ ! -f "$W/train.txt.gz" ] || [ ! -f "$W/dev.txt" ] || [ ! -f "$C/train.txt.gz" ] ||
   [ ! -f "$C/test.txt" ]; then
    echo "accuracy: $CORPORA/{wikiser,conll2000} not found; nothing to measure (see docs/ACCURACY.md)"
    exit 0
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

row() {   # row NAME TESTFILE TRAIN-ARGS...
    name=$1 test=$2
    shift 2
    echo "== $name: crftag train $*"
    start=$(date +%s.%N)
    "$CRFTAG" train --quiet -o "$T/$name.crftag" "$@"
    end=$(date +%s.%N)
    size=$(wc -c < "$T/$name.crftag")
    awk -v s="$start" -v e="$end" -v b="$size" \
        'BEGIN { printf "training %.1f s, model %.1f MB\n", e - s, b / 1e6 }'
    "$CRFTAG" info "$T/$name.crftag" | grep -E "iterations|attributes|features:" || true
    "$CRFTAG" eval -m "$T/$name.crftag" "$test" 2>&1
}

for r in $ROWS; do
    case $r in
    default) row default "$W/dev.txt" "$W/train.txt.gz" ;;
    nolex) row nolex "$W/dev.txt" --no-lexicon "$W/train.txt.gz" ;;
    conll) row conll "$C/test.txt" --template tests/data/features_conll2000.tpl "$C/train.txt.gz" ;;
    *) echo "accuracy: unknown row '$r'" >&2; exit 2 ;;
    esac
done
