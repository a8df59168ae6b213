# bench/lib.sh: sourced by the benchmarks to leave their figures for
# bench/mkreport (make bench). When BENCH_RESULTS names a file, each call
# appends one tab-separated line to it; without it they do nothing, so every
# benchmark still runs alone and prints its own tables.
#
#   bench_row BENCH METRIC UNIT OURS ANCHOR ANCHOR_VALUE DIR [GOAL]
#       one table row: our figure and one anchor's on the same metric.
#       DIR is "hi" (more is better: IOPS, MB/s) or "lo" (less is better:
#       seconds, KiB). The report's ratio is our advantage: OURS/ANCHOR for
#       hi, ANCHOR/OURS for lo, so above 1 means netroot is ahead. GOAL is
#       the least advantage the issue asks for (a number: 1.5 for ">= 1.5x"),
#       or "-" for none. ANCHOR "-" (and ANCHOR_VALUE "-") for a figure with
#       nothing to compare against; a GOAL then is an upper (lo) or lower
#       (hi) bound on OURS itself, in UNIT.
#   bench_ver NAME VERSION          the version of a program measured
#   bench_data CHART SERIES X Y...  one point of a chart's series
#   bench_note BENCH TEXT           a line under that benchmark's table
#
# Values are plain numbers ("-" when not measured); fields never hold tabs.

bench_emit() {
    [ -n "${BENCH_RESULTS:-}" ] || return 0
    local IFS=$'\t'
    printf '%s\n' "$*" >> "$BENCH_RESULTS"
}
bench_row()  { bench_emit row "$1" "$2" "$3" "$4" "$5" "$6" "$7" "${8:--}"; }
bench_ver()  { bench_emit ver "$1" "$(printf '%s' "$2" | tr '\t\n' '  ')"; }
bench_data() { bench_emit data "$@"; }
bench_note() { bench_emit note "$1" "$(printf '%s' "$2" | tr '\t\n' '  ')"; }

# The version of an installed Debian package, for bench_ver.
bench_pkgver() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null || echo "not installed"; }
