#!/usr/bin/env bash
# Corruption at full scale (tests/corruption.rs over every region, byte by byte): a small
# register (init + one subject) is damaged at byte offsets — every byte of the first 512 and
# the last 256, every 7th in between (STRIDE=1: every byte) — by flipping one bit, deleting
# the byte, inserting a byte before it, and truncating the file there; plus an empty file,
# random bytes, JSON, a PNG, a broken armored file, a directory and no file. For each, a read
# (`export`) and a change (`add`) must exit 65 or 77 (66 for no file), print
# `rekisteri: error: …` first and no panic, leave the file byte for byte as it was, and leave
# no temporary file.
#
# Usage: scripts/corruption.sh       (STRIDE=7 HEAD=512 TAIL=256 LANES=2 by default)
# Needs: cargo, age, od. Prints `corruption: N mutations, P passed, F failed (…)` last;
# exits 1 on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

STRIDE=${STRIDE:-7}
HEAD=${HEAD:-512}
TAIL=${TAIL:-256}
LANES=${LANES:-2}

for tool in cargo age od; do
    command -v "$tool" >/dev/null 2>&1 || { echo "corruption.sh: needs $tool on PATH" >&2; exit 2; }
done
cargo build --release --locked >&2
BIN=$PWD/target/release/rekisteri

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rekisteri-corruption.XXXXXX")
# Rollback state of this run only, never the user's.
export XDG_STATE_HOME="$WORK/xdg-state"
trap 'rm -rf "$WORK"' EXIT
unset REKISTERI_FILE REKISTERI_IDENTITY REKISTERI_PASSPHRASE_FILE \
    REKISTERI_NEW_PASSPHRASE_FILE REKISTERI_LOCK_WAIT
export REKISTERI_TODAY=2025-03-05 REKISTERI_ACTOR=tester
cd "$WORK"

now_ms() { local t=${EPOCHREALTIME/./}; echo $((10#$t / 1000)); }

"$BIN" keygen -o key.txt 2>/dev/null
"$BIN" -f orig.age -i key.txt init 2>/dev/null
"$BIN" -f orig.age -i key.txt add --name "Pieni Asiakas" --email pieni@example.fi \
    --phone "+358 40 555 0000" --note "small register" >/dev/null 2>&1
"$BIN" -f orig.age -i key.txt export >/dev/null 2>&1 || { echo "the intact register does not open" >&2; exit 1; }
LEN=$(stat -c %s orig.age)
mapfile -t BYTES < <(od -An -v -tu1 -w1 orig.age | tr -d ' ')

# The offsets to damage.
offsets=()
for ((o = 0; o < LEN; o++)); do
    if ((o < HEAD || o >= LEN - TAIL || (o - HEAD) % STRIDE == 0)); then offsets+=("$o"); fi
done

# Special cases, made once: name → file (or the words `directory`, `missing`).
mkdir specials
: >specials/empty
head -c 4096 /dev/urandom >specials/random
age -d -i key.txt orig.age >specials/plaintext-json
printf '{"format":1,"subjects":[],"audit":[]}' >specials/json
{ printf '\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR'; head -c 200 /dev/urandom; } >specials/png
printf 'age-encryption.org/v1\n' >specials/header-only
age -d -i key.txt orig.age | age -a -r "$(grep -o 'age1[0-9a-z]*' key.txt | head -n 1)" >armored.age
"$BIN" -f armored.age -i key.txt export >/dev/null 2>&1 || { echo "an intact armored register does not open" >&2; exit 1; }
lines=$(wc -l <armored.age)
mid=$((lines / 2))
sed "${mid}s/.\$//" armored.age >specials/armor-line-short
sed "${mid}s/^\(.....\)./\1*/" armored.age >specials/armor-bad-char
sed "${mid}d" armored.age >specials/armor-line-missing
sed '$d' armored.age >specials/armor-no-end
sed "${mid}s/\$/A/" armored.age >specials/armor-line-long
cat orig.age orig.age >specials/two-copies

# check DIR NAME EXPECTED: runs export and add on DIR/r.age (already in place, a copy of
# DIR/m.bin); prints a FAIL line per problem; returns 1 on any.
check() {
    local dir=$1 name=$2 expected=$3 code err first ok=0 cmd
    for cmd in export add; do
        code=0
        if [[ $cmd == export ]]; then
            "$BIN" -f "$dir/r.age" -i key.txt export >/dev/null 2>"$dir/err" || code=$?
        else
            "$BIN" -f "$dir/r.age" -i key.txt add --name X --email damaged@example.fi >/dev/null 2>"$dir/err" || code=$?
        fi
        err=$(<"$dir/err")
        first=${err%%$'\n'*}
        if [[ " $expected " != *" $code "* ]]; then
            echo "FAIL $name: $cmd exited $code, expected $expected: $first"; ok=1
        fi
        if [[ $first != "rekisteri: error:"* ]]; then
            echo "FAIL $name: $cmd's first stderr line is: $first"; ok=1
        fi
        if [[ $err == *panicked* ]]; then
            echo "FAIL $name: $cmd panicked"; ok=1
        fi
        case $expected in
            66) [[ ! -e $dir/r.age ]] || { echo "FAIL $name: $cmd created the file"; ok=1; } ;;
            65)
                if [[ -d $dir/r.age ]]; then
                    [[ $(<"$dir/r.age/inside.txt") == "not a register" ]] || { echo "FAIL $name: $cmd changed the directory"; ok=1; }
                else
                    cmp -s "$dir/m.bin" "$dir/r.age" || { echo "FAIL $name: $cmd changed the file"; ok=1; }
                fi ;;
            *) cmp -s "$dir/m.bin" "$dir/r.age" || { echo "FAIL $name: $cmd changed the file"; ok=1; } ;;
        esac
        if compgen -G "$dir/.r.age.*.tmp" >/dev/null; then
            echo "FAIL $name: $cmd left a temporary file"; ok=1
            rm -f "$dir"/.r.age.*.tmp
        fi
    done
    return $ok
}

# lane K: the offsets whose index ≡ K (mod LANES), four mutations each; lane 0 also does
# the special cases. Prints FAIL lines, then `done PASSED FAILED` last.
lane() {
    local k=$1 dir=$WORK/lane-$k passed=0 failed=0 i o b name m
    mkdir -p "$dir"
    for ((i = k; i < ${#offsets[@]}; i += LANES)); do
        o=${offsets[$i]}
        b=${BYTES[$o]}
        for m in flip delete insert truncate; do
            case $m in
                flip) { head -c "$o" orig.age
                        printf "\\x$(printf %02x $((b ^ (1 << (o % 8)))))"
                        tail -c +$((o + 2)) orig.age; } >"$dir/m.bin"
                      name="flip bit $((o % 8)) at $o" ;;
                delete) { head -c "$o" orig.age; tail -c +$((o + 2)) orig.age; } >"$dir/m.bin"
                      name="delete byte $o" ;;
                insert) { head -c "$o" orig.age; printf A; tail -c +$((o + 1)) orig.age; } >"$dir/m.bin"
                      name="insert a byte at $o" ;;
                truncate) head -c "$o" orig.age >"$dir/m.bin"
                      name="truncate to $o bytes" ;;
            esac
            cp "$dir/m.bin" "$dir/r.age"
            if check "$dir" "$name" "65 77"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
        done
    done
    if ((k == 0)); then
        for special in specials/*; do
            cp "$special" "$dir/m.bin"
            cp "$dir/m.bin" "$dir/r.age"
            if check "$dir" "$(basename "$special")" "65 77"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
        done
        rm -f "$dir/r.age"
        mkdir "$dir/r.age"
        echo "not a register" >"$dir/r.age/inside.txt"
        if check "$dir" "a directory" "65"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
        rm -rf "$dir/r.age"
        if check "$dir" "no file" "66"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
    fi
    echo "done $passed $failed"
}

started=$(now_ms)
for ((k = 0; k < LANES; k++)); do
    lane "$k" >"lane-$k.out" &
done
wait

passed=0 failed=0
for ((k = 0; k < LANES; k++)); do
    grep '^FAIL' "lane-$k.out" >&2 || true
    read -r _ p f < <(grep '^done' "lane-$k.out")
    passed=$((passed + p)) failed=$((failed + f))
done
total=$((passed + failed))
elapsed=$(($(now_ms) - started))
echo "corruption: $total mutations, $passed passed, $failed failed ($((total * 2)) commands;" \
    "${#offsets[@]} of $LEN offsets x flip/delete/insert/truncate, stride $STRIDE; $((elapsed / 1000)) s)"
((failed == 0 && total > 0))
