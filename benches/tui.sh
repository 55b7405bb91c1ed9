#!/usr/bin/env bash
# TUI latencies on a real archive, driven through tmux like a person would:
# time to the first full screen (warm, and cold after dropping the page
# cache when run as root), and key-to-screen for a limit and for opening an
# interdiff. The TUI writes when each frame was drawn to PUTT_TUI_TIMINGS
# (JSON lines, see crates/tui/src/lib.rs: first_full_screen in ms since main() started,
# once the list fills the screen; key_to_screen from the key read to the
# frame that shows its whole answer); "wall" figures are taken here, from
# just before tmux starts putt to that frame, and include starting a tmux
# server and a shell (measured alone first, as the baseline).
#
#   benches/tui.sh PUTT_BINARY INBOX INDEX_DIR [RUNS]
#
# The index must exist (putt --inbox INBOX --index-dir INDEX_DIR index).
# PUTT_NOW pins "now" inside the archive (linux-kbuild ends July 2026).
set -euo pipefail
bin=$1 inbox=$2 idx=$3 runs=${4:-5}
work=$(mktemp -d)
sock=$work/tmux.sock
cleanup() {
  for s in "$work"/*.sock; do tmux -S "$s" kill-server 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
export PUTT_NOW=${PUTT_NOW:-1784000000}

# A field of the last timings line of an event: field EVENT FILE NAME.
field() { grep "\"event\":\"$1\"" "$2" | tail -1 | sed -n "s/.*\"$3\":\([0-9.e+-]*\).*/\1/p"; }
ms_of() { field "$1" "$2" ms; }
cpu_of() { field "$1" "$2" cpu_ms; }
unix_of() { field "$1" "$2" unix_ms; }
now_ms() { date +%s%3N; }

# Starts putt in a fresh 80x24 tmux session; waits for the first screen.
start() {
  local timings=$1
  tmux -S "$sock" kill-server 2>/dev/null || true
  # A new server per run: a dying one may still hold the old socket.
  sock=$work/$(basename "$timings" .jsonl).sock
  rm -f "$timings"
  t0=$(now_ms)
  tmux -S "$sock" -f /dev/null new-session -d -s b -x 80 -y 24 \
    "env PUTT_TUI_TIMINGS=$timings PUTT_DATA_DIR=$work/data PUTT_CONFIG=$work/none.toml $bin --inbox $inbox --index-dir $idx"
  for _ in $(seq 1 500); do
    grep -q first_full_screen "$timings" 2>/dev/null && break
    sleep 0.01
  done
}

# Sends keys and waits until the TUI logged the answer to the last one.
keys_then_wait() {
  local timings=$1 n; shift
  n=$(grep -c key_to_screen "$timings" || true)
  tmux -S "$sock" send-keys -t b "$@"
  for _ in $(seq 1 1000); do
    [ "$(grep -c key_to_screen "$timings" || true)" -gt "$n" ] && return
    sleep 0.005
  done
  echo "no answer to $*" >&2
}

median() { sort -n | awk '{a[NR]=$1} END {printf "%.1f\n", (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# All values, sorted, one decimal.
range() { sort -n | awk '{printf "%s%.1f", (NR > 1 ? " " : ""), $1} END {print ""}'; }

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
# What the wall figures include besides putt: a tmux server and the shell
# that starts the command, measured with a command that only reads the clock.
for i in $(seq 1 "$runs"); do
  s=$work/base$i.sock
  t0=$(now_ms)
  tmux -S "$s" -f /dev/null new-session -d -s b -x 80 -y 24 "date +%s%3N > $work/base$i; sleep 5"
  for _ in $(seq 1 500); do [ -s "$work/base$i" ] && break; sleep 0.005; done
  echo $(( $(cat "$work/base$i") - t0 ))
  tmux -S "$s" kill-server 2>/dev/null || true
done > "$work/base"
echo "tmux + shell start alone (baseline of the wall figures): median $(median < "$work/base") ms ($(range < "$work/base"))"
echo "first full screen, warm ($runs runs):"
start "$work/t.jsonl"   # warms the page cache
for i in $(seq 1 "$runs"); do
  start "$work/t$i.jsonl"
  f=$work/t$i.jsonl
  echo "$(ms_of first_full_screen "$f") $(( $(unix_of first_full_screen "$f") - t0 )) $(cpu_of first_full_screen "$f")"
done > "$work/warm"
summary() {
  for c in 1:in-process 3:CPU 2:wall; do
    echo "  ${c#*:} median $(cut -d' ' -f"${c%%:*}" "$1" | median) ms ($(cut -d' ' -f"${c%%:*}" "$1" | range))"
  done
}
summary "$work/warm"

if [ -w /proc/sys/vm/drop_caches ]; then
  echo "first full screen, cold (page cache dropped; 3 runs):"
  for i in 1 2 3; do
    sync; echo 3 > /proc/sys/vm/drop_caches
    start "$work/c$i.jsonl"
    f=$work/c$i.jsonl
    echo "$(ms_of first_full_screen "$f") $(( $(unix_of first_full_screen "$f") - t0 )) $(cpu_of first_full_screen "$f")"
  done > "$work/cold"
  summary "$work/cold"
fi

echo "limit (key-to-screen of Enter in the limit prompt; $runs runs each, median and range):"
start "$work/l.jsonl"
queries=('s:kconfig' 'dfn:scripts/kconfig/' 'f:masahiro d:2026-01-01..' 'f:nathan d:2026-01-01..' 'b:modpost AND s:fix' 'rust' 'is:new' '')
for i in $(seq 1 "$runs"); do
  for j in "${!queries[@]}"; do
    tmux -S "$sock" send-keys -t b l C-u
    tmux -S "$sock" send-keys -t b -l "${queries[$j]}"
    keys_then_wait "$work/l.jsonl" Enter
    # The status line's "1/38+ series": rows loaded (+: more to page in).
    shown=$(tmux -S "$sock" capture-pane -p -t b | grep '^-- putt' | sed -n 's/.*[ \/]\([0-9][0-9]*+*\) series.*/\1/p')
    echo "$j $(ms_of key_to_screen "$work/l.jsonl") ${shown:-?} $(cpu_of key_to_screen "$work/l.jsonl")"
  done
done > "$work/limit"
for j in "${!queries[@]}"; do
  all=$(awk -v j="$j" '$1 == j {print $2}' "$work/limit")
  cpu=$(awk -v j="$j" '$1 == j {print $4}' "$work/limit")
  rows=$(awk -v j="$j" '$1 == j {print $3}' "$work/limit" | tail -1)
  printf '  %-28s %5s series  median %s ms, CPU %s ms  (%s)\n' "${queries[$j]:-(none)}" "$rows" \
    "$(echo "$all" | median)" "$(echo "$cpu" | median)" "$(echo "$all" | range)"
done

echo "interdiff (key-to-screen of d on the series, two newest revisions; $runs runs each):"
n=0
for q in 's:"embed source file:line info"' 's:"bump minimum Rust"' 's:"tags.sh: Add support for rust"'; do
  n=$((n + 1))
  start "$work/i$n.jsonl"
  tmux -S "$sock" send-keys -t b l
  tmux -S "$sock" send-keys -t b -l "$q"
  keys_then_wait "$work/i$n.jsonl" Enter
  shown=$(tmux -S "$sock" capture-pane -p -t b | grep '^-- putt' | sed -n 's/.*[ \/]\([0-9][0-9]*+*\) series.*/\1/p')
  if [ "${shown:-0}" = 0 ]; then
    # The queries name linux-kbuild series; a generated archive has none.
    printf '  %-36s no series matches in this archive: skipped\n' "$q"
    continue
  fi
  for i in $(seq 1 "$runs"); do
    keys_then_wait "$work/i$n.jsonl" d
    echo "$(ms_of key_to_screen "$work/i$n.jsonl") $(cpu_of key_to_screen "$work/i$n.jsonl")" >> "$work/d$n"
    what=$(tmux -S "$sock" capture-pane -p -t b | sed -n 3p | sed 's/─//g')
    keys_then_wait "$work/i$n.jsonl" q
  done
  printf '  %-36s median %s ms, CPU %s ms  (%s)  %s\n' "$q" "$(cut -d' ' -f1 "$work/d$n" | median)" \
    "$(cut -d' ' -f2 "$work/d$n" | median)" "$(cut -d' ' -f1 "$work/d$n" | range)" "$what"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
