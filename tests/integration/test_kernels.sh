#!/usr/bin/env bash
# The native and SystemC kernels give byte-identical results: every example and calibration
# scenario, as given and with another seed and the fast fidelity, run on both kernels; the
# summary.json, CSV files and junit.xml must not differ. Only run.json names the kernel.
source "$(dirname "$0")/lib.sh"

shopt -s nullglob
SCENARIOS=(scenarios/examples/*.json scenarios/calibration/*.json)
VARIANTS=("" "--seed 7 --fidelity fast")

compare_kernels() { # SCENARIO VARIANT_INDEX
  local scn=$1 v=$2 name out
  name="$(basename "$scn" .json)"
  out="$WORK/$name.$v"
  for kernel in native systemc; do
    # shellcheck disable=SC2086  # the variant is a list of options
    expect_status 0 "$name ${VARIANTS[$v]:-as given} on $kernel" -- \
      "$MOSAIC" run "$scn" -o "$out/$kernel" --kernel "$kernel" --no-figures --quiet ${VARIANTS[$v]}
    expect_grep "\"kernel\": \"$kernel\"" "$out/$kernel/run.json" "run.json names the $kernel kernel"
  done
  local files=(summary.json junit.xml)
  for csv in "$out/native"/*.csv; do files+=("$(basename "$csv")"); done
  [ "${#files[@]}" -gt 2 ] || fail "$name: no CSV files written"
  for f in "${files[@]}"; do
    if cmp -s "$out/native/$f" "$out/systemc/$f"; then pass "$name/$v: $f identical"; else
      fail "$name/$v: $f differs between kernels"; diff "$out/native/$f" "$out/systemc/$f" | head -5; fi
  done
  if grep -q '"kernel"' "$out/native/summary.json"; then fail "$name: summary.json names the kernel"; fi
}

[ "${#SCENARIOS[@]}" -gt 0 ] || fail "no scenarios found"
for scn in "${SCENARIOS[@]}"; do
  for v in "${!VARIANTS[@]}"; do compare_kernels "$scn" "$v"; done
done
expect_status 2 "an unknown kernel is bad input" -- \
  "$MOSAIC" run "${SCENARIOS[0]}" -o "$WORK/bad" --kernel gem5
expect_grep "native' or 'systemc" "$WORK/err" "the error names both kernels"

finish
