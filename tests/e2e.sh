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
check "train --help" "$CRFTAG" train --c2 3 --help
grep -q -- "--c2 X .*(default 1)$" "$T/out" && grep -q -- "--lexicon-folds N .*(default 20)$" "$T/out" &&
    grep -q -- "--bias SPEC .*(default auto)$" "$T/out" && ok "train --help prints the defaults" ||
    fail "train --help prints the defaults"

# --- train on 2,000 WikiSER sentences (gzip input), evaluate on 1,000 dev sentences ---
check "train on a WikiSER slice" "$CRFTAG" train --quiet --max-iter 80 --threads 2 \
    -o "$T/m.crftag" "$T/train.txt.gz"
check "eval the slice model" "$CRFTAG" eval --quiet -m "$T/m.crftag" "$T/dev.txt"
cp "$T/out" "$T/report"
F=$(f1 "$T/report")
if [ -n "$F" ] && ge "$F" 50; then ok "slice model reaches F1 >= 50 (got $F)"; else fail "slice model F1 >= 50 (got '$F')"; fi
check "info" "$CRFTAG" info "$T/m.crftag"
grep -q "format version:  5" "$T/out" && grep -q "B-Application" "$T/out" && ok "info shows version and labels" || fail "info shows version and labels"

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
refuse "--clusters with --no-clusters" 2 "together" "$CRFTAG" train --clusters models/clusters-en.txt.gz \
    --no-clusters -o "$T/x" "$T/train300.txt"
check "train (default) reports clusters and the chosen bias" "$CRFTAG" train --max-iter 10 -o "$T/d.crftag" \
    "$T/train300.txt"
grep -q "word clusters from .*clusters-en.txt.gz" "$T/err" && grep -q "label bias [0-9.]*, chosen" "$T/err" \
    && ok "progress names the clusters file and the chosen bias" \
    || fail "progress names the clusters file and the chosen bias"

# --- a model of built-in feature set version 2 (trained on corpus_wikiser_30.txt
# before version 3 existed) tags as it did then: its lexicon folds no plural ---
cat tests/data/features_wikiser_sample.txt tests/data/model_builtin_v2_plurals.txt > "$T/v2in.txt"
check "tag with a version-2 model" "$CRFTAG" tag -m tests/data/model_builtin_v2.crftag -T "$T/v2in.txt"
cmp -s "$T/out" tests/data/model_builtin_v2.expected && ok "the version-2 model tags as before" \
    || fail "the version-2 model tags as before"
check "info on the version-2 model" "$CRFTAG" info tests/data/model_builtin_v2.crftag
grep -q "^features: *builtin (NER feature set version 2," "$T/out" \
    && ok "info names built-in set version 2" || fail "info names built-in set version 2"
check "info on the shipped model" "$CRFTAG" info models/wikiser.crftag
grep -q "^features: *builtin (NER feature set version 3," "$T/out" \
    && ok "info names built-in set version 3 for a new model" \
    || fail "info names built-in set version 3 for a new model"

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
cmp -s "$T/out" "$T/tagged_gold" && ok "gold column does not change the tags" || fail "gold column does not change the tags"
ntok=$(grep -c '	' "$T/tagged_gold")
want=$(grep -v -c '^</*s>$' "$T/dev.txt")
[ "$ntok" -eq "$want" ] && ok "one tag per token ($ntok)" || fail "one tag per token ($ntok vs $want)"
# eval through the CLI equals eval of the tagged output with --pred
awk -F'\t' 'NR == FNR { if ($0 == "") next; pred[++n] = $2; next }
            /^<s>$/ { next } /^<\/s>$/ { print ""; next } { print $0 "\t" pred[++k] }' \
    "$T/tagged_gold" "$T/dev.txt" > "$T/pred.tsv"
check "eval --pred" "$CRFTAG" eval --pred "$T/pred.tsv"
cmp -s "$T/out" "$T/report" && ok "eval -m and eval --pred agree" || fail "eval -m and eval --pred agree"

# --- pipelines: an answer per line while the input is still open ---
( echo "Linux runs on ARM."; sleep 3; echo "QEMU emulates it." ) |
    "$CRFTAG" tag -m "$T/m.crftag" | cat > "$T/pipe.out" &
pipe_pid=$!
sleep 1.5
grep -q "^Linux	" "$T/pipe.out" && ! grep -q "^QEMU	" "$T/pipe.out" &&
    ok "first line tagged before the input ends" || fail "first line tagged before the input ends"
wait "$pipe_pid"
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
paste "$T/pos_dev.txt" "$T/pos_tagged" |
    awk -F'\t' '$0 == "\t" { print ""; next } { print $1 "\t" $2 "\t" $4 }' > "$T/pos_pred.tsv"
check "eval --pred on POS predictions" "$CRFTAG" eval --pred "$T/pos_pred.tsv"
cmp -s "$T/out" "$T/pos_report" && ok "POS: eval -m and eval --pred agree" || fail "POS: eval -m and eval --pred agree"
# spans: one line per token not tagged O, the tag as its type
check "tag the POS dev slice (spans)" "$CRFTAG" tag -m "$T/pos.crftag" --tokenized --format spans "$T/pos_dev.txt"
awk -F'\t' 'NF == 2 && $2 != "O" { print $2 }' "$T/pos_tagged" > "$T/pos_want"
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
   grep -q '"entities":\[{"start":0,"end":3,"type":"[A-Z]*","text":"She","tokens":\[0,1\]},' "$T/out" &&
   [ "$(grep -o '"type":' "$T/pos.jsonl" | wc -l)" -eq 7 ] &&
   grep -q '^{"entities":\[{"start":0,"end":3,"type":"[A-Z]*","text":"She"},' "$T/pos.jsonl"; then
    ok "POS json and jsonl: an entity per token"
else
    fail "POS json and jsonl: an entity per token"
fi

# --- templates ---
printf '# words and bigrams\nU00:%%x[-1,0]\nU01:%%x[0,0]\nU02:%%x[1,0]\nU03:%%x[-1,0]/%%x[0,0]\n\nB\n' > "$T/tpl"
check "train with a template" "$CRFTAG" train --quiet --max-iter 20 -o "$T/t.crftag" --template "$T/tpl" "$T/train.txt"
check "tag with a template model" "$CRFTAG" tag -m "$T/t.crftag" --tokenized "$T/dev.txt"
# --all-labels 1: every attribute gets a weight for every label (attributes x labels)
check "train with --all-labels 1" "$CRFTAG" train --quiet --max-iter 20 --all-labels 1 \
    -o "$T/ta.crftag" --template "$T/tpl" "$T/train.txt"
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
refuse "clusters with a template refused" 1 "built-in" "$CRFTAG" train -o "$T/x.crftag" \
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
grep -q "^format version:  5$" "$T/out" && ok "a user-lexicon model is format 5" || fail "a user-lexicon model is format 5"
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
refuse "lexicon with a template refused" 1 "built-in" "$CRFTAG" train -o "$T/x.crftag" \
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
refuse "train: bad --bias" 1 "not a number" "$CRFTAG" train -o "$T/x.crftag" --bias abc "$T/train.txt"

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

# --- Ctrl-C during training: exit 130, the previous model intact ---
"$CRFTAG" train --quiet --max-iter 100000 --epsilon 0 --delta 0 -o "$T/keep.crftag" "$T/train.txt" \
    >/dev/null 2>"$T/err" &
pid=$!
sleep 2
kill -INT "$pid"
wait "$pid"
rc=$?
if [ "$rc" -eq 130 ] && cmp -s "$T/m.crftag" "$T/keep.crftag" && grep -q "interrupted" "$T/err"; then
    ok "SIGINT stops training and keeps the old model"
else
    fail "SIGINT stops training and keeps the old model (exit $rc)"
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
   head -n 1 "$T/out" | grep -q '{"start":19,"end":24,"type":"[A-Za-z_]*","text":"Linux"}' && \
   sed -n 2p "$T/out" | grep -q '{"start":19,"end":24,"type":"[A-Za-z_]*","text":"Linux"}'; then
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
mkfifo "$T/fifo"
( exec 3>"$T/fifo"; printf '"QEMU runs on Linux."\n' >&3; sleep 4 ) &
wpid=$!
"$CRFTAG" tag -m models/wikiser.crftag -J jsonl < "$T/fifo" | cat > "$T/co.out" &
i=0
while [ $i -lt 30 ] && ! grep -q Linux "$T/co.out" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
if kill -0 "$wpid" 2>/dev/null && grep -q '"text":"Linux"' "$T/co.out"; then
    ok "jsonl: answered before end of input (flushed on a pipe)"
else
    fail "jsonl: answered before end of input (flushed on a pipe)"
fi
wait

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

# --- CRFsuite's data format (LABEL<TAB>ATTR<TAB>ATTR:weight..., tests/data/crfsuite_conll_30.txt) ---
CS=tests/data/crfsuite_conll_30.txt
check "train on a CRFsuite attribute file (detected)" "$CRFTAG" train --quiet --bias 0 -o "$T/cs.crftag" "$CS"
"$CRFTAG" info "$T/cs.crftag" > "$T/out" 2>&1
grep -q "^features: *attributes" "$T/out" && grep -q "^training data: *30 sentences, 808 tokens" "$T/out" &&
    ok "info: attribute features, 30 sentences" || fail "info: attribute features, 30 sentences"
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
