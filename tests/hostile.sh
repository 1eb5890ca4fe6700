#!/bin/sh
# Hostile inputs and failing writes, through the real crftag program: each
# input either works (in bounded memory where it matters) or fails with a
# clear message and a non-zero exit, never a crash.
# Usage: BUILD=build sh tests/hostile.sh      (from the repository root)
# Prints "hostile: N passed, N failed" last; exits non-zero when a test failed.
# Under an ASan build (BUILD containing "asan") the inputs that only measure
# memory are smaller and the ulimit -v tests are skipped (ASan reserves
# terabytes of address space).
# HOSTILE_FULL=1 runs the full-size cases that are too slow for every run: a
# 2 GB line-less input (200 MB otherwise) and 2,000 labels (1,000 otherwise).
BUILD=${BUILD:-build}
CRFTAG="$BUILD/crftag"
T=$(mktemp -d "${TMPDIR:-/tmp}/crftag-hostile.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
chmod 755 "$T"
passed=0
failed=0
skipped=0
case $BUILD in *asan*) ASAN=1 ;; *) ASAN=0 ;; esac

ok() { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1"; [ -f "$T/err" ] && sed 's/^/       /' "$T/err" | head -5; }
skip() { skipped=$((skipped + 1)); echo "skip - $1"; }
# check NAME CMD...: the command must succeed
check() { name=$1; shift; if "$@" >"$T/out" 2>"$T/err"; then ok "$name"; else fail "$name"; fi; }
# refuse NAME PATTERN CMD...: exit 1 (a clean error, not a signal) and PATTERN on stderr
refuse() {
    name=$1 pat=$2; shift 2
    "$@" >"$T/out" 2>"$T/err"; rc=$?
    if [ "$rc" -eq 1 ] && grep -q -- "$pat" "$T/err"; then ok "$name"; else
        echo "       exit $rc (want 1), stderr:"; fail "$name"; fi
}
# rss_under NAME KB CMD...: the command succeeds with a peak RSS below KB
# (GNU time's %M); without /usr/bin/time only the exit status is checked
rss_under() {
    name=$1 kb=$2; shift 2
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f "%M" -o "$T/rss" "$@" >"$T/out" 2>"$T/err"; rc=$?
        rss=$(tail -n 1 "$T/rss")
        if [ "$rc" -eq 0 ] && [ "$rss" -lt "$kb" ]; then ok "$name (peak RSS $rss KB)"; else
            echo "       exit $rc, peak RSS $rss KB (limit $kb)"; fail "$name"; fi
    else
        check "$name (RSS not measured: no /usr/bin/time)" "$@"
    fi
}
loads() { "$CRFTAG" info "$1" >/dev/null 2>&1; }

MODEL=models/wikiser.crftag
SLICE=tests/data/corpus_wikiser_30.txt
if [ "$ASAN" = 1 ]; then MEMX=4; else MEMX=1; fi

# --- a 10 MB token ---
head -c 10000000 /dev/zero | tr '\0' a > "$T/tok10m.txt"
rss_under "tag: a 10 MB token (cut into 1 MiB pieces)" $((300000 * MEMX)) \
    "$CRFTAG" tag -m "$MODEL" "$T/tok10m.txt"
{ echo "<s>"; printf 'QEMU\tB-Application\n'; cat "$T/tok10m.txt"; printf '\tO\n.\tO\n</s>\n'; cat "$SLICE"; } > "$T/tok10m_train.txt"
check "train: a 10 MB token" "$CRFTAG" train --quiet --max-iter 3 --threads 2 -o "$T/m10.crftag" "$T/tok10m_train.txt"
loads "$T/m10.crftag" && ok "the 10 MB-token model loads" || fail "the 10 MB-token model loads"
check "tag --tokenized: a 10 MB token" "$CRFTAG" tag --tokenized -m "$T/m10.crftag" "$T/tok10m_train.txt"
[ "$(sed -n 2p "$T/out" | wc -c)" -gt 10000000 ] && ok "the 10 MB token comes back whole" ||
    fail "the 10 MB token comes back whole"
rm -f "$T/tok10m.txt" "$T/tok10m_train.txt"
# a corpus line over the reader's 64 MiB limit is refused with file:line
refuse "tag --tokenized: a 70 MB line" "<stdin>:2: line longer than 64 MiB" \
    sh -c "{ echo '<s>'; head -c 70000000 /dev/zero | tr '\\0' a; printf '\\tO\\n</s>\\n'; } | '$CRFTAG' tag --tokenized -m '$MODEL' -"

# --- a 1,000,000-token sentence (200,000 under ASan for training) ---
awk 'BEGIN { for (i = 0; i < 1000000; i++) printf "w%d ", i % 5000; print "" }' > "$T/m1.txt"
check "tag: one 1,000,000-token raw sentence" "$CRFTAG" tag -m "$MODEL" "$T/m1.txt"
[ "$(grep -c '	' "$T/out")" -eq 1000000 ] && ok "1,000,000 tags out" || fail "1,000,000 tags out"
if [ "$ASAN" = 1 ]; then NT=200000; else NT=1000000; fi
awk -v n=$NT 'BEGIN { print "<s>"; split("O B-Application I-Application O", L, " ");
    for (i = 0; i < n; i++) printf "w%d\t%s\n", i % 5000, L[i % 4 + 1]; print "</s>" }' > "$T/m1_train.txt"
check "train: one $NT-token sentence" "$CRFTAG" train --quiet --max-iter 2 --threads 2 -o "$T/m1.crftag" "$T/m1_train.txt"
check "tag --tokenized: the $NT-token sentence" "$CRFTAG" tag --tokenized -m "$T/m1.crftag" "$T/m1_train.txt"
[ "$(grep -c '	' "$T/out")" -eq "$NT" ] && ok "$NT tags out" || fail "$NT tags out"
rm -f "$T/m1.txt" "$T/m1_train.txt"

# --- a large line-less input through a pipe (never on disk): memory stays
# bounded.  200 MB (50 MB under ASan); HOSTILE_FULL=1 streams 2 GB, which
# takes 20-30 s here. ---
if [ "${HOSTILE_FULL:-0}" = 1 ]; then MB=2000; elif [ "$ASAN" = 1 ]; then MB=50; else MB=200; fi
rss_under "tag: $MB MB without a newline through a pipe" $((150000 * MEMX)) \
    sh -c "head -c ${MB}000000 /dev/zero | tr '\\0' a | '$CRFTAG' tag -m '$MODEL' | wc -c > '$T/lineless'"
# every byte came back: 1 MiB tokens, each followed by a TAB, its label and a newline
[ "$(cat "$T/lineless")" -gt "${MB}000000" ] && ok "the $MB MB come back as tokens" ||
    fail "the $MB MB come back as tokens"
# the limit: what the model alone takes, plus 150 MB for the 2 million tokens of one sentence
# (they take 143 MB; the base is the peak of loading the model, which is what it keeps)
base=$(echo QEMU | /usr/bin/time -f "%M" "$CRFTAG" tag -m "$MODEL" 2>&1 >/dev/null | tail -n 1)
case $base in ''|*[!0-9]*) base=70000 ;; esac
rss_under "tag: 20 MB of words without a newline" $(((base + 150000) * MEMX)) \
    sh -c "awk 'BEGIN { for (i = 0; i < 2000000; i++) printf \"word%d \", i % 100 }' | '$CRFTAG' tag -m '$MODEL' --format spans"

# --- NUL bytes ---
printf 'Q\000EMU uses SPICE.\000\n' > "$T/nul_raw.txt"
check "tag: NUL bytes in raw text (whitespace)" "$CRFTAG" tag -m "$MODEL" "$T/nul_raw.txt"
[ "$(cut -f1 "$T/out" | tr '\n' ' ')" = "Q EMU uses SPICE .  " ] && ok "NUL splits tokens" || fail "NUL splits tokens"
printf '<s>\nQE\000MU\tB-Application\nuses\tO\n</s>\n' > "$T/nul.txt"
refuse "train: NUL byte in a corpus line" "nul.txt:2: NUL byte" "$CRFTAG" train --quiet -o "$T/n.crftag" "$T/nul.txt"
refuse "tag --tokenized: NUL byte in a corpus line" "nul.txt:2: NUL byte" "$CRFTAG" tag --tokenized -m "$MODEL" "$T/nul.txt"

# --- invalid UTF-8 ---
printf '\377\376 QEMU \300\200 uses \342\202 SPICE\n' > "$T/bad8_raw.txt"
check "tag: invalid UTF-8 in raw text" "$CRFTAG" tag -m "$MODEL" "$T/bad8_raw.txt"
check "tag --format json: invalid UTF-8 in raw text" "$CRFTAG" tag -m "$MODEL" --format json "$T/bad8_raw.txt"
LC_ALL=C grep -q '"\\ufffd\\ufffd","QEMU"' "$T/out" && ok "json replaces invalid UTF-8 by U+FFFD" ||
    fail "json replaces invalid UTF-8 by U+FFFD"
printf '<s>\n\377\376\300\200\tB-Application\nuses\tO\n</s>\n' > "$T/bad8.txt"
check "train: invalid UTF-8 in a corpus" "$CRFTAG" train --quiet --max-iter 3 -o "$T/b8.crftag" "$T/bad8.txt"

# --- CRLF line ends ---
sed 's/$/\r/' "$SLICE" > "$T/crlf.txt"
check "train: WikiSER with CRLF" "$CRFTAG" train --quiet --max-iter 3 -o "$T/crlf.crftag" "$T/crlf.txt"
check "train: WikiSER with LF" "$CRFTAG" train --quiet --max-iter 3 -o "$T/lf.crftag" "$SLICE"
"$CRFTAG" info "$T/crlf.crftag" | sed -n '/^labels/,$p' > "$T/crlf.labels"
"$CRFTAG" info "$T/lf.crftag" | sed -n '/^labels/,$p' > "$T/lf.labels"
cmp -s "$T/crlf.labels" "$T/lf.labels" && ok "CRLF gives the same labels (no CR)" || fail "CRLF gives the same labels (no CR)"
gzip -dc tests/data/corpus_conll_30.txt.gz > "$T/conll.txt"
sed 's/$/\r/' "$T/conll.txt" > "$T/conll_crlf.txt"
printf 'U00:%%x[0,0]\r\nU01:%%x[0,1]\r\nB\r\n' > "$T/crlf.tpl"
check "train: CoNLL and template with CRLF" "$CRFTAG" train --quiet --max-iter 3 -t "$T/crlf.tpl" -o "$T/crlfc.crftag" "$T/conll_crlf.txt"
check "tag --tokenized: CoNLL with CRLF" "$CRFTAG" tag --tokenized -m "$T/crlfc.crftag" "$T/conll_crlf.txt"
! grep -q "$(printf '\r')" "$T/out" && ok "no CR in the tags" || fail "no CR in the tags"

# --- hostile user lexicon files (train --lexicon) ---
lexfail() { refuse "$1" "$2" "$CRFTAG" train --quiet --max-iter 1 -o "$T/lx.crftag" --lexicon "$3" "$SLICE"; }
printf 'Linux\tOperating_System\nQE\000MU\n' > "$T/lnul.txt"
lexfail "lexicon: NUL byte" "lnul.txt:2: lexicon: NUL byte" "$T/lnul.txt"
printf 'Linux\n\377\376\tLanguage\n' > "$T/l8.txt"
lexfail "lexicon: invalid UTF-8" "l8.txt:2: lexicon: not valid UTF-8" "$T/l8.txt"
lexfail "lexicon: a binary file" "lexicon: " "$CRFTAG"
awk 'BEGIN { for (t = 0; t < 300; t++) printf "name%d\ttype%d\n", t, t }' > "$T/ltypes.txt"
lexfail "lexicon: 300 types" "ltypes.txt:256: lexicon: type 'type255' is one more than the 255 types" "$T/ltypes.txt"
printf 'one two three four five six seven eight nine ten\tApplication\n' > "$T/llong.txt"
lexfail "lexicon: a 10-token name" "llong.txt:1: lexicon: name 'one two three four five six seven eight nine ten' has 10 tokens" "$T/llong.txt"
head -c 5000 /dev/zero | tr '\0' a > "$T/ltok.txt"
lexfail "lexicon: a 5000-byte token" "ltok.txt:1: lexicon: token 1 of the name has 5000 bytes" "$T/ltok.txt"
printf 'a\tb\tc\n' > "$T/ltab.txt"
lexfail "lexicon: two TABs" "ltab.txt:1: lexicon: more than one TAB" "$T/ltab.txt"
printf '# only comments\n\n   \n' > "$T/lempty.txt"
lexfail "lexicon: no entry" "no entry in the lexicon file" "$T/lempty.txt"
: > "$T/lzero.txt"
lexfail "lexicon: an empty file" "no entry in the lexicon file" "$T/lzero.txt"
lexfail "lexicon: a directory" "$T" "$T"
printf 'Linux\tOperating_System\n' | gzip -c | head -c 20 > "$T/ltrunc.gz"
lexfail "lexicon: truncated gzip" "ltrunc.gz" "$T/ltrunc.gz"
refuse "lexicon: a 70 MB line" "<stdin>:1: line longer than 64 MiB" \
    sh -c "head -c 70000000 /dev/zero | tr '\\0' a | '$CRFTAG' train --quiet -o '$T/lx.crftag' --lexicon - '$SLICE'"
i=0; set --; while [ $i -lt 65 ]; do set -- "$@" --lexicon "$T/ltab.txt"; i=$((i + 1)); done
"$CRFTAG" train -o "$T/lx.crftag" "$@" "$SLICE" > "$T/out" 2> "$T/err"
[ $? -eq 2 ] && grep -q "more than 64 times" "$T/err" && ok "lexicon: 65 files refused" || fail "lexicon: 65 files refused"
set --
[ ! -e "$T/lx.crftag" ] && ok "lexicon errors write no model" || fail "lexicon errors write no model"
# 200,000 entries, of up to 8 tokens: trains, the model loads and tags
awk 'BEGIN { for (i = 0; i < 200000; i++) printf "w%d x%d y z a b c %d\tT%d\n", i, i % 7, i % 5, i % 200 }' > "$T/lbig.txt"
rss_under "train: a 200,000-entry lexicon" $((400000 * MEMX)) \
    "$CRFTAG" train --quiet --max-iter 2 --threads 2 -o "$T/lbig.crftag" --lexicon "$T/lbig.txt" "$SLICE"
"$CRFTAG" info "$T/lbig.crftag" > "$T/out" 2>&1 && grep -q "^user lexicon:    200000 entries, 200 types" "$T/out" &&
    ok "the 200,000-entry lexicon model loads" || fail "the 200,000-entry lexicon model loads"
check "tag with the 200,000-entry lexicon model" "$CRFTAG" tag -m "$T/lbig.crftag" "$T/bad8_raw.txt"
rm -f "$T/lbig.txt" "$T/lbig.crftag"

# --- a template reading a missing column ---
printf 'U00:%%x[0,0]\nU01:%%x[0,5]\n' > "$T/miss.tpl"
refuse "train: template reads a missing column" "reads column 5" \
    "$CRFTAG" train --quiet -t "$T/miss.tpl" -o "$T/mc.crftag" "$T/conll.txt"

# a model reading 2 columns, given fewer at tagging time
printf 'U00:%%x[0,0]\nU01:%%x[0,1]\nB\n' > "$T/two.tpl"
"$CRFTAG" train --quiet --max-iter 3 -t "$T/two.tpl" -o "$T/two.crftag" "$T/conll.txt" 2>/dev/null
printf 'He\nis\n\n' > "$T/onecol.txt"
refuse "tag --tokenized: fewer columns than the model reads" "onecol.txt:1: 1 column per token, the model reads 2" \
    "$CRFTAG" tag --tokenized -m "$T/two.crftag" "$T/onecol.txt"
"$CRFTAG" tag -m "$T/two.crftag" "$T/onecol.txt" >"$T/out" 2>"$T/err"; rc=$?
[ "$rc" -eq 2 ] && grep -q "reads 2 columns per token; raw text has only the token" "$T/err" &&
    ok "tag: raw text with a 2-column model is refused" || fail "tag: raw text with a 2-column model is refused"

# --- label sets of 1 and of 2,000 ---
awk -F'\t' '/^<\/?s>$/ { print; next } { print $1 "\tO" }' "$SLICE" > "$T/one.txt"
check "train: a single label" "$CRFTAG" train --quiet --max-iter 5 -o "$T/one.crftag" "$T/one.txt"
echo "QEMU uses SPICE." | "$CRFTAG" tag -m "$T/one.crftag" > "$T/out" 2>"$T/err" &&
    [ "$(cut -f2 "$T/out" | sort -u | tr -d '\n')" = "O" ] && ok "the 1-label model tags O" || fail "the 1-label model tags O"
# 2,000 labels cost O(tokens x L^2) per evaluation (~80 s of CPU for one
# iteration here), so CI trains on 1,000 labels; HOSTILE_FULL=1 runs 2,000.
if [ "${HOSTILE_FULL:-0}" = 1 ]; then NL=2000; else NL=1000; fi
awk -v n=$NL 'BEGIN { for (s = 0; s < n / 8; s++) { print "<s>"; for (i = 0; i < 8; i++) { k = (s * 8 + i) % n; printf "w%d\tL%d\n", k, k }; print "</s>" } }' > "$T/lmany.txt"
check "train: $NL labels" "$CRFTAG" train --quiet --max-iter 1 --threads 2 -o "$T/lmany.crftag" "$T/lmany.txt"
"$CRFTAG" info "$T/lmany.crftag" 2>/dev/null | grep -q "^labels: *$NL\$" && ok "the model has $NL labels" || fail "the model has $NL labels"
check "tag with $NL labels" sh -c "echo 'w5 w7 w999' | '$CRFTAG' tag -m '$T/lmany.crftag'"

# --- empty and label-less training files ---
: > "$T/empty.txt"
refuse "train: an empty file" "no sentences" "$CRFTAG" train --quiet -o "$T/e.crftag" "$T/empty.txt"
printf '<s>\n</s>\n\n' > "$T/hollow.txt"
refuse "train: only empty sentences" "no sentences" "$CRFTAG" train --quiet -o "$T/e.crftag" "$T/hollow.txt"

# --- writes that fail: the previous model stays intact ---
"$CRFTAG" train --quiet --max-iter 3 -o "$T/prev.crftag" "$SLICE" 2>/dev/null
cp "$T/prev.crftag" "$T/prev.orig"
if [ "$(id -u)" != 0 ]; then
    mkdir "$T/ro" && cp "$T/prev.orig" "$T/ro/m.crftag" && chmod 555 "$T/ro"
    refuse "train: read-only output directory" "Permission denied" \
        "$CRFTAG" train --quiet --max-iter 3 -o "$T/ro/m.crftag" "$SLICE"
    cmp -s "$T/ro/m.crftag" "$T/prev.orig" && loads "$T/ro/m.crftag" && ok "read-only: previous model intact" ||
        fail "read-only: previous model intact"
    chmod 755 "$T/ro"
elif command -v setpriv >/dev/null 2>&1 &&
     setpriv --reuid=65534 --regid=65534 --clear-groups "$CRFTAG" --version >/dev/null 2>&1; then
    # as root: run as nobody, for whom the directory is read-only
    mkdir "$T/ro" && cp "$T/prev.orig" "$T/ro/m.crftag" && chmod 755 "$T/ro" && chmod 644 "$T/ro/m.crftag"
    refuse "train: read-only output directory (as nobody)" "Permission denied" \
        setpriv --reuid=65534 --regid=65534 --clear-groups \
        "$CRFTAG" train --quiet --max-iter 3 -o "$T/ro/m.crftag" "$T/one.txt"
    cmp -s "$T/ro/m.crftag" "$T/prev.orig" && loads "$T/ro/m.crftag" && ok "read-only: previous model intact" ||
        fail "read-only: previous model intact"
else
    skip "read-only output directory (root, and nobody cannot run $CRFTAG via setpriv)"
fi
# a full disk: a private /dev/full node as root (never the real one), else /dev/full
full=""
if [ "$(id -u)" = 0 ]; then mknod "$T/full" c 1 7 2>/dev/null && full="$T/full"; else full=/dev/full; fi
if [ -n "$full" ]; then
    refuse "train -o a full device" "No space left on device" \
        "$CRFTAG" train --quiet --max-iter 3 -o "$full" "$SLICE"
    [ -c "$full" ] && ok "the full device is still a device" || fail "the full device is still a device"
else
    skip "train -o /dev/full (root without mknod)"
fi
# a file size limit (EFBIG) while writing over the previous model
refuse "train: write fails (file size limit)" "File too large" \
    sh -c "trap '' XFSZ; ulimit -f 8; exec '$CRFTAG' train --quiet --max-iter 3 -o '$T/prev.crftag' '$SLICE'"
cmp -s "$T/prev.crftag" "$T/prev.orig" && loads "$T/prev.crftag" && ok "write failure: previous model intact" ||
    fail "write failure: previous model intact"
ls "$T" | grep -q 'prev.crftag.tmp' && fail "write failure: temporary file removed" || ok "write failure: temporary file removed"
# kill -9 at several moments of training and saving
intact=1
for d in 0.05 0.1 0.15 0.2 0.3 0.4; do
    "$CRFTAG" train --quiet --max-iter 3 -o "$T/prev.crftag" "$SLICE" 2>/dev/null &
    pid=$!
    sleep $d
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    loads "$T/prev.crftag" || intact=0
done
[ "$intact" = 1 ] && ok "kill -9 during train/save: the model always loads" || fail "kill -9 during train/save: the model always loads"

# --- out of memory ---
if [ "$ASAN" = 1 ]; then
    skip "ulimit -v (ASan build)"
else
    awk 'BEGIN { print "<s>"; for (i = 0; i < 300000; i++) printf "w%d\tO\n", i; print "</s>" }' > "$T/oom.txt"
    for v in 30000 100000; do
        refuse "train under ulimit -v $v" "out of memory" \
            sh -c "ulimit -v $v; exec '$CRFTAG' train --quiet --max-iter 2 --threads 1 -o '$T/oom.crftag' '$T/oom.txt'"
    done
    # the shipped model's load fails at these limits in three places (the payload, the
    # lexicon, the weights); it loads from about 52000 on
    for v in 20000 40000 46000; do
        refuse "load the model under ulimit -v $v" "out of memory" \
            sh -c "ulimit -v $v; echo QEMU | exec '$CRFTAG' tag -m '$MODEL'"
    done
    rm -f "$T/oom.txt"
fi

# --- adversarial training data: no NaN/Inf, the model loads ---
awk 'BEGIN { for (r = 0; r < 300; r++) {
    print "<s>\nQEMU\tB-Application\nuses\tO\nSPICE\tB-Protocol\n</s>";
    print "<s>\nQEMU\tO\nuses\tB-Protocol\nSPICE\tB-Application\n</s>" } }' > "$T/adv.txt"
check "train: duplicated, contradictory sentences, c2 = 0" "$CRFTAG" train --quiet --max-iter 50 --c2 0 -o "$T/adv.crftag" "$T/adv.txt"
"$CRFTAG" info "$T/adv.crftag" > "$T/out" 2>&1 && ! grep -qi 'nan\|inf ' "$T/out" && ok "the adversarial model loads, objective finite" ||
    fail "the adversarial model loads, objective finite"

# --- a diverging optimization: a clear optimizer reason, the previous model kept ---
cp "$T/prev.orig" "$T/div.crftag"
refuse "train: absurd L2 (c2 = 1e50) stops with the optimizer's reason" \
    "L-BFGS failed: line search step became smaller than the minimum" \
    "$CRFTAG" train --quiet --max-iter 50 --c2 1e50 -o "$T/div.crftag" "$SLICE"
cmp -s "$T/div.crftag" "$T/prev.orig" && ok "diverging: previous model intact" ||
    fail "diverging: previous model intact"

# --- foreign and corrupt model files ---
refuse "tag: a text file as model" "$SLICE" "$CRFTAG" tag -m "$SLICE" "$T/nul_raw.txt"
head -c 5000 "$T/prev.orig" > "$T/trunc.crftag"
refuse "tag: a truncated model" "trunc.crftag" "$CRFTAG" tag -m "$T/trunc.crftag" "$T/nul_raw.txt"
refuse "tag: an empty model" "e0.crftag" sh -c ": > '$T/e0.crftag'; exec '$CRFTAG' tag -m '$T/e0.crftag' '$T/nul_raw.txt'"

# --- raw text is read as paragraphs: a large input with line breaks but no blank
# line is one paragraph, and memory stays bounded (sentences tagged as found) ---
rss_under "tag: 20 MB of lines without a blank line (one paragraph)" $(((base + 140000) * MEMX)) \
    sh -c "awk 'BEGIN { for (i = 0; i < 1000000; i++) printf \"Linux runs QEMU %d.\\n\", i }' | '$CRFTAG' tag -m '$MODEL' --format spans | grep -c QEMU > '$T/para_n'"
[ "$(cat "$T/para_n")" -eq 1000000 ] && ok "every sentence of the paragraph tagged" ||
    fail "every sentence of the paragraph tagged ($(cat "$T/para_n"))"
# --- JSON lines: a line over 64 MiB is refused with its number, the next answered ---
{ printf '"'; head -c 70000000 /dev/zero | tr '\0' a; printf '"\n"Linux"\n'; } > "$T/long.jsonl"
refuse "tag -J jsonl: a 70 MB line" "long.jsonl:1: line longer than 64 MiB" "$CRFTAG" tag -m "$MODEL" -J jsonl "$T/long.jsonl"
[ "$(wc -l < "$T/out")" -eq 2 ] && grep -q '"text":"Linux"' "$T/out" && ok "the record after the long line is answered" ||
    fail "the record after the long line is answered"
rm -f "$T/long.jsonl"

echo "hostile: $skipped skipped"
echo "hostile: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
