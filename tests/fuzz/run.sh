#!/bin/sh
# run.sh: runs each libFuzzer harness of tests/fuzz/ for a set time from
# its seeds and its corpus so far, and copies every crash (and, for the
# daemon's parsers, every timeout and out-of-memory) input it finds to
# tests/regression/<harness>/, where `make regression` replays it.
# Usage: run.sh FUZZDIR SECONDS HARNESS...   (make fuzz calls it)
# Ends with one summary line per harness: executions, coverage, findings.
set -u
fz=$1 secs=$2
shift 2
# libFuzzer takes 0 as "for ever": a run here always ends.
[ "$secs" -gt 0 ] 2>/dev/null || { echo "run.sh: SECONDS must be > 0" >&2; exit 2; }
summary=""
status=0
for h in "$@"; do
	bin=$fz/fuzz/fuzz-$h
	# Only this run's findings: an earlier run's were copied (or judged
	# stale after a fix) then.
	rm -rf "$fz/artifacts/$h"
	mkdir -p "$fz/corpus/$h" "$fz/artifacts/$h" "$fz/logs" "tests/regression/$h"
	log=$fz/logs/$h.log
	# Fork mode goes on after a crash, so one run finds more than one;
	# the filters' decoders may leak on bad input (a worker lives for one
	# file), the daemon's parsers must not.
	leaks=1
	case $h in jpeg|png|tiff|pdf|detect) leaks=0 ;; esac
	echo "fuzz: $h for $secs s (log $log)"
	ASAN_OPTIONS=detect_leaks=$leaks:${ASAN_OPTIONS:-} nice "$bin" \
	    -max_total_time="$secs" -fork=1 -ignore_crashes=1 \
	    -ignore_timeouts=1 -ignore_ooms=1 -timeout=20 -rss_limit_mb=2048 \
	    -max_len=262144 -detect_leaks=$leaks -print_final_stats=1 \
	    -artifact_prefix="$fz/artifacts/$h/" \
	    "$fz/corpus/$h" "$fz/seeds/$h" >"$log" 2>&1
	found=0 held=0
	for a in "$fz/artifacts/$h"/*; do
		[ -f "$a" ] || continue
		case $(basename "$a") in
		crash-*|leak-*) ;;
		timeout-*|oom-*|slow-unit-*)
			# a worker has rlimits and a deadline: look at these by
			# hand (a 600-byte PNG that takes 1 GB is a bug all the same)
			case $h in manifest|report|conf) ;;
			*) held=$((held + 1)); continue ;; esac ;;
		*) continue ;;
		esac
		dst=tests/regression/$h/$(basename "$a")
		[ -e "$dst" ] || { cp "$a" "$dst"; found=$((found + 1)); status=1; }
	done
	note=
	[ "$held" = 0 ] || note=", $held oom/timeout inputs to look at in $fz/artifacts/$h"
	line=$(grep -E '^#[0-9]+:? .*cov: ' "$log" | tail -1)
	execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
	summary="$summary
fuzz: $h: ${execs:-0} executions; last: ${line:-no stats}; $found new findings$note"
done
echo "$summary"
[ $status = 0 ] || echo "fuzz: new inputs under tests/regression/: commit them and fix what they show"
exit $status
