#!/bin/sh
# scripts/accuracy.sh - the accuracy table of docs/ACCURACY.md: crftag with
# its default options on every corpus of $CORPORA (default
# ../shared/corpora), and CRFsuite beside it on the same split with a
# standard feature set (scripts/crfsuite-baseline.sh).
#
#   make accuracy [CORPORA=DIR] [CORPUS="wikiser conll2000 ..."] [CRFSUITE=0]
#   [OPTS="crftag train options"] [SPLIT=dev]
#
# corpus     train                 scored on        task
# wikiser    train.txt.gz          dev.txt          software entities (its test half is held out)
# conll2000  train.txt.gz          test.txt         chunking, classic template (tests/data/features_conll2000.tpl)
# wnut17     train.txt.gz          test.txt         social-media entities
# bc5cdr     train.txt.gz          test.txt.gz      chemicals and diseases
# ud_ewt     train.txt.gz          test.txt         part of speech (plain tags: token accuracy)
#
# SPLIT=dev scores wnut17, bc5cdr and ud_ewt on their dev files instead (for
# choosing options without looking at the test files).  OPTS are added to
# every crftag training (an ablation row).  CRFSUITE=0 leaves CRFsuite out
# (it needs node and npm; WikiSER alone takes it about ten minutes).  KEEP=DIR
# keeps each model, its training's output (NAME.train.log: the progress, the
# label bias, entity lexicon and document memory chosen with their held-out figures) and
# its full eval report (per-type figures) in DIR.
# Prints a progress line per training on stderr and the table (Markdown) on
# stdout; exits 0 without training when no corpus is there.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
CRFTAG=${CRFTAG:-$TOP/build/crftag}
CORPORA=${CORPORA:-$TOP/../shared/corpora}
CORPUS=${CORPUS:-"wikiser conll2000 wnut17 bc5cdr ud_ewt"}
CRFSUITE=${CRFSUITE:-1}
OPTS=${OPTS:-}
SPLIT=${SPLIT:-test}
KEEP=${KEEP:-}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

pick() {   # the first of the files that exists
    for f in "$@"; do
        if [ -f "$f" ]; then echo "$f"; return; fi
    done
}

# crftag eval output -> "f1 p r acc" (f1, p, r "-" for plain tags)
scores() {
    awk '/^accuracy:/ { gsub(/[%;]/, ""); acc = $2; p = $4; r = $6; f = $8 }
         /^token accuracy:/ { gsub(/%/, ""); acc = $3; p = "-"; r = "-"; f = "-" }
         END { print f, p, r, acc }' "$1"
}

echo "| corpus | task | crftag F1 (accuracy) | P | R | training | iterations | CRFsuite F1 (accuracy) | P | R | training | iterations |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
found=0
for name in $CORPUS; do
    d=$CORPORA/$name
    train=$(pick "$d/train.txt.gz" "$d/train.txt")
    tpl=
    pos=
    case $name in
    wikiser) test=$(pick "$d/dev.txt" "$d/dev.txt.gz"); task="software entities (dev)" ;;
    conll2000) test=$(pick "$d/test.txt" "$d/test.txt.gz"); task="chunking (test)"
               tpl="--template $TOP/tests/data/features_conll2000.tpl"; pos=--pos ;;
    wnut17) task="social-media entities" ;;
    bc5cdr) task="chemicals, diseases" ;;
    ud_ewt) task="UPOS (token accuracy)" ;;
    *) echo "accuracy: unknown corpus '$name'" >&2; exit 2 ;;
    esac
    case $name in
    wnut17|bc5cdr|ud_ewt)
        test=$(pick "$d/$SPLIT.txt" "$d/$SPLIT.txt.gz"); task="$task ($SPLIT)" ;;
    esac
    if [ -z "$train" ] || [ -z "$test" ]; then
        echo "accuracy: $d not found, skipped" >&2
        continue
    fi
    found=1
    echo "accuracy: crftag train $tpl $OPTS $train" >&2
    start=$(date +%s.%N)
    # shellcheck disable=SC2086
    "$CRFTAG" train $tpl $OPTS -o "$T/$name.crftag" "$train" 2> "$T/$name.train.log" ||
        { cat "$T/$name.train.log" >&2; exit 1; }
    end=$(date +%s.%N)
    # what training chose: the label bias, the entity lexicon and the document memory
    grep -E '^crftag: (label bias|entity lexicon|document memory)' "$T/$name.train.log" | sed 's/^/  /' >&2 || true
    secs=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f s", e - s }')
    iters=$("$CRFTAG" info "$T/$name.crftag" | awk '/iterations/ { print $1; exit }')
    "$CRFTAG" eval -m "$T/$name.crftag" "$test" > "$T/$name.eval" 2>/dev/null
    if [ -n "$KEEP" ]; then
        mkdir -p "$KEEP"
        cp "$T/$name.crftag" "$T/$name.eval" "$T/$name.train.log" "$KEEP/"
    fi
    set -- $(scores "$T/$name.eval")
    if [ "$1" = - ]; then cf="($4 %)"; else cf=$1; fi
    crow="$cf | $2 | $3 | $secs | $iters"
    srow="- | - | - | - | -"
    if [ "$CRFSUITE" != 0 ]; then
        echo "accuracy: CRFsuite on $name" >&2
        line=$(CRFTAG="$CRFTAG" sh "$TOP/scripts/crfsuite-baseline.sh" "$name" "$train" "$test" $pos)
        srow=$(echo "$line" | awk '
            /unavailable/ { print "unavailable | - | - | - | -"; exit }
            { for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
              f = v["f1"] == "-" ? "(" v["acc"] " %)" : v["f1"]
              printf "%s | %s | %s | %.1f s | %s\n", f, v["p"], v["r"], v["seconds"], v["iterations"] }')
    fi
    echo "| $name | $task | $crow | $srow |"
done
if [ "$found" = 0 ]; then
    echo "accuracy: no corpus in $CORPORA; nothing to measure (see docs/ACCURACY.md)" >&2
fi
