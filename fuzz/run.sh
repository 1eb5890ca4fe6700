#!/bin/sh
# Runs one libFuzzer target for SECONDS on a working
# corpus seeded from fuzz/seeds/, and prints libFuzzer's final statistics.
# One process (no -jobs: libFuzzer would fork and log to ./fuzz-N.log).
# Usage: sh fuzz/run.sh corpus|template|tokenize|model|tag|lexicon|train|json|crfsuite SECONDS   (after `make fuzz`)
set -e
t=$1
secs=${2:-600}
case $t in
    corpus) dict=corpus ;;
    template) dict=template ;;
    tokenize|tag) dict=text ;;
    model) dict=model ;;
    lexicon) dict=lexicon ;;
    train) dict=corpus ;;
    json) dict=json ;;
    crfsuite) dict=crfsuite ;;
    *) echo "unknown target $t" >&2; exit 2 ;;
esac
work=build-fuzz/corpus-$t
mkdir -p "$work" build-fuzz/artifacts
build-fuzz/fuzz_$t -max_total_time="$secs" -print_final_stats=1 \
    -rss_limit_mb=2048 -timeout=10 -max_len=65536 -dict=fuzz/$dict.dict \
    -artifact_prefix=build-fuzz/artifacts/$t- "$work" fuzz/seeds/$t
