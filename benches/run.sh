#!/usr/bin/env bash
# Benchmark harness for rekisteri. Writes BENCHMARKS.md at the repository root.
#
#   benches/run.sh [-w DIR] [-k] [-o FILE] [SIZE...]
#
#   SIZE       register sizes in subjects (default: 1000 100000 1000000)
#   -w DIR     work directory (default: a fresh mktemp -d under /tmp, removed at the end)
#   -k         keep the default work directory instead of removing it
#   -o FILE    where to write the report (default: BENCHMARKS.md at the repository root)
#
# Environment: BENCH_RUNS overrides the scaled --runs count for every size;
# BENCH_ADD_ROWS (default 100000) is the number of CSV rows for the `add --from` benchmark.
#
# Needs: cargo; installs hyperfine, age, jq, time and python3 with apt-get when missing.
# The section "## Where the time goes" of an existing report is kept as it is.
set -euo pipefail

say() { printf '==> %s\n' "$*" >&2; }
die() {
    printf 'benches/run.sh: error: %s\n' "$*" >&2
    exit 1
}
trap 'rc=$?; printf "benches/run.sh: error: line %s: \`%s\` exited with %s\n" "$LINENO" "$BASH_COMMAND" "$rc" >&2' ERR

usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; }

ORIG_ARGS=("$@")
WORK=""
KEEP=0
OUT=""
SIZES=()
while (($#)); do
    case $1 in
    -w | --workdir)
        [[ $# -ge 2 ]] || die "$1 needs a directory"
        WORK=$2
        shift 2
        ;;
    -k | --keep)
        KEEP=1
        shift
        ;;
    -o | --output)
        [[ $# -ge 2 ]] || die "$1 needs a file name"
        OUT=$2
        shift 2
        ;;
    -h | --help)
        usage
        exit 0
        ;;
    -*) die "unknown option $1 (see benches/run.sh --help)" ;;
    *)
        [[ $1 =~ ^[1-9][0-9]*$ ]] || die "size '$1' is not a positive whole number"
        SIZES+=("$1")
        shift
        ;;
    esac
done
((${#SIZES[@]})) || SIZES=(1000 100000 1000000)
if [[ -n $WORK && -d $WORK && -n $(ls -A -- "$WORK") ]]; then die "work directory $WORK is not empty"; fi
ADD_ROWS=${BENCH_ADD_ROWS:-100000}
[[ $ADD_ROWS =~ ^[1-9][0-9]*$ ]] || die "BENCH_ADD_ROWS='$ADD_ROWS' is not a positive whole number"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
[[ -f Cargo.toml ]] || die "$ROOT does not look like the rekisteri repository"
[[ -n $OUT ]] || OUT=$ROOT/BENCHMARKS.md
case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac

# ---------------------------------------------------------------- tools
need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
command -v age >/dev/null && command -v age-keygen >/dev/null || need+=(age)
command -v jq >/dev/null || need+=(jq)
[[ -x /usr/bin/time ]] || need+=(time)
command -v python3 >/dev/null || need+=(python3)
if ((${#need[@]})); then
    say "installing missing packages: ${need[*]}"
    SUDO=()
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null || die "need root (or sudo) to install: ${need[*]}"
        SUDO=(sudo)
    fi
    command -v apt-get >/dev/null || die "apt-get not found; install by hand: ${need[*]}"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
command -v cargo >/dev/null || die "cargo not found: install a Rust toolchain (1.89 or newer)"

say "building: cargo build --release --locked"
cargo build --release --locked
BUILT=${CARGO_TARGET_DIR:-$ROOT/target}/release/rekisteri
[[ -x $BUILT ]] || die "no binary at $BUILT after the build"

# ---------------------------------------------------------------- work dir
if [[ -z $WORK ]]; then
    WORK=$(mktemp -d /tmp/rekisteri-bench.XXXXXX)
    if ((KEEP)); then
        say "work directory $WORK (kept)"
    else
        trap 'rm -rf -- "$WORK"' EXIT
        say "work directory $WORK (removed at the end)"
    fi
else
    mkdir -p -- "$WORK"
    WORK=$(cd "$WORK" && pwd)
    [[ -z $(ls -A -- "$WORK") ]] || die "work directory $WORK is not empty"
    say "work directory $WORK (kept)"
fi
RES=$WORK/results
mkdir -p "$RES"
# A private copy, so that a rebuild by someone else during a long run changes nothing.
BIN=$WORK/rekisteri
cp "$BUILT" "$BIN"
cd "$WORK"

unset REKISTERI_FILE REKISTERI_IDENTITY REKISTERI_PASSPHRASE_FILE
export REKISTERI_TODAY=2025-03-05 REKISTERI_ACTOR=bench
# rekisteri remembers how far each register's audit trail had grown, and refuses changes to
# an older copy (a rollback). Every timed write starts again from the same copy, so the
# memory is kept here and forgotten with each fresh copy (each `cp r.age w.age`).
export XDG_STATE_HOME=$WORK/xdg-state

# A command on a small register takes 10-20 ms, and one run can take a millisecond or two
# more than the next on the 2-core virtual machine: 60 runs give a steadier median.
runs_for() {
    if [[ -n ${BENCH_RUNS:-} ]]; then echo "$BENCH_RUNS"
    elif (($1 <= 1000)); then echo 60
    elif (($1 <= 10000)); then echo 20
    elif (($1 <= 100000)); then echo 10
    elif (($1 <= 300000)); then echo 5
    else echo 3
    fi
}
mem_available_kb() { awk '/^MemAvailable:/ {print $2}' /proc/meminfo; }
# Peak RSS (KiB) of one run of a command, which must succeed.
peak_rss() { # peak_rss LABEL CMD...
    local label=$1 log
    shift
    log=$(mktemp "$WORK/time.XXXXXX")
    if ! /usr/bin/time -v -o "$log" "$@" >/dev/null 2>"$log.err"; then
        cat "$log.err" >&2
        die "$label failed (see the message above)"
    fi
    awk -F': ' '/Maximum resident set size/ {print $2}' "$log"
    rm -f "$log" "$log.err"
}
# rss_all OUT.tsv PREPARE NAME CMD [NAME CMD]...: one run of each command under
# /usr/bin/time; writes NAME<TAB>peak RSS in KiB (of the largest process of a pipeline).
rss_all() {
    local out=$1 prepare=$2 log
    shift 2
    : >"$out"
    log=$(mktemp "$WORK/time.XXXXXX")
    while (($#)); do
        [[ -z $prepare ]] || bash -c "$prepare"
        if /usr/bin/time -f '%M' -o "$log" bash -c "$2" >/dev/null 2>&1; then
            printf '%s\t%s\n' "$1" "$(tail -1 "$log")" >>"$out"
        else
            # `audit deadlines` exits 1 when something is due; a failed run is not measured.
            printf '%s\t%s\n' "$1" "$(tail -1 "$log" | grep -E '^[0-9]+$' || echo -)" >>"$out"
        fi
        shift 2
    done
    rm -f "$log"
}
# hf OUT.json [hyperfine options] -- NAME CMD [NAME CMD]...
hf() {
    local out=$1 opts=() cmds=()
    shift
    while [[ $1 != -- ]]; do
        opts+=("$1")
        shift
    done
    shift
    while (($#)); do
        cmds+=(-n "$1" "$2")
        shift 2
    done
    hyperfine --shell=bash --style basic --export-json "$out" "${opts[@]}" "${cmds[@]}"
}

# ---------------------------------------------------------------- environment
{
    echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "command=benches/run.sh${ORIG_ARGS[*]:+ ${ORIG_ARGS[*]}}"
    echo "nproc=$(nproc)"
    echo "cpu=$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)"
    echo "mem=$(free -h | awk '/^Mem:/ {print $2}')"
    echo "kernel=$(uname -sr)"
    echo "load_start=$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "rekisteri=$("$BIN" --version)"
    echo "age=age $(age --version)"
    echo "jq=$(jq --version)"
    echo "hyperfine=$(hyperfine --version)"
    echo "git=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "git_dirty=$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null | wc -l)"
} >"$RES/env.txt"

say "key: rekisteri keygen -o key.txt"
"$BIN" keygen -o key.txt 2>/dev/null
RECIPIENT=$(age-keygen -y key.txt)

# ---------------------------------------------------------------- per size
for N in "${SIZES[@]}"; do
    D=$RES/$N
    mkdir -p "$D"
    R=$(runs_for "$N")
    echo "$R" >"$D/runs"
    say "[$N] generating the register (rekisteri generate --subjects $N --seed 1)"
    rm -f r.age r.age.lock w.age w.age.lock w2.age
    t0=$(date +%s.%N)
    "$BIN" -f r.age -i key.txt generate --subjects "$N" --seed 1 2>/dev/null
    t1=$(date +%s.%N)
    echo "$t0 $t1" | awk '{printf "%.2f\n", $2 - $1}' >"$D/generate_s"
    stat -c %s r.age >"$D/cipher_bytes"
    PLAIN=$(age -d -i key.txt r.age | wc -c)
    echo "$PLAIN" >"$D/plaintext_bytes"

    K=$((N / 2))
    # The same as `jq -r '.subjects[K].email'`, streamed, so that a large register does not
    # have to fit in jq's memory just to pick the subject; it stops at the email.
    EMAIL=$(age -d -i key.txt r.age 2>/dev/null |
        jq -rn --stream --argjson k "$K" \
            'first(inputs | select(length == 2 and .[0][0] == "subjects" and .[0][1] == $k and .[0][2] == "email") | .[1])' ||
        true)
    [[ -n $EMAIL && $EMAIL != null ]] || die "[$N] could not read .subjects[$K].email from the register"
    [[ $EMAIL =~ ^[A-Za-z0-9._@-]+$ ]] || die "[$N] unexpected characters in the email of subject $K"
    echo "$K" >"$D/subject_index"
    echo "$EMAIL" >"$D/email"
    say "[$N] ${PLAIN} bytes of plaintext; subject $K is $EMAIL; $R runs each"

    # The same register as an older rekisteri wrote it (format 2, no index), for the scan
    # that a register without a (valid) index falls back to.
    say "[$N] a copy without the index (format 2): r2.age"
    age -d -i key.txt r.age | python3 -c '
import sys
d = sys.stdin.buffer.read()
head, key = b"{\"format\":3,", b",\"index\":\""
i = d.rfind(key)
if i < 0 or not d.startswith(head):
    sys.exit("benches/run.sh: the register has no index to strip")
sys.stdout.buffer.write(b"{\"format\":2," + d[len(head):i] + b"}")
' | age -e -r "$RECIPIENT" >r2.age

    # Checks outside the timed part, doubling as the peak-memory measurements.
    say "[$N] peak memory (/usr/bin/time -v): export SUBJECT, correct SUBJECT"
    peak_rss "[$N] export $EMAIL" "$BIN" -f r.age -i key.txt export "$EMAIL" >"$D/rss_export_kb"
    cp r.age w.age && rm -rf "$XDG_STATE_HOME"
    peak_rss "[$N] correct $EMAIL" "$BIN" -f w.age -i key.txt correct "$EMAIL" \
        --set phone=0401234567 --reason bench >"$D/rss_correct_kb"

    # jq holds the whole document in memory (about 8 times the plaintext); skip the scripted
    # commands where that would not fit, rather than let the kernel kill something.
    avail=$(mem_available_kb)
    need_kb=$((PLAIN * 10 / 1024))
    cap_kb=$((avail - 2 * 1024 * 1024))
    SCRIPTED=1
    if ((need_kb > cap_kb)); then
        SCRIPTED=0
        echo "age+jq scripts skipped: they would need about $((need_kb / 1048576)) GiB, $((avail / 1048576)) GiB was available" >>"$D/notes"
        say "[$N] skipping the age+jq scripts (need ~$((need_kb / 1048576)) GiB, $((avail / 1048576)) GiB available)"
    fi
    ULIMIT="ulimit -v $cap_kb; set -o pipefail;"

    FLOOR_CMD='age -d -i key.txt r.age > /dev/null'
    READ_CMD="$BIN -f r.age -i key.txt export $EMAIL > /dev/null"
    SCAN_CMD="$BIN -f r2.age -i key.txt export $EMAIL > /dev/null"
    SREAD_CMD="$ULIMIT age -d -i key.txt r.age | jq '.subjects[] | select(.email == \"$EMAIL\")' > /dev/null"
    CORRECT_CMD="$BIN -f w.age -i key.txt correct $EMAIL --set phone=0401234567 --reason bench"
    SEDIT_CMD="$ULIMIT age -d -i key.txt w.age | jq '(.subjects[] | select(.email == \"$EMAIL\") | .phone) = \"0401234567\"' | age -e -r $RECIPIENT > w2.age"

    say "[$N] hyperfine: reads"
    reads=("age -d" "$FLOOR_CMD" "export SUBJECT" "$READ_CMD" "export SUBJECT, no index" "$SCAN_CMD")
    ((SCRIPTED)) && reads+=("age+jq read" "$SREAD_CMD")
    if ! hf "$D/reads.json" --warmup 1 --runs "$R" -- "${reads[@]}"; then
        ((SCRIPTED)) || die "[$N] the read benchmark failed"
        echo "age+jq read failed during the benchmark (out of memory?); timed without it" >>"$D/notes"
        say "[$N] the reads failed with the script; timing again without it"
        hf "$D/reads.json" --warmup 1 --runs "$R" -- "${reads[@]:0:6}"
    fi

    say "[$N] hyperfine: writes (each run on a fresh copy: --prepare 'cp r.age w.age && sync')"
    # The copy, and what the run before wrote, reach the disk before the timed command
    # starts: their write-back would otherwise land in the next command's time (and in its
    # fsyncs, which wait behind it).
    WRITE_PREP='cp r.age w.age && sync && rm -rf "$XDG_STATE_HOME"'
    cp r.age w.age && rm -rf "$XDG_STATE_HOME"
    writes=("age -d" "$FLOOR_CMD" "correct SUBJECT" "$CORRECT_CMD")
    ((SCRIPTED)) && writes+=("age+jq edit" "$SEDIT_CMD")
    if ! hf "$D/writes.json" --warmup 1 --runs "$R" --prepare "$WRITE_PREP" -- "${writes[@]}"; then
        ((SCRIPTED)) || die "[$N] the write benchmark failed"
        echo "age+jq edit failed during the benchmark (out of memory?); timed without it" >>"$D/notes"
        say "[$N] the writes failed with the script; timing again without it"
        cp r.age w.age && rm -rf "$XDG_STATE_HOME"
        hf "$D/writes.json" --warmup 1 --runs "$R" --prepare "$WRITE_PREP" -- "${writes[@]:0:4}"
    fi
    say "[$N] peak memory of every timed command (/usr/bin/time, one run each)"
    rss_all "$D/rss_reads.tsv" "" "${reads[@]}"
    rss_all "$D/rss_writes.tsv" "$WRITE_PREP" "${writes[@]}"
    rm -f w.age w.age.lock w2.age

    if ((N == 1000)); then
        say "[$N] any command: checking exit codes"
        for c in export "audit verify" "request list" notice; do
            # shellcheck disable=SC2086
            "$BIN" -f r.age -i key.txt $c >/dev/null 2>"$D/err" || {
                cat "$D/err" >&2
                die "[$N] rekisteri $c failed"
            }
        done
        rc=0
        "$BIN" -f r.age -i key.txt audit deadlines >/dev/null 2>"$D/err" || rc=$?
        ((rc <= 1)) || {
            cat "$D/err" >&2
            die "[$N] rekisteri audit deadlines exited with $rc"
        }
        echo "$rc" >"$D/deadlines_rc"
        say "[$N] hyperfine: any command (-i: audit deadlines exits 1 when something is due)"
        anys=("age -d" "$FLOOR_CMD"
            "export" "$BIN -f r.age -i key.txt export > /dev/null"
            "audit verify" "$BIN -f r.age -i key.txt audit verify > /dev/null"
            "request list" "$BIN -f r.age -i key.txt request list > /dev/null"
            "audit deadlines" "$BIN -f r.age -i key.txt audit deadlines > /dev/null"
            "notice" "$BIN -f r.age -i key.txt notice > /dev/null")
        hf "$D/any.json" --warmup 1 --runs "$R" -i -- "${anys[@]}"
        rss_all "$D/rss_any.tsv" "" "${anys[@]}"
    fi
    rm -f r.age r.age.lock r2.age r2.age.lock
done

# ---------------------------------------------------------------- add --from
say "add --from: $ADD_ROWS rows of CSV into an empty register"
seq 1 "$ADD_ROWS" | awk 'BEGIN { print "name,company,email,phone,address,ip,source,consent" }
    { printf "Bench Person %d,Bench %d Oy,bench.person.%d@example.fi,+35850%07d,\"Testikatu %d, 13100 Hameenlinna\",192.0.2.%d,web-form,marketing\n",
        $1, $1 % 997, $1, $1, $1 % 99 + 1, $1 % 254 + 1 }' >rows.csv
"$BIN" -f empty.age -i key.txt init --metadata "$ROOT/examples/twebs.json" 2>/dev/null
cp empty.age a.age
"$BIN" -f a.age -i key.txt add --from rows.csv >/dev/null 2>"$RES/err" || {
    cat "$RES/err" >&2
    die "add --from rows.csv failed"
}
echo "$ADD_ROWS" >"$RES/add_rows"
hf "$RES/add.json" --warmup 1 --runs 5 --prepare 'cp empty.age a.age && rm -rf "$XDG_STATE_HOME"' -- \
    "add --from rows.csv" "$BIN -f a.age -i key.txt add --from rows.csv > /dev/null"
rm -f a.age a.age.lock

echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$RES/env.txt"

# ---------------------------------------------------------------- the report
say "writing $OUT"
python3 - "$RES" "$OUT" "${SIZES[@]}" <<'PY'
import json, os, sys

res, out, sizes = sys.argv[1], sys.argv[2], [int(s) for s in sys.argv[3:]]
env = dict(l.rstrip("\n").split("=", 1) for l in open(os.path.join(res, "env.txt")))
KEEP = "## Where the time goes"


def rd(*p, default=None):
    f = os.path.join(res, *map(str, p))
    return open(f).read().strip() if os.path.exists(f) else default


def hyper(*p):
    f = os.path.join(res, *map(str, p))
    if not os.path.exists(f):
        return {}
    return {r["command"]: r for r in json.load(open(f))["results"]}


def n(x):
    return f"{x:,}".replace(",", " ")


def s(x):
    return "—" if x is None else (f"{x:.4f}" if x < 1 else f"{x:.3f}" if x < 10 else f"{x:.2f}")


def ratio(a, b):
    return None if a is None or b is None else a / b


def rx(x):
    return "—" if x is None else f"{x:.2f}×"


def med(r, k):
    return r[k]["median"] if k in r else None


def mib(b):
    return f"{b / 1048576:,.1f} MiB".replace(",", " ")


def rss_table(N, name):
    text = rd(N, name, default="") or ""
    out = {}
    for line in text.splitlines():
        k, _, v = line.partition("\t")
        out[k] = int(v) * 1024 if v.isdigit() else None
    return out


data = {}
for N in sizes:
    d = dict(
        reads=hyper(N, "reads.json"),
        writes=hyper(N, "writes.json"),
        any=hyper(N, "any.json"),
        plain=int(rd(N, "plaintext_bytes")),
        cipher=int(rd(N, "cipher_bytes")),
        rss_export=int(rd(N, "rss_export_kb")) * 1024,
        rss_correct=int(rd(N, "rss_correct_kb")) * 1024,
        runs=rd(N, "runs"),
        gen=rd(N, "generate_s"),
        index=rd(N, "subject_index"),
        notes=(rd(N, "notes", default="") or "").splitlines(),
        deadlines_rc=rd(N, "deadlines_rc"),
        rss={run: rss_table(N, f"rss_{run}.tsv") for run in ("reads", "writes", "any")},
    )
    d["read"] = med(d["reads"], "export SUBJECT")
    d["scan"] = med(d["reads"], "export SUBJECT, no index")
    d["floor_r"] = med(d["reads"], "age -d")
    d["sread"] = med(d["reads"], "age+jq read")
    d["correct"] = med(d["writes"], "correct SUBJECT")
    d["floor_w"] = med(d["writes"], "age -d")
    d["sedit"] = med(d["writes"], "age+jq edit")
    d["r_read"] = ratio(d["read"], d["floor_r"])
    d["r_scan"] = ratio(d["scan"], d["floor_r"])
    d["r_correct"] = ratio(d["correct"], d["floor_w"])
    d["r_sread"] = ratio(d["sread"], d["read"])
    d["r_sedit"] = ratio(d["sedit"], d["correct"])
    data[N] = d
add = hyper("add.json").get("add --from rows.csv")
add_rows = int(rd("add_rows", default="0"))

L = []
w = L.append
w("# Benchmarks")
w("")
w(f"Generated by `{env['command']}` on {env['date']}. Everything above "
  f"`{KEEP}` is rewritten by the script; rerun it rather than edit by hand.")
w("")
w("## Machine")
w("")
w(f"- CPU: {env['cpu']}, {env['nproc']} cores (`nproc`)")
w(f"- Memory: {env['mem']} (`free -h` total)")
w(f"- Kernel: {env['kernel']}")
w(f"- Load average (1, 5, 15 min) at the start: {env['load_start']}; at the end: {env.get('load_end', '?')}")
w("- The load averages are the measure of other work on the machine during the run: with "
  "2 cores, anything above about 1 (the benchmark itself) makes absolute times noisy; the "
  "ratios compare commands timed side by side in the same hyperfine run and hold better.")
w("")
w("## Versions")
w("")
dirty = "" if env.get("git_dirty", "0") == "0" else f" (with {env['git_dirty']} uncommitted changed files in the work tree)"
w(f"- {env['rekisteri']}, commit {env['git']}{dirty}, `cargo build --release --locked`")
w(f"- {env['age']}")
w(f"- {env['jq']}")
w(f"- {env['hyperfine']}")
w("")

w("## Targets")
w("")


def status(ok):
    return "not measured" if ok is None else ("**met**" if ok else "**not met**")


def size_missing(N):
    return f"— (size {n(N)} not run)"


rows = []


def fmt_ratio(a, b):
    r = ratio(a, b)
    return f"{rx(r)} ({s(a)} s vs {s(b)} s)" if r is not None else "—"


for N, read_goal in ((100_000, 0.1), (1_000_000, 0.05)):
    d = data.get(N)
    label = "100k" if N == 100_000 else "1M"
    if not d:
        for what, goal in (("a read of one subject (`export SUBJECT`)", f"≤ {read_goal} × `age -d`"),
                           ("the same on a register without an index (format 2)", "≤ 1.2 × `age -d`"),
                           ("a change of one subject (`correct`)", "≤ 3 × `age -d`"),
                           ("both against the `age -d | jq` scripts", "≥ 20 × faster")):
            rows.append((f"{what}, {label}", goal, size_missing(N), "not measured"))
        continue
    rows.append((f"a read of one subject (`export SUBJECT`), {label}", f"≤ {read_goal} × `age -d`",
                 fmt_ratio(d["read"], d["floor_r"]),
                 status(None if d["r_read"] is None else d["r_read"] <= read_goal)))
    rows.append((f"the same on a register without an index (format 2), {label}", "≤ 1.2 × `age -d`",
                 fmt_ratio(d["scan"], d["floor_r"]),
                 status(None if d["r_scan"] is None else d["r_scan"] <= 1.2)))
    rows.append((f"a change of one subject (`correct`), {label}", "≤ 3 × `age -d`",
                 fmt_ratio(d["correct"], d["floor_w"]),
                 status(None if d["r_correct"] is None else d["r_correct"] <= 3)))
    both = None if d["r_sread"] is None or d["r_sedit"] is None else min(d["r_sread"], d["r_sedit"]) >= 20
    rows.append((f"both against the `age -d | jq` scripts, {label}", "≥ 20 × faster",
                 f"read {rx(d['r_sread'])}, correct {rx(d['r_sedit'])} faster", status(both)))
d = data.get(1_000_000)
if d:
    m = d["rss_correct"] / d["plain"]
    rows.append(("peak memory of a one-subject change, 1M", "≤ 0.5 × the plaintext size",
                 f"{m:.2f} × ({mib(d['rss_correct'])} of {mib(d['plain'])})", status(m <= 0.5)))
else:
    rows.append(("peak memory of a one-subject change, 1M", "≤ 0.5 × the plaintext size",
                 size_missing(1_000_000), "not measured"))
rows.append((f"`add --from` {n(add_rows)} rows of CSV into an empty register", "≤ 3 s",
             f"{s(add['median'])} s" if add else "—",
             status(None if not add else add["median"] <= 3) if add_rows == 100_000 else
             "not measured (target is for 100 000 rows)"))
d = data.get(1000)
if d:
    cands = {"export SUBJECT": d["read"], "correct SUBJECT": d["correct"]}
    for k, r in d["any"].items():
        if k != "age -d":
            cands[k] = r["median"]
    cands = {k: v for k, v in cands.items() if v is not None}
    worst = max(cands, key=cands.get)
    rows.append(("any command on a 1 000-subject register", "≤ 15 ms",
                 f"slowest: `{worst}` {cands[worst] * 1000:.1f} ms", status(cands[worst] <= 0.015)))
else:
    rows.append(("any command on a 1 000-subject register", "≤ 15 ms", size_missing(1000), "not measured"))
w("| target | goal | measured | |")
w("|---|---|---|---|")
for r in rows:
    w("| " + " | ".join(r) + " |")
w("")
w("Times are hyperfine medians; the ratios divide medians taken in the same hyperfine run.")
w("")

w("## What is measured")
w("")
w("Per size, a register made by `rekisteri -f r.age -i key.txt generate --subjects N --seed 1` "
  "(each subject with two orders, one of them changed, two invoices, an IP, a consent and a note; "
  "audit events and requests in proportion), with `REKISTERI_TODAY=2025-03-05 REKISTERI_ACTOR=bench`. "
  "SUBJECT is the email of the subject in the middle of the register (`.subjects[N/2].email`, "
  "read once before timing).")
w("")
w("Two hyperfine runs per size (`--warmup 1`, `--runs` 60 up to 1 000 subjects, 20 up to 10k, 10 up to 100k, "
  "5 up to 300k, 3 above; `--shell=bash`):")
w("")
w("1. reads: `age -d -i key.txt r.age > /dev/null` (the floor); "
  "`rekisteri -f r.age -i key.txt export SUBJECT > /dev/null` (the access report, through the index); "
  "the same on `r2.age`, the register as format 2 wrote it, without the index (the scan every read "
  "falls back to; made once by stripping the index from the decrypted document and encrypting it again); "
  "`age -d -i key.txt r.age | jq '.subjects[] | select(.email == \"SUBJECT\")' > /dev/null` (the scripted read).")
w("2. writes, each run on a fresh copy (`--prepare 'cp r.age w.age && sync'`, which hyperfine applies to "
  "every command of the run, the floor included; `sync` puts the copy and the previous run's output "
  "on disk first, so that their write-back is not timed with the next command): the same `age -d` floor; "
  "`rekisteri -f w.age -i key.txt correct SUBJECT --set phone=0401234567 --reason bench`; "
  "`age -d -i key.txt w.age | jq '(.subjects[] | select(.email == \"SUBJECT\") | .phone) = \"0401234567\"' "
  "| age -e -r RECIPIENT > w2.age` (the scripted edit).")
w("")
w("The scripted commands run with `set -o pipefail` and a `ulimit -v` cap (the memory available "
  "less 2 GiB) so that a jq that does not fit fails instead of pushing other processes out. "
  "At 1 000 subjects, a third run times `export` (all subjects), `audit verify`, `request list`, "
  "`audit deadlines` (with `-i`: it exits 1 when a request is due) and `notice`. "
  f"Once: `add --from rows.csv` of {n(add_rows)} generated CSV rows (unique emails) into a fresh "
  "register made by `init` (`--prepare` restores a saved empty copy). Peak memory (the peak RSS "
  "column; of a pipeline, its largest process) is one `/usr/bin/time` run of every timed command, after the timing; "
  "the plaintext size is `age -d … | wc -c`.")
w("")

w("## Results")
for N in sizes:
    d = data[N]
    w("")
    w(f"### {n(N)} subjects")
    w("")
    w(f"Plaintext {n(d['plain'])} bytes ({mib(d['plain'])}), ciphertext {mib(d['cipher'])}; "
      f"generated in {d['gen']} s; SUBJECT is subject {n(int(d['index']))}; {d['runs']} runs per command.")
    w("")
    w("| run | command | median s | mean ± σ s | min s | max s | peak RSS |")
    w("|---|---|---:|---:|---:|---:|---:|")
    for run, key, rs in (("reads", "reads", d["reads"]), ("writes", "writes", d["writes"]), ("any command", "any", d["any"])):
        for k, r in rs.items():
            peak = d["rss"][key].get(k)
            peak = "—" if peak is None else mib(peak)
            w(f"| {run} | `{k}` | {s(r['median'])} | {s(r['mean'])} ± {s(r['stddev'] or 0)} | {s(r['min'])} | {s(r['max'])} | {peak} |")
    w("")
    w("| ratio | value |")
    w("|---|---:|")
    w(f"| read ÷ `age -d` (`export SUBJECT` ÷ floor) | {rx(d['r_read'])} |")
    w(f"| read without the index ÷ `age -d` | {rx(d['r_scan'])} |")
    w(f"| correct ÷ `age -d` | {rx(d['r_correct'])} |")
    w(f"| scripted read ÷ read (`age`+`jq` ÷ `export SUBJECT`) | {rx(d['r_sread'])} |")
    w(f"| scripted edit ÷ correct (`age`+`jq`+`age -e` ÷ `correct`) | {rx(d['r_sedit'])} |")
    w(f"| peak RSS of `export SUBJECT` ÷ plaintext ({mib(d['rss_export'])}) | {d['rss_export'] / d['plain']:.2f}× |")
    w(f"| peak RSS of `correct SUBJECT` ÷ plaintext ({mib(d['rss_correct'])}) | {d['rss_correct'] / d['plain']:.2f}× |")
    if d["deadlines_rc"] is not None:
        w("")
        w(f"`audit deadlines` exited with {d['deadlines_rc']} on this register.")
    for note in d["notes"]:
        w("")
        w(f"Note: {note}.")
w("")
w(f"### `add --from` {n(add_rows)} CSV rows")
w("")
if add:
    w("| command | median s | mean ± σ s | min s | max s |")
    w("|---|---:|---:|---:|---:|")
    w(f"| `add --from rows.csv` | {s(add['median'])} | {s(add['mean'])} ± {s(add['stddev'] or 0)} | {s(add['min'])} | {s(add['max'])} |")
else:
    w("Not measured.")
w("")

tail = f"{KEEP}\n\n(written by hand after profiling)\n"
if os.path.exists(out):
    old = open(out).read().splitlines(keepends=True)
    for i, line in enumerate(old):
        if line.rstrip("\n") == KEEP:
            tail = "".join(old[i:])
            break
    else:
        # A hand edit that joined the heading to another line would lose the section here.
        print(f"benches/run.sh: warning: {out} has no line `{KEEP}`; the section starts empty",
              file=sys.stderr)
with open(out + ".tmp", "w") as f:
    f.write("\n".join(L) + "\n" + tail)
os.replace(out + ".tmp", out)
PY
say "done: $OUT"
