#!/usr/bin/env bash
# Crash safety at full scale (tests/crash.rs, scaled up): a register of 10 000 generated
# subjects; 200 times a write (add, correct, erase, rekey in turn) is started and killed with
# SIGKILL at a spread moment — before its temporary file appears, while it writes it, around
# the rename, after it is done. After each kill the register must decrypt (with the keys it is
# meant for) and hold either exactly the state before or that state plus the one change: the
# trail is the old trail (the event at the old head position has the old head hash, and
# `audit verify` recomputes the chain) plus exactly one event of the expected action; and
# `audit verify` exits 0. Leftover temporary files must hold ciphertext only; they are
# allowed, and counted.
#
# Usage: scripts/crash.sh            (SUBJECTS=10000 KILLS=200 by default)
# Needs: cargo, age, jq. Prints `crash: N kills, P passed, F failed (…)` last; exits 1 on
# any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

SUBJECTS=${SUBJECTS:-10000}
KILLS=${KILLS:-200}

for tool in cargo age jq; do
    command -v "$tool" >/dev/null 2>&1 || { echo "crash.sh: needs $tool on PATH" >&2; exit 2; }
done
cargo build --release --locked >&2
BIN=$PWD/target/release/rekisteri

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rekisteri-crash.XXXXXX")
# Rollback state of this run only, never the user's.
export XDG_STATE_HOME="$WORK/xdg-state"
trap 'rm -rf "$WORK"' EXIT
REG=$WORK/reg              # the register's directory: only what rekisteri writes, and keys
STATE=$WORK/state          # the harness's own files (decrypted states, moved leftovers)
mkdir -p "$REG" "$STATE/leftovers"

unset REKISTERI_FILE REKISTERI_IDENTITY REKISTERI_PASSPHRASE_FILE \
    REKISTERI_NEW_PASSPHRASE_FILE REKISTERI_LOCK_WAIT
export REKISTERI_TODAY=2025-03-05 REKISTERI_ACTOR=tester

now_us() { local t=${EPOCHREALTIME/./}; echo $((10#$t)); }
# True when FILE's first page (all of it, when shorter) is zeros: the register's spare, whose
# age header a write overwrote, or a leftover temporary file that was the spare.
shredded() {
    local size page
    size=$(stat -c %s "$1")
    page=$((size < 4096 ? size : 4096))
    ((size > 0)) && cmp -s -n "$page" "$1" /dev/zero
}
sleep_us() { (($1 > 0)) && sleep "$(printf '%d.%06d' $(($1 / 1000000)) $(($1 % 1000000)))" || true; }

cd "$REG"
"$BIN" keygen -o key1.txt 2>/dev/null
"$BIN" keygen -o key2.txt 2>/dev/null
RECIPIENT=([1]="$(grep -o 'age1[0-9a-z]*' key1.txt | head -n 1)" [2]="$(grep -o 'age1[0-9a-z]*' key2.txt | head -n 1)")
GLOBAL=(-f r.age -i key1.txt -i key2.txt)
"$BIN" -f r.age -i key1.txt generate --subjects "$SUBJECTS" --seed 1 2>/dev/null

# The state before each write: a copy of the file, the trail's length and head, the subject
# count, the keys it is encrypted to.
read_state() { # file → sets LEN HEAD COUNT RECIPS
    local summary
    summary=$(jq -r '[(.audit | length), .audit[-1].hash, (.subjects | length),
        (.encryption.recipients | sort | join(","))] | @tsv' "$1")
    IFS=$'\t' read -r LEN HEAD COUNT RECIPS <<<"$summary"
}
age -d -i key1.txt r.age >"$STATE/plain.json"
read_state "$STATE/plain.json"
cp r.age "$STATE/prev.age"
KEYS=1
mapfile -t EMAILS < <(jq -r '.subjects[] | [.email, .id] | @tsv' "$STATE/plain.json")
declare -A ERASED=()
rm -f "$STATE/plain.json"

# Calibrate: how long an add runs before its temporary file appears, and how long it writes.
t0=$(now_us)
"$BIN" "${GLOBAL[@]}" add --name Kalibrointi --email calibration@example.fi >/dev/null 2>&1 &
pid=$!
appeared=0
while kill -0 "$pid" 2>/dev/null; do
    if ((appeared == 0)) && compgen -G "$REG/.r.age.*.tmp" >/dev/null; then appeared=$(now_us); fi
    sleep 0.001
done
wait "$pid"
ended=$(now_us)
((appeared > 0)) || appeared=$(((t0 + ended) / 2))
STARTUP_US=$((appeared - t0))
WRITE_US=$((ended - appeared))
((WRITE_US > 1000)) || WRITE_US=1000
# Per kind (add, correct, erase, rekey); a rekey re-encrypts everything: allow it more.
ESTIMATE=("$WRITE_US" "$WRITE_US" "$WRITE_US" $((WRITE_US * 17 / 10)))
age -d -i key1.txt r.age >"$STATE/plain.json"
read_state "$STATE/plain.json"
cp r.age "$STATE/prev.age"
echo "calibration: an add ran $((STARTUP_US / 1000)) ms before writing for $((WRITE_US / 1000)) ms" >&2

pick() { # n → sets EMAIL ID: a subject not erased yet, chosen from n
    local i=$(((${1} * 131 + 17) % ${#EMAILS[@]}))
    while :; do
        IFS=$'\t' read -r EMAIL ID <<<"${EMAILS[$i]}"
        [[ -z ${ERASED[$EMAIL]:-} ]] && return
        i=$(((i + 1) % ${#EMAILS[@]}))
    done
}

passed=0 failed=0 unchanged=0 changed=0 killed=0 exited=0 leftovers=0 replays=0
started=$(now_us)
for ((n = 0; n < KILLS; n++)); do
    kind=$((n % 4))
    EMAIL="" ID="" PHONE="" TARGET=""
    case $kind in
        0) EMAIL="crash.added.$n@example.fi"
           args=(add --name "Kaatuva Kirjoittaja $n" --email "$EMAIL"); action=add ;;
        1) pick "$n"; PHONE=$(printf '+35850%07d' $((1000000 + n)))
           args=(correct "$EMAIL" --set "phone=$PHONE" --reason "crash test"); action=correct ;;
        2) pick $((n + 1))
           args=(erase "$EMAIL" --reason x); action=erase ;;
        3) case $KEYS in 1) TARGET=2 ;; 2) TARGET=12 ;; *) TARGET=1 ;; esac
           args=(rekey)
           for k in 1 2; do if [[ $TARGET == *$k* ]]; then args+=(-r "${RECIPIENT[$k]}"); fi; done
           args+=(--yes); action=rekey ;;
    esac
    # The kill moment, in thousandths of the write phase: -200 … 1300, spread evenly.
    f=$((-200 + 1500 * (n + 1) / KILLS))
    t0=$(now_us)
    "$BIN" "${GLOBAL[@]}" "${args[@]}" >/dev/null 2>"$STATE/stderr" &
    pid=$!
    appeared=0
    if ((f < 0)); then
        sleep_us $((STARTUP_US * (f + 200) / 200))
    else
        while kill -0 "$pid" 2>/dev/null; do
            if ((appeared == 0)) && compgen -G "$REG/.r.age.*.tmp" >/dev/null; then
                appeared=$(now_us)
            fi
            if ((appeared > 0)) && (($(now_us) >= appeared + ESTIMATE[kind] * f / 1000)); then
                break
            fi
            sleep 0.001
        done
        if ((appeared > 0)) && ! kill -0 "$pid" 2>/dev/null; then
            ESTIMATE[kind]=$(($(now_us) - appeared))
        fi
    fi
    kill -9 "$pid" 2>/dev/null || true
    status=0
    wait "$pid" 2>/dev/null || status=$?

    problems=()
    if ((status == 137)); then
        killed=$((killed + 1))
    else
        exited=$((exited + 1))
        ((status == 0)) || problems+=("the write failed on its own (exit $status): $(head -n 1 "$STATE/stderr")")
    fi

    if cmp -s r.age "$STATE/prev.age"; then
        unchanged=$((unchanged + 1))
        ((status != 0)) || problems+=("the write exited 0 but the register is unchanged")
        # An erasure is journalled before the rename; killed in between, it leaves the old
        # register, which every command refuses until `erase --replay` completes it.
        if ((kind == 2)) && grep -q "^$ID " r.age.erased 2>/dev/null; then
            if "$BIN" "${GLOBAL[@]}" erase --replay --yes >/dev/null 2>"$STATE/replay.err"; then
                replays=$((replays + 1))
                read -r LEN HEAD COUNT < <(age -d -i key1.txt -i key2.txt r.age |
                    jq -r '[(.audit | length), .audit[-1].hash, (.subjects | length)] | @tsv')
                ERASED[$EMAIL]=1
                cp r.age "$STATE/prev.age"
            else
                problems+=("erase --replay failed: $(head -n 1 "$STATE/replay.err")")
            fi
        fi
    elif ! age -d -i key1.txt -i key2.txt r.age >"$STATE/plain.json" 2>"$STATE/age.err"; then
        problems+=("the register does not decrypt: $(head -n 1 "$STATE/age.err")")
    else
        changed=$((changed + 1))
        summary=$(jq -r --arg e "$EMAIL" --argjson n "$LEN" '[(.audit | length),
            (.audit[$n - 1].hash // "-"), .audit[-1].action, .audit[-1].actor, .audit[-1].hash,
            (.subjects | length), ([.subjects[] | select(.email == $e)] | length),
            ([.subjects[] | select(.email == $e) | .phone] | first // "-"),
            (.encryption.recipients | sort | join(","))] | @tsv' "$STATE/plain.json" 2>&1) ||
            problems+=("the plaintext does not parse: $summary")
        IFS=$'\t' read -r len at_old last_action last_actor last_hash count with_email phone recips <<<"$summary"
        ((len == LEN + 1)) || problems+=("the trail grew from $LEN to $len events, not by one")
        [[ $at_old == "$HEAD" ]] || problems+=("the trail before the new event is not the old trail")
        [[ $last_action == "$action" && $last_actor == tester ]] ||
            problems+=("the new event is $last_action by $last_actor, expected $action by tester")
        case $kind in
            0) ((count == COUNT + 1 && with_email == 1)) || problems+=("$EMAIL was not added exactly once") ;;
            1) ((count == COUNT && with_email == 1)) && [[ $phone == "$PHONE" ]] ||
                   problems+=("$EMAIL's phone was not corrected to $PHONE") ;;
            2) ((count == COUNT - 1 && with_email == 0)) || problems+=("$EMAIL was not erased")
               grep -q "^$ID " r.age.erased 2>/dev/null ||
                   problems+=("the register holds the erasure of $ID, but the erasure journal does not list it")
               ERASED[$EMAIL]=1 ;;
            3) expected=$(for k in 1 2; do if [[ $TARGET == *$k* ]]; then echo "${RECIPIENT[$k]}"; fi; done | sort | paste -sd, -)
               [[ $recips == "$expected" ]] || problems+=("the register records recipients $recips, expected $expected")
               for k in 1 2; do
                   opens=no
                   age -d -i "key$k.txt" r.age >/dev/null 2>&1 && opens=yes
                   want=no
                   [[ $TARGET == *$k* ]] && want=yes
                   [[ $opens == "$want" ]] || problems+=("key $k opens the file: $opens, expected $want")
               done
               KEYS=$TARGET ;;
        esac
        LEN=$len HEAD=$last_hash COUNT=$count
        cp r.age "$STATE/prev.age"
    fi
    rm -f "$STATE/plain.json"

    verify=0
    "$BIN" "${GLOBAL[@]}" audit verify >/dev/null 2>"$STATE/verify.err" || verify=$?
    ((verify == 0)) || problems+=("audit verify exited $verify: $(head -n 1 "$STATE/verify.err")")
    [[ $(stat -c %a r.age) == 600 ]] || problems+=("the register's mode is $(stat -c %a r.age)")

    # Leftover temporary files: ciphertext only, mode 0600; counted, then moved aside.
    for temp in "$REG"/.r.age.*.tmp; do
        [[ -e $temp ]] || continue
        leftovers=$((leftovers + 1))
        size=$(stat -c %s "$temp")
        if ((size > 0)); then
            magic="age-encryption.org/v1"
            head=$(head -c 21 "$temp" | tr -d '\0')
            # Or it was the spare (see below): its first page is zeros.
            [[ $head == "${magic:0:${#head}}" && ${#head} == $((size < 21 ? size : 21)) ]] ||
                shredded "$temp" ||
                problems+=("leftover $(basename "$temp") does not begin with the age header")
            [[ $(head -c 1 "$temp") != "{" ]] || problems+=("leftover $(basename "$temp") is plaintext JSON")
            if grep -a -q -F -e '@example.fi' -e '"subjects"' "$temp"; then
                problems+=("leftover $(basename "$temp") holds plaintext")
            fi
        fi
        [[ $(stat -c %a "$temp") == 600 ]] || problems+=("leftover $(basename "$temp") has mode $(stat -c %a "$temp")")
        mv "$temp" "$STATE/leftovers/"
    done
    # The spare a write keeps: the old copy, its header overwritten, no plaintext, 0600.
    spare=$REG/.r.age.spare
    if [[ -e $spare ]]; then
        shredded "$spare" || problems+=("the spare's header is not overwritten")
        if grep -a -q -F -e '@example.fi' -e '"subjects"' "$spare"; then
            problems+=("the spare holds plaintext")
        fi
        [[ $(stat -c %a "$spare") == 600 ]] || problems+=("the spare has mode $(stat -c %a "$spare")")
    fi
    for entry in "$REG"/* "$REG"/.[!.]*; do
        [[ -e $entry ]] || continue
        case $(basename "$entry") in
            r.age | r.age.lock | r.age.erased | .r.age.spare | key1.txt | key2.txt) ;;
            *) problems+=("an unexpected file $(basename "$entry") appeared") ;;
        esac
    done

    label="kill $n: $action at $f/1000 of the write ($( ((status == 137)) && echo killed || echo "exited $status"))"
    if ((${#problems[@]} == 0)); then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL $label" >&2
        printf '  %s\n' "${problems[@]}" >&2
    fi
    if (((n + 1) % 25 == 0)); then
        echo "… $((n + 1)) kills: $passed passed, $failed failed" >&2
    fi
done

# The register still takes a plain write (no lock left stuck), and the chain verifies.
"$BIN" "${GLOBAL[@]}" add --name "Eloonjäänyt" --email survivor@example.fi >/dev/null 2>&1 ||
    { echo "FAIL: the register takes no write after the kills" >&2; failed=$((failed + 1)); }
"$BIN" "${GLOBAL[@]}" audit verify >/dev/null 2>&1 ||
    { echo "FAIL: audit verify after the kills" >&2; failed=$((failed + 1)); }

seconds=$((($(now_us) - started) / 1000000))
echo "crash: $KILLS kills, $passed passed, $failed failed (unchanged $unchanged, changed $changed;" \
    "killed $killed, exited first $exited; $replays erasures completed by erase --replay;" \
    "$leftovers leftover temp files; $SUBJECTS subjects; ${seconds} s)"
((failed == 0))
