#!/bin/sh
# tag_threads.sh - `crftag tag --threads N` writes, byte for byte, what one
# thread writes (stdout, stderr and exit status), in every input mode and
# output format, on the shipped WikiSER dev corpus: -j 2, and -j 3 (more
# workers than the 2 cores of the test machine).  Run by tests/e2e.sh and,
# with the ThreadSanitizer build and quick (a slice, fewer modes), by
# `make tsan`.
# Usage: sh tests/tag_threads.sh CRFTAG MODEL TMPDIR [quick]
# Prints one "ok - ..." or "FAIL - ..." line per check; exits 1 when one failed.
CRFTAG=$1 M=$2 T=$3 QUICK=${4:-}
failed=0

# the data: WikiSER dev (whole, or 1,500 sentences when quick) as tokens, as raw
# text (a sentence a line, a blank line after every 5), as JSON lines (one
# record a line, every 97th not JSON and every 101st without "text")
if [ -n "$QUICK" ]; then
    gzip -dc corpora/wikiser-dev.txt.gz | awk '/^<s>$/ { n++ } n <= 1500' > "$T/mt_dev.txt"
else
    gzip -dc corpora/wikiser-dev.txt.gz > "$T/mt_dev.txt"
fi
awk '/^<s>$/ { s = ""; next }
     /^<\/s>$/ { print s; if (++n % 5 == 0) print ""; next }
     { split($0, a, "\t"); s = s (s == "" ? "" : " ") a[1] }' "$T/mt_dev.txt" > "$T/mt_raw.txt"
awk '{ gsub(/\\/, "\\\\"); gsub(/"/, "\\\"");
       if (NR % 97 == 5) print "{\"id\":" NR ",\"text\": broken";
       else if (NR % 101 == 7) print "{\"id\":" NR "}";
       else print "{\"id\":" NR ",\"text\":\"" $0 "\"}" }' "$T/mt_raw.txt" > "$T/mt_dev.jsonl"
gzip -c "$T/mt_dev.jsonl" > "$T/mt_dev.jsonl.gz"
gzip -c "$T/mt_dev.txt" > "$T/mt_dev.txt.gz"
# the first 400 sentences, then a line of three columns (an error at its line)
awk '/^<s>$/ { n++ } n <= 400' "$T/mt_dev.txt" > "$T/mt_bad.txt"
printf '<s>\nQEMU\tB-Application\textra\n</s>\n' >> "$T/mt_bad.txt"
# slices for the slower modes, still several batches of tag_mt.c
awk '/^<s>$/ { n++ } n <= 600' "$T/mt_dev.txt" > "$T/mt_dev600.txt"
head -n 1000 "$T/mt_raw.txt" > "$T/mt_raw1000.txt"

# same NAME INPUT OPTION...: -j 2 and -j 3 against -j 1
same() {
    name=$1 in=$2; shift 2
    "$CRFTAG" tag -m "$M" -j 1 "$@" "$in" > "$T/mt_out1" 2> "$T/mt_err1"; r1=$?
    for j in 2 3; do
        "$CRFTAG" tag -m "$M" -j $j "$@" "$in" > "$T/mt_out$j" 2> "$T/mt_err$j"; rj=$?
        if [ -s "$T/mt_out1" ] && [ "$r1" -eq "$rj" ] && cmp -s "$T/mt_out1" "$T/mt_out$j" &&
           cmp -s "$T/mt_err1" "$T/mt_err$j"; then
            echo "ok   - tag -j $j $* = -j 1: $name"
        else
            echo "FAIL - tag -j $j $* = -j 1: $name (exit $r1, $rj)"; failed=1
            head -n 3 "$T/mt_err$j" | sed 's/^/       /'
        fi
    done
}

same "raw text paragraphs" "$T/mt_raw.txt"
same "raw text, JSON lines out" "$T/mt_dev.jsonl" -J jsonl -f json
same "tokenized (gzip input)" "$T/mt_dev.txt.gz" -T
if [ -z "$QUICK" ]; then
    same "raw text, spans" "$T/mt_raw.txt" -f spans
    same "raw text, json" "$T/mt_raw1000.txt" -f json
    same "raw text, no bias" "$T/mt_raw1000.txt" --bias 0 --no-constraint
    same "--lines" "$T/mt_raw.txt" --lines
    same "--lines, json" "$T/mt_raw1000.txt" --lines -f json
    same "raw text, marginals" "$T/mt_raw1000.txt" -p
    same "raw text, 3-best, json" "$T/mt_raw1000.txt" -n 3 -f json
    same "tokenized, spans" "$T/mt_dev600.txt" -T -f spans
    same "tokenized, json, marginals" "$T/mt_dev600.txt" -T -f json -p
    same "tokenized, all marginals" "$T/mt_dev600.txt" -T --all-marginals
    same "tokenized, 2-best" "$T/mt_dev600.txt" -T -n 2
    same "tokenized, bias" "$T/mt_dev600.txt" -T --bias Application=1
    # paragraphs longer than the 1 MiB held: tagged sentence by sentence as found; one
    # sentence longer than that: cut after a space (offsets across the pieces)
    grep -v '^$' "$T/mt_raw.txt" > "$T/mt_para.txt"
    grep -v '^$' "$T/mt_raw.txt" >> "$T/mt_para.txt"
    same "a paragraph of 1.6 MB, json" "$T/mt_para.txt" -f json
    awk 'BEGIN { for (i = 0; i < 35000; i++) printf "QEMU runs on Linux with %d cores and\n", i }' \
        > "$T/mt_sent.txt"
    same "a sentence of 1.4 MB, json" "$T/mt_sent.txt" -f json
    same "JSON lines, spans" "$T/mt_dev.jsonl" -J jsonl
    same "JSON lines, conll" "$T/mt_dev.jsonl" -J jsonl -f conll
    same "JSON lines, gzip input" "$T/mt_dev.jsonl.gz" -J jsonl
fi
# errors: the output before them kept, the same message and status
same "an error in tokenized input, after 400 sentences" "$T/mt_bad.txt" -T
grep -q "mt_bad.txt:[0-9][0-9]*: " "$T/mt_err2" ||
    { echo "FAIL - the tokenized error names file and line"; failed=1; }
gzip -c "$T/mt_raw.txt" > "$T/mt_raw.txt.gz"
head -c $(($(wc -c < "$T/mt_raw.txt.gz") / 2)) "$T/mt_raw.txt.gz" > "$T/mt_cut.gz"
same "raw text, gzip data cut short (a read error)" "$T/mt_cut.gz"
grep -q "mt_cut.gz:[0-9][0-9]*: read error" "$T/mt_err2" ||
    { echo "FAIL - the read error names file and line"; failed=1; }

# CRFsuite's attribute format, a model of attribute strings
if [ -z "$QUICK" ]; then
    for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 \
             31 32 33 34 35 36 37 38 39 40; do
        cat tests/data/crfsuite_conll_30.txt
    done > "$T/mt_attrs.txt"
    if "$CRFTAG" train --quiet --max-iter 20 -o "$T/mt_attrs.crftag" \
           tests/data/crfsuite_conll_30.txt 2> "$T/mt_err1"; then
        M0=$M M="$T/mt_attrs.crftag"
        same "CRFsuite attributes (1,200 sentences)" "$T/mt_attrs.txt" -T
        M=$M0
    else
        echo "FAIL - train a model of attribute strings"; failed=1
    fi
fi
exit $failed
