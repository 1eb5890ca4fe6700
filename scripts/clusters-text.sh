#!/bin/sh
# scripts/clusters-text.sh - the text that models/clusters-en.txt.gz is learned
# from: the tokens of the training split of every corpus in $CORPORA (default
# ../shared/corpora: WikiSER, CoNLL-2000, WNUT-17, BC5CDR, UD English-EWT),
# one sentence a line, tokens separated by spaces (a WikiSER token with spaces
# in it becomes several).  Never a dev or test split.  `make clusters` runs
# it and learns the clusters (crftag clusters, 256 clusters).
#
#   sh scripts/clusters-text.sh > text.txt
set -eu
CORPORA=${CORPORA:-$(dirname "$0")/../../shared/corpora}
n=0
for c in wikiser conll2000 wnut17 bc5cdr ud_ewt; do
    f=$CORPORA/$c/train.txt.gz
    if [ ! -f "$f" ]; then
        echo "clusters-text: $f not found, skipped" >&2
        continue
    fi
    n=$((n + 1))
    # WikiSER: <s> ... </s> blocks of TOKEN<TAB>TAG; the others: the first
    # column of TAB- or space-separated lines, a blank line between sentences
    gzip -dc "$f" | awk '
        /^<s>$/ { next }
        /^<\/s>$/ || /^[ \t]*$/ { if (line != "") print line; line = ""; next }
        /^-DOCSTART-/ { next }
        { tok = $0; sub(/[\t ].*$/, "", tok)
          if (index($0, "\t")) { tok = $0; sub(/\t[^\t]*$/, "", tok); sub(/\t.*$/, "", tok) }
          line = line == "" ? tok : line " " tok }
        END { if (line != "") print line }'
done
if [ "$n" = 0 ]; then
    echo "clusters-text: no corpus in $CORPORA" >&2
    exit 1
fi
