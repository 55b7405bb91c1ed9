#!/usr/bin/env bash
# A profile-guided release build of putt. Usage: benches/pgo.sh [WORK_DIR]
#
# Builds putt instrumented, has it index a generated archive (not the real
# ones it is measured on) and run a few searches and a series listing,
# then builds it again with that profile (BENCHMARKS.md gives what it
# gains). Prints the binary's path; the bench times it with
# `PUTT_BIN=that-path cargo bench --bench putt -- ...`.
#
# Needs llvm-profdata of the LLVM major version rustc was built with
# (`rustc -vV`): Debian's llvm-N package, or rustup's llvm-tools component.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(realpath -m "${1:-target/pgo}")
host=$(rustc -vV | sed -n 's/^host: //p')
llvm=$(rustc -vV | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p')
profdata=""
for tool in "llvm-profdata-$llvm" \
  "$(rustc --print sysroot)/lib/rustlib/$host/bin/llvm-profdata"; do
  if command -v "$tool" >/dev/null; then
    profdata=$tool
    break
  fi
done
if [ -z "$profdata" ]; then
  echo "pgo: no llvm-profdata for LLVM $llvm (apt-get install llvm-$llvm, or rustup component add llvm-tools)" >&2
  exit 1
fi

rm -rf "$work/data" "$work/train" "$work/index"
# --target on both builds: without it cargo names the crates differently
# from one build to the other and no function finds its profile (which
# made a build ~5% slower than no profile at all).
RUSTFLAGS="-Cprofile-generate=$work/data" \
  cargo build --release --bin putt --target "$host" --target-dir "$work/gen"
cargo run --release --example gen-inbox -- --messages 100000 --out "$work/train"

putt=("$work/gen/$host/release/putt" --quiet --config /dev/null
  --inbox "$work/train" --index-dir "$work/index")
"${putt[@]}" index
for q in 's:net' 'dfn:include/linux/' 'b:reviewed' ''; do
  "${putt[@]}" search -n 50 "$q" >/dev/null
done
"${putt[@]}" series -n 50 >/dev/null

"$profdata" merge -o "$work/merged.profdata" "$work/data"
RUSTFLAGS="-Cprofile-use=$work/merged.profdata" \
  cargo build --release --bin putt --target "$host" --target-dir "$work/use"
echo "$work/use/$host/release/putt"
