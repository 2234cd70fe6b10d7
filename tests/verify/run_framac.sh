#!/usr/bin/env bash
# run_framac.sh OUTDIR: Frama-C EVA on the device-side chain walker (tests/verify/framac_walk.c
# driving vq_dev_pop / vq_dev_push over fully unknown ring memory). Prints the analysis
# summary and every alarm with its location; the full log is OUTDIR/eva.log.
# Not part of `make check`: it needs frama-c-base (Debian bookworm: 20220511 Manganese) and
# takes about a minute. Exit status: 0 if the analysis ran (alarms are reported, not
# failed on: EVA alarms are "cannot prove safe", to be triaged in docs/verification.md).
set -euo pipefail
out=${1:-build/verify/framac}
root=$(cd "$(dirname "$0")/../.." && pwd)
if ! command -v frama-c >/dev/null; then
	echo "verify-framac: frama-c not installed (apt-get install -y frama-c-base)"
	exit 1
fi
mkdir -p "$out"
cd "$out"
srcs=("$root"/tests/verify/framac_walk.c "$root"/virtio/*.c)
# -eva-unroll-recursive-calls 2: the split walker recurses once into an indirect table
# (nested INDIRECT is rejected, so depth 2 covers every execution).
start=$(date +%s)
timeout "${FRAMAC_TIMEOUT:-900}" frama-c -machdep x86_64 \
	-cpp-extra-args="-I$root -D_POSIX_C_SOURCE=200809L" "${srcs[@]}" \
	-eva -eva-precision "${FRAMAC_PRECISION:-3}" -eva-split-return auto \
	-eva-unroll-recursive-calls 2 -eva-print-callstacks >eva.log 2>&1 || {
	echo "verify-framac: frama-c failed or timed out after $(($(date +%s) - start)) s" \
		"(see $out/eva.log)"
	tail -20 eva.log
	exit 1
}
echo "verify-framac: EVA finished in $(($(date +%s) - start)) s"
sed -n '/ANALYSIS SUMMARY/,/logical properties reached have been proven/p' eva.log
echo "verify-framac: alarms (location, assertion):"
awk '/\[eva:alarm\]/ { loc = $2; getline; sub(/^ +/, ""); print "  " loc " " $0 }' eva.log |
	sed "s|$root/||" | sort | uniq -c
