#!/bin/sh
# Runs the unit test binaries given as arguments, then the end-to-end tests
# (tests/e2e.sh), the hostile-input tests (tests/hostile.sh) and the
# scaling tests (tests/scale.sh: crftag-mpi when it and mpirun are there, GNU
# parallel when it is), and prints
# one summary line "N passed, N failed".
# Usage: BUILD=build sh tests/run.sh build/tests/test_*
passed=0
failed=0
for t in "$@"; do
    echo "== $t"
    out=$("$t" 2>&1)
    rc=$?
    printf '%s\n' "$out"
    p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
    f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
    if [ "$rc" -ne 0 ] && [ -z "$f" ]; then
        failed=$((failed + 1))      # crashed before cmocka could report
    fi
done
echo "== tests/e2e.sh"
e2e=$(BUILD="${BUILD:-build}" sh tests/e2e.sh 2>&1)
rc=$?
printf '%s\n' "$e2e"
p=$(printf '%s\n' "$e2e" | sed -n 's/^e2e: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
f=$(printf '%s\n' "$e2e" | sed -n 's/^e2e: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
passed=$((passed + ${p:-0}))
failed=$((failed + ${f:-0}))
if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
    failed=$((failed + 1))
fi
echo "== tests/hostile.sh"
hostile=$(BUILD="${BUILD:-build}" sh tests/hostile.sh 2>&1)
rc=$?
printf '%s\n' "$hostile"
p=$(printf '%s\n' "$hostile" | sed -n 's/^hostile: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
f=$(printf '%s\n' "$hostile" | sed -n 's/^hostile: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
passed=$((passed + ${p:-0}))
failed=$((failed + ${f:-0}))
if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
    failed=$((failed + 1))
fi
echo "== tests/scale.sh"
scale=$(BUILD="${BUILD:-build}" sh tests/scale.sh 2>&1)
rc=$?
printf '%s\n' "$scale"
p=$(printf '%s\n' "$scale" | sed -n 's/^scale: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
f=$(printf '%s\n' "$scale" | sed -n 's/^scale: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
passed=$((passed + ${p:-0}))
failed=$((failed + ${f:-0}))
if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
    failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
