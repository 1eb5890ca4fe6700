#!/bin/sh
# End-to-end tests: run the real crftag binary on the shipped WikiSER data.
# Usage: BUILD=build sh tests/e2e.sh      (from the repository root)
# Prints "e2e: N passed, N failed" last; exits non-zero when a test failed.
BUILD=${BUILD:-build}
CRFTAG="$BUILD/crftag"
T=$(mktemp -d "${TMPDIR:-/tmp}/crftag-e2e.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
passed=0
failed=0

ok() { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1"; [ -f "$T/err" ] && sed 's/^/       /' "$T/err" | head -5; }
# check NAME CMD...: the command must succeed
check() { name=$1; shift; if "$@" >"$T/out" 2>"$T/err"; then ok "$name"; else fail "$name"; fi; }
# refuse NAME CODE PATTERN CMD...: the command must exit with CODE and print PATTERN on stderr
refuse() {
    name=$1 code=$2 pat=$3; shift 3
    "$@" >"$T/out" 2>"$T/err"; rc=$?
    if [ "$rc" -eq "$code" ] && grep -q -- "$pat" "$T/err"; then ok "$name"; else
        echo "       exit $rc (want $code), stderr:"; fail "$name"; fi
}
# f1 FILE: overall FB1 from a conlleval report
f1() { sed -n 's/.*FB1: *\([0-9.]*\)$/\1/p' "$1" | head -n 1; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
# wait_for FILE PATTERN [TRIES]: until PATTERN is in FILE, polled every 0.2 s at most TRIES
# times (default 1500: 300 s)
wait_for() { i=0; while ! grep -q -- "$2" "$1" 2>/dev/null && [ $i -lt "${3:-1500}" ]; do sleep 0.2; i=$((i + 1)); done; }

# --- data slices (from the shipped corpora) ---
gzip -dc corpora/wikiser-train.txt.gz | awk '/^<s>$/ { n++ } n <= 2000' > "$T/train.txt"
gzip -dc corpora/wikiser-dev.txt.gz | awk '/^<s>$/ { n++ } n <= 1000' > "$T/dev.txt"
gzip -9 -n -c "$T/train.txt" > "$T/train.txt.gz"

# --- basics ---
check "version" "$CRFTAG" --version
refuse "unknown command" 2 "unknown command" "$CRFTAG" frobnicate
refuse "train needs -o" 2 "no output model" "$CRFTAG" train "$T/train.txt"
refuse "bad number" 2 "expected a number" "$CRFTAG" train -o "$T/x" --c2 abc "$T/train.txt"

# --- --help shows the defaults of the code, also after other options ---
check "train --help" "$CRFTAG" train --max-iter 3 --help
grep -q -- "--max-iter N .*(default 1000)$" "$T/out" &&
    grep -q -- "--lexicon-folds N .*(default: 20, or 0 where --bias auto's held-out sentences score it higher by more than 0.5 F1)$" "$T/out" &&
    grep -q -- "--c2 X .*(default: 0.05 with --template, else 1)$" "$T/out" &&
    grep -q -- "--bias SPEC .*(default auto)$" "$T/out" && ok "train --help prints the defaults" ||
    fail "train --help prints the defaults"

# --- train on 2,000 WikiSER sentences (gzip input), evaluate on 1,000 dev sentences ---
# (the held-out lexicon given: the checks of this model's weights below, dump and explain,
# are about the features that carry over; the lexicon choice is checked further down)
check "train on a WikiSER slice" "$CRFTAG" train --quiet --max-iter 80 --threads 2 --keep-names \
    --lexicon-folds 20 -o "$T/m.crftag" "$T/train.txt.gz"
check "eval the slice model" "$CRFTAG" eval --quiet -m "$T/m.crftag" "$T/dev.txt"
cp "$T/out" "$T/report"
F=$(f1 "$T/report")
if [ -n "$F" ] && ge "$F" 50; then ok "slice model reaches F1 >= 50 (got $F)"; else fail "slice model F1 >= 50 (got '$F')"; fi
check "info" "$CRFTAG" info "$T/m.crftag"
grep -q "format version:  8" "$T/out" && grep -q "B-Application" "$T/out" && ok "info shows version and labels" || fail "info shows version and labels"
grep -q "^hash version:    2 " "$T/out" && ok "a new model hashes with version 2" || fail "a new model hashes with version 2"

# --- the default training: shipped word clusters, held-out lexicon, auto bias ---
grep -q "^word clusters: " "$T/out" && ok "default training uses the shipped word clusters" \
    || fail "default training uses the shipped word clusters"
gzip -dc corpora/wikiser-train.txt.gz | awk '/^<s>$/ { n++ } n <= 300' > "$T/train300.txt"
check "train --no-clusters" "$CRFTAG" train --quiet --max-iter 10 --no-clusters -o "$T/nc.crftag" "$T/train300.txt"
"$CRFTAG" info "$T/nc.crftag" > "$T/out" 2>&1
grep -q "^word clusters: " "$T/out" && fail "--no-clusters: no clusters in the model" \
    || ok "--no-clusters: no clusters in the model"
check "train with CRFTAG_CLUSTERS empty" env CRFTAG_CLUSTERS= "$CRFTAG" train --quiet --max-iter 10 \
    -o "$T/nc2.crftag" "$T/train300.txt"
"$CRFTAG" info "$T/nc2.crftag" > "$T/out" 2>&1
grep -q "^word clusters: " "$T/out" && fail "CRFTAG_CLUSTERS='': no clusters" || ok "CRFTAG_CLUSTERS='': no clusters"
[ -s "$T/err" ] && fail "CRFTAG_CLUSTERS='': no warning" || ok "CRFTAG_CLUSTERS='': no warning"
# a program without the shipped clusters beside it (copied elsewhere, not installed) says so
mkdir -p "$T/bin" && cp "$CRFTAG" "$T/bin/crftag"
check "train without the shipped clusters beside the program" "$T/bin/crftag" train --quiet \
    --max-iter 3 -o "$T/nc3.crftag" "$T/train300.txt"
grep -q "warning: training without word clusters: clusters-en.txt.gz is neither" "$T/err" \
    && ok "missing shipped clusters: a warning" || fail "missing shipped clusters: a warning"
check "the same with --no-clusters" "$T/bin/crftag" train --quiet --no-clusters --max-iter 3 \
    -o "$T/nc3.crftag" "$T/train300.txt"
[ -s "$T/err" ] && fail "--no-clusters: no warning" || ok "--no-clusters: no warning"
refuse "--clusters with --no-clusters" 2 "together" "$CRFTAG" train --clusters models/clusters-en.txt.gz \
    --no-clusters -o "$T/x" "$T/train300.txt"
check "train (default) reports clusters and the chosen bias" "$CRFTAG" train --max-iter 10 -o "$T/d.crftag" \
    "$T/train300.txt"
grep -q "word clusters from .*clusters-en.txt.gz" "$T/err" && grep -q "label bias [0-9.]*, chosen" "$T/err" \
    && ok "progress names the clusters file and the chosen bias" \
    || fail "progress names the clusters file and the chosen bias"
# the held-out scores of the 9 candidates, then the one chosen, the bias the model stores;
# nothing on stdout
cp "$T/err" "$T/d.err"
B=$(sed -n 's/^crftag: label bias \([0-9.]*\), chosen by a first training.*/\1/p' "$T/d.err")
if [ "$(grep -c '^  bias  *[0-9.]*: F1  *[0-9.]* (P  *[0-9.]* R  *[0-9.]*)$' "$T/d.err")" -eq 9 ] &&
   [ "$(sed -n 's/^  bias  *\([0-9.]*\):.*/\1/p' "$T/d.err" | tr '\n' ' ')" = "0 0.25 0.5 0.75 1 1.25 1.5 1.75 2 " ] &&
   [ -n "$B" ] && [ "$(grep -c '^  bias chosen: ' "$T/d.err")" -eq 1 ] && grep -q "^  bias chosen: $B (" "$T/d.err" &&
   grep -q "^crftag: label bias: the first training's model on the held-out 10 % ([1-9][0-9]* entities):$" "$T/d.err" &&
   [ ! -s "$T/out" ]; then
    ok "train prints the held-out F1, P, R of each candidate bias and the one chosen ($B)"
else
    fail "train prints the held-out F1, P, R of each candidate bias and the one chosen ('$B')"
fi
awk '/^crftag: label bias: the first training/ { t = NR } /^  bias chosen: / { c = NR }
     /^iter/ && !t { i1 = NR } /training on all the sentences, from the first/ { a = NR }
     /^iter/ && a && !i2 { i2 = NR }
     END { exit !(i1 && t > i1 && c == t + 10 && a == c + 1 && i2 > a) }' "$T/d.err" &&
    ok "the bias table comes after the first training's lines, before the final one's" ||
    fail "the bias table comes after the first training's lines, before the final one's"
# the second first training, with the sentences' own entities in the lexicon: announced
# after the first one's lines, compared, and the choice said
awk '/^crftag: first training, on 90/ { f = NR } /^crftag: the same with the lexicon of the sentences/ { s = NR }
     /^iter/ && s && !i { i = NR } /^crftag: label bias: the first training/ { t = NR }
     END { exit !(f && s > f && i > s && t > i) }' "$T/d.err" &&
    grep -q "^crftag: entity lexicon: held-out F1 [0-9.]* with 20 held-out folds, [0-9.]* with the sentences' own entities: \(folds\|their own\) (--lexicon-folds N: given)$" "$T/d.err" &&
    ok "train compares the lexicon of held-out folds with the sentences' own and says which it kept" ||
    fail "train compares the lexicon of held-out folds with the sentences' own and says which it kept"
"$CRFTAG" train --max-iter 10 --lexicon-folds 20 -o "$T/d20.crftag" "$T/train300.txt" 2> "$T/d20.err" &&
    ! grep -q "entity lexicon: held-out\|the same with the lexicon" "$T/d20.err" &&
    ok "train --lexicon-folds 20: given, no comparison" || fail "train --lexicon-folds 20: given, no comparison"
refuse "train --lexicon-folds checks its range" 2 "must be 0..64" "$CRFTAG" train -o "$T/x" \
    --lexicon-folds 65 "$T/train300.txt"
refuse "train --lexicon-folds -1 is refused, not taken for the default" 2 "must be 0..64, got -1" \
    "$CRFTAG" train -o "$T/x" --lexicon-folds -1 "$T/train300.txt"
# the chosen bias is the model's, in crftag info (the scores are not stored in the model)
"$CRFTAG" info "$T/d.crftag" > "$T/out" 2>&1
if [ "$B" = 0 ]; then want="label bias:      none"; else want="label bias:      +$B on every label but O"; fi
grep -q "^$want\$" "$T/out" && ok "info shows the chosen bias ($want)" ||
    fail "info shows the chosen bias (want '$want')"
# --quiet: no table, no line at all; the same model
check "train --quiet (default bias auto)" "$CRFTAG" train --quiet --max-iter 10 -o "$T/dq.crftag" "$T/train300.txt"
[ ! -s "$T/err" ] && [ ! -s "$T/out" ] && ok "--quiet: no bias table (nothing on stderr)" ||
    fail "--quiet: no bias table (nothing on stderr)"
"$CRFTAG" info "$T/dq.crftag" | grep -v '^model:\|iterations, .* s,' > "$T/iq"
"$CRFTAG" info "$T/d.crftag" | grep -v '^model:\|iterations, .* s,' > "$T/id"
cmp -s "$T/iq" "$T/id" && ok "--quiet trains the same model" || fail "--quiet trains the same model"
# a bias given: no first training, no table
check "train --bias 0.5" "$CRFTAG" train --max-iter 3 --bias 0.5 -o "$T/dg.crftag" "$T/train300.txt"
! grep -q "^  bias\|label bias" "$T/err" && ok "--bias X: no bias table" || fail "--bias X: no bias table"
"$CRFTAG" info "$T/dg.crftag" > "$T/out" 2>&1
grep -q "^label bias:      +0.5 on every label but O$" "$T/out" && ok "info: one bias for every label but O" ||
    fail "info: one bias for every label but O"
# under 100 sentences --bias auto scores nothing, and says so
awk '/^<s>$/ { n++ } n <= 50' "$T/train300.txt" > "$T/train50.txt"
check "train --bias auto on 50 sentences" "$CRFTAG" train --max-iter 3 -o "$T/d50.crftag" "$T/train50.txt"
! grep -q "^  bias" "$T/err" && grep -q "^crftag: label bias 0: --bias auto scored none" "$T/err" &&
    ok "--bias auto on 50 sentences: no table, says why" || fail "--bias auto on 50 sentences: no table, says why"

# --- a model of built-in feature set version 2 (trained on corpus_wikiser_30.txt
# before version 3 existed) tags as it did then: its lexicon folds no plural ---
cat tests/data/features_wikiser_sample.txt tests/data/model_builtin_v2_plurals.txt > "$T/v2in.txt"
check "tag with a version-2 model" "$CRFTAG" tag -m tests/data/model_builtin_v2.crftag -T "$T/v2in.txt"
# the token and the predicted label, the first and last columns (the gold column between them)
awk -F'\t' 'NF { print $1 "\t" $NF; next } { print }' "$T/out" > "$T/v2tags"
cmp -s "$T/v2tags" tests/data/model_builtin_v2.expected && ok "the version-2 model tags as before" \
    || fail "the version-2 model tags as before"
check "info on the version-2 model" "$CRFTAG" info tests/data/model_builtin_v2.crftag
grep -q "^features: *builtin (NER feature set version 2," "$T/out" \
    && ok "info names built-in set version 2" || fail "info names built-in set version 2"
# --- a model of format version 5 (a CRF++ template with names, trained on
# corpus_conll_30.txt.gz by the release that wrote version 5) tags as it did then ---
check "tag with a version-5 model" "$CRFTAG" tag -m tests/data/model_template_v5.crftag -T \
    tests/data/corpus_conll_30.txt.gz
cmp -s "$T/out" tests/data/model_template_v5.expected && ok "the version-5 model tags as before" \
    || fail "the version-5 model tags as before"
check "info on the version-5 model" "$CRFTAG" info tests/data/model_template_v5.crftag
grep -q "^format version:  5$" "$T/out" && ok "info shows format version 5" \
    || fail "info shows format version 5"
check "dump the version-5 model" "$CRFTAG" dump tests/data/model_template_v5.crftag
grep -q "U00:" "$T/out" && ok "the version-5 model keeps its names" \
    || fail "the version-5 model keeps its names"
# --- models of format version 6 (feature hash version 1, trained by the release
# that wrote version 6: built-in features with the shipped clusters on
# corpus_wikiser_30.txt, and the CoNLL-2000 template on corpus_conll_30.txt.gz,
# both with --bias 0) tag byte for byte as they did then ---
check "tag with a version-6 built-in model" "$CRFTAG" tag -m tests/data/model_builtin_v6.crftag -T \
    tests/data/features_wikiser_sample.txt
cmp -s "$T/out" tests/data/model_builtin_v6.expected && ok "the version-6 built-in model tags as before" \
    || fail "the version-6 built-in model tags as before"
check "tag with a version-6 template model" "$CRFTAG" tag -m tests/data/model_template_v6.crftag -T \
    tests/data/corpus_conll_30.txt.gz
cmp -s "$T/out" tests/data/model_template_v6.expected && ok "the version-6 template model tags as before" \
    || fail "the version-6 template model tags as before"
check "info on the version-6 model" "$CRFTAG" info tests/data/model_template_v6.crftag
grep -q "^format version:  6$" "$T/out" && grep -q "^hash version:    1 " "$T/out" \
    && ok "info shows format 6, hash version 1" || fail "info shows format 6, hash version 1"
check "convert a version-6 model" "$CRFTAG" convert -q -o "$T/v6.crftag" tests/data/model_template_v6.crftag
check "tag with the converted version-6 model" "$CRFTAG" tag -m "$T/v6.crftag" -T \
    tests/data/corpus_conll_30.txt.gz
cmp -s "$T/out" tests/data/model_template_v6.expected \
    && ok "the converted version-6 model tags as before" \
    || fail "the converted version-6 model tags as before"
check "info on the converted version-6 model" "$CRFTAG" info "$T/v6.crftag"
grep -q "^format version:  8$" "$T/out" && grep -q "^hash version:    1 " "$T/out" \
    && ok "the converted version-6 model is of format 8, hash version 1" \
    || fail "the converted version-6 model is of format 8, hash version 1"
# --- a CRFsuite model file (CRFsuite 0.12, scripts/crfsuite-model.cc: trained on the
# first 20 sentences of crfsuite_conll_30.txt, with weighted attributes) tags the other
# 10 as CRFsuite did; converted to crftag's format it tags the same ---
gzip -dc tests/data/crfsuite_model_conll.crfsuite.gz > "$T/cs.crfsuite"
awk 'BEGIN { RS = ""; ORS = "\n\n" } NR > 20' tests/data/crfsuite_conll_30.txt > "$T/cs_tag.txt"
check "tag with a CRFsuite model" "$CRFTAG" tag -T -m "$T/cs.crfsuite" "$T/cs_tag.txt"
cmp -s "$T/out" tests/data/crfsuite_model_conll.expected \
    && ok "the CRFsuite model tags as CRFsuite did (258 tokens)" \
    || fail "the CRFsuite model tags as CRFsuite did (258 tokens)"
check "info on a CRFsuite model" "$CRFTAG" info "$T/cs.crfsuite"
grep -q "^format: *CRFsuite model file, version 100" "$T/out" && grep -q "^attributes: *675$" "$T/out" \
    && grep -q "^decoding: *unrestricted" "$T/out" \
    && ok "info names the CRFsuite file, its 675 attributes, unrestricted decoding" \
    || fail "info names the CRFsuite file, its 675 attributes, unrestricted decoding"
check "eval with a CRFsuite model" "$CRFTAG" eval -q -m "$T/cs.crfsuite" "$T/cs_tag.txt"
grep -q "processed 258 tokens" "$T/out" && ok "eval reads the CRFsuite model's input format" \
    || fail "eval reads the CRFsuite model's input format"
# explain reads CRFsuite's format for it: the labels are tag's, each sentence's
# score is the sum of its terms (the attributes' values scale their weights)
check "explain with a CRFsuite model" "$CRFTAG" explain -k 1000 -m "$T/cs.crfsuite" "$T/cs_tag.txt"
awk -F'\t' '/^#[0-9]/ { print $2 }' "$T/out" > "$T/cs_xl"
grep -v '^$' tests/data/crfsuite_model_conll.expected > "$T/cs_tl"
# (each term printed to 4 decimals: within 5e-5 a term, 5e-5 the score)
awk 'function chk() { d = s - t; if (d < 0) d = -d; if (d > 5e-5 * (k + 1)) bad++ }
     /^# sentence/ { if (n) chk(); s = $5; t = 0; k = 0; n++; next }
     /^ +[+-][0-9]/ { t += $1; k++ }
     END { chk(); exit !(n == 10 && !bad) }' "$T/out" \
    && cmp -s "$T/cs_xl" "$T/cs_tl" && grep -q '^ *[+-][0-9.]*  suf:3=' "$T/out" \
    && grep -q '^ *[+-][0-9.]*  len$' "$T/out" \
    && [ "$(grep -c '^#[0-9]*	[^	]*	p=[01]\.[0-9]*$' "$T/out")" = 258 ] \
    && ok "explain: a CRFsuite model's labels as tag's, probabilities, scores the sums of their terms" \
    || fail "explain: a CRFsuite model's labels as tag's, probabilities, scores the sums of their terms"
check "dump a CRFsuite model" "$CRFTAG" dump "$T/cs.crfsuite"
grep -q "suf:3=" "$T/out" && ok "dump shows the CRFsuite model's attribute names" \
    || fail "dump shows the CRFsuite model's attribute names"
check "convert a CRFsuite model" "$CRFTAG" convert -o "$T/cs.crftag" "$T/cs.crfsuite"
grep -q "CRFsuite format 100, 12 labels, 675 attributes" "$T/err" \
    && ok "convert reports what it read" || fail "convert reports what it read"
check "tag with the converted model" "$CRFTAG" tag -T -m "$T/cs.crftag" "$T/cs_tag.txt"
cmp -s "$T/out" tests/data/crfsuite_model_conll.expected \
    && ok "the converted model tags as CRFsuite did" || fail "the converted model tags as CRFsuite did"
[ "$(wc -c < "$T/cs.crftag")" -lt "$(wc -c < "$T/cs.crfsuite")" ] \
    && ok "the converted model is smaller" || fail "the converted model is smaller"
check "convert --no-names" "$CRFTAG" convert --no-names -o "$T/cs_nn.crftag" "$T/cs.crfsuite"
grep -q "names left out" "$T/err" && [ "$(wc -c < "$T/cs_nn.crftag")" -lt "$(wc -c < "$T/cs.crftag")" ] \
    && "$CRFTAG" tag -T -m "$T/cs_nn.crftag" "$T/cs_tag.txt" | cmp -s - tests/data/crfsuite_model_conll.expected \
    && "$CRFTAG" dump "$T/cs_nn.crftag" | grep -q "converted with --no-names" \
    && ok "convert --no-names: smaller, tags the same, dump shows hashes" \
    || fail "convert --no-names: smaller, tags the same, dump shows hashes"
head -c 30000 "$T/cs.crfsuite" > "$T/cs_cut.crfsuite"
refuse "a truncated CRFsuite model is refused" 1 "cs_cut.crfsuite: CRFsuite model: truncated" \
    "$CRFTAG" tag -T -m "$T/cs_cut.crfsuite" "$T/cs_tag.txt"
refuse "convert needs -o" 2 "convert: give one MODEL and -o OUT" "$CRFTAG" convert "$T/cs.crfsuite"
check "convert a version-5 model" "$CRFTAG" convert -q -o "$T/v5.crftag" tests/data/model_template_v5.crftag
check "tag with the converted version-5 model" "$CRFTAG" tag -m "$T/v5.crftag" -T \
    tests/data/corpus_conll_30.txt.gz
cmp -s "$T/out" tests/data/model_template_v5.expected \
    && ok "the converted version-5 model tags as before" \
    || fail "the converted version-5 model tags as before"
check "info on the converted version-5 model" "$CRFTAG" info "$T/v5.crftag"
fv=$(sed -n 's/^#define CRFTAG_MODEL_FORMAT_VERSION \([0-9]*\).*/\1/p' include/crftag.h)
grep -q "^format version:  $fv\$" "$T/out" && ok "convert writes the current format ($fv)" \
    || fail "convert writes the current format ($fv)"
check "info on the shipped model" "$CRFTAG" info models/wikiser.crftag
grep -q "^format version:  8$" "$T/out" && grep -q "^hash version:    2 " "$T/out" \
    && grep -q "^features: *builtin (NER feature set version 4," "$T/out" \
    && grep -q "^document memory: 10 sentences" "$T/out" \
    && ok "the shipped model is of format 8, hash version 2, built-in set version 4, memory 10 (make models)" \
    || fail "the shipped model is of format 8, hash version 2, built-in set version 4, memory 10 (make models)"

# --- tagging ---
echo "Azure Sphere runs a Linux kernel on ARM Cortex-A7 chips." > "$T/raw.txt"
check "tag raw text (conll)" "$CRFTAG" tag -m "$T/m.crftag" "$T/raw.txt"
[ "$(grep -c '	' "$T/out")" -eq 11 ] && [ "$(sed -n 1p "$T/out" | cut -f1)" = "Azure" ] &&
    [ "$(sed -n 11p "$T/out" | cut -f1)" = "." ] && ok "raw text gives 11 tokens" || fail "raw text gives 11 tokens"
check "tag raw text from stdin (json)" sh -c "'$CRFTAG' tag -m '$T/m.crftag' --format json < '$T/raw.txt'"
grep -q '^{"tokens":\["Azure","Sphere","runs"' "$T/out" && grep -q '"offsets":\[\[0,5\],\[6,12\]' "$T/out" &&
    ok "json has tokens and byte offsets" || fail "json has tokens and byte offsets"
check "tag raw text (spans)" "$CRFTAG" tag -m "$T/m.crftag" --format spans "$T/raw.txt"
awk -F'\t' 'NF != 4 { bad = 1 } END { exit bad }' "$T/out" && ok "spans lines have 4 fields" || fail "spans lines have 4 fields"
# the offsets in spans point at the entity text in the input
ok_spans=1
while IFS='	' read -r s e ty text; do
    got=$(dd if="$T/raw.txt" bs=1 skip="$s" count=$((e - s)) 2>/dev/null)
    [ "$got" = "$text" ] || ok_spans=0
done < "$T/out"
[ "$ok_spans" -eq 1 ] && ok "span offsets match the input bytes" || fail "span offsets match the input bytes"

check "tag tokenized WikiSER (gold column ignored)" "$CRFTAG" tag -m "$T/m.crftag" --tokenized "$T/dev.txt"
mv "$T/out" "$T/tagged_gold"
awk -F'\t' '/^<s>$/ { print "<s>"; next } /^<\/s>$/ { print "</s>"; next } { print $1 }' "$T/dev.txt" > "$T/dev_nogold.txt"
check "tag tokenized WikiSER without labels" "$CRFTAG" tag -m "$T/m.crftag" --tokenized "$T/dev_nogold.txt"
awk -F'\t' '{ print $NF }' "$T/tagged_gold" > "$T/pred_gold"
awk -F'\t' '{ print $NF }' "$T/out" > "$T/pred_nogold"
cmp -s "$T/pred_nogold" "$T/pred_gold" && ok "gold column does not change the tags" || fail "gold column does not change the tags"
ntok=$(grep -c '	' "$T/tagged_gold")
want=$(grep -v -c '^</*s>$' "$T/dev.txt")
[ "$ntok" -eq "$want" ] && ok "one tag per token ($ntok)" || fail "one tag per token ($ntok vs $want)"
# eval through the CLI equals eval of the tagged output with --pred
awk -F'\t' 'NR == FNR { if ($0 == "") next; pred[++n] = $NF; next }
            /^<s>$/ { next } /^<\/s>$/ { print ""; next } { print $0 "\t" pred[++k] }' \
    "$T/tagged_gold" "$T/dev.txt" > "$T/pred.tsv"
check "eval --pred" "$CRFTAG" eval --pred "$T/pred.tsv"
cmp -s "$T/out" "$T/report" && ok "eval -m and eval --pred agree" || fail "eval -m and eval --pred agree"

# --- pipelines: an answer per line while the input is still open ---
# The writer keeps the input open until the first answer is out (or 120 s
# pass, however loaded the machine), and notes whether it came in time.
mkfifo "$T/pipe.fifo"
: > "$T/pipe.out"
(
    exec 3>"$T/pipe.fifo"
    echo "Linux runs on ARM." >&3
    wait_for "$T/pipe.out" "^Linux	" 600
    grep -q "^Linux	" "$T/pipe.out" && ! grep -q "^QEMU	" "$T/pipe.out" && : > "$T/pipe.early"
    echo "QEMU emulates it." >&3
) &
"$CRFTAG" tag --lines -m "$T/m.crftag" < "$T/pipe.fifo" | cat > "$T/pipe.out"
wait
[ -f "$T/pipe.early" ] && ok "first line tagged before the input ends" ||
    fail "first line tagged before the input ends"
grep -q "^QEMU	" "$T/pipe.out" && ok "second line tagged at the end" || fail "second line tagged at the end"
if command -v python3 >/dev/null 2>&1; then
    printf 'Linux runs "QEMU".\nIt uses \tTLS 1.3 and \357\277\275 bytes \377 here.\n' |
        "$CRFTAG" tag -m "$T/m.crftag" --format json > "$T/j.out" &&
        python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$T/j.out" &&
        ok "json output parses (quotes, tabs, invalid UTF-8)" || fail "json output parses"
fi

# --- conlleval parity through the CLI ---
for c in tricky raw-iob1; do
    check "eval --pred $c" "$CRFTAG" eval --pred "tests/data/eval_$c.txt"
    cmp -s "$T/out" "tests/data/eval_$c.expected" && ok "$c report equals conlleval's" || fail "$c report equals conlleval's"
done
gzip -dc tests/data/eval_wikiser-dev-20k.tsv.gz > "$T/w20k.tsv"
check "eval --pred wikiser-dev-20k" "$CRFTAG" eval --pred "$T/w20k.tsv"
cmp -s "$T/out" tests/data/eval_wikiser-dev-20k.expected && ok "wikiser-dev-20k report equals conlleval's" || fail "wikiser-dev-20k report equals conlleval's"

# --- plain tags (not BIO): UD English-EWT part-of-speech slices (tests/data/README.md) ---
check "train on a POS slice (plain tags)" "$CRFTAG" train --quiet --max-iter 30 --threads 2 \
    -o "$T/pos.crftag" tests/data/ud_ewt_train_300.txt.gz
check "eval the POS model" "$CRFTAG" eval --quiet -m "$T/pos.crftag" tests/data/ud_ewt_dev_100.txt.gz
cp "$T/out" "$T/pos_report"
A=$(sed -n 's/^token accuracy: *\([0-9.]*\)%$/\1/p' "$T/pos_report")
if [ -n "$A" ] && ge "$A" 80; then ok "POS model: token accuracy >= 80 (got $A)"; else fail "POS model: token accuracy >= 80 (got '$A')"; fi
if head -n 1 "$T/pos_report" | grep -q '^processed 2319 tokens (plain tags, not BIO: scored token by token); correct: [0-9]*\.$' &&
   ! grep -q 'phrases' "$T/pos_report" &&
   grep -q '^ *NOUN: precision: *[0-9.]*%; recall: *[0-9.]*%; FB1: *[0-9.]*  gold: 380; found: [0-9]*; correct: [0-9]*$' "$T/pos_report"; then
    ok "POS report: token accuracy and a line per tag, no phrases"
else
    fail "POS report: token accuracy and a line per tag, no phrases"; sed 's/^/       /' "$T/pos_report" | head -5
fi
gzip -dc tests/data/ud_ewt_dev_100.txt.gz > "$T/pos_dev.txt"
check "tag the POS dev slice (conll)" "$CRFTAG" tag -m "$T/pos.crftag" --tokenized "$T/pos_dev.txt"
mv "$T/out" "$T/pos_tagged"
# the tagged output keeps the gold column, the prediction last: eval --pred reads it as it is
check "eval --pred on POS predictions" "$CRFTAG" eval --pred "$T/pos_tagged"
cmp -s "$T/out" "$T/pos_report" && ok "POS: eval -m and eval --pred agree" || fail "POS: eval -m and eval --pred agree"
# spans: one line per token not tagged O, the tag as its type
check "tag the POS dev slice (spans)" "$CRFTAG" tag -m "$T/pos.crftag" --tokenized --format spans "$T/pos_dev.txt"
awk -F'\t' 'NF == 3 && $3 != "O" { print $3 }' "$T/pos_tagged" > "$T/pos_want"
if [ "$(wc -l < "$T/out")" -eq 2319 ] && cut -f3 "$T/out" | cmp -s - "$T/pos_want" &&
   awk -F'\t' 'NF != 4 || $2 != $1 + 1 { bad = 1 } END { exit bad }' "$T/out"; then
    ok "POS spans: one line per non-O token (2319), its tag the type"
else
    fail "POS spans: one line per non-O token (2319), its tag the type"
fi
echo "She gave the dog a bone." > "$T/pos_raw.txt"
"$CRFTAG" tag -m "$T/pos.crftag" "$T/pos_raw.txt" > "$T/pos_raw.conll" 2>"$T/err"
"$CRFTAG" tag -m "$T/pos.crftag" --format spans "$T/pos_raw.txt" > "$T/pos_raw.spans" 2>>"$T/err"
awk -F'\t' 'NF == 2 && $2 != "O" { print $2 "\t" $1 }' "$T/pos_raw.conll" > "$T/pos_want"
if [ "$(wc -l < "$T/pos_want")" -eq 7 ] && cut -f3,4 "$T/pos_raw.spans" | cmp -s - "$T/pos_want" &&
   [ "$(cut -f1,2 "$T/pos_raw.spans" | head -n 2 | tr '\t\n' ',;')" = "0,3;4,8;" ]; then
    ok "POS spans from raw text: one per token, byte offsets"
else
    fail "POS spans from raw text: one per token, byte offsets"
fi
"$CRFTAG" tag -m "$T/pos.crftag" --format json "$T/pos_raw.txt" > "$T/out" 2>"$T/err"
printf '"She gave the dog a bone."\n' | "$CRFTAG" tag -m "$T/pos.crftag" -J jsonl > "$T/pos.jsonl" 2>>"$T/err"
if [ "$(grep -o '"type":' "$T/out" | wc -l)" -eq 7 ] &&
   grep -q '"entities":\[{"start":0,"end":3,"type":"[A-Z]*","text":"She","start_byte":0,"end_byte":3,"start_char":0,"end_char":3,"tokens":\[0,1\]},' "$T/out" &&
   [ "$(grep -o '"type":' "$T/pos.jsonl" | wc -l)" -eq 7 ] &&
   grep -q '^{"entities":\[{"start":0,"end":3,"type":"[A-Z]*","text":"She",' "$T/pos.jsonl"; then
    ok "POS json and jsonl: an entity per token"
else
    fail "POS json and jsonl: an entity per token"
fi

# --- templates ---
printf '# words and bigrams\nU00:%%x[-1,0]\nU01:%%x[0,0]\nU02:%%x[1,0]\nU03:%%x[-1,0]/%%x[0,0]\n\nB\n' > "$T/tpl"
check "train with a template" "$CRFTAG" train --quiet --max-iter 20 -o "$T/t.crftag" --template "$T/tpl" "$T/train.txt"
# the default regularization follows the features: the elastic net with a
# template, L2 with the built-in features; given values win
"$CRFTAG" info "$T/t.crftag" > "$T/info.txt" 2>&1
grep -q "^training: *c1 0.1, c2 0.05," "$T/info.txt" &&
    ok "a template trains an elastic net by default (c1 0.1, c2 0.05)" ||
    fail "a template trains an elastic net by default (c1 0.1, c2 0.05)"
"$CRFTAG" train --quiet --max-iter 5 --bias 0 -o "$T/tl2.crftag" --c1 0 --c2 1 --template "$T/tpl" "$T/train.txt" &&
    "$CRFTAG" info "$T/tl2.crftag" | grep -q "^training: *c1 0, c2 1," &&
    ok "a template with --c1 0 --c2 1 trains L2" || fail "a template with --c1 0 --c2 1 trains L2"
check "tag with a template model" "$CRFTAG" tag -m "$T/t.crftag" --tokenized "$T/dev.txt"
cp "$T/out" "$T/tpl.tags"
gzip -c "$T/tpl" > "$T/tpl.gz"
check "train with a gzip template" "$CRFTAG" train --quiet --max-iter 20 -o "$T/tz.crftag" --template "$T/tpl.gz" "$T/train.txt"
"$CRFTAG" tag -m "$T/tz.crftag" --tokenized "$T/dev.txt" > "$T/out" 2>/dev/null
cmp -s "$T/out" "$T/tpl.tags" && ok "a gzip template trains the model of the plain one" ||
    fail "a gzip template trains the model of the plain one"
refuse "a template from standard input refused" 1 "file name is needed" "$CRFTAG" train -o "$T/x.crftag" \
    --template - "$T/train.txt"
# --all-labels 1: every attribute gets a weight for every label (attributes x
# labels); under L2 (given: with a template the default elastic net drops zeros)
check "train with --all-labels 1" "$CRFTAG" train --quiet --max-iter 20 --all-labels 1 \
    --c1 0 --c2 1 -o "$T/ta.crftag" --template "$T/tpl" "$T/train.txt"
check "info on the --all-labels model" "$CRFTAG" info "$T/ta.crftag"
A=$(sed -n 's/^attributes: *\([0-9]*\)$/\1/p' "$T/out")
W=$(sed -n 's/^features: *\([0-9]*\) (attribute, label) weights.*/\1/p' "$T/out")
L=$(sed -n 's/^labels: *\([0-9]*\)$/\1/p' "$T/out")
[ -n "$A" ] && [ -n "$L" ] && [ "$W" = "$((A * L))" ] && ok "--all-labels 1: $A attributes x $L labels = $W weights" \
    || fail "--all-labels 1: attributes x labels weights (got A=$A L=$L W=$W)"
"$CRFTAG" info "$T/t.crftag" > "$T/out"
W0=$(sed -n 's/^features: *\([0-9]*\) (attribute, label) weights.*/\1/p' "$T/out")
[ -n "$W0" ] && [ "$W0" -lt "$W" ] && ok "without --all-labels: fewer weights ($W0)" || fail "without --all-labels: fewer weights (got '$W0')"
refuse "--all-labels refuses a negative count" 2 "non-negative integer" "$CRFTAG" train -o "$T/x.crftag" \
    --all-labels -1 "$T/train.txt"
printf 'U00:%%x[0,0]\nU01:%%x[0]\n' > "$T/badtpl"
refuse "bad template names its line" 1 "badtpl:2" "$CRFTAG" train -o "$T/t2.crftag" --template "$T/badtpl" "$T/train.txt"
printf 'U00:%%x[0,3]\n' > "$T/coltpl"
refuse "template column beyond the data" 1 "column 3" "$CRFTAG" train -o "$T/t2.crftag" --template "$T/coltpl" "$T/train.txt"

# --- word clusters: learned from raw text and a corpus, used by train, kept in the model ---
check "clusters from raw text and an annotated corpus" "$CRFTAG" clusters -c 32 --min-count 2 \
    -o "$T/c.txt" "$T/raw.txt" "$T/train.txt.gz"
awk -F'\t' 'NF != 3 || $2 !~ /^[01]+$/ || $3 < 2 { bad = 1 } END { exit bad || NR < 1000 }' "$T/c.txt" &&
    ok "cluster file: word, bit string, count ($(wc -l < "$T/c.txt") words)" || fail "cluster file: word, bit string, count"
[ "$(cut -f2 "$T/c.txt" | sort -u | wc -l)" -le 32 ] && ok "at most 32 clusters" || fail "at most 32 clusters"
grep -q "^Cortex-A7	" "$T/c.txt" || grep -q "^Linux	" "$T/c.txt" && ok "corpus words are clustered" || fail "corpus words are clustered"
"$CRFTAG" clusters --quiet -c 32 --min-count 2 -o "$T/c2.txt" "$T/raw.txt" "$T/train.txt.gz" &&
    cmp -s "$T/c.txt" "$T/c2.txt" && ok "clusters are deterministic" || fail "clusters are deterministic"
check "train --clusters" "$CRFTAG" train --quiet --max-iter 40 --threads 2 --clusters "$T/c.txt" \
    -o "$T/mc.crftag" "$T/train.txt.gz"
mv "$T/c.txt" "$T/c.moved"
check "a cluster model tags without the cluster file" "$CRFTAG" tag -m "$T/mc.crftag" "$T/raw.txt"
[ "$(grep -c '	' "$T/out")" -eq 11 ] && ok "cluster model tags 11 tokens" || fail "cluster model tags 11 tokens"
check "info of a cluster model" "$CRFTAG" info "$T/mc.crftag"
grep -q "word clusters:   $(wc -l < "$T/c.moved") words in" "$T/out" && ok "info shows the clusters" || fail "info shows the clusters"
printf 'Linux\t0110\t3\nruns\t01x\t2\n' > "$T/badc.txt"
refuse "bad cluster file names file and line" 1 "badc.txt:2" "$CRFTAG" train -o "$T/x.crftag" \
    --clusters "$T/badc.txt" "$T/train.txt"
refuse "clusters with a template refused" 2 "built-in" "$CRFTAG" train -o "$T/x.crftag" \
    --template "$T/tpl" --clusters "$T/c.moved" "$T/train.txt"
refuse "clusters needs -o" 2 "no output file" "$CRFTAG" clusters "$T/raw.txt"
refuse "clusters: bad count of clusters" 2 "2..4096" "$CRFTAG" clusters -c 1 -o "$T/x" "$T/raw.txt"
printf '<s>\nfoo\tO\n<s>\n' > "$T/badk.txt"
refuse "clusters: malformed corpus names file and line" 1 "badk.txt:3" "$CRFTAG" clusters \
    -o "$T/x.txt" "$T/badk.txt"
refuse "clusters: too rare words" 1 "no word occurs 5 times" "$CRFTAG" clusters --min-count 5 \
    -o "$T/x.txt" "$T/raw.txt"
[ ! -e "$T/x.txt" ] && ok "no cluster file written on failure" || fail "no cluster file written on failure"

# --- user lexicons: name lists given to train (plain and gzip), kept in the model ---
printf '# operating systems and languages\nLinux\tOperating_System\nGNU/Linux\tOperating_System\nMac OS X\tOperating_System\nWindows\tOperating_System\n\nPython\tLanguage\nC++\tLanguage\n' > "$T/lex1.txt"
printf 'QEMU\nNode.js\tLibrary\nlinux\tApplication\n' | gzip -c > "$T/lex2.txt.gz"
check "train --lexicon (two files, one gzip)" "$CRFTAG" train --quiet --max-iter 40 --threads 2 \
    --lexicon "$T/lex1.txt" --lexicon "$T/lex2.txt.gz" -o "$T/ml.crftag" "$T/train.txt.gz"
check "info of a user-lexicon model" "$CRFTAG" info "$T/ml.crftag"
grep -q "^user lexicon:    8 entries, 4 types: Operating_System 4, Language 2, ENTRY 1, Library 1$" "$T/out" &&
    ok "info shows the user lexicon's entries and types" || fail "info shows the user lexicon's entries and types"
grep -q "^format version:  8$" "$T/out" && ok "a user-lexicon model is format 8" || fail "a user-lexicon model is format 8"
mv "$T/lex1.txt" "$T/lex1.moved"
check "a user-lexicon model tags without the lexicon files" "$CRFTAG" tag -m "$T/ml.crftag" "$T/raw.txt"
[ "$(grep -c '	' "$T/out")" -eq 11 ] && ok "user-lexicon model tags 11 tokens" || fail "user-lexicon model tags 11 tokens"
check "eval a user-lexicon model" "$CRFTAG" eval --quiet -m "$T/ml.crftag" "$T/dev.txt"
F=$(f1 "$T/out")
if [ -n "$F" ] && ge "$F" 50; then ok "user-lexicon model reaches F1 >= 50 (got $F)"; else fail "user-lexicon model F1 >= 50 (got '$F')"; fi
"$CRFTAG" info "$T/m.crftag" > "$T/out" 2>&1
! grep -q "user lexicon" "$T/out" && ok "info of a model without a user lexicon says nothing of it" ||
    fail "info of a model without a user lexicon says nothing of it"
printf 'Linux\tOperating_System\n# fine\n\tLanguage\n' > "$T/badl.txt"
refuse "bad lexicon line names file and line" 1 "badl.txt:3: lexicon: empty name" "$CRFTAG" train \
    -o "$T/x.crftag" --lexicon "$T/badl.txt" "$T/train.txt"
refuse "lexicon with a template refused" 2 "built-in" "$CRFTAG" train -o "$T/x.crftag" \
    --template "$T/tpl" --lexicon "$T/lex1.moved" "$T/train.txt"
refuse "a missing lexicon file" 1 "nolex.txt" "$CRFTAG" train -o "$T/x.crftag" \
    --lexicon "$T/nolex.txt" "$T/train.txt"
refuse "--lexicon needs a value" 2 "needs a value" "$CRFTAG" train -o "$T/x.crftag" "$T/train.txt" --lexicon
[ ! -e "$T/x.crftag" ] && ok "no model written on a lexicon error" || fail "no model written on a lexicon error"

# --- label bias: stored by train, applied by tag and eval, overridden by --bias ---
check "train --bias" "$CRFTAG" train --quiet --max-iter 40 --threads 2 --bias "0.5,Protocol=1" \
    -o "$T/mb.crftag" "$T/train.txt.gz"
check "info of a model with a bias" "$CRFTAG" info "$T/mb.crftag"
grep -q "^  B-Protocol .*bias +1$" "$T/out" && grep -q "^  B-Application .*bias +0.5$" "$T/out" &&
    ! grep -q "^  O .*bias" "$T/out" && ok "info shows the label bias" || fail "info shows the label bias"
grep -q "^label bias:      per label (below)$" "$T/out" && ok "info: a bias per type is per label" ||
    fail "info: a bias per type is per label"
found() { sed -n 's/.*found: \([0-9]*\) phrases.*/\1/p' "$1"; }
"$CRFTAG" eval --quiet -m "$T/mb.crftag" "$T/dev.txt" > "$T/eb" 2>/dev/null
"$CRFTAG" eval --quiet -m "$T/mb.crftag" --bias 0 "$T/dev.txt" > "$T/e0" 2>/dev/null
"$CRFTAG" eval --quiet -m "$T/mb.crftag" --bias 3 "$T/dev.txt" > "$T/e3" 2>/dev/null
[ "$(found "$T/e0")" -lt "$(found "$T/eb")" ] && [ "$(found "$T/eb")" -lt "$(found "$T/e3")" ] &&
    ok "a larger bias finds more entities ($(found "$T/e0") < $(found "$T/eb") < $(found "$T/e3"))" ||
    fail "a larger bias finds more entities"
"$CRFTAG" tag -m "$T/mb.crftag" --tokenized --bias 0 "$T/dev.txt" > "$T/t0" 2>/dev/null
"$CRFTAG" tag -m "$T/mb.crftag" --tokenized "$T/dev.txt" > "$T/tb" 2>/dev/null
! cmp -s "$T/t0" "$T/tb" && ok "tag applies the model's bias, --bias 0 removes it" ||
    fail "tag applies the model's bias, --bias 0 removes it"
refuse "tag: bad --bias" 2 "no label has the type 'Nothing'" "$CRFTAG" tag -m "$T/mb.crftag" \
    --bias Nothing=1 "$T/raw.txt"
refuse "train: bad --bias" 2 "\-\-bias: expected" "$CRFTAG" train -o "$T/x.crftag" --bias abc "$T/train.txt"

# --- bad input: file and line named, no model written, the old model kept ---
cp "$T/m.crftag" "$T/keep.crftag"
printf '<s>\nfoo\tO\nbar\tB-X\textra\n</s>\n' > "$T/bad.txt"
refuse "malformed WikiSER names file and line" 1 "bad.txt:3" "$CRFTAG" train -o "$T/keep.crftag" "$T/bad.txt"
cmp -s "$T/m.crftag" "$T/keep.crftag" && ok "failed training keeps the old model" || fail "failed training keeps the old model"
printf '<s>\nfoo\tO\n' > "$T/open.txt"
refuse "unterminated block" 1 "open.txt:1" "$CRFTAG" train -o "$T/x.crftag" "$T/open.txt"
printf 'a NN B-NP\nb NN\n' > "$T/cols.txt"
refuse "CoNLL column count" 1 "cols.txt:2" "$CRFTAG" train -o "$T/x.crftag" "$T/cols.txt"
refuse "output directory missing, before training" 1 "cannot write the model" "$CRFTAG" train -o "$T/no/such/dir/m.crftag" "$T/train.txt"
refuse "missing training file" 1 "nonexistent" "$CRFTAG" train -o "$T/x.crftag" "$T/nonexistent.txt"
: > "$T/empty.txt"
refuse "empty training file" 1 "no sentences" "$CRFTAG" train -o "$T/x.crftag" "$T/empty.txt"
[ ! -e "$T/x.crftag" ] && ok "no model file written on failure" || fail "no model file written on failure"
ls "$T" | grep -q '\.tmp\.' && fail "no temporary files left behind" || ok "no temporary files left behind"
head -c 1000 "$T/m.crftag" > "$T/trunc.crftag"
refuse "truncated model refused" 1 "trunc.crftag" "$CRFTAG" tag -m "$T/trunc.crftag" "$T/raw.txt"
refuse "not a model refused" 1 "raw.txt" "$CRFTAG" info "$T/raw.txt"
refuse "missing model" 1 "cannot open" "$CRFTAG" tag -m "$T/none.crftag" "$T/raw.txt"

# --- Ctrl-C during training: the first SIGINT writes the model so far (exit 130), a second aborts ---
# Signals are sent only once crftag has said it handles them (wait_for): a background job of
# a non-interactive shell starts with SIGINT ignored, so a signal sent earlier would be lost.
"$CRFTAG" train --bias 0 --max-iter 100000 --epsilon 0 --delta 0 --threads 2 -o "$T/int.crftag" \
    corpora/wikiser-train.txt.gz >/dev/null 2>"$T/int.err" &
pid=$!
wait_for "$T/int.err" "^iter"
kill -INT "$pid"
wait "$pid"
rc=$?
"$CRFTAG" info "$T/int.crftag" > "$T/int.info" 2>&1
if [ "$rc" -eq 130 ] && grep -q "stopped: interrupted after [0-9]* iteration" "$T/int.info" &&
    grep -q "interrupted after .*; wrote" "$T/int.err"; then
    ok "SIGINT writes the model so far; info says it was interrupted"
else
    fail "SIGINT writes the model so far; info says it was interrupted (exit $rc)"
fi
echo "QEMU uses SPICE on Linux ." | "$CRFTAG" tag -T -m "$T/int.crftag" > "$T/out" 2>&1 &&
    ok "the interrupted model tags" || fail "the interrupted model tags"
cp "$T/m.crftag" "$T/keep.crftag"
"$CRFTAG" train --bias 0 --max-iter 100000 --epsilon 0 --delta 0 -o "$T/keep.crftag" \
    "$T/train.txt" >"$T/int2.out" 2>"$T/int2.err" &
pid=$!
wait_for "$T/int2.err" "^iter"
# the second signal right after the first, so that it lands before the
# iteration ends however loaded the machine; a different signal, since two
# pending SIGINTs would be delivered as one
kill -INT "$pid"
kill -TERM "$pid"
wait "$pid"
rc=$?
# (the signal counted second says "aborted" and exits with its number: the
# training threads can take the two at once, in either order)
if { [ "$rc" -eq 130 ] || [ "$rc" -eq 143 ]; } && cmp -s "$T/m.crftag" "$T/keep.crftag" &&
    grep -q "training aborted; no model was written" "$T/int2.err" &&
    ! ls "$T" | grep -q '\.tmp\.'; then
    ok "two SIGINTs abort: the previous model byte-identical, no temporary file"
else
    fail "two SIGINTs abort: the previous model byte-identical (exit $rc)"
fi
# SIGTERM while --bias auto trains its first model (no progress lines yet): that model is written
"$CRFTAG" train --max-iter 100000 --epsilon 0 --delta 0 -o "$T/int3.crftag" "$T/train.txt" \
    >/dev/null 2>"$T/int3.err" &
pid=$!
wait_for "$T/int3.err" "Ctrl-C: stop and write"
kill -TERM "$pid"
wait "$pid"
rc=$?
"$CRFTAG" info "$T/int3.crftag" > "$T/out" 2>&1
if [ "$rc" -eq 143 ] && grep -q "stopped: interrupted after .*first training of bias auto" "$T/out"; then
    ok "SIGTERM stops the first training of --bias auto, writes its model, exit 143"
else
    fail "SIGTERM stops the first training of --bias auto, writes its model (exit $rc)"
fi

# --- the shipped default model ---
if [ -f models/wikiser.crftag ]; then
    gzip -dc corpora/wikiser-dev.txt.gz > "$T/dev_full.txt"
    check "eval the shipped model on WikiSER dev" "$CRFTAG" eval --quiet -m models/wikiser.crftag "$T/dev_full.txt"
    F=$(f1 "$T/out")
    if [ -n "$F" ] && ge "$F" 60; then ok "shipped model F1 >= 60 on dev (got $F)"; else fail "shipped model F1 >= 60 (got '$F')"; fi
    # the shipped model tags dev exactly as when it was made (make models records the report)
    "$CRFTAG" eval -m models/wikiser.crftag "$T/dev_full.txt" > "$T/out" 2>/dev/null &&
        cmp -s "$T/out" tests/data/shipped_model_dev.expected &&
        ok "shipped model: the same dev report as tests/data/shipped_model_dev.expected" ||
        fail "shipped model: the same dev report as tests/data/shipped_model_dev.expected"
    # every output format, byte for byte: escapes, long tokens, CRLF, blank lines
    for a in "" "-f spans" "-f json" "-f json -p" "-f spans -p" "-l -f json" "-l -f spans"; do
        echo "== tag $a"
        # shellcheck disable=SC2086
        "$CRFTAG" tag -m models/wikiser.crftag $a tests/data/tag_formats.txt
    done > "$T/out" 2>"$T/err" &&
        cmp -s "$T/out" tests/data/tag_formats.expected &&
        ok "shipped model: conll, spans and json outputs as tests/data/tag_formats.expected" ||
        fail "shipped model: conll, spans and json outputs as tests/data/tag_formats.expected"
    # a text of 860 KB: every JSON offset (bytes and characters, numbers of up to six
    # digits) points at its token
    awk -F'\t' '/^<s>/{if(n)print line; line="";n=0;next} NF>=1 && $1!=""{line = n? line" "$1 : $1; n++}
        END{if(n)print line}' "$T/dev_full.txt" > "$T/dev_raw.txt"
    "$CRFTAG" tag -m models/wikiser.crftag -f json "$T/dev_raw.txt" > "$T/out" 2>"$T/err" &&
        python3 -c '
import json, sys
data = open(sys.argv[1], "rb").read()
text = data.decode()
n = big = 0
for line in open(sys.argv[2]):
    r = json.loads(line)
    for tok, (s, e), (cs, ce) in zip(r["tokens"], r["offsets"], r["char_offsets"]):
        assert data[s:e].decode() == tok and text[cs:ce] == tok, (tok, s, e, cs, ce)
        n += 1
        big += e >= 100000
    for ent in r["entities"]:
        assert data[ent["start"]:ent["end"]].decode() == ent["text"], ent
assert n > 150000 and big > 100000 and len(data) > len(text), (n, big)
' "$T/dev_raw.txt" "$T/out" 2>>"$T/err" &&
        ok "shipped model: json offsets of a long text point at their tokens" ||
        fail "shipped model: json offsets of a long text point at their tokens"
    # software prose outside Wikipedia (README quotes the figure)
    check "eval the shipped model on tests/data/software_prose.txt" "$CRFTAG" eval --quiet \
        -m models/wikiser.crftag tests/data/software_prose.txt
    F=$(f1 "$T/out")
    if [ -n "$F" ] && ge "$F" 30; then ok "shipped model: software prose F1 >= 30 (got $F)"
    else fail "shipped model: software prose F1 >= 30 (got '$F')"; fi
else
    fail "models/wikiser.crftag is missing (make models)"
fi

# --- crftag tag --input-format jsonl: one record per line, one JSON line out ---
printf '%s\n' '{"id": 1, "meta": {"x": [1, "}"]}, "text": "QEMU uses SPICE on Linux."}' \
    '"caf\u00e9 \ud83d\ude00 runs on Linux."' '' > "$T/in.jsonl"
check "tag --input-format jsonl" "$CRFTAG" tag -m models/wikiser.crftag --input-format jsonl "$T/in.jsonl"
if [ "$(wc -l < "$T/out")" -eq 2 ] && \
   head -n 1 "$T/out" | grep -q '{"start":19,"end":24,"type":"[A-Za-z_]*","text":"Linux",' && \
   sed -n 2p "$T/out" | grep -q '{"start":19,"end":24,"type":"[A-Za-z_]*","text":"Linux","start_byte":19,"end_byte":24,"start_char":15,"end_char":20,'; then
    ok "jsonl: one line per record, byte offsets into the decoded text"
else
    fail "jsonl: one line per record, byte offsets into the decoded text"; sed 's/^/       /' "$T/out"
fi
printf '%s\n' '{"text": 5}' '"Linux"' > "$T/bad.jsonl"
refuse "jsonl: malformed record reported, exit 1" 1 'bad.jsonl:1: "text" is not a string' \
    "$CRFTAG" tag -m models/wikiser.crftag -J jsonl "$T/bad.jsonl"
if grep -q '^{"error":"line 1: \\"text\\" is not a string"}$' "$T/out" && \
   sed -n 2p "$T/out" | grep -q '"text":"Linux"'; then
    ok "jsonl: an error line, then tagging goes on"
else
    fail "jsonl: an error line, then tagging goes on"
fi
refuse "jsonl: unknown input format" 2 "expected auto, conll, crfsuite, text or jsonl" \
    "$CRFTAG" tag -m models/wikiser.crftag -J xml "$T/bad.jsonl"
# co-process: the answer to a record arrives while the input is still open
# (the writer holds the input open until the answer is out, at most 120 s)
mkfifo "$T/fifo"
: > "$T/co.out"
(
    exec 3>"$T/fifo"
    printf '"QEMU runs on Linux."\n' >&3
    wait_for "$T/co.out" Linux 600
    grep -q '"text":"Linux"' "$T/co.out" && : > "$T/co.early"
) &
"$CRFTAG" tag -m models/wikiser.crftag -J jsonl < "$T/fifo" | cat > "$T/co.out"
wait
[ -f "$T/co.early" ] && ok "jsonl: answered before end of input (flushed on a pipe)" ||
    fail "jsonl: answered before end of input (flushed on a pipe)"

# --- embedding: examples built against the staged install (make examples) ---
STAGE="$BUILD/stage/usr/local"
if [ -x "$BUILD/examples/minimal" ] && [ -x "$BUILD/examples/stream" ]; then
    check "staged crftag.pc" env PKG_CONFIG_PATH="$STAGE/lib/pkgconfig" pkg-config --modversion crftag
    if [ "$(cat "$T/out")" = "$("$CRFTAG" --version | sed -n 's/^crftag \([^ ]*\).*/\1/p')" ]; then ok "crftag.pc version"; else
        fail "crftag.pc version ($(cat "$T/out"))"; fi
    check "example minimal (staged libcrftag.so)" env LD_LIBRARY_PATH="$STAGE/lib" \
        "$BUILD/examples/minimal" models/wikiser.crftag
    if grep -q '^Linux	B-' "$T/out"; then ok "minimal tags Linux as an entity"; else fail "minimal tags Linux"; fi
    if command -v ldd >/dev/null 2>&1 && LD_LIBRARY_PATH="$STAGE/lib" ldd "$BUILD/examples/minimal" | \
        grep -q "$STAGE/lib/libcrftag.so.1"; then ok "example links the installed library"; else
        fail "example links the installed library"; fi
    gzip -dc corpora/wikiser-dev.txt.gz | awk -F'\t' '/^<s>$/ { next }
        /^<\/s>$/ { print line; line = ""; n++; if (n == 1500) exit; next }
        { line = line (line == "" ? "" : " ") $1 }' > "$T/docs.txt"
    LD_LIBRARY_PATH="$STAGE/lib" "$BUILD/examples/stream" models/wikiser.crftag 1 < "$T/docs.txt" > "$T/s1"
    LD_LIBRARY_PATH="$STAGE/lib" "$BUILD/examples/stream" models/wikiser.crftag 4 < "$T/docs.txt" > "$T/s4"
    if [ -s "$T/s1" ] && cmp -s "$T/s1" "$T/s4" && \
       [ "$(cut -f1 "$T/s1" | sort -n -c 2>&1)" = "" ]; then
        ok "stream example: 4 threads == 1 thread, input order ($(wc -l < "$T/s1") entities)"
    else
        fail "stream example: 4 threads == 1 thread, input order"
    fi
    sed 's/\\/\\\\/g; s/"/\\"/g; s/	/\\t/g; s/^/"/; s/$/"/' "$T/docs.txt" > "$T/docs.jsonl"
    "$CRFTAG" tag -m models/wikiser.crftag -J jsonl "$T/docs.jsonl" > "$T/docs.out"
    if [ "$(grep -o '"start":' "$T/docs.out" | wc -l)" -eq "$(wc -l < "$T/s1")" ] && \
       [ "$(wc -l < "$T/docs.out")" -eq "$(wc -l < "$T/docs.txt")" ]; then
        ok "jsonl CLI and the library example find the same entities"
    else
        fail "jsonl CLI and the library example find the same entities"
    fi
else
    fail "examples not built (make examples)"
fi
if command -v nm >/dev/null 2>&1 && [ -f "$STAGE/lib/libcrftag.a" ]; then
    nm -g --defined-only "$STAGE/lib/libcrftag.a" | awk 'NF == 3 && $3 !~ /^crftag_/' > "$T/syms"
    if [ -s "$T/syms" ]; then fail "libcrftag.a defines only crftag_* symbols ($(head -3 "$T/syms" | tr '\n' ' '))"
    else ok "libcrftag.a defines only crftag_* symbols"; fi
fi
if [ -x "$BUILD/examples/static_link" ]; then
    check "a program naming functions as the library's internals links libcrftag.a" \
        "$BUILD/examples/static_link" models/wikiser.crftag
    if grep -q '^QEMU	B-' "$T/out"; then ok "static_link tags QEMU as an entity"; else
        fail "static_link tags QEMU as an entity"; fi
else
    fail "tests/static_link.c not built (make examples)"
fi
make -s BUILD="$BUILD" install DESTDIR="$T/inst" PREFIX=/opt/crftag >/dev/null 2>"$T/err" && \
    make -s BUILD="$BUILD" uninstall DESTDIR="$T/inst" PREFIX=/opt/crftag >/dev/null 2>>"$T/err"
if [ -z "$(find "$T/inst" -type f -o -type l)" ]; then ok "make install + uninstall leave no file"; else
    fail "make install + uninstall leave no file"; fi

# --- options as getopt_long takes them; every value checked before any file is read ---
check "bundled short options and values (-qj2 -i3), options after files" \
    "$CRFTAG" train "$T/train300.txt" -qj2 -i3 --no-clusters --bias=0 -o "$T/opt.crftag"
"$CRFTAG" info "$T/opt.crftag" > "$T/out" 2>&1
grep -q " 3 iterations" "$T/out" && ok "-i3 and --bias=0 taken" || fail "-i3 and --bias=0 taken"
refuse "abbreviated long option refused, naming the option" 2 "did you mean --threads" \
    "$CRFTAG" train --thread 2 -o "$T/x.crftag" "$T/train300.txt"
refuse "unknown letter in a bundle" 2 "unknown option '-x' in '-qx'" \
    "$CRFTAG" train -qx -o "$T/x.crftag" "$T/train300.txt"
refuse "negative --c2 refused before the (missing) file is read" 2 "\-\-c2: must be >= 0" \
    "$CRFTAG" train --c2 -1 -o "$T/x.crftag" "$T/no-such-file.txt"
refuse "--lexicon-folds out of range" 2 "\-\-lexicon-folds: must be 0..64" \
    "$CRFTAG" train --lexicon-folds 65 -o "$T/x.crftag" "$T/no-such-file.txt"
refuse "--threads negative" 2 "\-\-threads: must be >= 0" \
    "$CRFTAG" train -j -1 -o "$T/x.crftag" "$T/no-such-file.txt"
refuse "--dev-patience without --dev" 2 "\-\-dev-patience needs --dev" \
    "$CRFTAG" train --dev-patience 3 -o "$T/x.crftag" "$T/no-such-file.txt"
refuse "malformed --bias" 2 "\-\-bias: expected" \
    "$CRFTAG" train --bias 'X=' -o "$T/x.crftag" "$T/no-such-file.txt"
refuse "empty option value" 2 "\-\-output: empty value" \
    "$CRFTAG" train --output= "$T/no-such-file.txt"
[ ! -e "$T/x.crftag" ] && ok "no model written by refused command lines" || fail "no model written by refused command lines"
cp "$T/train300.txt" "$T/same.txt"
CRFTAG_ABS="$(cd "$(dirname "$CRFTAG")" && pwd)/crftag"
refuse "-o naming the training file (./x vs x) refused" 2 "is the input file" \
    sh -c "cd '$T' && '$CRFTAG_ABS' train -o ./same.txt same.txt"
refuse "-o naming the --dev file refused" 2 "is the input file" \
    "$CRFTAG" train -o "$T/same.txt" --dev "$T/same.txt" "$T/train.txt"
cmp -s "$T/same.txt" "$T/train300.txt" && ok "the training data is intact" || fail "the training data is intact"
cp "$T/train300.txt" "$T/-q.txt"
check "-- ends the options (a file named -q.txt)" "$CRFTAG" train --quiet --max-iter 2 --no-clusters \
    --bias 0 -o "$T/dd.crftag" -- "$T/-q.txt"
printf 'U00:%%x[0,0]\n# a comment\nU01:%%t[0,0,"^[A-Z]"]\n' > "$T/wapiti.tpl"
refuse "Wapiti's %t macro refused, naming file and line" 1 "wapiti.tpl:3: template: Wapiti" \
    "$CRFTAG" train --quiet -t "$T/wapiti.tpl" -o "$T/x.crftag" "$T/train300.txt"
check "--max-iter 0: no limit, training runs until it converges" "$CRFTAG" train --quiet \
    --max-iter 0 --delta 1e-3 --no-clusters --bias 0 -o "$T/mi0.crftag" "$T/train300.txt"
"$CRFTAG" info "$T/mi0.crftag" > "$T/out" 2>&1
if grep -q "stopped: converged (objective improved less than delta)" "$T/out" &&
    [ "$(sed -n 's/^ *\([0-9]*\) iterations.*/\1/p' "$T/out")" -gt 20 ]; then
    ok "--max-iter 0 stops by delta, after more than 20 iterations"
else
    fail "--max-iter 0 stops by delta, after more than 20 iterations"
fi

# --- --bias auto reports both trainings, the first one first; --trace the final one ---
check "bias auto: progress of both trainings" "$CRFTAG" train --max-iter 3 --trace "$T/trace.tsv" \
    -o "$T/auto3.crftag" "$T/train.txt"
awk '/first training, on 90 % of the sentences/ { f = NR } /^iter/ && f && !a { i1 = NR }
     /training on all the sentences, from the first/ { a = NR } /^iter/ && a { i2 = NR }
     END { exit !(f && i1 > f && a > i1 && i2 > a) }' "$T/err" &&
    ok "bias auto: first training's lines, then the final one's" ||
    fail "bias auto: first training's lines, then the final one's"
[ "$(wc -l < "$T/trace.tsv")" -eq 3 ] && ok "--trace: the final training's 3 iterations" ||
    fail "--trace: the final training's 3 iterations (got $(wc -l < "$T/trace.tsv"))"

# --- continue training: --init MODEL ---
check "train a first model (300 sentences)" "$CRFTAG" train --quiet --max-iter 30 -o "$T/first.crftag" \
    "$T/train300.txt"
check "continue it on 2,000 sentences (--init)" "$CRFTAG" train --max-iter 3 --init "$T/first.crftag" \
    -o "$T/cont.crftag" "$T/train.txt"
grep -q "kept from the --init model" "$T/err" && ok "--init keeps the first model's bias" ||
    fail "--init keeps the first model's bias"
"$CRFTAG" eval --quiet -m "$T/cont.crftag" "$T/dev.txt" > "$T/out" 2>&1
"$CRFTAG" train --quiet --max-iter 3 -o "$T/cold.crftag" --bias 0 "$T/train.txt"
"$CRFTAG" eval --quiet -m "$T/cold.crftag" "$T/dev.txt" > "$T/out2" 2>&1
if ge "$(f1 "$T/out")" "$(awk -v a="$(f1 "$T/out2")" 'BEGIN { print a + 10 }')"; then
    ok "3 iterations from --init beat 3 from scratch by 10 F1 ($(f1 "$T/out") vs $(f1 "$T/out2"))"
else
    fail "3 iterations from --init beat 3 from scratch by 10 F1 ($(f1 "$T/out") vs $(f1 "$T/out2"))"
fi
refuse "--init with another kind of features refused" 1 "init: the model was trained with the built-in" \
    "$CRFTAG" train --quiet -t tests/data/features_conll2000.tpl --init "$T/first.crftag" -o "$T/x.crftag" "$T/train.txt"
refuse "--init without its word clusters refused" 1 "trained with word clusters" \
    "$CRFTAG" train --quiet --no-clusters --init "$T/first.crftag" -o "$T/x.crftag" "$T/train.txt"
cp "$T/first.crftag" "$T/inplace.crftag"
check "--init and -o the same model (continued in place)" "$CRFTAG" train --quiet --max-iter 2 \
    --init "$T/inplace.crftag" -o "$T/inplace.crftag" "$T/train300.txt"

# --- info: the learned lexicon, the weights kept ---
"$CRFTAG" info "$T/first.crftag" > "$T/out" 2>&1
grep -q "^lexicon: *[0-9]* entries of [0-9]* entity types, learned" "$T/out" &&
    grep -q "weights: of the last iteration (30)" "$T/out" && ok "info: learned lexicon, last weights" ||
    fail "info: learned lexicon, last weights"
check "train with --dev-patience" "$CRFTAG" train --quiet --no-clusters --bias 0 --dev "$T/dev.txt" \
    --dev-patience 2 -o "$T/pat.crftag" "$T/train300.txt"
"$CRFTAG" info "$T/pat.crftag" > "$T/out" 2>&1
grep -q "stopped: early stopping: best dev F1 .* at iteration [0-9]*, none better in 2 more$" "$T/out" &&
    grep -q "weights: iteration [0-9]* (best dev F1 [0-9.]*, objective [0-9.]*)" "$T/out" &&
    ok "info: early stopping, the kept iteration and objective" ||
    fail "info: early stopping, the kept iteration and objective"

# --- installed: the shipped model found without the source tree; uninstall removes every file ---
P="$T/prefix"
if make -s BUILD="$BUILD" install PREFIX="$P" >/dev/null 2>"$T/err"; then
    (cd / && echo "QEMU uses SPICE on Linux." | env -u CRFTAG_MODEL "$P/bin/crftag" tag -f spans) \
        > "$T/out" 2>"$T/err"
    grep -q "Application	QEMU" "$T/out" && ok "installed crftag tag without -m uses the installed model" ||
        fail "installed crftag tag without -m uses the installed model"
    (cd / && echo "QEMU" | CRFTAG_MODEL="$T/nc.crftag" "$P/bin/crftag" tag) > "$T/out" 2>"$T/err" &&
        ok "CRFTAG_MODEL names the default model" || fail "CRFTAG_MODEL names the default model"
    mkdir -p "$T/bare/bin" && cp "$P/bin/crftag" "$T/bare/bin/"
    refuse "no model anywhere: a usage error naming the places looked at" 2 "no default model" \
        sh -c "cd / && echo QEMU | env -u CRFTAG_MODEL '$T/bare/bin/crftag' tag"
    make -s BUILD="$BUILD" uninstall PREFIX="$P" >/dev/null 2>>"$T/err"
    if [ -z "$(find "$P" -type f -o -type l)" ] && [ ! -d "$P/share/crftag" ]; then
        ok "make uninstall removes every installed file and share/crftag"
    else
        fail "make uninstall removes every installed file and share/crftag"
    fi
else
    fail "make install PREFIX=$P"
fi
if [ -x "$BUILD/examples/minimal" ]; then
    check "example minimal runs as built (rpath to the staged library)" env -u LD_LIBRARY_PATH \
        "$BUILD/examples/minimal" models/wikiser.crftag
fi
# --- model inspection: crftag dump and crftag explain ---
# the WikiSER slice model (trained with --keep-names): a capitalisation attribute among the 20
# largest positive weights of a third or more of the B- labels (7 of 12 when written), names
# readable, the transition table
check "dump the slice model" "$CRFTAG" dump --top 20 "$T/m.crftag"
cp "$T/out" "$T/dump"
NB=$(grep -c '^label B-' "$T/dump")
NC=$(awk '/^label / { l = $2; p = 0 } /largest positive/ { p = 1; next } /largest negative/ { p = 0 }
    p && l ~ /^B-/ && ($2 ~ /^(initcap|allcaps|mixedcaps)\[0\]$/ || $2 ~ /^s?shape\[0\]=X/) { print l }' \
    "$T/dump" | sort -u | wc -l)
[ "$NB" -ge 8 ] && [ $((NC * 3)) -ge "$NB" ] && ok "dump: capitalisation among the top B- weights ($NC of $NB labels)" ||
    fail "dump: capitalisation among the top B- weights ($NC of $NB labels)"
grep -q '^ *+[0-9.]*  w\[0\]=' "$T/dump" && grep -q '^transitions: ' "$T/dump" &&
    grep -q '^ *[0-9]*  B-Application ' "$T/dump" && ! grep -q 'note: this model keeps no' "$T/dump" &&
    ok "dump: attribute names and the transition table" || fail "dump: attribute names and the transition table"
check "dump --label --top 3" "$CRFTAG" dump --label B-Protocol --top 3 "$T/m.crftag"
[ "$(grep -c '^label ' "$T/out")" = 1 ] && [ "$(grep -c '^    [+-]' "$T/out")" -le 6 ] &&
    ok "dump --label: one label, at most 2 x 3 weights" || fail "dump --label: one label, at most 2 x 3 weights"
# explain: the terms printed sum to the path score the library reports, for raw text and
# for a template model on tokenized input
echo "Azure Sphere runs a Linux kernel on ARM Cortex-A7 chips. It speaks HTTP and MQTT." > "$T/x.txt"
sums_ok() { awk '/^# sentence/ { n++; d = $5 - ($8 + $11); if (d < -1e-3 || d > 1e-3) bad++ }
    END { exit !(n > 0 && bad == 0) }' "$1"; }
check "explain raw text" "$CRFTAG" explain -m "$T/m.crftag" -k 3 "$T/x.txt"
sums_ok "$T/out" && grep -q '^Linux	B-Operating_System	p=0\.' "$T/out" &&
    grep -q '^ *[+-][0-9.]*  transition O -> B-' "$T/out" && ok "explain: terms sum to the score, p and transitions" ||
    fail "explain: terms sum to the score, p and transitions"
[ "$(grep -c '^# sentence' "$T/out")" = 2 ] && ok "explain: one block a sentence" || fail "explain: one block a sentence"
check "explain a template model on tokenized input" "$CRFTAG" explain -m "$T/t.crftag" -T -k 2 "$T/dev.txt"
sums_ok "$T/out" && grep -q '^ *[+-][0-9.]*  U01:' "$T/out" && ok "explain (template): sums and CRF++ names" ||
    fail "explain (template): sums and CRF++ names"
check "explain --format json" sh -c "'$CRFTAG' explain -m '$T/m.crftag' --format json < '$T/x.txt'"
if command -v python3 >/dev/null 2>&1; then
    python3 -c '
import json, sys
for line in open(sys.argv[1]):
    s = json.loads(line)
    assert abs(s["score"] - s["features"] - s["transitions"]) < 1e-6
    tot = sum(f["value"] for t in s["tokens"] for f in t["features"]) + sum(t["other_value"] for t in s["tokens"])
    tot += sum(t["transition"]["value"] for t in s["tokens"] if "transition" in t)
    assert abs(tot - s["score"]) < 1e-6 and all(0 < t["p"] <= 1 for t in s["tokens"])
' "$T/out" 2>"$T/err" && ok "explain json: every term listed, sums to the score" || fail "explain json: every term listed, sums to the score"
fi
# without names: hashes and a note; smaller; explain still names the input's attributes
check "train --no-keep-names" "$CRFTAG" train --quiet --max-iter 10 --bias 0 --no-keep-names \
    -o "$T/nn.crftag" tests/data/corpus_wikiser_30.txt
check "train --keep-names" "$CRFTAG" train --quiet --max-iter 10 --bias 0 --keep-names \
    -o "$T/wn.crftag" tests/data/corpus_wikiser_30.txt
check "train (default: no names)" "$CRFTAG" train --quiet --max-iter 10 --bias 0 -o "$T/dn.crftag" \
    tests/data/corpus_wikiser_30.txt
"$CRFTAG" dump --top 1 "$T/dn.crftag" 2>&1 | grep -q 'note: this model keeps no attribute names' &&
    ! "$CRFTAG" dump --top 1 "$T/wn.crftag" 2>&1 | grep -q 'note: this model keeps no' &&
    ok "the default keeps no names, --keep-names does" || fail "the default keeps no names, --keep-names does"
check "dump a model without names" "$CRFTAG" dump --top 2 "$T/nn.crftag"
grep -q 'note: this model keeps no attribute names' "$T/out" && grep -q '^ *[+-][0-9.]*  attribute [0-9a-f]\{16\}$' "$T/out" &&
    [ "$(wc -c < "$T/nn.crftag")" -lt "$(wc -c < "$T/wn.crftag")" ] && ok "without names: hashes, a note, a smaller file" ||
    fail "without names: hashes, a note, a smaller file"
check "explain with a model without names" "$CRFTAG" explain -m "$T/nn.crftag" -k 100 "$T/x.txt"
grep -q '^ *[+-][0-9.]*  lw\[0\]=on$' "$T/out" && ok "explain names the input's attributes without stored names" ||
    fail "explain names the input's attributes without stored names"
check "dump the shipped model (no names)" "$CRFTAG" dump --top 1 models/wikiser.crftag
grep -q "^note: this model keeps no attribute names" "$T/out" && ok "the shipped model keeps no names: dump says so" ||
    fail "the shipped model keeps no names: dump says so"
refuse "train: --keep-names with --no-keep-names" 2 "contradict" "$CRFTAG" train -o "$T/x.crftag" \
    --keep-names --no-keep-names "$T/train300.txt"
refuse "dump needs a model" 2 "expected one model file" "$CRFTAG" dump
refuse "dump --label of no label" 2 "has no label 'B-Nope'" "$CRFTAG" dump --label B-Nope "$T/m.crftag"
refuse "dump of a non-model" 1 "bad magic" "$CRFTAG" dump "$T/x.txt"
refuse "explain needs a model" 2 "no model given" "$CRFTAG" explain "$T/x.txt"
refuse "explain --format xml" 2 "expected text or json" "$CRFTAG" explain -m "$T/m.crftag" --format xml "$T/x.txt"
refuse "explain a missing file" 1 "cannot open" "$CRFTAG" explain -m "$T/m.crftag" "$T/none.txt"

# --- Python bindings (ctypes), when python3 is present ---
if ! command -v python3 >/dev/null 2>&1; then
    echo "skip - python bindings (no python3)"
elif ldd "$BUILD/libcrftag.so.1" 2>/dev/null | grep -q 'lib[at]san' ||
    nm -D "$BUILD/libcrftag.so.1" 2>/dev/null | grep -q ' __[at]san_'; then
    echo "skip - python bindings (sanitizer build)"
else
    check "python bindings (python/test_crftag.py)" env PYTHONDONTWRITEBYTECODE=1 CRFTAG_LIB="$BUILD/libcrftag.so.1" \
        CRFTAG_BIN="$CRFTAG" python3 python/test_crftag.py
fi

# --- how `crftag tag` reads input and writes output ---
M=models/wikiser.crftag
# one sentence rule: a line break inside a paragraph is a space, as in the library
printf 'Developers edit code in Visual\nStudio Code and manage containers with Docker\nCompose on Windows\n11 machines.\n' > "$T/wrapped.txt"
tr '\n' ' ' < "$T/wrapped.txt" > "$T/joined.txt"
"$CRFTAG" tag -m $M --format spans "$T/wrapped.txt" > "$T/wrapped.spans" 2>"$T/err"
"$CRFTAG" tag -m $M --format spans "$T/joined.txt" > "$T/joined.spans" 2>>"$T/err"
# (an entity over each line break: "Visual Studio" and "Windows 11")
if cmp -s "$T/wrapped.spans" "$T/joined.spans" && grep -q '^24	[34][0-9]	[A-Za-z_]*	Visual Studio' "$T/wrapped.spans" &&
   grep -q '	Windows 11$' "$T/wrapped.spans"; then
    ok "wrapped text gives the entities of the joined line (Visual Studio, Windows 11)"
else
    fail "wrapped text gives the entities of the joined line"; sed 's/^/       /' "$T/wrapped.spans"
fi
"$CRFTAG" tag -m $M --format spans --lines "$T/wrapped.txt" > "$T/lines.spans" 2>"$T/err"
if ! grep -q 'Visual Studio' "$T/lines.spans" && ! cmp -s "$T/lines.spans" "$T/wrapped.spans"; then
    ok "--lines: one document per line"; else fail "--lines: one document per line"; fi
# a blank line ends a paragraph (and its sentence); a line break does not
printf 'QEMU runs on\nLinux\n\nDocker runs on Windows\n' | "$CRFTAG" tag -m $M --format json > "$T/out" 2>"$T/err"
if [ "$(wc -l < "$T/out")" -eq 2 ] && head -n 1 "$T/out" | grep -q '"tokens":\["QEMU","runs","on","Linux"\]' &&
   sed -n 2p "$T/out" | grep -q '"offsets":\[\[20,26\]'; then
    ok "a blank line ends a paragraph; offsets into the input as given"
else
    fail "a blank line ends a paragraph; offsets into the input as given"
fi
# the library (through Python: not with a sanitizer build of it) splits the wrapped text the same way
py_lib() {
    command -v python3 >/dev/null 2>&1 && [ -f "$BUILD/libcrftag.so.1" ] &&
        ! ldd "$BUILD/libcrftag.so.1" 2>/dev/null | grep -q 'lib[at]san' &&
        ! nm -D "$BUILD/libcrftag.so.1" 2>/dev/null | grep -q ' __[at]san_'
}
if py_lib; then
    CRFTAG_LIB="$BUILD/libcrftag.so.1" PYTHONPATH=python python3 -c '
import sys, crftag
m = crftag.Model(sys.argv[1])
text = open(sys.argv[2], encoding="utf-8").read()
for s in m.tag_text(text):
    print("%d\t%d\t%s\t%s" % (s.byte_start, s.byte_end, s.label, s.text.replace("\n", " ")))' \
        $M "$T/wrapped.txt" > "$T/py.spans" 2>"$T/err"
    cmp -s "$T/py.spans" "$T/wrapped.spans" && ok "Python tag_text finds the spans of crftag tag" ||
        fail "Python tag_text finds the spans of crftag tag"
fi
# a paragraph over the 1 MiB buffer: every sentence tagged, offsets still into the input
awk 'BEGIN { for (i = 0; i < 60000; i++) printf "QEMU runs on Linux %d.\n", i }' > "$T/para.txt"
"$CRFTAG" tag -m $M --format spans "$T/para.txt" > "$T/para.spans" 2>"$T/err"
n=$(grep -c '	QEMU$' "$T/para.spans")
last=$(grep '	QEMU$' "$T/para.spans" | tail -n 1 | cut -f1)
if [ "$n" -eq 60000 ] && [ "$last" -eq "$(($(wc -c < "$T/para.txt") - 26))" ] &&
   [ "$(dd if="$T/para.txt" bs=1 skip="$last" count=4 2>/dev/null)" = QEMU ]; then
    ok "a 1.5 MB paragraph: 60000 sentences tagged, offsets right"
else
    fail "a 1.5 MB paragraph: 60000 sentences tagged ($n), offsets right"
fi

# compressed input: raw text, stdin, JSON lines; a truncated file is an error
gzip -c "$T/wrapped.txt" > "$T/wrapped.txt.gz"
cp "$T/wrapped.txt.gz" "$T/wrapped.bin"
"$CRFTAG" tag -m $M --format spans "$T/wrapped.txt.gz" > "$T/gz1" 2>"$T/err" &&
"$CRFTAG" tag -m $M --format spans "$T/wrapped.bin" > "$T/gz2" 2>>"$T/err" &&
"$CRFTAG" tag -m $M --format spans - < "$T/wrapped.txt.gz" > "$T/gz3" 2>>"$T/err"
if cmp -s "$T/gz1" "$T/wrapped.spans" && cmp -s "$T/gz2" "$T/wrapped.spans" && cmp -s "$T/gz3" "$T/wrapped.spans"; then
    ok "gzip raw text (file, any name, stdin) tags as the plain text"
else
    fail "gzip raw text (file, any name, stdin) tags as the plain text"
fi
printf '%s\n' '{"id":1,"text":"QEMU runs on Linux."}' | gzip -c > "$T/in.jsonl.gz"
"$CRFTAG" tag -m $M -J jsonl "$T/in.jsonl.gz" > "$T/out" 2>"$T/err"
grep -q '^{"id":1,"text":"QEMU runs on Linux.","entities":\[{"start":0,"end":4,' "$T/out" &&
    ok "gzip JSON lines" || fail "gzip JSON lines"
head -c 30 "$T/wrapped.txt.gz" > "$T/cut.gz"
refuse "tag: a truncated gzip file" 1 "cut.gz:1: read error: unexpected end of gzip data" "$CRFTAG" tag -m $M "$T/cut.gz"

# character offsets beside byte offsets (JSON and JSON lines), as the Python binding's
printf 'Zo\303\253 runs Linux \360\237\230\200 and Docker on Ubuntu.\n' > "$T/utf8.txt"
"$CRFTAG" tag -m $M --format json "$T/utf8.txt" > "$T/utf8.json" 2>"$T/err"
sed 's/\\/\\\\/g; s/"/\\"/g; s/^/{"id":"u","text":"/; s/$/"}/' "$T/utf8.txt" > "$T/utf8.jsonl"
"$CRFTAG" tag -m $M -J jsonl "$T/utf8.jsonl" > "$T/utf8.out" 2>>"$T/err"
if command -v python3 >/dev/null 2>&1; then
    python3 -c '
import json, sys
text = open(sys.argv[1], encoding="utf-8").read()
data = open(sys.argv[1], "rb").read()
n = 0
for line in open(sys.argv[2], encoding="utf-8"):
    j = json.loads(line)
    for (a, b), (c, d), tok in zip(j["offsets"], j["char_offsets"], j["tokens"]):
        assert data[a:b].decode() == tok == text[c:d], (tok, a, b, c, d)
    for e in j["entities"]:
        assert (e["start"], e["end"]) == (e["start_byte"], e["end_byte"])
        assert text[e["start_char"]:e["end_char"]] == e["text"] == data[e["start"]:e["end"]].decode()
        n += 1
rec = json.loads(open(sys.argv[3], encoding="utf-8").readline())
assert rec["id"] == "u" and len(rec["entities"]) == n
for e in rec["entities"]:
    assert rec["text"][e["start_char"]:e["end_char"]] == e["text"]
    assert rec["text"].encode()[e["start_byte"]:e["end_byte"]].decode() == e["text"]
assert n >= 2 and any(e["start_char"] != e["start"] for e in rec["entities"])
' "$T/utf8.txt" "$T/utf8.json" "$T/utf8.out" 2>"$T/err" &&
        ok "character offsets slice the entity text in Python (json, jsonl)" ||
        fail "character offsets slice the entity text in Python (json, jsonl)"
    if py_lib; then
        CRFTAG_LIB="$BUILD/libcrftag.so.1" PYTHONPATH=python python3 -c '
import json, sys, crftag
m = crftag.Model(sys.argv[1])
text = open(sys.argv[2], encoding="utf-8").read()
want = [(e["start_char"], e["end_char"], e["text"]) for e in json.loads(open(sys.argv[3]).readline())["entities"]]
got = [(s.start, s.end, s.text) for s in m.tag_text(text)]
assert got == want, (got, want)' $M "$T/utf8.txt" "$T/utf8.json" 2>"$T/err" &&
            ok "Python Span.start/end are the start_char/end_char of crftag tag" ||
            fail "Python Span.start/end are the start_char/end_char of crftag tag"
    fi
fi

# JSON lines that round-trip: other members kept, any valid JSON, invalid lines refused
printf '%s\n' \
  '  {"id": 7, "meta": {"tags": ["a", {"b": null}], "n": -1.5e3}, "te\u0078t": "QEMU runs on Linux."}' \
  '{"id":foo,"text":"Linux"}' \
  '{"text":"Linux",}' \
  '{"text":"\q Linux"}' \
  '{"text":"\ud800 Linux"}' \
  '{"text":"QEMU runs on Linux.","id":"last"}' > "$T/rt.jsonl"
printf '{"text":"Linux\tx"}\n' >> "$T/rt.jsonl"
refuse "jsonl: invalid records refused, exit 1" 1 'rt.jsonl:2: invalid literal' "$CRFTAG" tag -m $M -J jsonl "$T/rt.jsonl"
if grep -q 'rt.jsonl:3: trailing comma' "$T/err" && grep -q 'rt.jsonl:4: bad escape' "$T/err" &&
   grep -q 'rt.jsonl:5: lone surrogate' "$T/err" && grep -q 'rt.jsonl:7: control character in string' "$T/err" &&
   [ "$(wc -l < "$T/out")" -eq 7 ] && [ "$(grep -c '^{"error":"line [2-57]: ' "$T/out")" -eq 5 ] &&
   head -n 1 "$T/out" | grep -q '^{"id": 7,"meta": {"tags": \["a", {"b": null}\], "n": -1.5e3},"te\\u0078t": "QEMU runs on Linux.","entities":\[' &&
   sed -n 6p "$T/out" | grep -q '^{"text":"QEMU runs on Linux.","id":"last","entities":\[{'; then
    ok "jsonl: members kept verbatim, each bad line reported with its number, the others answered"
else
    fail "jsonl: members kept verbatim, each bad line reported with its number, the others answered"
    sed 's/^/       /' "$T/out"
fi
printf '%s\n' '{"id":1,"text":"QEMU runs on Linux. It is fast.","tags":"mine"}' > "$T/f.jsonl"
"$CRFTAG" tag -m $M -J jsonl -f conll "$T/f.jsonl" > "$T/fc" 2>"$T/err"
"$CRFTAG" tag -m $M -J jsonl -f json "$T/f.jsonl" > "$T/fj" 2>>"$T/err"
"$CRFTAG" tag -m $M -J jsonl "$T/f.jsonl" > "$T/fs" 2>>"$T/err"
if grep -q '"tokens":\["QEMU","runs","on","Linux",".","It","is","fast","."\],"tags":\["B-' "$T/fc" &&
   ! grep -q '"offsets"' "$T/fc" && ! grep -q '"mine"' "$T/fc" &&
   grep -q '"sentences":\[\[0,5\],\[5,9\]\]' "$T/fj" && grep -q '"char_offsets":\[\[0,4\],' "$T/fj" &&
   ! grep -q '"tokens":\["QEMU"' "$T/fs" && grep -q '"tags":"mine"' "$T/fs"; then
    ok "jsonl honours --format (conll: tokens and tags; json: offsets and sentences)"
else
    fail "jsonl honours --format (conll: tokens and tags; json: offsets and sentences)"
fi
if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import json, sys
for f in sys.argv[1:]:
    for l in open(f): json.loads(l)' "$T/out" "$T/fc" "$T/fj" "$T/fs" && ok "jsonl answers are JSON" || fail "jsonl answers are JSON"
fi

# tokenized input keeps its columns, the prediction last: straight into eval --pred
"$CRFTAG" tag --tokenized -m $M corpora/wikiser-dev.txt.gz 2>"$T/err" | "$CRFTAG" eval --pred - > "$T/rt_pred" 2>>"$T/err"
"$CRFTAG" eval -m $M corpora/wikiser-dev.txt.gz > "$T/rt_eval" 2>/dev/null
if [ -s "$T/rt_pred" ] && cmp -s "$T/rt_pred" "$T/rt_eval"; then
    ok "tag --tokenized | eval --pred - gives the report of eval -m (WikiSER dev)"
else
    fail "tag --tokenized | eval --pred - gives the report of eval -m (WikiSER dev)"
fi
printf 'QEMU\tB-Application\textra\nruns\tO\tx\n\n' > "$T/cols.txt"
"$CRFTAG" tag --tokenized -m $M "$T/cols.txt" > "$T/out" 2>"$T/err"
[ "$(head -n 1 "$T/out" | cut -f1-3)" = "QEMU	B-Application	extra" ] && [ "$(head -n 1 "$T/out" | awk -F'\t' '{ print NF }')" -eq 4 ] &&
    ok "tag --tokenized: every input column, then the label" || fail "tag --tokenized: every input column, then the label"

# lines and sentences longer than the writer's buffer: every column kept, byte for byte
awk 'BEGIN { t = ""; for (i = 0; i < 10000; i++) t = t "x"
             for (i = 0; i < 700; i++) printf "tok%d\tO\tcol%d\n", i, i
             printf "%s\tO\tlong\nend\tO\t%s\n\n", t, t }' > "$T/longcols.txt"
"$CRFTAG" tag --tokenized -m $M "$T/longcols.txt" > "$T/out" 2>"$T/err"
cut -f1-3 "$T/out" > "$T/longcut"
if [ "$(wc -l < "$T/out")" -eq 703 ] && cmp -s "$T/longcut" "$T/longcols.txt" &&
   [ "$(awk -F'\t' 'NF && NF != 4' "$T/out" | wc -l)" -eq 0 ]; then
    ok "tag --tokenized: a 10,000-byte token and a 22,000-byte sentence written whole"
else
    fail "tag --tokenized: a 10,000-byte token and a 22,000-byte sentence written whole"
fi

# co-process: each answer read before the next input is written (--lines, paragraphs,
# jsonl plain and gzip, tokenized)
if command -v python3 >/dev/null 2>&1; then
    if python3 tests/coprocess.py "$CRFTAG" $M > "$T/co" 2>"$T/err"; then
        ok "co-process: $(grep -c '^ok' "$T/co") modes answered line by line"
    else
        cat "$T/co" >> "$T/err"; fail "co-process: answered line by line"
    fi
fi
# --- tag --threads: the output of one thread, byte for byte, in every mode ---
sh tests/tag_threads.sh "$CRFTAG" $M "$T" > "$T/mt" 2>&1
n_ok=$(grep -c '^ok' "$T/mt"); n_fail=$(grep -c '^FAIL' "$T/mt")
if [ "$n_ok" -ge 30 ] && [ "$n_fail" -eq 0 ]; then
    ok "tag -j 2 and -j 3 write what -j 1 writes: $n_ok modes and formats"
else
    grep -A3 '^FAIL' "$T/mt" > "$T/err"; fail "tag -j 2 and -j 3 write what -j 1 writes ($n_fail differ)"
fi
if command -v python3 >/dev/null 2>&1; then
    if python3 tests/coprocess.py "$CRFTAG" $M --threads 2 > "$T/co" 2>"$T/err"; then
        ok "co-process with --threads 2: $(grep -c '^ok' "$T/co") modes answered line by line"
    else
        cat "$T/co" >> "$T/err"; fail "co-process with --threads 2: answered line by line"
    fi
fi
refuse "tag --threads -1 is refused" 2 "tag: --threads: must be 0..1024" "$CRFTAG" tag -m $M -j -1 "$T/mt_raw.txt"
refuse "tag --threads 5000 is refused" 2 "tag: --threads: must be 0..1024" "$CRFTAG" tag -m $M --threads 5000 "$T/mt_raw.txt"
refuse "tag --threads x is refused" 2 "tag: --threads: expected an integer" "$CRFTAG" tag -m $M -j x "$T/mt_raw.txt"
"$CRFTAG" tag -m $M -j 0 "$T/mt_raw1000.txt" > "$T/out" 2>"$T/err"
"$CRFTAG" tag -m $M "$T/mt_raw1000.txt" > "$T/out1" 2>>"$T/err"
cmp -s "$T/out" "$T/out1" && [ -s "$T/out" ] && ok "tag -j 0 (all cores) = the default one thread" ||
    fail "tag -j 0 (all cores) = the default one thread"
# a reader that stops early, a closed stdout: the threads end, with the status of one thread
"$CRFTAG" tag -m $M -j 2 "$T/mt_raw.txt" 2>"$T/err" | head -n 1 > "$T/out"
[ "$(cut -f1 "$T/out")" = "The" ] && ok "tag -j 2 | head -n 1 ends" || fail "tag -j 2 | head -n 1 ends"
"$CRFTAG" tag -m $M -j 2 "$T/mt_raw.txt" >&- 2>"$T/err"; rc=$?
[ "$rc" -eq 1 ] && grep -q "writing output" "$T/err" && ok "tag -j 2 with stdout closed: exit 1, said" ||
    fail "tag -j 2 with stdout closed: exit 1, said (exit $rc)"
"$CRFTAG" tag -m $M -j 2 -T "$T/mt_dev.txt" >/dev/full 2>"$T/err"; rc=$?
[ "$rc" -eq 1 ] && grep -q "writing output: No space left" "$T/err" && ok "tag -j 2 to /dev/full: exit 1, said" ||
    fail "tag -j 2 to /dev/full: exit 1, said (exit $rc)"
# ... also while the input stays open and idle (a pipe whose writer waits): the run ends
# when the write fails, not when the input ends (timeout: would hang until killed)
mkfifo "$T/idle"
exec 3<>"$T/idle"
printf 'Docker runs on Linux.\n\n' >&3
timeout 60 "$CRFTAG" tag -m $M -j 2 < "$T/idle" >/dev/full 2>"$T/err"; rc=$?
exec 3>&-
[ "$rc" -eq 1 ] && grep -q "writing output: No space left" "$T/err" &&
    ok "tag -j 2 to /dev/full with idle input: exit 1 at once, said" ||
    fail "tag -j 2 to /dev/full with idle input: exit 1 at once, said (exit $rc)"

# --- confidence: tag --marginals, --all-marginals, --nbest (probabilities of the decoded lattice) ---
M=models/wikiser.crftag
awk '/^<s>$/ { n++ } n <= 200' "$T/dev.txt" > "$T/dev200gold.txt"
cut -f 1 "$T/dev200gold.txt" > "$T/dev200.txt"   # tokens only: token<TAB>TAG out
# the probabilities describe the model's own labellings: without the document memory
check "tag -T (reference)" "$CRFTAG" tag -m $M -T --memory 0 "$T/dev200.txt"
cp "$T/out" "$T/c_plain"
check "tag -T --marginals" "$CRFTAG" tag -m $M -T -p "$T/dev200.txt"
cp "$T/out" "$T/c_p"
# a "# p=P" line per sentence, token<TAB>TAG<TAB>P, the same tags as without -p
if [ "$(grep -c '^# p=' "$T/c_p")" -eq 200 ] &&
   grep -v '^# p=' "$T/c_p" | cut -f 1,2 | cmp -s - "$T/c_plain" &&
   grep -v '^# p=' "$T/c_p" | awk -F '\t' 'NF && (NF != 3 || !($3 > 0 && $3 <= 1)) { bad = 1 } END { exit bad }'; then
    ok "--marginals: a p line per sentence, a third column in (0,1], the same tags"
else fail "--marginals: a p line per sentence, a third column in (0,1], the same tags"; fi
# each sentence's p is at most every marginal of its labelling
awk -F '\t' '/^# p=/ { p = substr($0, 5) + 0; next } NF == 3 && $3 + 1e-6 < p { bad = 1 } END { exit bad }' "$T/c_p" &&
    ok "--marginals: P(labelling) <= each of its marginals" || fail "--marginals: P(labelling) <= each of its marginals"
check "tag -T --all-marginals" "$CRFTAG" tag -m $M -T --all-marginals "$T/dev200.txt"
cp "$T/out" "$T/c_all"
# 25 LABEL/P columns summing to 1; the third column is the tag's own; no I- label first in a sentence
if awk -F '\t' '/^# p=/ { first = 1; next } !NF { next }
    { if (NF != 28) bad = 1; s = 0
      for (k = 4; k <= NF; k++) { i = match($k, /\/[^\/]*$/); lab = substr($k, 1, i - 1); v = substr($k, i + 1) + 0
        s += v; if (lab == $2 && v != $3 + 0) bad = 1; if (first && lab ~ /^I-/ && v != 0) bad = 1 }
      if (s < 0.9999 || s > 1.0001) bad = 1; first = 0 }
    END { exit bad }' "$T/c_all"; then
    ok "--all-marginals: every label's marginal, rows sum to 1, no I- first"
else fail "--all-marginals: every label's marginal, rows sum to 1, no I- first"; fi
"$CRFTAG" tag -m $M -T --all-marginals --no-constraint "$T/dev200.txt" > "$T/c_unc" 2>"$T/err"
awk -F '\t' '/^# p=/ { first = 1; next } !NF { next }
    { for (k = 4; k <= NF; k++) if (first && $k ~ /^I-/ && $k !~ /\/0$/) some = 1; first = 0 }
    END { exit !some }' "$T/c_unc" &&
    ok "--no-constraint: I- labels first in a sentence have some mass" ||
    fail "--no-constraint: I- labels first in a sentence have some mass"
# a label bias moves the marginals: O less likely everywhere
"$CRFTAG" tag -m $M -T -p --bias 2 "$T/dev200.txt" > "$T/c_bias" 2>"$T/err"
paste "$T/c_all" "$T/c_bias" | awk -F '\t' 'NF == 31 { o = substr($4, 3) + 0
        if ($4 !~ /^O\//) bad = 1; if ($30 == "O") { if ($31 + 0 > o) bad = 1; if ($31 + 0 < o) lower++ } }
    END { exit !(lower > 1000 && bad == 0) }' &&
    ok "--bias 2 lowers the marginal of O" || fail "--bias 2 lowers the marginal of O"
check "tag -T --nbest 3" "$CRFTAG" tag -m $M -T -n 3 "$T/dev200.txt"
cp "$T/out" "$T/c_nb"
# blocks "# n-best K p=P" (K = 1, 2, 3 per sentence), probabilities non-increasing and
# summing to at most 1; the first is the labelling tag writes, with its p
if [ "$(grep -c '^# n-best 1 p=' "$T/c_nb")" -eq 200 ] &&
   awk '/^# n-best / { k = $3; p = substr($4, 3) + 0; if (k == 1) s = 0; else if (p > last + 1e-9) bad = 1
        s += p; if (s > 1.000001) bad = 1; last = p } END { exit bad }' "$T/c_nb" &&
   awk '/^# n-best / { keep = ($3 == 1); next } keep' "$T/c_nb" | cmp -s - "$T/c_plain" &&
   [ "$(grep '^# n-best 1 ' "$T/c_nb" | sed 's/.* p=//')" = "$(grep '^# p=' "$T/c_p" | sed 's/.*=//')" ]; then
    ok "--nbest 3: three labellings per sentence, best first, the first is tag's"
else fail "--nbest 3: three labellings per sentence, best first, the first is tag's"; fi
awk '/^# n-best / { if ($3 == 1) split("", seen); key = ""; inb = 1; next }
     inb && NF { key = key "|" $2; next }
     inb { if (key in seen) bad = 1; seen[key] = 1; inb = 0 } END { exit bad }' "$T/c_nb" &&
    ok "--nbest 3: the labellings of a sentence differ" || fail "--nbest 3: the labellings of a sentence differ"
# spans: a fifth column, the entity's probability; the first four as without -p
printf 'QEMU uses SPICE on Linux.\nInstall Docker Engine on Ubuntu and run nginx.\n' > "$T/c_text"
"$CRFTAG" tag -m $M -f spans "$T/c_text" > "$T/c_s0" 2>"$T/err"
check "tag --marginals -f spans" "$CRFTAG" tag -m $M -p -f spans "$T/c_text"
if [ -s "$T/c_s0" ] && cut -f 1-4 "$T/out" | cmp -s - "$T/c_s0" &&
   awk -F '\t' 'NF != 5 || !($5 > 0 && $5 <= 1) { bad = 1 } END { exit bad }' "$T/out"; then
    ok "--marginals -f spans: a fifth column with the entity probability"
else fail "--marginals -f spans: a fifth column with the entity probability"; fi
check "tag --all-marginals -n 2 -f json" "$CRFTAG" tag -m $M --all-marginals -n 2 -f json "$T/c_text"
if command -v python3 >/dev/null 2>&1; then
    python3 -c '
import json, sys
for line in open(sys.argv[1]):
    d = json.loads(line)
    assert 0 < d["prob"] <= 1 and len(d["marginals"]) == len(d["tags"])
    assert all(0 < e["prob"] <= 1 and e["prob"] >= d["prob"] for e in d["entities"])
    assert len(d["nbest"]) == 2 and d["nbest"][0]["tags"] == d["tags"]
    assert abs(d["nbest"][0]["prob"] - d["prob"]) < 1e-9
    assert all(abs(sum(m.values()) - 1) < 1e-4 for m in d["all_marginals"])
' "$T/out" 2>"$T/err" && ok "--marginals -f json: prob, marginals, all_marginals, nbest" ||
        fail "--marginals -f json: prob, marginals, all_marginals, nbest"
    "$CRFTAG" tag -m $M -T -p -f json "$T/dev200gold.txt" > "$T/c_json" 2>"$T/err"
    python3 scripts/calibration.py "$T/dev200gold.txt" "$T/c_json" > "$T/out" 2>"$T/err" &&
        grep -q '^sentences 200, tokens tagged with an entity label [0-9]*, marginal of that label < 0.5: [0-9]*$' "$T/out" &&
        grep -q '^| 0.99 - 1.0 | [0-9]* |' "$T/out" &&
        ok "scripts/calibration.py: the low-marginal count and the table" ||
        fail "scripts/calibration.py: the low-marginal count and the table"
fi
# plain tags: an entity is one token, its probability the marginal of its tag
if [ -f "$T/pos.crftag" ]; then
    printf 'The cat sat on the mat .\n' > "$T/c_pos"
    "$CRFTAG" tag -m "$T/pos.crftag" -p -f spans "$T/c_pos" | cut -f 5 > "$T/c_pos_s" 2>"$T/err"
    "$CRFTAG" tag -m "$T/pos.crftag" -p "$T/c_pos" | awk -F '\t' 'NF == 3 && $2 != "O" { print $3 }' > "$T/c_pos_c"
    [ -s "$T/c_pos_s" ] && cmp -s "$T/c_pos_s" "$T/c_pos_c" &&
        ok "plain tags: entity probability = the tag's marginal" ||
        fail "plain tags: entity probability = the tag's marginal"
fi
refuse "--nbest with -f spans" 2 "use --format conll or json" "$CRFTAG" tag -m $M -n 2 -f spans "$T/c_text"
refuse "--marginals with -J jsonl" 2 "do not apply to --input-format jsonl" "$CRFTAG" tag -m $M -p -J jsonl "$T/c_text"
refuse "--nbest too large" 2 "at most 1000" "$CRFTAG" tag -m $M -n 1001 "$T/c_text"
refuse "--nbest not a number" 2 "expected a non-negative integer" "$CRFTAG" tag -m $M -n x "$T/c_text"

# --- CRFsuite's data format (LABEL<TAB>ATTR<TAB>ATTR:weight..., tests/data/crfsuite_conll_30.txt) ---
CS=tests/data/crfsuite_conll_30.txt
check "train on a CRFsuite attribute file (detected)" "$CRFTAG" train --quiet --bias 0 -o "$T/cs.crftag" "$CS"
"$CRFTAG" info "$T/cs.crftag" > "$T/out" 2>&1
grep -q "^features: *attributes" "$T/out" && grep -q "^training data: *30 sentences, 808 tokens" "$T/out" &&
    ok "info: attribute features, 30 sentences" || fail "info: attribute features, 30 sentences"
check "train --keep-names on a CRFsuite attribute file" "$CRFTAG" train --quiet --bias 0 \
    --keep-names --max-iter 20 -o "$T/csn.crftag" "$CS"
check "dump the attribute-string model" "$CRFTAG" dump "$T/csn.crftag"
grep -q "suf:3=" "$T/out" && ! grep -q "keeps no attribute names" "$T/out" \
    && ok "--keep-names keeps attribute strings' names (escapes undone)" \
    || fail "--keep-names keeps attribute strings' names (escapes undone)"
check "eval on the CRFsuite file" "$CRFTAG" eval --quiet -m "$T/cs.crftag" "$CS"
F=$(f1 "$T/out")
if [ -n "$F" ] && ge "$F" 90; then ok "CRFsuite-format model learns its training data (F1 $F)"; else
    fail "CRFsuite-format model learns its training data (F1 '$F')"; fi
check "tag a CRFsuite file (labels ignored)" "$CRFTAG" tag -m "$T/cs.crftag" "$CS"
cut -f1 "$CS" > "$T/gold.lab"
if [ "$(wc -l < "$T/out")" -eq "$(wc -l < "$T/gold.lab")" ] &&
   [ "$(paste "$T/gold.lab" "$T/out" | awk -F'\t' '$1 != "" && $1 == $2' | wc -l)" -ge 770 ]; then
    ok "tag writes one label a token, a blank line a sentence, as CRFsuite's tag"
else fail "tag writes one label a token, a blank line a sentence, as CRFsuite's tag"; fi
sed 's/^[^\t]*\t/\t/' "$CS" > "$T/nolabel.txt"       # empty labels: tagging only
check "tag --input-format crfsuite without labels" "$CRFTAG" tag -m "$T/cs.crftag" --input-format crfsuite "$T/nolabel.txt"
paste "$T/gold.lab" "$T/out" | awk -F'\t' '$1 != "" && $1 == $2' | wc -l > "$T/n"
if [ "$(cat "$T/n")" -ge 770 ]; then ok "unlabeled CRFsuite input tags the same"; else fail "unlabeled CRFsuite input tags the same"; fi
refuse "an unlabeled CRFsuite file cannot train" 1 "empty label" "$CRFTAG" train --quiet -o "$T/x" --input-format crfsuite "$T/nolabel.txt"
printf 'B-NP\tw=a\tlen:abc\n' > "$T/badw.txt"
refuse "a bad weight names file and line" 1 "badw.txt:1: field 3 'len:abc': attribute weight is not a number" \
    "$CRFTAG" train --quiet -o "$T/x" --input-format crfsuite "$T/badw.txt"
refuse "a template does not apply to attributes" 1 "do not apply" \
    "$CRFTAG" train --quiet -o "$T/x" -t tests/data/features_conll2000.tpl "$CS"
refuse "--input-format checks its value" 2 "expected auto, conll, crfsuite" \
    "$CRFTAG" train -o "$T/x" --input-format csv "$CS"
refuse "columns into a model of attributes" 2 "CRFsuite's format" \
    "$CRFTAG" tag -m "$T/cs.crftag" --tokenized --input-format conll "$CS"
refuse "CRFsuite input into a model of columns" 2 "not CRFsuite attributes" \
    "$CRFTAG" tag -m "$T/m.crftag" --input-format crfsuite "$CS"
awk 'BEGIN { for (i = 1; i <= 1100; i++) { printf "w%d\tNN\t%s\n", i, (i % 2 ? "B-NP" : "O")
                                           if (i % 10 == 0) print "" }
             print "w\tNN\tx\tB-NP" }' > "$T/cols.txt"
refuse "columns whose count varies suggest --input-format crfsuite" 1 "use --input-format crfsuite" \
    "$CRFTAG" train --quiet -o "$T/x" "$T/cols.txt"

# --- document memory: entities found in the last sentences label their later mentions ---
# documents of 6 sentences about a fresh name: named with a cue first ("the drug NAME was
# given ."), then "after W the patients slept ." with W the name (one time in five,
# labelled) or another fresh word: only the document tells them apart
memdocs() {
    awk -v seed="$1" 'BEGIN { srand(seed); split("ka lo mi zen tor vi bu sa rex fo", y, " ")
        for (d = 0; d < 60; d++) {
            n = ""; for (k = 0; k < 4; k++) n = n y[int(rand() * 10) + 1]
            printf "the\tO\ndrug\tO\n%s\tB-Chemical\nwas\tO\ngiven\tO\n.\tO\n\n", n
            for (s = 0; s < 5; s++) {
                w = ""; for (k = 0; k < 4; k++) w = w y[int(rand() * 10) + 1]
                named = rand() < 0.2
                printf "after\tO\n%s\t%s\nthe\tO\npatients\tO\nslept\tO\n.\tO\n\n",
                       named ? n : w, named ? "B-Chemical" : "O" } } }' > "$2"
}
memdocs 7 "$T/memdocs.txt"
memdocs 8 "$T/memdocs_new.txt"      # other names, to tag
check "train chooses a document memory where names come back" "$CRFTAG" train --no-lexicon -j 1 \
    -o "$T/mem.crftag" "$T/memdocs.txt"
grep -q "^crftag: document memory: held-out F1 .* with 10 sentences, .* with abbreviations too: kept" "$T/err" &&
    ok "train reports the memory's held-out F1 and keeps it" ||
    fail "train reports the memory's held-out F1 and keeps it"
"$CRFTAG" info "$T/mem.crftag" | grep -q "^document memory: 10 sentences" &&
    "$CRFTAG" info "$T/mem.crftag" | grep -q "^format version:  8" &&
    ok "info shows the memory (model format 8)" || fail "info shows the memory (model format 8)"
printf 'the drug bukamifo was given .\nafter bukamifo the patients slept .\n' > "$T/memtext.txt"
check "tag with the memory" "$CRFTAG" tag -m "$T/mem.crftag" -l --format spans "$T/memtext.txt"
[ "$(grep -c Chemical "$T/out")" -eq 2 ] && ok "the later mention gets the type" ||
    { cat "$T/out" > "$T/err"; fail "the later mention gets the type"; }
check "tag --memory 0" "$CRFTAG" tag -m "$T/mem.crftag" -l --memory 0 --format spans "$T/memtext.txt"
[ "$(grep -c Chemical "$T/out")" -eq 1 ] && ok "--memory 0: only the mention with a cue" ||
    { cat "$T/out" > "$T/err"; fail "--memory 0: only the mention with a cue"; }
# the memory over threads: each batch starts with the units before it
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do cat "$T/memdocs_new.txt"; done \
    > "$T/memdocs20.txt"
"$CRFTAG" tag -T -m "$T/mem.crftag" "$T/memdocs20.txt" > "$T/mem1.out" 2>&1
"$CRFTAG" tag -T -j 3 -m "$T/mem.crftag" "$T/memdocs20.txt" > "$T/mem3.out" 2>&1
"$CRFTAG" tag -T --memory 0 -m "$T/mem.crftag" "$T/memdocs20.txt" > "$T/mem0.out" 2>&1
cmp -s "$T/mem1.out" "$T/mem3.out" && ! cmp -s "$T/mem1.out" "$T/mem0.out" &&
    ok "tag -T -j 3 with the memory writes what one thread writes" ||
    fail "tag -T -j 3 with the memory writes what one thread writes"
"$CRFTAG" eval -q -m "$T/mem.crftag" "$T/memdocs_new.txt" > "$T/mem_e1"
"$CRFTAG" eval -q --memory 0 -m "$T/mem.crftag" "$T/memdocs_new.txt" > "$T/mem_e0"
A=$(f1 "$T/mem_e1") B=$(f1 "$T/mem_e0")
ge "$A" "$B + 10" && ok "eval applies the memory ($B -> $A)" || fail "eval applies the memory ($B -> $A)"
check "train --memory 0" "$CRFTAG" train --quiet --no-lexicon --max-iter 20 --memory 0 \
    -o "$T/mem0.crftag" "$T/memdocs.txt"
"$CRFTAG" info "$T/mem0.crftag" | grep -q "^document memory: none" && ok "--memory 0 stores none" ||
    fail "--memory 0 stores none"
refuse "train --memory checks its value" 2 "expected auto or 0..1000" \
    "$CRFTAG" train -o "$T/x" --memory 1001 "$T/memdocs.txt"
# a -DOCSTART- line starts a new document: nothing remembered across it
printf 'the\ndrug\nbukamifo\nwas\ngiven\n.\n\n-DOCSTART-\n\nafter\nbukamifo\nthe\npatients\nslept\n.\n' \
    > "$T/memdoc2.txt"
grep -v -- '-DOCSTART-' "$T/memdoc2.txt" > "$T/memdoc1.txt"
for j in 1 2; do
    "$CRFTAG" tag -T -j $j -m "$T/mem.crftag" "$T/memdoc1.txt" > "$T/md1.$j" 2>&1
    "$CRFTAG" tag -T -j $j -m "$T/mem.crftag" "$T/memdoc2.txt" > "$T/md2.$j" 2>&1
done
[ "$(grep -c 'B-Chemical' "$T/md1.1")" -eq 2 ] && [ "$(grep -c 'B-Chemical' "$T/md2.1")" -eq 1 ] &&
    cmp -s "$T/md1.1" "$T/md1.2" && cmp -s "$T/md2.1" "$T/md2.2" &&
    ok "tag -T: -DOCSTART- empties the memory (one thread and two)" ||
    { cat "$T/md2.1" > "$T/err"; fail "tag -T: -DOCSTART- empties the memory (one thread and two)"; }
refuse "train --abbreviations needs --memory N" 2 "needs --memory N" \
    "$CRFTAG" train -o "$T/x" --abbreviations "$T/memdocs.txt"
check "train --memory 3 --abbreviations" "$CRFTAG" train --quiet --no-lexicon --max-iter 20 --memory 3 \
    --abbreviations -o "$T/mema.crftag" "$T/memdocs.txt"
"$CRFTAG" info "$T/mema.crftag" | grep -q "^document memory: 3 sentences, abbreviations" &&
    ok "info shows the abbreviations" || fail "info shows the abbreviations"
refuse "tag --memory checks its value" 2 "expected 0..1000" \
    "$CRFTAG" tag -m "$T/mem.crftag" --memory x "$T/memtext.txt"

# --- the Python package and its scikit-learn estimator (Debian's /usr/bin/python3 with sklearn) ---
if ! /usr/bin/python3 -c "import sklearn" >/dev/null 2>&1; then
    echo "skip - crftag.sklearn (no /usr/bin/python3 with scikit-learn: apt-get install python3-sklearn)"
elif ldd "$BUILD/libcrftag.so.1" 2>/dev/null | grep -q 'lib[at]san' ||
    nm -D "$BUILD/libcrftag.so.1" 2>/dev/null | grep -q ' __[at]san_'; then
    echo "skip - crftag.sklearn (sanitizer build)"
else
    check "python training and crftag.sklearn.CRF (python/test_sklearn.py)" env PYTHONDONTWRITEBYTECODE=1 \
        CRFTAG_LIB="$BUILD/libcrftag.so.1" CRFTAG_BIN="$CRFTAG" /usr/bin/python3 python/test_sklearn.py
fi

echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
