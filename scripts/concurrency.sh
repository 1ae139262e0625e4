#!/usr/bin/env bash
# Mixed writers at full scale (tests/concurrency_mixed.rs on the release build): four
# workers start at once, each running 50 changes in turn — add (a unique email), record note,
# consent give/withdraw marketing, correct phone, request open — on one register with
# REKISTERI_LOCK_WAIT=30. Every change must exit 0 (75 only if it truly waited 30 s) and land
# exactly once: the decrypted trail counts each action as often as it succeeded, every added
# email is there once, and `audit verify` exits 0.
#
# Usage: scripts/concurrency.sh      (WORKERS=4 OPERATIONS=50 by default)
# Needs: cargo, age, jq. Prints `concurrency: N operations, S succeeded, F failed (…)` last;
# exits 1 on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

WORKERS=${WORKERS:-4}
OPERATIONS=${OPERATIONS:-50}

for tool in cargo age jq; do
    command -v "$tool" >/dev/null 2>&1 || { echo "concurrency.sh: needs $tool on PATH" >&2; exit 2; }
done
cargo build --release --locked >&2
BIN=$PWD/target/release/rekisteri

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rekisteri-concurrency.XXXXXX")
# Rollback state of this run only, never the user's.
export XDG_STATE_HOME="$WORK/xdg-state"
trap 'rm -rf "$WORK"' EXIT
unset REKISTERI_FILE REKISTERI_IDENTITY REKISTERI_PASSPHRASE_FILE REKISTERI_NEW_PASSPHRASE_FILE
export REKISTERI_TODAY=2025-03-05 REKISTERI_ACTOR=tester REKISTERI_LOCK_WAIT=30
cd "$WORK"

now_ms() { local t=${EPOCHREALTIME/./}; echo $((10#$t / 1000)); }

"$BIN" keygen -o key.txt 2>/dev/null
"$BIN" -f r.age -i key.txt init 2>/dev/null
{
    echo "name,email,phone"
    for ((w = 0; w < WORKERS; w++)); do echo "Siemen $w,seed.$w@example.fi,+35840100000$w"; done
} >seeds.csv
"$BIN" -f r.age -i key.txt add --from seeds.csv >/dev/null 2>&1
age -d -i key.txt r.age | jq -r '.audit[].action' | sort | uniq -c | awk '{print $2, $1}' >before.txt

worker() { # w: runs OPERATIONS changes, logging `w j action exit ms` a line
    local w=$1 j subject action code t0
    for ((j = 0; j < OPERATIONS; j++)); do
        subject="seed.$(((w + j) % WORKERS))@example.fi"
        case $(((w + j) % 5)) in
            0) action=add; args=(add --name "Rinnakkainen $w-$j" --email "mixed.w$w.op$j@example.fi") ;;
            1) action=record-note; args=(record "$subject" note "worker $w note $j") ;;
            2) if ((j % 2 == 0)); then
                   action=consent-give; args=(consent "$subject" give marketing --channel email)
               else
                   action=consent-withdraw; args=(consent "$subject" withdraw marketing --channel email)
               fi ;;
            3) action=correct
               args=(correct "$subject" --set "phone=$(printf '+358407%d%05d' "$w" "$j")" --reason "concurrency test") ;;
            *) action=request-open
               args=(request open --kind access --subject "$subject" --received 2025-03-05 --channel email) ;;
        esac
        t0=$(now_ms)
        code=0
        "$BIN" -f r.age -i key.txt "${args[@]}" >/dev/null 2>>"errors.$w" || code=$?
        echo "$w $j $action $code $(($(now_ms) - t0))"
    done >"log.$w"
}

started=$(now_ms)
pids=()
for ((w = 0; w < WORKERS; w++)); do
    worker "$w" &
    pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
elapsed=$(($(now_ms) - started))

failed=0
total=$((WORKERS * OPERATIONS))
cat log.* >all.log
while read -r w j action code ms; do
    if ((code == 75 && ms >= 30000)); then
        echo "FAIL worker $w op $j ($action): gave up on the lock after $ms ms" >&2
        failed=$((failed + 1))
    elif ((code != 0)); then
        echo "FAIL worker $w op $j ($action) exited $code after $ms ms" >&2
        failed=$((failed + 1))
    fi
done <all.log
if ((failed > 0)); then
    echo "stderr of the failing workers:" >&2
    cat errors.* >&2
fi
succeeded=$(awk '$4 == 0' all.log | wc -l)
((succeeded + failed == total)) || { echo "FAIL: $((total - succeeded - failed)) operations left no log line" >&2; failed=$((failed + 1)); }

# Every change landed exactly once.
age -d -i key.txt r.age >plain.json
jq -r '.audit[].action' plain.json | sort | uniq -c | awk '{print $2, $1}' >after.txt
awk '$4 == 0 {print $3}' all.log | sort | uniq -c | awk '{print $2, $1}' >succeeded.txt
problems=0
for action in $(cut -d' ' -f1 before.txt after.txt succeeded.txt | sort -u); do
    b=$(awk -v a="$action" '$1 == a {print $2}' before.txt); b=${b:-0}
    s=$(awk -v a="$action" '$1 == a {print $2}' succeeded.txt); s=${s:-0}
    f=$(awk -v a="$action" '$1 == a {print $2}' after.txt); f=${f:-0}
    if ((f != b + s)); then
        echo "FAIL: $f \`$action\` events in the trail, expected $b before + $s succeeded" >&2
        problems=$((problems + 1))
    fi
done
missing=0
while read -r w j action code ms; do
    [[ $action == add && $code == 0 ]] || continue
    count=$(jq --arg e "mixed.w$w.op$j@example.fi" '[.subjects[] | select(.email == $e)] | length' plain.json)
    if ((count != 1)); then
        echo "FAIL: mixed.w$w.op$j@example.fi is in the register $count times" >&2
        missing=$((missing + 1))
    fi
done <all.log
requests=$(jq '.requests | length' plain.json)
opened=$(awk '$4 == 0 && $3 == "request-open"' all.log | wc -l)
((requests == opened)) || { echo "FAIL: $requests requests, $opened opened" >&2; problems=$((problems + 1)); }
verify=0
"$BIN" -f r.age -i key.txt audit verify >&2 || verify=$?
((verify == 0)) || { echo "FAIL: audit verify exited $verify" >&2; problems=$((problems + 1)); }
temps=$(find . -maxdepth 1 -name '.*.tmp' | wc -l)
((temps == 0)) || { echo "FAIL: $temps temporary files left" >&2; problems=$((problems + 1)); }
slowest=$(sort -k5 -n all.log | tail -n 1 | awk '{print $5}')

echo "concurrency: $total operations, $succeeded succeeded, $failed failed; $((problems + missing)) landing problems" \
    "($WORKERS workers x $OPERATIONS, $((elapsed / 1000)).$(printf '%03d' $((elapsed % 1000))) s, slowest $slowest ms)"
((failed == 0 && problems == 0 && missing == 0))
