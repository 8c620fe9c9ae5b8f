#!/usr/bin/env bash
# `make fuzz-long`: every libFuzzer target for a set time each, the long run that `make test`'s
# smoke run (20000 inputs) is not. Each target starts from the corpus kept in the repository
# (tests/fuzz/corpus/<target>/) plus its own working corpus in the build tree; at the end the
# inputs that add coverage are merged back into the repository's corpus with -merge=1 (which
# keeps it small: only inputs with new features are added), so the next run, and `make test`,
# start from there. Prints per target: executions, exec/s, coverage (cov: edges, ft: features),
# corpus size, inputs added to the repository, crashes. docs/fuzzing.md records the figures.
#
# Usage: tools/fuzz-long.sh BUILD_FUZZ SECONDS [TARGET...]   (from the top of the source tree)
set -uo pipefail
build=${1:?build directory of the fuzz build}
seconds=${2:?seconds per target}
shift 2
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in tests/fuzz/fuzz_*.c; do targets+=("$(basename "$f" .c)"); done
fi
max_len=4096 # as the smoke run in CMakeLists.txt
out=$build/fuzz-long
mkdir -p "$out"
summary=$out/summary.md
{
  echo "| target | seconds | executions | exec/s | cov | ft | corpus (run) | corpus (repository) | added | crashes |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
} >"$summary"
failed=0
for t in "${targets[@]}"; do
  bin=$build/$t
  seeds=tests/fuzz/corpus/$t
  work=$out/$t/corpus
  artifacts=$out/$t/artifacts
  log=$out/$t/fuzz.log
  if [ ! -x "$bin" ]; then
    echo "fuzz-long: $bin is not built (make fuzz)" >&2
    failed=1
    continue
  fi
  mkdir -p "$seeds" "$work" "$artifacts"
  before=$(find "$seeds" -type f | wc -l)
  echo "fuzz-long: $t for ${seconds} s" >&2
  start=$(date +%s)
  # New inputs go to the first directory (the build tree's), the seeds are read only here.
  "$bin" -max_total_time="$seconds" -max_len=$max_len -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$work" "$seeds" >"$log" 2>&1
  rc=$?
  took=$(($(date +%s) - start))
  crashes=$(find "$artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
    -o -name 'oom-*' -o -name 'slow-unit-*' \) | wc -l)
  if [ $rc -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes="exit $rc"; fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  # The last status line: "#N  DONE  cov: C ft: F corp: U/Sb ..." (or the last pulse).
  status=$(grep -E '^#[0-9]+' "$log" | grep 'cov:' | tail -n 1)
  cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$status")
  ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$status")
  corp=$(sed -nE 's/.* corp: ([0-9]+\/[0-9]+[a-zA-Z]*).*/\1/p' <<<"$status")
  # Inputs of this run that add coverage to the kept corpus go into the repository.
  "$bin" -merge=1 -max_len=$max_len "$seeds" "$work" >"$out/$t/merge.log" 2>&1 ||
    echo "fuzz-long: $t: merge failed, see $out/$t/merge.log" >&2
  after=$(find "$seeds" -type f | wc -l)
  bytes=$(find "$seeds" -type f -printf '%s\n' | awk '{ n += $1 } END { print n + 0 }')
  echo "| $t | $took | ${execs:-?} | ${speed:-?} | ${cov:-?} | ${ft:-?} | ${corp:-?} | $after files, $bytes bytes | $((after - before)) | $crashes |" >>"$summary"
  if [ "$crashes" != 0 ]; then
    echo "fuzz-long: $t: crash or failure, see $log and $artifacts" >&2
    failed=1
  fi
done
cat "$summary"
echo "fuzz-long: the table is in $summary; logs and any crash inputs under $out" >&2
exit $failed
