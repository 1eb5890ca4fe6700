#!/bin/sh
# run.sh - crftag and CRFsuite side by side (run by `make bench` in bench/ or
# at the top; see bench/Makefile).  Prints one table and writes it, with
# every log, to bench/out/.
#
# Environment: TOP (repository), BUILD (build directory with crftag and
# bench/ programs), CORPORA (default $TOP/../shared/corpora), THREADS
# (crftag training threads, default 2), BENCH_WIKISER=1 (CRFsuite on WikiSER
# too, about 500 s), BENCH_LOCK (file to flock around each timed command),
# TAG_RUNS (tagging runs, the median taken; default 3), BENCH_TABLE_ONLY=1 (print
# the table again from bench/out without running anything).
#
# Nothing is asserted: a failing tool leaves "-" in its cells.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${BUILD:-$TOP/build}
CORPORA=${CORPORA:-$TOP/../shared/corpora}
THREADS=${THREADS:-2}
TAG_RUNS=${TAG_RUNS:-3}
BENCH_WIKISER=${BENCH_WIKISER:-0}
BENCH_LOCK=${BENCH_LOCK:-}
BENCH=$TOP/bench
OUT=$BENCH/out
CRFTAG=$BUILD/crftag
FEATDUMP=$BUILD/bench/featdump

CONLL_TRAIN=$CORPORA/conll2000/train.txt.gz
CONLL_TEST=$CORPORA/conll2000/test.txt
WIKI_TRAIN=$CORPORA/wikiser/train.txt.gz
WIKI_DEV=$CORPORA/wikiser/dev.txt
TEMPLATE=$TOP/tests/data/features_conll2000.tpl
# CoNLL-2000 is trained on CRFsuite's objective (L2, c2 = 1, delta 1e-5): with
# a template crftag's default is the elastic net, which CRFsuite is not given
L2="--c1 0 --c2 1 --delta 1e-5"

if [ ! -f "$CONLL_TRAIN" ] || [ ! -f "$CONLL_TEST" ]; then
    echo "bench: the corpora are not here ($CORPORA/conll2000/train.txt.gz, test.txt);"
    echo "bench: set CORPORA=DIR to the directory holding conll2000/ and wikiser/. Nothing run."
    exit 0
fi
if [ ! -x /usr/bin/time ]; then
    echo "bench: /usr/bin/time (GNU time, Debian package 'time') is needed for peak memory. Nothing run."
    exit 0
fi
HAVE_CRFSUITE=0
if command -v node >/dev/null 2>&1 && [ -f "$BENCH/node_modules/crfsuite/package.json" ]; then
    HAVE_CRFSUITE=1
else
    echo "bench: CRFsuite (npm package crfsuite in bench/node_modules) is not installed: crftag only"
fi
mkdir -p "$OUT"
[ "${BENCH_TABLE_ONLY:-0}" = 1 ] || rm -f "$OUT"/*.time "$OUT"/*.val

# timed NAME CMD...: runs CMD (stdout > NAME.out, stderr > NAME.err) under
# GNU time into NAME.time: "wall user sys maxrss_kb"; returns CMD's status.
timed() {
    _tn=$1
    shift
    if [ -n "$BENCH_LOCK" ]; then
        flock "$BENCH_LOCK" /usr/bin/time -f '%e %U %S %M' -o "$OUT/$_tn.time" "$@" \
            > "$OUT/$_tn.out" 2> "$OUT/$_tn.err"
    else
        /usr/bin/time -f '%e %U %S %M' -o "$OUT/$_tn.time" "$@" \
            > "$OUT/$_tn.out" 2> "$OUT/$_tn.err"
    fi
    _rc=$?
    if [ $_rc -ne 0 ]; then
        echo "bench: $_tn failed (exit $_rc), see $OUT/$_tn.err" >&2
        rm -f "$OUT/$_tn.time"
    fi
    return $_rc
}
# field NAME N: field N (1 wall, 2 user, 3 sys, 4 KB) of NAME.time, else "-"
field() { [ -f "$OUT/$1.time" ] && tail -n 1 "$OUT/$1.time" | awk -v n="$2" '{print $n}' || echo -; }
wall() { field "$1" 1; }
cpu() { [ -f "$OUT/$1.time" ] && tail -n 1 "$OUT/$1.time" | awk '{printf "%.1f", $2 + $3}' || echo -; }
rss_mb() { [ -f "$OUT/$1.time" ] && tail -n 1 "$OUT/$1.time" | awk '{printf "%.1f", $4 * 1024 / 1e6}' || echo -; }
size_mb() { [ -f "$1" ] && stat -c %s "$1" | awk '{printf "%.1f", $1 / 1e6}' || echo -; }
# median wall time of TAG_RUNS runs of CMD (stdout to OUTFILE), "-" on failure
median_wall() {
    _bo=$1
    shift
    ${BENCH_LOCK:+flock "$BENCH_LOCK"} sh "$BENCH/median.sh" "$TAG_RUNS" "$_bo" "$@" \
        2>> "$OUT/median.err" || echo -
}
f1_of() { sed -n 's/^accuracy:.*FB1: *\([0-9.]*\).*/\1/p' "$1" 2>/dev/null | head -n 1; }
tokens_of() { sed -n 's/^processed \([0-9]*\) tokens.*/\1/p' "$1" 2>/dev/null | head -n 1; }
div() { echo "$1 $2" | awk '{ if ($1 == "-" || $2 == "-" || $1 == "" || $2 == "" || $2 == 0) print "-"; else printf "%.'"${3:-2}"'f", $1 / $2 }'; }
# crftag's own iteration count and training seconds from `crftag info`
info_iter() { "$CRFTAG" info "$1" 2>/dev/null | sed -n 's/^ *\([0-9]*\) iterations, \([0-9.]*\) s.*/\1/p'; }
# seconds per iteration from crftag's progress lines (iterations 2..last)
iter_secs() {
    awk '$1 == "iter" { if ($2 == 2) t0 = $NF + 0; last = $2; t1 = $NF + 0 }
         END { if (last > 2) printf "%.3f", (t1 - t0) / (last - 2); else print "-" }' "$1"
}

# one corpus: crftag train/tag/eval, optionally CRFsuite; results in $OUT/NAME.val
run_corpus() {
    name=$1 train=$2 test=$3 crfs=$4
    shift 4
    echo "bench: $name: crftag train ($THREADS threads)" >&2
    rm -f "$OUT/$name".* "$OUT/$name"-*
    # --bias 0: one training of the same objective as CRFsuite's (the default
    # "auto" trains a second time to choose the label bias)
    timed "$name-crftag-train" "$CRFTAG" train -j "$THREADS" --bias 0 "$@" -o "$OUT/$name.crftag" "$train"
    "$CRFTAG" eval -q -m "$OUT/$name.crftag" "$test" > "$OUT/$name-crftag-eval.txt" 2>&1
    ntok=$(tokens_of "$OUT/$name-crftag-eval.txt")
    echo "bench: $name: crftag tag (median of $TAG_RUNS)" >&2
    tw=$(median_wall "$OUT/$name-crftag.tagged" "$CRFTAG" tag -m "$OUT/$name.crftag" --tokenized "$test")
    {
        echo "c_wall=$(wall "$name-crftag-train")"
        echo "c_cpu=$(cpu "$name-crftag-train")"
        echo "c_iter=$(info_iter "$OUT/$name.crftag")"
        echo "c_spi=$(iter_secs "$OUT/$name-crftag-train.err")"
        echo "c_rss=$(rss_mb "$name-crftag-train")"
        echo "c_size=$(size_mb "$OUT/$name.crftag")"
        echo "c_tps=$(div "$ntok" "$tw" 0)"
        echo "c_load=$(div "$(median_wall /dev/null "$CRFTAG" info "$OUT/$name.crftag")" 0.001 0)"
        echo "c_f1=$(f1_of "$OUT/$name-crftag-eval.txt")"
        echo "ntok=$ntok"
    } > "$OUT/$name.val"
    if [ "$crfs" = 1 ] && [ "$HAVE_CRFSUITE" = 1 ]; then
        echo "bench: $name: features for CRFsuite (featdump)" >&2
        # the training file as the trainer saw it (the entity lexicon in its
        # held-out blocks), the test file as tagging sees it (the whole lexicon)
        "$FEATDUMP" -m "$OUT/$name.crftag" --train "$train" > "$OUT/$name-train.attr" &&
        "$FEATDUMP" -m "$OUT/$name.crftag" "$test" > "$OUT/$name-test.attr"
        echo "bench: $name: CRFsuite train (1 thread)" >&2
        rm -f "$OUT/$name.crfsuite"
        timed "$name-crfsuite-train" node "$BENCH/crfsuite.js" train "$OUT/$name-train.attr" \
            "$OUT/$name.crfsuite" "$OUT/$name-crfsuite-train.json" 1.0
        echo "bench: $name: CRFsuite tag (median of $TAG_RUNS)" >&2
        sw=$(median_wall "$OUT/$name-crfsuite-tag.out" node "$BENCH/crfsuite.js" tag \
             "$OUT/$name.crfsuite" "$OUT/$name-test.attr" "$OUT/$name-crfsuite.pred" \
             "$OUT/$name-crfsuite-tag.json")
        "$CRFTAG" eval -q --pred "$OUT/$name-crfsuite.pred" > "$OUT/$name-crfsuite-eval.txt" 2>&1
        siter=$(grep -c '^\*\*\*\*\* Iteration #' "$OUT/$name-crfsuite-train.out" 2>/dev/null)
        # CRFsuite's own log counts CPU seconds (clock()); the wall time of
        # train() measured in node, over the iterations, compares with crftag
        strain=$(sed -n 's/.*"train_seconds":\([0-9.e-]*\).*/\1/p' "$OUT/$name-crfsuite-train.json")
        sspi=$(div "$strain" "$siter" 3)
        {
            echo "s_wall=$(wall "$name-crfsuite-train")"
            echo "s_cpu=$(cpu "$name-crfsuite-train")"
            echo "s_iter=${siter:--}"
            echo "s_spi=${sspi:--}"
            echo "s_rss=$(rss_mb "$name-crfsuite-train")"
            echo "s_size=$(size_mb "$OUT/$name.crfsuite")"
            echo "s_tps=$(div "$ntok" "$sw" 0)"
            echo "s_f1=$(f1_of "$OUT/$name-crfsuite-eval.txt")"
            j=$OUT/$name-crfsuite-tag.json
            echo "s_load=$(div "$(sed -n 's/.*"load_seconds":\([0-9.e-]*\).*/\1/p' "$j")" 0.001 0)"
            echo "s_tps_in=$(div "$ntok" "$(sed -n 's/.*"total_seconds":\([0-9.e-]*\).*/\1/p' "$j")" 0)"
            echo "s_tps_tag=$(div "$ntok" "$(sed -n 's/.*"tag_call_seconds":\([0-9.e-]*\).*/\1/p' "$j")" 0)"
        } >> "$OUT/$name.val"
    fi
}

# crftag training with 1 thread on CoNLL (for the thread speed-up)
run_conll_1thread() {
    echo "bench: conll: crftag train (1 thread)" >&2
    timed conll-crftag-train-1 "$CRFTAG" train -j 1 --bias 0 $L2 --template "$TEMPLATE" \
        -o "$OUT/conll-1.crftag" "$CONLL_TRAIN"
    echo "c1_wall=$(wall conll-crftag-train-1)" >> "$OUT/conll.val"
    echo "c1_spi=$(iter_secs "$OUT/conll-crftag-train-1.err")" >> "$OUT/conll.val"
}

row() {  # label crftag crfsuite [digits]
    printf '| %s | %s | %s | %s |\n' "$1" "$2" "$3" "$(div "$2" "$3" "${4:-2}")"
}

table() {  # name title
    c1_spi=- s_tps_in=- s_tps_tag=- c_load=- s_load=-
    c_wall=- c_cpu=- c_iter=- c_spi=- c_rss=- c_size=- c_tps=- c_f1=- c1_wall=-
    s_wall=- s_cpu=- s_iter=- s_spi=- s_rss=- s_size=- s_tps=- s_f1=- ntok=-
    . "$OUT/$1.val"
    echo
    echo "### $2"
    echo
    echo "| | crftag | CRFsuite 0.12 | crftag / CRFsuite |"
    echo "|---|---|---|---|"
    row "training wall, s (crftag $THREADS threads, CRFsuite 1)" "$c_wall" "$s_wall"
    row "training CPU (user + sys), s" "$c_cpu" "$s_cpu"
    row "L-BFGS iterations" "$c_iter" "$s_iter"
    row "s / iteration" "$c_spi" "$s_spi"
    row "peak RSS in training, MB" "$c_rss" "$s_rss"
    row "model file, MB" "$c_size" "$s_size"
    row "model load, ms (crftag: \`crftag info\` process; CRFsuite: open())" "$c_load" "$s_load"
    row "tagging, tokens/s end to end, 1 thread" "$c_tps" "$s_tps"
    row "F1 (conlleval)" "$c_f1" "$s_f1" 3
    if [ "$s_tps_in" != "-" ]; then
        echo
        echo "CRFsuite tagging inside node (no start-up): $s_tps_in tokens/s reading the attribute" \
             "file, tagging and writing; $s_tps_tag tokens/s in tag() alone."
    fi
    if [ "$c1_wall" != "-" ]; then
        echo
        echo "crftag training with 1 thread: $c1_wall s wall, $c1_spi s / iteration;" \
             "speed-up with $THREADS threads: $(div "$c1_wall" "$c_wall") x (wall), $(div "$c1_spi" "$c_spi") x (per iteration)"
    fi
    echo
    echo "$ntok test tokens."
}

if [ "${BENCH_TABLE_ONLY:-0}" != 1 ]; then
    run_corpus conll "$CONLL_TRAIN" "$CONLL_TEST" 1 $L2 --template "$TEMPLATE"
    run_conll_1thread
    if [ -f "$WIKI_TRAIN" ] && [ -f "$WIKI_DEV" ]; then
        run_corpus wikiser "$WIKI_TRAIN" "$WIKI_DEV" "$BENCH_WIKISER"
    else
        echo "bench: no WikiSER corpus in $CORPORA/wikiser: skipped" >&2
    fi
fi

{
    echo "## crftag vs CRFsuite ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg))"
    table conll "CoNLL-2000 chunking, classic template (train.txt.gz -> test.txt)"
    if [ -f "$OUT/wikiser.val" ]; then
        table wikiser "WikiSER, built-in NER features (train.txt.gz -> dev.txt)"
        [ "$BENCH_WIKISER" = 1 ] || echo "(CRFsuite on WikiSER: make bench-full or BENCH_WIKISER=1, ~10 minutes.)"
    fi
    echo
    echo "CRFsuite reads the attributes crftag computes (bench/featdump, computed beforehand, not timed):"
    echo "on the training file those crftag trained on (the entity lexicon in held-out blocks), on the"
    echo "test file those of tagging;"
    echo "its tagging time is node's: start, model, attribute file, tag(), writing the labels."
    if [ "$HAVE_CRFSUITE" = 1 ] &&
       timed node-idle node -e "require('$BENCH/node_modules/crfsuite')"; then
        echo "Node with the binding loaded and nothing done: $(rss_mb node-idle) MB peak RSS, $(wall node-idle) s"
        echo "(included in CRFsuite's figures)."
    fi
} | tee "$OUT/table.md"

# the floor and the thread scaling of tagging through the library
[ "${BENCH_TABLE_ONLY:-0}" = 1 ] && exit 0
{
    echo
    echo "## Inner loops alone ($BUILD/bench/micro)"
    echo
    echo '```'
    ${BENCH_LOCK:+flock "$BENCH_LOCK"} "$BUILD/bench/micro"
    echo '```'
    echo
    echo "## Tagging through the library, threads ($BUILD/bench/tagmt, CoNLL-2000 test, in memory)"
    echo
    echo '```'
    ${BENCH_LOCK:+flock "$BENCH_LOCK"} "$BUILD/bench/tagmt" "$OUT/conll.crftag" "$CONLL_TEST" "$(nproc)" 5
    echo '```'
} | tee -a "$OUT/table.md"
