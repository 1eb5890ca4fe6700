#!/bin/sh
# scripts/crfsuite-baseline.sh - CRFsuite with a standard feature set on one
# corpus, the CRFsuite baseline next to crftag's accuracy figures:
#
#   sh scripts/crfsuite-baseline.sh NAME TRAINFILE TESTFILE [--pos]
#
# TRAINFILE and TESTFILE (either may be gzip-compressed) are WikiSER
# "<s>".."</s>" blocks of TOKEN<TAB>TAG lines, or one token a line in
# columns (TAB- or space-separated; word in column 0, label in the last
# column) with a blank line between sentences.  --pos: column 1 is a
# part-of-speech tag and becomes attributes too (CoNLL-2000).
#
# bench/crfsuite-attrs.js writes the attribute files (the feature set is
# described at its top: words, lower-cased words and shapes at -2..+2,
# prefixes and suffixes of 1..4 characters, spelling flags, BOS/EOS, word
# bigrams, with --pos POS tags at -2..+2 and their bigrams);
# bench/crfsuite.js trains CRFsuite on them (L-BFGS, c2 = 1, CRFsuite's
# defaults otherwise) and tags TESTFILE; `crftag eval --pred` scores the
# labels.  Prints one line on stdout:
#
#   crfsuite NAME f1=.. p=.. r=.. acc=.. seconds=.. iterations=.. attributes_file_bytes=..
#
# f1, p, r: conlleval's chunk F1, precision and recall (percent; "-" when the
# gold labels are not BIO, e.g. UPOS tags); acc: token accuracy (percent);
# seconds: wall time of CRFsuite's training, measured inside node (reading
# the attribute file excluded); iterations: L-BFGS iterations from CRFsuite's
# log; attributes_file_bytes: size of the training attribute file.
# Progress goes to stderr.  Prints "crfsuite NAME unavailable" and exits 0
# when node or the npm package crfsuite cannot be had (it is installed into
# bench/node_modules with `make -C bench crfsuite` when npm is present).
#
# Environment: CRFTAG (default build/crftag under the top directory),
# CRFSUITE_LOGDIR (a directory to keep NAME-crfsuite-train.log, the tagger
# output NAME-crfsuite.pred, NAME-crfsuite-eval.txt and the JSON results in;
# by default everything is removed).  Training on WikiSER takes about ten
# minutes and one core.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$TOP/bench
CRFTAG=${CRFTAG:-$TOP/build/crftag}
LOGDIR=${CRFSUITE_LOGDIR:-}

usage() {
    echo "usage: sh scripts/crfsuite-baseline.sh NAME TRAINFILE TESTFILE [--pos]" >&2
    exit 2
}
if [ $# -lt 3 ] || [ $# -gt 4 ]; then usage; fi
NAME=$1 TRAIN=$2 TEST=$3
POS=
if [ $# -eq 4 ]; then
    [ "$4" = --pos ] || usage
    POS=--pos
fi
for f in "$TRAIN" "$TEST"; do
    if [ ! -r "$f" ]; then
        echo "crfsuite-baseline: cannot read $f" >&2
        exit 1
    fi
done
if [ ! -x "$CRFTAG" ]; then
    echo "crfsuite-baseline: $CRFTAG not found (build it with make)" >&2
    exit 1
fi

have_crfsuite() {
    command -v node >/dev/null 2>&1 &&
        [ -f "$BENCH/node_modules/crfsuite/package.json" ] &&
        (cd "$BENCH" && node -e "require('./node_modules/crfsuite')") >/dev/null 2>&1
}
if ! have_crfsuite && command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    echo "crfsuite-baseline: installing CRFsuite (make -C bench crfsuite)" >&2
    make -C "$BENCH" crfsuite >&2 2>&1
fi
if ! have_crfsuite; then
    echo "crfsuite-baseline: node or the npm package crfsuite is not available" >&2
    echo "crfsuite $NAME unavailable"
    exit 0
fi

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM HUP
if [ -n "$LOGDIR" ]; then
    mkdir -p "$LOGDIR" || exit 1
fi
keep() {  # keep FILE NAME: a copy in $LOGDIR
    [ -z "$LOGDIR" ] || [ ! -f "$1" ] || cp "$1" "$LOGDIR/$2"
}
fail() {
    echo "crfsuite-baseline: $NAME: $*" >&2
    exit 1
}

echo "crfsuite-baseline: $NAME: attributes" >&2
node "$BENCH/crfsuite-attrs.js" $POS "$TRAIN" "$T/train.attr" || fail "attributes of $TRAIN failed"
node "$BENCH/crfsuite-attrs.js" $POS "$TEST" "$T/test.attr" || fail "attributes of $TEST failed"
abytes=$(wc -c < "$T/train.attr" | tr -d ' ')

echo "crfsuite-baseline: $NAME: CRFsuite train (L-BFGS, c2 = 1)" >&2
node "$BENCH/crfsuite.js" train "$T/train.attr" "$T/model" "$T/train.json" 1.0 \
    > "$T/train.log" 2>&1
rc=$?
keep "$T/train.log" "$NAME-crfsuite-train.log"
keep "$T/train.json" "$NAME-crfsuite-train.json"
[ $rc -eq 0 ] || fail "training failed (exit $rc); $(tail -n 3 "$T/train.log")"
iter=$(grep -c '^\*\*\*\*\* Iteration #' "$T/train.log")
secs=$(sed -n 's/.*"train_seconds":\([0-9.e+-]*\).*/\1/p' "$T/train.json" |
       awk '{ printf "%.1f", $1 }')

echo "crfsuite-baseline: $NAME: CRFsuite tag" >&2
node "$BENCH/crfsuite.js" tag "$T/model" "$T/test.attr" "$T/pred" "$T/tag.json" \
    > "$T/tag.log" 2>&1 || fail "tagging failed; $(tail -n 3 "$T/tag.log")"
keep "$T/pred" "$NAME-crfsuite.pred"
keep "$T/tag.json" "$NAME-crfsuite-tag.json"

"$CRFTAG" eval -q --pred "$T/pred" > "$T/eval.txt" 2>&1 || fail "crftag eval failed: $(cat "$T/eval.txt")"
keep "$T/eval.txt" "$NAME-crfsuite-eval.txt"
cat "$T/eval.txt" >&2

# BIO (or IOBES) labels: some gold label is O or has a B-/I-/E-/S- prefix
bio=$(awk 'NF >= 2 && ($(NF-1) == "O" || $(NF-1) ~ /^[BIES]-/) { print 1; exit }' "$T/pred")
# token accuracy from the report, else counted here
acc=$(sed -n 's/^accuracy: *\([0-9.]*\)%.*/\1/p' "$T/eval.txt" | head -n 1)
if [ -z "$acc" ]; then
    acc=$(sed -n 's/.*token accuracy[: ]*\([0-9.]*\)%.*/\1/p' "$T/eval.txt" | head -n 1)
fi
if [ -z "$acc" ]; then
    acc=$(awk 'NF >= 2 { n++; if ($(NF-1) == $NF) c++ }
               END { if (n) printf "%.2f", 100 * c / n }' "$T/pred")
fi
if [ "$bio" = 1 ]; then
    f1=$(sed -n 's/^accuracy:.*FB1: *\([0-9.]*\).*/\1/p' "$T/eval.txt" | head -n 1)
    p=$(sed -n 's/^accuracy:.*precision: *\([0-9.]*\)%.*/\1/p' "$T/eval.txt" | head -n 1)
    r=$(sed -n 's/^accuracy:.*recall: *\([0-9.]*\)%.*/\1/p' "$T/eval.txt" | head -n 1)
else
    f1=- p=- r=-
fi
echo "crfsuite $NAME f1=${f1:--} p=${p:--} r=${r:--} acc=${acc:--} seconds=${secs:--} iterations=${iter:--} attributes_file_bytes=$abytes"
