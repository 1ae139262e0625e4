#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 600), two at a time, growing the
# committed corpus under fuzz/corpus/ and leaving any crash under fuzz/artifacts/.
#   fuzz/run.sh [SECONDS]
# Needs cargo-fuzz (`cargo install cargo-fuzz`); the stable toolchain is used with
# RUSTC_BOOTSTRAP=1 for the sanitizer flags cargo-fuzz passes.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
export RUSTC_BOOTSTRAP=1
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
targets=(add_csv add_json add_jsonl register_decode dates_and_selectors index_reader streamed_write payload_reader)
for target in "${targets[@]}"; do cargo fuzz build -O "$target"; done
mkdir -p fuzz/logs
run() {
    local target=$1
    cargo fuzz run -O "$target" "fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=4096 -max_len=65536 \
        >"fuzz/logs/$target.log" 2>&1
    echo "$target: $(grep -E '^(#[0-9]+|Done)' "fuzz/logs/$target.log" | tail -1)"
}
status=0
for ((i = 0; i < ${#targets[@]}; i += 2)); do
    run "${targets[i]}" & a=$!
    if ((i + 1 < ${#targets[@]})); then run "${targets[i + 1]}" & b=$!; else b=; fi
    wait "$a" || status=1
    if [ -n "$b" ]; then wait "$b" || status=1; fi
done
exit $status
