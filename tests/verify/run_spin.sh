#!/usr/bin/env bash
# run_spin.sh OUTDIR: model-check tests/verify/vq_notify.pml in every configuration.
# Full-barrier runs must report "errors: 0"; each run with one barrier weakened to
# release/acquire must report a lost wake-up (errors >= 1). Prints one line per run.
set -euo pipefail
out=${1:-build/verify}
model=$(cd "$(dirname "$0")" && pwd)/vq_notify.pml
mkdir -p "$out"
fail=0
# name PACKED EVENT_IDX
layouts=("split-event-idx 0 1" "split-flags 0 0" "packed-desc-event 1 1" "packed-flags 1 0")
# WEAK mask and what it weakens (see vq_notify.pml)
weaks=("0 full-barriers" "1 C-driver-kick" "2 C-device-enable" "4 D-device-interrupt"
       "8 D-driver-enable")
for l in "${layouts[@]}"; do
	read -r lname packed evidx <<<"$l"
	for w in "${weaks[@]}"; do
		read -r mask wname <<<"$w"
		dir="$out/$lname-$wname"
		mkdir -p "$dir"
		(cd "$dir" && spin -a -DPACKED="$packed" -DEVENT_IDX="$evidx" -DWEAK="$mask" \
			-DNBUF=4 -DQSZ=3 "$model" >spin.log &&
			${CC:-gcc} -O0 -w -DSAFETY -o pan pan.c && ./pan -m200000 >pan.log 2>&1) || {
			echo "verify: $lname $wname: spin/pan did not run (see $dir)"; fail=1; continue; }
		errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$dir/pan.log" | head -1)
		states=$(awk '/states, stored/ {print $1; exit}' "$dir/pan.log")
		what="invalid end state"
		if grep -q 'assertion violated.*dev_asleep' "$dir/pan.log"; then
			what="lost kick: device asleep with buffers available"
		elif grep -q 'assertion violated.*drv_asleep' "$dir/pan.log"; then
			what="lost interrupt: driver asleep with used buffers"
		fi
		if grep -q 'max search depth too small' "$dir/pan.log"; then
			echo "verify: $lname $wname: search truncated (raise -m)"; fail=1; continue
		fi
		if [ "$mask" = 0 ]; then
			verdict=$([ "$errors" = 0 ] && echo "OK: no lost wake-up" || echo "FAIL")
		else
			verdict=$([ "${errors:-0}" -ge 1 ] && echo "OK: found ($what)" ||
				echo "FAIL: weakened barrier not caught")
		fi
		printf 'verify: spin %-18s %-20s states=%-8s errors=%s  %s\n' "$lname" "$wname" \
			"$states" "$errors" "$verdict"
		case $verdict in FAIL*) fail=1 ;; esac
	done
done
exit $fail
