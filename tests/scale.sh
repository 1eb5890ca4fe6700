#!/bin/sh
# Scaling out.  Data-parallel training (crftag-mpi under mpirun): the same
# objective at every iteration, the same iteration count and the same tagged
# output as one process, for 1 to 4 ranks and every way of splitting the
# input (a file a rank, ranges of bytes of one plain file, blocks of the
# sentences of a gzip file), with the default options (the label bias "auto") and with
# --dev-patience; a bad input on rank 1 and a rank killed with SIGKILL stop
# the job with the previous model intact; SIGINT to mpirun stops every rank
# at the same iteration and rank 0 writes the model so far, a second signal
# aborts.  Tagging with GNU
# parallel (docs/SCALING.md's recipes): the same output as one process.
# Usage: BUILD=build sh tests/scale.sh   (from the repository root; the MPI
# part is skipped without mpirun or build/crftag-mpi, the GNU parallel part
# without parallel).  Prints "scale: N passed, N failed" last.
BUILD=${BUILD:-build}
CRFTAG="$BUILD/crftag"
MPI="$BUILD/crftag-mpi"
if [ "$(id -u)" = 0 ]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none
RUN="mpirun --oversubscribe"
T=$(mktemp -d "${TMPDIR:-/tmp}/crftag-scale.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1"; [ -f "$T/err" ] && sed 's/^/       /' "$T/err" | head -8; }

# 300 sentences of WikiSER train, cut in two files (100 + 200) for the runs
# on two files; 200 sentences of WikiSER dev
gzip -dc corpora/wikiser-train.txt.gz | awk '/^<s>$/ { n++ } n <= 300' > "$T/train.txt"
awk '/^<s>$/ { n++ } n <= 100' "$T/train.txt" > "$T/a.txt"
awk '/^<s>$/ { n++ } n > 100' "$T/train.txt" > "$T/b.txt"
gzip -n -c "$T/train.txt" > "$T/train.txt.gz"
gzip -dc corpora/wikiser-dev.txt.gz | awk '/^<s>$/ { n++ } n <= 200' > "$T/dev.txt"
# the default options (the label bias "auto": 0.5 on these 300 sentences).
# Its final training continues from the first one's weights: 60 iterations
# in a row amplify the last-bit differences of sums taken in another order
# (4e-8 relative measured on 4 ranks), so the objectives are compared within
# 1e-6 there (1e-9 with --bias 0: BIAS0, 30 iterations)
TRAIN="--quiet --max-iter 30 --threads 1"
BIAS0="--quiet --bias 0 --max-iter 30 --threads 1"
TOL=1e-6

# same NAME TRACE0 MODEL0 TRACE MODEL [FILE]: objectives within $TOL
# (relative) at every iteration, as many iterations, identical
# tagged output of FILE (default: the dev slice)
same() {
    if [ -s "$2" ] && [ -s "$4" ] &&
       [ "$(wc -l < "$2")" -eq "$(wc -l < "$4")" ] &&
       paste "$2" "$4" | awk -F '\t' -v tol="$TOL" '{ d = $2 - $7; if (d < 0) d = -d;
                                        if ($1 != $6 || d > tol * $2) { print "iteration " $1 ": " $2 " vs " $7; bad = 1 } }
                                      END { exit bad }' > "$T/err" &&
       "$CRFTAG" tag -m "$3" --tokenized "${6:-$T/dev.txt}" > "$T/tag0" &&
       "$CRFTAG" tag -m "$5" --tokenized "${6:-$T/dev.txt}" > "$T/tag1" &&
       cmp -s "$T/tag0" "$T/tag1"; then
        ok "$1"
    else
        fail "$1"
    fi
}

if command -v mpirun >/dev/null 2>&1 && [ -x "$MPI" ]; then
# --- the same result as one process ---
"$CRFTAG" train $TRAIN --trace "$T/t0" -o "$T/m0.crftag" "$T/train.txt" 2> "$T/err" ||
    fail "single-process training"
# the bias "auto" chose a bias, so that a rank choosing another shows
if "$CRFTAG" info "$T/m0.crftag" | grep -q "B-Application .* bias +0.5$"; then
    ok "one process: --bias auto chose 0.5"; else "$CRFTAG" info "$T/m0.crftag" > "$T/err"; fail "one process: --bias auto chose 0.5"; fi
for n in 1 2 3 4; do
    $RUN -np $n "$MPI" train $TRAIN --trace "$T/t$n" -o "$T/m$n.crftag" "$T/train.txt" 2> "$T/err"
    same "$n rank(s), one plain file (ranges of bytes), --bias auto" "$T/t0" \
        "$T/m0.crftag" "$T/t$n" "$T/m$n.crftag"
done
"$CRFTAG" train $BIAS0 --trace "$T/b0" -o "$T/b0.crftag" "$T/train.txt" 2> "$T/err" ||
    fail "single-process training, --bias 0"
TOL=1e-9
for n in 2 4; do
    $RUN -np $n "$MPI" train $BIAS0 --trace "$T/b$n" -o "$T/b$n.crftag" "$T/train.txt" 2> "$T/err"
    same "$n ranks, one plain file (ranges of bytes), --bias 0" "$T/b0" "$T/b0.crftag" \
        "$T/b$n" "$T/b$n.crftag"
done
TOL=1e-6
# a file of 3 sentences on up to 4 ranks: ranges where no sentence starts
# (under 100 sentences: no first training, so 1e-9)
awk '/^<s>$/ { n++ } n <= 3' "$T/train.txt" > "$T/tiny.txt"
"$CRFTAG" train $TRAIN --max-iter 10 --trace "$T/y0" -o "$T/y0.crftag" "$T/tiny.txt" 2> "$T/err" ||
    fail "single-process training, 3 sentences"
TOL=1e-9
for n in 2 3 4; do
    $RUN -np $n "$MPI" train $TRAIN --max-iter 10 --trace "$T/y$n" -o "$T/y$n.crftag" "$T/tiny.txt" 2> "$T/err"
    same "$n ranks, a plain file of 3 sentences" "$T/y0" "$T/y0.crftag" "$T/y$n" "$T/y$n.crftag"
done
TOL=1e-6
$RUN -np 2 "$MPI" train $TRAIN --trace "$T/tf" -o "$T/mf.crftag" "$T/a.txt" "$T/b.txt" 2> "$T/err"
same "2 ranks, two files (a file a rank)" "$T/t0" "$T/m0.crftag" "$T/tf" "$T/mf.crftag"
$RUN -np 3 "$MPI" train $TRAIN --trace "$T/tz" -o "$T/mz.crftag" "$T/train.txt.gz" 2> "$T/err"
same "3 ranks, one gzip file" "$T/t0" "$T/m0.crftag" "$T/tz" "$T/mz.crftag"
# the info of the models: same attributes, features, labels and counts
"$CRFTAG" info "$T/m0.crftag" | grep -v -e '^model:' -e 'iterations,' > "$T/i0"
"$CRFTAG" info "$T/m3.crftag" | grep -v -e '^model:' -e 'iterations,' > "$T/i3"
if cmp -s "$T/i0" "$T/i3"; then ok "3 ranks: same model info"; else diff "$T/i0" "$T/i3" > "$T/err"; fail "3 ranks: same model info"; fi

# CRFsuite's format with weighted attributes (name:weight): the weights
# travel with the attribute ids
CS=tests/data/crfsuite_conll_30.txt
"$CRFTAG" train $TRAIN --trace "$T/w0" -o "$T/w0.crftag" "$CS" 2> "$T/err" ||
    fail "single-process training, CRFsuite's format"
TOL=1e-9                         # 30 sentences: no first training
for n in 2 4; do
    $RUN -np $n "$MPI" train $TRAIN --trace "$T/w$n" -o "$T/w$n.crftag" "$CS" 2> "$T/err"
    same "$n ranks, CRFsuite's format, weighted attributes" "$T/w0" "$T/w0.crftag" "$T/w$n" \
        "$T/w$n.crftag" "$CS"
done
TOL=1e-6

# counts merged: min-freq and all-labels cut on the sums; L1 (OWL-QN)
OPTS="--min-freq 2 --all-labels 20 --c1 0.05 --lexicon-folds 7"
"$CRFTAG" train $TRAIN $OPTS --trace "$T/u0" -o "$T/u0.crftag" "$T/train.txt" 2> "$T/err" ||
    fail "single-process training, min-freq, all-labels, c1"
$RUN -np 4 "$MPI" train $TRAIN $OPTS --trace "$T/u4" -o "$T/u4.crftag" "$T/a.txt" "$T/b.txt" 2> "$T/err"
same "4 ranks, two files: min-freq, all-labels, c1, 7 lexicon folds" "$T/u0" "$T/u0.crftag" "$T/u4" "$T/u4.crftag"

# --dev is scored on rank 0 and reported
$RUN -np 2 "$MPI" train --bias 0 --max-iter 3 --threads 1 --dev "$T/dev.txt" -o "$T/md.crftag" \
    "$T/train.txt" > "$T/out" 2> "$T/err"
if [ "$(grep -c 'dev F1' "$T/err")" -eq 3 ] && grep -q "2 ranks; .* gradient sums" "$T/err"; then
    ok "--dev: progress on rank 0 only, the cost of the collectives"; else fail "--dev: progress on rank 0"; fi

# --dev-patience: the dev F1 of rank 0 decides for every rank, as one process
TOL=1e-9
DP="--quiet --bias 0 --max-iter 60 --threads 1 --c2 0.01 --dev $T/dev.txt --dev-patience 2"
"$CRFTAG" train $DP --trace "$T/p0" -o "$T/p0.crftag" "$T/train.txt" 2> "$T/err" ||
    fail "single-process training, --dev-patience"
$RUN -np 3 "$MPI" train $DP --trace "$T/p3" -o "$T/p3.crftag" "$T/train.txt" 2> "$T/err"
if "$CRFTAG" info "$T/p0.crftag" | grep -q "early stopping"; then
    same "3 ranks: --dev-patience stops at the same iteration, keeps the same weights" \
        "$T/p0" "$T/p0.crftag" "$T/p3" "$T/p3.crftag"
else
    fail "one process: --dev-patience did not stop early"
fi

# --- faults: the previous model stays ---
cp "$T/m0.crftag" "$T/keep.crftag"
cp "$T/m0.crftag" "$T/prev.crftag"
# a bad line in the file of rank 1 (the second file)
sed '5s/.*/bad	line	three/' "$T/b.txt" > "$T/bad.txt"
timeout 120 $RUN -np 2 "$MPI" train $TRAIN -o "$T/prev.crftag" "$T/a.txt" "$T/bad.txt" > "$T/out" 2> "$T/err"
rc=$?
if [ "$rc" -ne 0 ] && grep -q "bad.txt:5: more than 2 TAB-separated fields" "$T/err" &&
   cmp -s "$T/prev.crftag" "$T/keep.crftag"; then
    ok "bad input on rank 1: file:line, no model"; else fail "bad input on rank 1 (exit $rc)"; fi

# a bad line in the byte range of rank 2 of 3: the file's line number
sed '700s/.*/bad	line	three/' "$T/train.txt" > "$T/bad1.txt"
timeout 120 $RUN -np 3 "$MPI" train $TRAIN -o "$T/prev.crftag" "$T/bad1.txt" > "$T/out" 2> "$T/err"
rc=$?
if [ "$rc" -ne 0 ] && grep -q "bad1.txt:700: more than 2 TAB-separated fields" "$T/err" &&
   cmp -s "$T/prev.crftag" "$T/keep.crftag"; then
    ok "bad input in a range of bytes: file:line of the file, no model"; else fail "bad input in a range of bytes (exit $rc)"; fi

# --input-format is honoured where the ranks split the sentences of a gzip
# file: CRFsuite's format read as columns stops at the first line whose field
# count differs (detected, the file trains)
gzip -n -c tests/data/crfsuite_conll_30.txt > "$T/attrs.txt.gz"
timeout 120 $RUN -np 3 "$MPI" train $TRAIN --input-format columns -o "$T/prev.crftag" \
    "$T/attrs.txt.gz" > "$T/out" 2> "$T/err"
rc=$?
if [ "$rc" -ne 0 ] && grep -q "attrs.txt.gz:17: expected 11 columns" "$T/err" &&
   cmp -s "$T/prev.crftag" "$T/keep.crftag"; then
    ok "3 ranks, one gzip file: --input-format columns honoured"; else fail "--input-format on split sentences (exit $rc)"; fi

# an unreadable --dev file (read by rank 0 only) stops every rank (timeout:
# a rank left in a collective would hang the job)
timeout 120 $RUN -np 2 "$MPI" train $TRAIN --dev "$T/no-such-dev.txt" -o "$T/prev.crftag" \
    "$T/train.txt" > "$T/out" 2> "$T/err"
rc=$?
if [ "$rc" -ne 0 ] && grep -q "no-such-dev.txt: cannot open" "$T/err" &&
   cmp -s "$T/prev.crftag" "$T/keep.crftag"; then
    ok "unreadable --dev on rank 0: every rank stops, no model"; else fail "unreadable --dev (exit $rc)"; fi

# long runs for the signals: a rank killed, Ctrl-C
# wait_trace: until training has reported an iteration (at most 60 s)
wait_trace() { i=0; while [ ! -s "$1" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done; }
# wait_pid PID: until it ends (at most 60 s); 1 when it did not
wait_pid() { i=0; while kill -0 "$1" 2>/dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
             ! kill -0 "$1" 2>/dev/null; }
LONG="--quiet --bias 0 --max-iter 100000 --delta 0 --epsilon 0 --threads 1"

rm -f "$T/tk"
$RUN -np 2 "$MPI" train $LONG --trace "$T/tk" -o "$T/prev.crftag" "$T/train.txt" > "$T/out" 2> "$T/err" &
job=$!
wait_trace "$T/tk"
victim=$(pgrep -P "$job" -f crftag-mpi | tail -n 1)
if [ -n "$victim" ]; then kill -9 "$victim"; fi
if wait_pid "$job"; then wait "$job"; rc=$?; else kill -9 "$job"; rc=timeout; fi
if [ -n "$victim" ] && [ "$rc" != 0 ] && [ "$rc" != timeout ] && cmp -s "$T/prev.crftag" "$T/keep.crftag"; then
    ok "a rank killed (SIGKILL): the job fails, the previous model intact"
else
    echo "       exit $rc, victim '$victim'" >> "$T/err"; fail "a rank killed (SIGKILL)"
fi

# Ctrl-C: Open MPI's mpirun (4.1) answers SIGINT or SIGTERM with SIGCONT to
# the ranks, SIGTERM odls_base_sigkill_timeout seconds later (default 1) and
# SIGKILL as long after that: 10 s here, time enough for the ranks to end the
# iteration and rank 0 to write the model (under load too)
gzip -dc corpora/wikiser-train.txt.gz | awk '/^<s>$/ { n++ } n <= 3000' > "$T/big.txt"
rm -f "$T/ti"
OMPI_MCA_odls_base_sigkill_timeout=10 $RUN -np 2 "$MPI" train $LONG --trace "$T/ti" \
    -o "$T/prev.crftag" "$T/big.txt" > "$T/out" 2> "$T/err" &
job=$!
wait_trace "$T/ti"
kill -INT "$job"
if wait_pid "$job"; then wait "$job"; rc=$?; else kill -9 "$job"; rc=timeout; fi
"$CRFTAG" info "$T/prev.crftag" > "$T/info" 2>> "$T/err"
if [ "$rc" != 0 ] && [ "$rc" != timeout ] && grep -q "interrupted after [0-9]* iteration" "$T/info" &&
   grep -q "interrupted after .*; wrote $T/prev.crftag" "$T/err"; then
    ok "SIGINT to mpirun: every rank stops at the same iteration, rank 0 writes the model"
else
    echo "       exit $rc" >> "$T/err"; fail "SIGINT to mpirun: the model so far"
fi

# a second signal (SIGTERM to each rank twice): abort, the previous model intact
cp "$T/keep.crftag" "$T/prev.crftag"
rm -f "$T/ti"
$RUN -np 2 "$MPI" train $LONG --trace "$T/ti" -o "$T/prev.crftag" "$T/big.txt" > "$T/out" 2> "$T/err" &
job=$!
wait_trace "$T/ti"
ranks=$(pgrep -P "$job" -f crftag-mpi)
for r in $ranks; do kill -TERM "$r"; done
sleep 0.1
for r in $ranks; do kill -TERM "$r"; done
if wait_pid "$job"; then wait "$job"; rc=$?; else kill -9 "$job"; rc=timeout; fi
if [ -n "$ranks" ] && [ "$rc" != 0 ] && [ "$rc" != timeout ] && cmp -s "$T/prev.crftag" "$T/keep.crftag"; then
    ok "two signals to the ranks: abort, the previous model intact"
else
    echo "       exit $rc, ranks '$ranks'" >> "$T/err"; fail "two signals to the ranks"
fi

else
    echo "skip - data-parallel training (no mpirun or $MPI)"
fi

# --- tagging with GNU parallel: the same output as one process ---
# a model of the training slice (trained above, or here without MPI)
[ -s "$T/m0.crftag" ] || "$CRFTAG" train $TRAIN -o "$T/m0.crftag" "$T/train.txt" 2> "$T/err"
if command -v parallel >/dev/null 2>&1; then
    # tokenized WikiSER blocks, cut at sentence starts, in order (-k)
    "$CRFTAG" tag -m "$T/m0.crftag" --tokenized "$T/dev.txt" > "$T/one" 2> "$T/err"
    parallel --will-cite --pipepart -a "$T/dev.txt" --block 20k --recstart '<s>\n' -k \
        --joblog "$T/jobs" "$CRFTAG" tag -m "$T/m0.crftag" --tokenized > "$T/many" 2>> "$T/err"
    if [ "$(wc -l < "$T/jobs")" -gt 3 ] && [ -s "$T/one" ] && cmp -s "$T/one" "$T/many"; then
        ok "parallel --pipepart: tokenized input, the output of one process"
    else fail "parallel --pipepart (tokenized)"; fi
    # JSON lines (one text in, one record out), as Spark's RDD.pipe and
    # Hadoop Streaming feed them
    awk -F '\t' '/^<s>$/ { s = ""; next } /^<\/s>$/ { print s; next } { s = s (s == "" ? "" : " ") $1 }' \
        "$T/dev.txt" | sed 's/\\/\\\\/g; s/"/\\"/g; s/^/{"text": "/; s/$/"}/' > "$T/in.jsonl"
    "$CRFTAG" tag -m "$T/m0.crftag" -J jsonl < "$T/in.jsonl" > "$T/one" 2> "$T/err"
    parallel --will-cite --pipe --block 10k -k --joblog "$T/jobs" \
        "$CRFTAG" tag -m "$T/m0.crftag" -J jsonl < "$T/in.jsonl" > "$T/many" 2>> "$T/err"
    if [ "$(wc -l < "$T/jobs")" -gt 3 ] && [ "$(wc -l < "$T/one")" -eq "$(wc -l < "$T/in.jsonl")" ] &&
       grep -q '"entities":\[{' "$T/one" && cmp -s "$T/one" "$T/many"; then
        ok "parallel --pipe: JSON lines, one record out per record in, the output of one process"
    else fail "parallel --pipe (JSON lines)"; fi
else
    echo "skip - GNU parallel (not installed)"
fi

echo "scale: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
