#!/bin/sh
# scripts/accuracy.sh - the headline rows of docs/ACCURACY.md, from the corpora
# in $CORPORA (default ../shared/corpora): WikiSER train -> dev with the
# defaults (also decoded with the shipped model's label bias), without the
# lexicon, and with word clusters learned from the
# training text and the installed documentation (scripts/doc-text.sh; that
# text depends on the packages installed), CoNLL-2000 train -> test with the
# classic template, with the default training and with the best training
# found (--all-labels 2 --c1 0.1 --c2 0.05 --delta 1e-4).  Prints, per row, the training time, the model size, conlleval's
# report and the tagging speed `crftag eval` measures.  Exits 0 without
# training when the corpora are absent.
#
#   make accuracy [CORPORA=DIR] [ROWS="default nolex clusters conll conll-best"]
#   ROWS=userlex: the default training with the user lexicon of this system's
#   packages, commands, services and licenses (scripts/debian-lexicon.sh)
#   ROWS=conll-best alone: about 2 minutes and 0.5 GB
set -eu
CRFTAG=${CRFTAG:-build/crftag}
CORPORA=${CORPORA:-../shared/corpora}
ROWS=${ROWS:-"default nolex clusters conll conll-best"}
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
    default)
        row default "$W/dev.txt" "$W/train.txt.gz"
        echo "== the same model decoded with --bias 0.5,Algorithm=1.25,Data_Structure=0.75 (the shipped model's bias)"
        "$CRFTAG" eval --bias 0.5,Algorithm=1.25,Data_Structure=0.75 -m "$T/default.crftag" "$W/dev.txt" 2>&1 ;;
    nolex) row nolex "$W/dev.txt" --no-lexicon "$W/train.txt.gz" ;;
    clusters)
        sh scripts/doc-text.sh > "$T/doc.txt"
        echo "== crftag clusters -o clusters.txt $W/train.txt.gz doc.txt ($(wc -c < "$T/doc.txt") bytes)"
        start=$(date +%s.%N)
        "$CRFTAG" clusters --quiet -o "$T/clusters.txt" "$W/train.txt.gz" "$T/doc.txt"
        end=$(date +%s.%N)
        awk -v s="$start" -v e="$end" -v n="$(wc -l < "$T/clusters.txt")" \
            'BEGIN { printf "clusters: %d words in %.1f s\n", n, e - s }'
        row clusters "$W/dev.txt" --clusters "$T/clusters.txt" "$W/train.txt.gz" ;;
    userlex)
        sh scripts/debian-lexicon.sh > "$T/debian.txt"
        echo "== user lexicon: $(grep -vc '^#' "$T/debian.txt") lines (scripts/debian-lexicon.sh)"
        row userlex "$W/dev.txt" --lexicon "$T/debian.txt" "$W/train.txt.gz" ;;
    conll) row conll "$C/test.txt" --template tests/data/features_conll2000.tpl "$C/train.txt.gz" ;;
    conll-best)
        row conll-best "$C/test.txt" --template tests/data/features_conll2000.tpl \
            --all-labels 2 --c1 0.1 --c2 0.05 --delta 1e-4 "$C/train.txt.gz" ;;
    *) echo "accuracy: unknown row '$r'" >&2; exit 2 ;;
    esac
done
