#!/usr/bin/env bash
# Batch benchmark: briefpress against the typst CLI (one process per
# publication, and the same run in parallel with xargs -P <cores>) and pandoc,
# in one run on one machine; plus one long report of 20, 80 and 320 sections
# against the CLI, and the rebuild after one Markdown file changed. Writes the
# measurement part of bench/RESULTS.md.
#
#   bench/run.sh                      # N = 1 10 100 1000 (about 15 minutes on 2 cores)
#   BENCH_SIZES="1 10" bench/run.sh   # a quick smoke run (big document: 20 sections only)
#
# Needs: a release build (cargo build --release), python3, hyperfine,
# /usr/bin/time (GNU time), the typst CLI 0.15.1 and pandoc 3 (see `need`
# below for how to install each). Everything temporary goes under
# $BENCH_DIR (default /tmp/briefpress-bench); nothing in the repository
# changes except bench/RESULTS.md.
#
# Environment:
#   BENCH_SIZES         publication counts to run          (default "1 10 100 1000")
#   BENCH_DIR           scratch folder                     (default /tmp/briefpress-bench)
#   BENCH_SAMPLE        at most this many typst / pandoc CLI runs per N; larger
#                       N run an evenly spaced sample and scale it (default 100)
#   BENCH_HF_MAX_N      largest N that briefpress runs under hyperfine (default 100)
#   BENCH_HF_LOOP_MAX_N largest N whose typst/pandoc loops run under hyperfine (default 10)
#   BENCH_FULL_MAX_N    larger N run only the cold batch (for its peak memory),
#                       the rebuilds and the one-publication CLI run: no PDF-only,
#                       EPUB-only, shard or CLI/pandoc loop rows (default: no limit)
#   BENCH_JOBS          processes the parallel typst CLI peer runs at once
#                       (xargs -P; default: nproc)
#   BENCH_BIG_SECTIONS  section counts of the long-report case (default "20 80 320";
#                       "20" when BENCH_SIZES is set; "" skips it)
#   BRIEFPRESS_BIN      binary to measure (default target/release/briefpress,
#                       copied to /tmp/bench-bin/ first so a rebuild cannot disturb the run)
#   TYPST, PANDOC       the comparison binaries (default: found as described below)
#   BENCH_RESULTS       where to write the results (default bench/RESULTS.md)
#   BENCH_QUIET_BUSY, BENCH_QUIET_MAX
#                       before every timed run, wait until less than BUSY % of all
#                       CPU is in use (default 15), for at most MAX s (default 120)
#   BENCH_REPORT_ONLY=1 rewrite the report from the last run's results in BENCH_DIR
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
SIZES="${BENCH_SIZES:-1 10 100 1000}"
WORK="${BENCH_DIR:-/tmp/briefpress-bench}"
SAMPLE="${BENCH_SAMPLE:-100}"
HF_MAX_N="${BENCH_HF_MAX_N:-100}"
HF_LOOP_MAX_N="${BENCH_HF_LOOP_MAX_N:-10}"
FULL_MAX_N="${BENCH_FULL_MAX_N:-}"
JOBS="${BENCH_JOBS:-$(nproc)}"
if [[ -n "${BENCH_SIZES:-}" ]]; then BIG="${BENCH_BIG_SECTIONS-20}"; else BIG="${BENCH_BIG_SECTIONS-20 80 320}"; fi
RESULTS="${BENCH_RESULTS:-$HERE/RESULTS.md}"

need() { # need NAME HOW-TO-INSTALL
    echo "bench: $1 not found. Install it with:" >&2
    echo "    $2" >&2
    exit 1
}

TSV="$WORK/results.tsv"
META="$WORK/meta.env"
if [[ "${BENCH_REPORT_ONLY:-0}" == 1 ]]; then
    # Rewrite the report from the last run's measurements only.
    [[ -f "$TSV" && -f "$META" ]] || { echo "bench: no earlier run in $WORK" >&2; exit 1; }
    SIZES=""
    BIG=""
else

# ---------------------------------------------------------------- tools

SRC_BIN="${BRIEFPRESS_BIN:-$REPO/target/release/briefpress}"
[[ -x "$SRC_BIN" ]] || need "briefpress release binary ($SRC_BIN)" "cargo build --release"
mkdir -p /tmp/bench-bin
BIN_BUILT="$(date -u -r "$SRC_BIN" '+%Y-%m-%d %H:%M:%S UTC')"
HEAD_AT_COPY="$(TZ=UTC git -C "$REPO" log -1 --format='%h (committed %cd)' --date=format-local:'%Y-%m-%d %H:%M:%S UTC' 2>/dev/null || echo unknown)"
CODE_AT_COPY="$(git -C "$REPO" log -1 --format='%h' -- src Cargo.toml Cargo.lock templates build.rs 2>/dev/null || echo unknown)"
TREE_AT_COPY="$(git -C "$REPO" status --porcelain --untracked-files=no -- src Cargo.toml Cargo.lock templates 2>/dev/null | wc -l)"
cp "$SRC_BIN" /tmp/bench-bin/briefpress.tmp
mv /tmp/bench-bin/briefpress.tmp /tmp/bench-bin/briefpress
BP=/tmp/bench-bin/briefpress

if [[ -z "${TYPST:-}" ]]; then
    if command -v typst >/dev/null 2>&1; then
        TYPST="$(command -v typst)"
    elif [[ -x /tmp/typst-cli/bin/typst ]]; then
        TYPST=/tmp/typst-cli/bin/typst
    else
        need "the typst CLI" "CARGO_TARGET_DIR=/tmp/typst-cli-target nice -n 10 cargo install typst-cli --version 0.15.1 --locked --root /tmp/typst-cli   # ~20 min on 2 cores"
    fi
fi
if [[ -z "${PANDOC:-}" ]]; then
    PANDOC="$(python3 -c 'import pypandoc; print(pypandoc.get_pandoc_path())' 2>/dev/null || true)"
    if [[ -z "$PANDOC" ]] && command -v pandoc >/dev/null 2>&1; then PANDOC="$(command -v pandoc)"; fi
    [[ -n "$PANDOC" ]] || need "pandoc 3" "python3 -m pip install pypandoc-binary"
fi
command -v hyperfine >/dev/null 2>&1 || need hyperfine "apt-get install -y hyperfine"
[[ -x /usr/bin/time ]] || need "GNU time (/usr/bin/time)" "apt-get install -y time"

TYPST_VERSION="$("$TYPST" --version | head -1)"
PANDOC_VERSION="$("$PANDOC" --version | head -1)"
case "$TYPST_VERSION" in *0.15.1*) ;; *) echo "bench: warning: expected typst 0.15.1, found: $TYPST_VERSION" >&2 ;; esac
case "$PANDOC_VERSION" in "pandoc 3."*) ;; *) echo "bench: warning: expected pandoc 3, found: $PANDOC_VERSION" >&2 ;; esac

mkdir -p "$WORK"
printf 'n\tkey\tlabel\tcount\tmethod\truns\tmean_s\tsd_s\ttimev_wall_s\tmaxrss_kb\tcpu_s\tbusy_before\tothers_during\tstatus\tsummary\tload\n' >"$TSV"

# What the report says about the machine and the tools, kept with the results.
if [[ "$TREE_AT_COPY" == 0 ]]; then TREE_AT_COPY="clean"; else TREE_AT_COPY="$TREE_AT_COPY changed files in src/, templates/ or Cargo.*"; fi
{
    printf 'RUN_DATE=%q\n' "$(date '+%Y-%m-%d %H:%M %Z')"
    printf 'CPU=%q\n' "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    printf 'RAM=%q\n' "$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
    printf 'NPROC=%q\n' "$(nproc)"
    printf 'KERNEL=%q\n' "$(uname -r)"
    printf 'BP_VERSION=%q\n' "$("$BP" --version)"
    printf 'COMMIT=%q\n' "$SRC_BIN built $BIN_BUILT; HEAD then $HEAD_AT_COPY (last change to src/, templates/ or Cargo.*: $CODE_AT_COPY), working tree $TREE_AT_COPY"
    printf 'TYPST_VERSION=%q\n' "$TYPST_VERSION"
    printf 'PANDOC_VERSION=%q\n' "$PANDOC_VERSION"
    printf 'HF_VERSION=%q\n' "$(hyperfine --version | awk '{print $2}')"
    printf 'TIME_VERSION=%q\n' "$(dpkg-query -W -f='${Version}' time 2>/dev/null || echo unknown)"
    printf 'SAMPLE=%q\n' "$SAMPLE"
    printf 'JOBS=%q\n' "$JOBS"
} >"$META"
fi

# ---------------------------------------------------------------- measuring

# timev FILE: prints "exit wall_seconds maxrss_kb cpu_seconds" from a
# `/usr/bin/time -v` report.
timev() {
    python3 - "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def num(pattern):
    return re.search(pattern, text).group(1)
secs = 0.0
for part in num(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)").split(":"):
    secs = secs * 60 + float(part)
cpu = float(num(r"User time \(seconds\): ([\d.]+)")) + float(num(r"System time \(seconds\): ([\d.]+)"))
status = re.search(r"Exit status: (\d+)", text)
signal = re.search(r"Command terminated by signal (\d+)", text)
code = status.group(1) if status else (f"signal{signal.group(1)}" if signal else "0")
rss = num(r"Maximum resident set size \(kbytes\): (\d+)")
print(f"{code} {secs:.3f} {rss} {cpu:.3f}")
PY
}

# $WORK/quiet.py LOG: waits (at most $BENCH_QUIET_MAX seconds) until less than
# $BENCH_QUIET_BUSY % of all CPU was busy over half a second, and appends the
# busy share it last saw to LOG. It runs before every timed run (as hyperfine's
# --prepare, outside the timing), because other processes on the machine --
# builds, test suites -- inflate wall times. The report shows the largest share
# seen before any run of a measurement, and CPU time (user+sys) as well.
cat >"$WORK/quiet.py" <<'PY'
import sys, time
limit = float(sys.argv[2]) if len(sys.argv) > 2 else 120
threshold = float(sys.argv[3]) if len(sys.argv) > 3 else 15
def sample():
    f = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return sum(f), f[3] + f[4]
deadline = time.time() + limit
while True:
    t0, i0 = sample()
    time.sleep(0.5)
    t1, i1 = sample()
    busy = 100.0 * (1 - (i1 - i0) / max(1, t1 - t0))
    if busy < threshold or time.time() > deadline:
        break
with open(sys.argv[1], "a") as log:
    log.write(f"{busy:.0f}\n")
PY
QUIET_ARGS="${BENCH_QUIET_MAX:-120} ${BENCH_QUIET_BUSY:-15}"

# cpu_ticks: prints "busy_ticks all_ticks" for the whole machine (from /proc/stat).
cpu_ticks() {
    awk '/^cpu / {b = 0; for (i = 2; i <= NF; i++) { t += $i; if (i != 5 && i != 6) b += $i } print b, t}' /proc/stat
}

# measure N KEY LABEL COUNT HYPERFINE(yes/no) RUNS PREPARE CMD
#   Runs CMD (in the project folder) once under /usr/bin/time -v (wall time,
#   CPU time, peak RSS, and the CPU other processes used meanwhile) and then,
#   if asked and the first run succeeded, under hyperfine. PREPARE runs before
#   every timed run (empty: nothing). COUNT is how many publications one run
#   of CMD handles. A failing command is recorded as such and the run goes on.
measure() {
    local n=$1 key=$2 label=$3 count=$4 hf=$5 runs=$6 prepare=$7 cmd=$8
    local tag="n$n-$key" mean="" sd="" hfcpu="" method="time -v" nruns=1
    local quiet="python3 '$WORK/quiet.py' '$WORK/$tag.busy' $QUIET_ARGS"
    rm -f "$WORK/$tag.busy"
    echo "bench: N=$n $label" >&2
    [[ -n "$prepare" ]] && bash -c "$prepare"
    bash -c "$quiet"
    # The machine's load averages (1, 5, 15 min) as the measurement starts.
    local load
    load="$(cut -d' ' -f1-3 /proc/loadavg)"
    local b0 t0 b1 t1
    read -r b0 t0 < <(cpu_ticks)
    /usr/bin/time -v -o "$WORK/$tag.timev.txt" bash -c "$cmd" >"$WORK/$tag.out.txt" 2>&1 || true
    read -r b1 t1 < <(cpu_ticks)
    local code wall rss cpu
    read -r code wall rss cpu < <(timev "$WORK/$tag.timev.txt")
    # Share of the machine's CPU that *other* processes used during the run.
    local others
    others="$(python3 -c "
b, t, cpu, wall, ncpu = $((b1 - b0)), $((t1 - t0)), $cpu, $wall, $(nproc)
hz = t / max(wall * ncpu, 1e-9)  # ticks per CPU-second
print(f'{max(0.0, 100 * (b / hz - cpu) / max(wall * ncpu, 1e-9)):.0f}%' if wall >= 0.5 else 'n/a')")"
    local status=ok
    if [[ "$code" != 0 ]]; then
        status="FAILED (exit $code: $(grep -v '^\s*$' "$WORK/$tag.out.txt" | tail -1 | tr '\t|' '  ' | cut -c1-80))"
        echo "bench:   $status" >&2
    elif [[ "$hf" == yes ]]; then
        local warm=2
        ((count >= 100)) && warm=1
        local prep="$quiet"
        [[ -n "$prepare" ]] && prep="$prepare; $quiet"
        hyperfine --warmup "$warm" --runs "$runs" --export-json "$WORK/$tag.json" --style basic \
            --prepare "$prep" "$cmd" >"$WORK/$tag.hyperfine.txt" 2>&1 || {
            cat "$WORK/$tag.hyperfine.txt" >&2
            exit 1
        }
        read -r mean sd hfcpu < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print("%.4f %.4f %.4f" % (r["mean"], r["stddev"] or 0, r["user"] + r["system"]))' "$WORK/$tag.json")
        method="hyperfine"
        nruns=$runs
    fi
    if [[ -z "$mean" ]]; then
        mean=$wall
        sd=""
    else
        cpu=$hfcpu
    fi
    local busy summary
    busy="$(sort -n "$WORK/$tag.busy" | tail -1)%"
    summary="$(python3 - "$WORK/$tag.out.txt" <<'PY'
import re, sys
runs = re.findall(r"Finished (\d+) built, (\d+) fresh, (\d+) failed in ([\d.]+) s", open(sys.argv[1], errors="replace").read())
if len(runs) == 1:
    print("Finished {} built, {} fresh, {} failed in {} s".format(*runs[0]))
elif runs:
    b, f, x, t = (sum(float(r[i]) for r in runs) for i in range(4))
    print(f"{len(runs)} runs, together: {b:.0f} built, {f:.0f} fresh, {x:.0f} failed in {t:.2f} s")
PY
)"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
        "$n" "$key" "$label" "$count" "$method" "$nruns" "$mean" "$sd" "$wall" "$rss" "$cpu" \
        "$busy" "$others" "$status" "$summary" "$load" >>"$TSV"
}

# measure_watch N FILE: `briefpress watch` over out-warm, FILE edited before
#   each of 10 passes (bench/watch_probe.py); one row whose time is the mean
#   pass and whose wall column is the mean latency from the edit to the end of
#   the pass (the pass plus watch's debounce).
measure_watch() {
    local n=$1 file=$2 tag="n$1-watch"
    echo "bench: N=$n briefpress watch, one Markdown file changed" >&2
    local load status=ok
    bash -c "python3 '$WORK/quiet.py' '$WORK/$tag.busy' $QUIET_ARGS"
    load="$(cut -d' ' -f1-3 /proc/loadavg)"
    python3 "$HERE/watch_probe.py" "$BP" out-warm "$file" 10 "$WORK/$tag.json" \
        >"$WORK/$tag.out.txt" 2>&1 || status="FAILED ($(tail -1 "$WORK/$tag.out.txt" | cut -c1-80))"
    local mean=0 sd=0 latency=0 rss=0 cpu=0
    if [[ "$status" == ok ]]; then
        read -r mean sd latency rss cpu < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print("%.4f %.4f %.4f %d %.4f" % (r["pass"]["mean"], r["pass"]["stddev"], r["latency"]["mean"], r["maxrss_kb"], r["cpu"]["mean"]))' "$WORK/$tag.json")
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
        "$n" watch "briefpress watch: pass after one Markdown file changed (engine kept warm)" 1 \
        "watch_probe.py" 10 "$mean" "$sd" "$latency" "$rss" "$cpu" \
        "$(sort -n "$WORK/$tag.busy" | tail -1)%" "n/a" "$status" "" "$load" >>"$TSV"
}

# ---------------------------------------------------------------- the runs

# typst_compile ROOT SOURCE PDF: the typst CLI command line every CLI peer uses.
# --pdf-standard ua-1 makes the CLI do what briefpress does by default (tagged
# PDF/UA-1); --ignore-system-fonts keeps it from scanning the machine's fonts
# (~50 ms per run with Noto CJK installed), as briefpress loads none either.
typst_compile() {
    echo "'$TYPST' compile --ignore-system-fonts --root '$1' --pdf-standard ua-1 '$2' '$3'"
}

for N in $SIZES; do
    P="$WORK/n$N"
    python3 "$HERE/generate.py" "$N" "$P" >&2
    cd "$P"
    rm -rf out-* emit typst-out typst-par-out pandoc-out
    mkdir -p typst-out typst-par-out pandoc-out

    # An evenly spaced sample of at most $SAMPLE publications for the CLI loops.
    K=$((N < SAMPLE ? N : SAMPLE))
    python3 - "$N" "$K" >"$P/sample.txt" <<'PY'
import sys
n, k = int(sys.argv[1]), int(sys.argv[2])
for i in range(k):
    print(f"brief-{i * n // k + 1:04d}")
PY
    # The publication whose Markdown the one-change rebuild edits.
    CH="brief-$(printf '%04d' $((N / 2 + 1)))"
    # The typst sources briefpress compiles (--emit-typst writes <name>.typ)
    # for the publications the CLI compiles: the sample and $CH, or $CH alone
    # when N is above BENCH_FULL_MAX_N and the CLI loops do not run.
    full=yes
    [[ -n "$FULL_MAX_N" ]] && ((N > FULL_MAX_N)) && full=no
    emitted=("content/$CH.toml")
    if [[ "$full" == yes ]]; then
        while read -r name; do emitted+=("content/$name.toml"); done <"$P/sample.txt"
    fi
    "$BP" build -o emit --emit-typst --force "${emitted[@]}" >/dev/null

    {
        echo 'set -euo pipefail'
        while read -r name; do
            typst_compile "$P" "emit/$name.typ" "typst-out/$name.pdf"
        done <"$P/sample.txt"
    } >"$P/typst-loop.sh"
    # The same sample, $JOBS CLI processes at a time: what a careful user of the
    # CLI does with a folder of sources.
    {
        echo 'set -euo pipefail'
        echo "xargs -a '$P/sample.txt' -P '$JOBS' -I{} $(typst_compile "$P" "emit/{}.typ" "typst-par-out/{}.pdf")"
    } >"$P/typst-par.sh"
    {
        echo 'set -euo pipefail'
        while read -r name; do
            echo "'$PANDOC' 'markdown/$name.md' -o 'pandoc-out/$name.epub'"
        done <"$P/sample.txt"
    } >"$P/pandoc-loop.sh"

    hf=no
    ((N <= HF_MAX_N)) && hf=yes
    runs=10
    ((N >= 100)) && runs=3
    loop_hf=no
    ((N <= HF_LOOP_MAX_N)) && loop_hf=yes
    loop_runs=5
    ((N >= 10)) && loop_runs=3

    measure "$N" cold "briefpress cold batch (PDF+EPUB, fresh output dir, --force)" "$N" $hf $runs \
        "rm -rf '$P/out-cold'" "'$BP' build -o out-cold --force"
    # The cold batch's folder is a full build with its cache: copied with its
    # times (cp -a), it is what `build -o out-warm` finds fresh. Otherwise one
    # full build first; should a whole-batch build fail, fill the cache shard
    # by shard (each run merges its entries into the same cache).
    rm -rf out-warm
    if ! { [[ -f out-cold/.briefpress-cache.json ]] && cp -a out-cold out-warm &&
        "$BP" build -o out-warm >/dev/null 2>&1; } &&
        ! "$BP" build -o out-warm >/dev/null 2>&1; then
        for k in $(seq 1 10); do "$BP" build -o out-warm --shard "$k/10" >/dev/null 2>&1 || true; done
    fi
    # Rebuilds are cheap: always under hyperfine, 10 runs.
    measure "$N" warm "briefpress unchanged rebuild (all fresh)" "$N" yes 10 \
        "" "'$BP' build -o out-warm"
    # One Markdown file of the publication in the middle ($CH) changes before
    # every run (a new closing paragraph with a fresh timestamp): the rebuild
    # plans and fingerprints all N, then builds that one publication, PDF and EPUB.
    CHFILE="$(ls "content/$CH/"*.md | head -1)"
    cp "$CHFILE" "$P/change.orig"
    measure "$N" change "briefpress rebuild after one Markdown file changed ($CH)" 1 yes 10 \
        "cp '$P/change.orig' '$CHFILE' && printf '\\nEdited %s.\\n' \"\$(date +%s%N)\" >>'$CHFILE'" \
        "'$BP' build -o out-warm"
    cp "$P/change.orig" "$CHFILE"
    "$BP" build -o out-warm >/dev/null 2>&1 || true
    measure_watch "$N" "$CHFILE"
    cp "$P/change.orig" "$CHFILE"
    "$BP" build -o out-warm >/dev/null 2>&1 || true
    measure "$N" typst-one "typst compile of $CH alone (one cold CLI run)" 1 yes 10 \
        "" "$(typst_compile "$P" "emit/$CH.typ" "typst-out/$CH.pdf")"
    if [[ "$full" == no ]]; then
        cd "$WORK"
        continue
    fi
    measure "$N" pdf "briefpress PDF only (-f pdf --force)" "$N" $hf $runs \
        "" "'$BP' build -o out-pdf -f pdf --force"
    measure "$N" epub "briefpress EPUB only (-f epub --force)" "$N" $hf $runs \
        "" "'$BP' build -o out-epub -f epub --force"
    if ((N >= 1000)); then
        # Ten processes of N/10 publications each, one after the other: the
        # peak RSS is that of the largest single process.
        measure "$N" cold-shards "briefpress cold batch as 10 sequential runs of N/10 (--shard k/10 --force)" "$N" no 1 \
            "rm -rf '$P/out-shards'" "for k in \$(seq 1 10); do '$BP' build -o out-shards --force --shard \$k/10 || exit 1; done"
    fi
    if ((N == 100)); then
        measure "$N" cold-j1 "briefpress cold batch, one thread (-j 1 --force)" "$N" no 1 \
            "rm -rf '$P/out-j1'" "'$BP' build -o out-j1 -j 1 --force"
    fi
    measure "$N" typst "typst compile, one CLI run per publication" "$K" $loop_hf $loop_runs \
        "" "bash '$P/typst-loop.sh'"
    measure "$N" typst-par "typst compile, one CLI run per publication, $JOBS at a time (xargs -P $JOBS)" "$K" $loop_hf $loop_runs \
        "" "bash '$P/typst-par.sh'"
    measure "$N" pandoc "pandoc markdown → EPUB, one CLI run per publication" "$K" $loop_hf $loop_runs \
        "" "bash '$P/pandoc-loop.sh'"
    cd "$WORK"
done

# One long report (S sections, about S pages) against the CLI on the source
# briefpress emits for it: time and peak memory, PDF only on both sides.
for S in $BIG; do
    P="$WORK/s$S"
    python3 "$HERE/generate.py" --sections "$S" "$P" >&2
    cd "$P"
    rm -rf out-* emit typst-out
    mkdir -p typst-out
    "$BP" build -o emit --emit-typst --force >/dev/null
    measure "$S" big-pdf "briefpress PDF only (-f pdf --force)" 1 yes 3 \
        "" "'$BP' build -o out-pdf -f pdf --force"
    measure "$S" big-both "briefpress PDF+EPUB (--force)" 1 yes 3 \
        "" "'$BP' build -o out-both --force"
    measure "$S" big-typst "typst compile of the emitted source" 1 yes 3 \
        "" "$(typst_compile "$P" emit/report.typ typst-out/report.pdf)"
    # Pages, for the report (pdfinfo from poppler-utils, if installed).
    pdfinfo out-pdf/report.pdf 2>/dev/null | awk '/^Pages:/ {print $2}' >"$WORK/s$S-pages.txt" || true
    cd "$WORK"
done

# ---------------------------------------------------------------- the report

# shellcheck disable=SC1090
source "$META"
export RUN_DATE CPU RAM NPROC KERNEL BP_VERSION COMMIT TYPST_VERSION PANDOC_VERSION HF_VERSION TIME_VERSION SAMPLE WORK
JOBS="${JOBS:-$NPROC}"
export JOBS
    python3 - "$TSV" "$RESULTS" <<'PY'
import csv, json, os, sys

E = os.environ
SAMPLE, WORK = E["SAMPLE"], E["WORK"]
tsv, results = sys.argv[1], sys.argv[2]
JOBS = E["JOBS"]
all_rows = list(csv.DictReader(open(tsv), delimiter="\t"))
by = {(int(r["n"]), r["key"]): r for r in all_rows}
# Rows of the long-report case have keys big-*, and their n is the section count.
rows = [r for r in all_rows if not r["key"].startswith("big-")]
big_rows = [r for r in all_rows if r["key"].startswith("big-")]
sizes = sorted({int(r["n"]) for r in rows})
big_sizes = sorted({int(r["n"]) for r in big_rows})


def ok(r):
    return r is not None and r["status"] == "ok"


def per(r):
    return float(r["mean_s"]) / int(r["count"])


def cpu_per(r):
    return float(r["cpu_s"]) / int(r["count"])


def mb(r):
    return int(r["maxrss_kb"]) / 1024


def ms(x):
    return f"{x * 1000:.1f}" if x < 10 else f"{x * 1000:.0f}"


def get(n, key):
    return by.get((n, key))


def pages(s):
    try:
        return open(f"{WORK}/s{s}-pages.txt").read().strip() or "?"
    except OSError:
        return "?"


def row(r):
    """One line of a results table (the columns after the first)."""
    if ok(r):
        total = float(r["mean_s"])
        sd = f" ± {float(r['sd_s']):.3f}" if r["sd_s"] else ""
        method = {
            "hyperfine": f"hyperfine, {r['runs']} runs",
            "watch_probe.py": f"watch_probe.py, {r['runs']} passes",
        }.get(r["method"], "time -v, 1 run")
        return f"{r['label']} | {r['count']} | {method} | {total:.3f}{sd} | {ms(per(r))} | {ms(cpu_per(r))} | {mb(r):.1f} | {r['busy_before']} | {r['others_during']} | {load(r)} |"
    return f"{r['label']} | {r['count']} | time -v, 1 run | **{r['status']}** after {float(r['timev_wall_s']):.2f} s | – | – | {mb(r):.1f} at exit | {r['busy_before']} | {r['others_during']} | {load(r)} |"


def load(r):
    return (r.get("load") or "?").replace(" ", " / ")


def ratio(a, b, f=per, fmt="{:.3f}×"):
    return fmt.format(f(a) / f(b)) if ok(a) and ok(b) else "–"


out = []
w = out.append
w("## Machine and tools")
w("")
w(f"- date: {E['RUN_DATE']}")
w(f"- machine: {E['NPROC']} cores ({E['CPU']}), {E['RAM']} RAM, Linux {E['KERNEL']}")
w(f"- briefpress: {E['BP_VERSION']} (release profile): {E['COMMIT']}")
w(f"- typst CLI: {E['TYPST_VERSION']} (`cargo install typst-cli --version 0.15.1 --locked`)")
w(f"- pandoc: {E['PANDOC_VERSION']} (PyPI pypandoc-binary)")
w(f"- hyperfine {E['HF_VERSION']}, GNU time {E['TIME_VERSION']}")
w("")
w("## Results")
w("")
w("Wall time is the hyperfine mean (± standard deviation) where the method says hyperfine,")
w("otherwise one run under `/usr/bin/time -v`. Peak RSS always comes from `/usr/bin/time -v`")
w("(\"Maximum resident set size\"; for a loop of CLI runs it is the largest single run). CPU is")
w("user + system time of the same runs; on 2 cores a batch can use up to twice its wall time.")
w(f"*Publications* is how many publications one run handles: the typst and pandoc loops run")
w(f"at most {SAMPLE} (an evenly spaced sample) and the per-publication figures are scaled from")
w("them; the total column is then for the sample.")
w("")
w("The machine is shared: before every timed run the script waits until less than")
w("BENCH_QUIET_BUSY % (default 15 %) of all CPU is busy (for at most BENCH_QUIET_MAX s).")
w("*Busy before* is the largest share seen at the start of any run of that measurement,")
w("*others during* the share of the machine's CPU that other processes used during the")
w("`time -v` run (n/a under 0.5 s), *load avg* the machine's load averages (`/proc/loadavg`, as")
w("`uptime` shows them) when the measurement started. Rows where any is high are less trustworthy.")
w("")
w("| N | measurement | publications | method | wall total (s) | wall per publication (ms) | CPU per publication (ms) | peak RSS (MB) | busy before | others during | load avg 1 / 5 / 15 min |")
w("|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    w(f"| {r['n']} | " + row(r))
w("")
if big_rows:
    w("One long report (`generate.py --sections S`), *N* = sections:")
    w("")
    w("| sections | measurement | publications | method | wall total (s) | wall per publication (ms) | CPU per publication (ms) | peak RSS (MB) | busy before | others during | load avg 1 / 5 / 15 min |")
    w("|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in big_rows:
        w(f"| {r['n']} | " + row(r))
    w("")
summaries = [r for r in all_rows if r["summary"]]
if summaries:
    w("briefpress's own summary line of each `time -v` run:")
    w("")
    for r in summaries:
        what = f"{r['n']} sections" if r["key"].startswith("big-") else f"N={r['n']}"
        w(f"- {what}, {r['key']}: `{r['summary']}`")
    w("")

w("## Ratios")
w("")
w("Wall-time ratios are what the targets ask for, against two peers on the same source:")
w("the *serial* CLI (one `typst compile` after the other) and the *parallel* CLI (the same")
w(f"runs, {JOBS} at a time with `xargs -P {JOBS}`). The CPU-time ratio (user + system, against the")
w("serial CLI's) makes the comparison without the benefit of using all cores at once.")
w("")
w("| N | PDF+EPUB ÷ serial CLI (wall) | PDF+EPUB ÷ parallel CLI (wall) | PDF+EPUB ÷ CLI (CPU) | PDF only ÷ serial CLI | PDF only ÷ parallel CLI | pandoc EPUB ÷ briefpress EPUB only (wall) | same, CPU |")
w("|---:|---:|---:|---:|---:|---:|---:|---:|")
for n in sizes:
    t, tp, c, pdf, p, e = (get(n, k) for k in ("typst", "typst-par", "cold", "pdf", "pandoc", "epub"))
    cells = [ratio(c, t), ratio(c, tp), ratio(c, t, cpu_per), ratio(pdf, t), ratio(pdf, tp),
             ratio(p, e, fmt="{:.1f}×"), ratio(p, e, cpu_per, "{:.1f}×")]
    w(f"| {n} | " + " | ".join(cells) + " |")
w("")

if big_sizes:
    w("### One long report against the CLI")
    w("")
    w("PDF only on both sides; the CLI compiles the source briefpress emits for the report.")
    w("")
    w("| sections | pages | briefpress (s) | `typst compile` (s) | time ratio | briefpress peak RSS (MB) | CLI peak RSS (MB) | RSS ratio | briefpress PDF+EPUB (s) |")
    w("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for s in big_sizes:
        b, t, both = get(s, "big-pdf"), get(s, "big-typst"), get(s, "big-both")
        tb = f"{float(b['mean_s']):.3f}" if ok(b) else (b["status"] if b else "–")
        tt = f"{float(t['mean_s']):.3f}" if ok(t) else (t["status"] if t else "–")
        rb = f"{mb(b):.0f}" if b else "–"
        rt = f"{mb(t):.0f}" if t else "–"
        tr = ratio(b, t, lambda r: float(r["mean_s"]))
        rr = ratio(b, t, mb)
        tboth = f"{float(both['mean_s']):.3f}" if ok(both) else "–"
        w(f"| {s} | {pages(s)} | {tb} | {tt} | {tr} | {rb} | {rt} | {rr} | {tboth} |")
    w("")

change = [(n, get(n, "change"), get(n, "typst-one"), get(n, "warm"), get(n, "watch")) for n in sizes]
change = [x for x in change if x[1] is not None]
if change:
    w("### Rebuilds")
    w("")
    w("*One changed*: a Markdown file of the publication in the middle of the batch gets a new")
    w("paragraph before every run, then `briefpress build` plans and fingerprints all N and builds")
    w("that one publication (PDF + EPUB), end to end. It is compared with one cold `typst compile` of")
    w("the same publication's emitted source (PDF only). *Watch pass*: the same edit under")
    w("`briefpress watch` (`bench/watch_probe.py`, 10 edits after a first one): the pass's own duration")
    w("from its summary event, with the typst engine, fonts, template, cache and the publication's last")
    w("typst source kept warm; *watch latency* adds the debounce (watch waits 150 ms for the file system")
    w("to go quiet, so that one save is one pass).")
    firsts = []
    for n, *_ in change:
        try:
            first = json.load(open(os.path.join(os.path.dirname(tsv), f"n{n}-watch.json")))["first_pass"]
            firsts.append(f"{first:.3f} s at N={n}")
        except (OSError, ValueError, KeyError):
            pass
    if firsts:
        w("The first edit after watch starts is not counted: watch keeps the typst source of the last 16")
        w("publications it compiled, so at large N that pass compiles the publication without it (" + ", ".join(firsts) + ").")
    w("")
    w("| N | unchanged rebuild (s) | one changed (s) | one cold `typst compile` (s) | one changed ÷ `typst compile` | peak RSS, one changed (MB) | watch pass (s) | watch pass ÷ `typst compile` | watch CPU per pass (s) | watch latency (s) |")
    w("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, ch, one, warm, wa in change:
        wt = f"{float(warm['mean_s']):.3f}" if ok(warm) else "–"
        ct = f"{float(ch['mean_s']):.3f}" if ok(ch) else ch["status"]
        ot = f"{float(one['mean_s']):.3f}" if ok(one) else "–"
        pt = f"{float(wa['mean_s']):.3f}" if ok(wa) else (wa["status"] if wa else "–")
        pc = f"{float(wa['cpu_s']):.3f}" if ok(wa) else "–"
        pl = f"{float(wa['timev_wall_s']):.3f}" if ok(wa) else "–"
        w(f"| {n} | {wt} | {ct} | {ot} | {ratio(ch, one, lambda r: float(r['mean_s']))} | {mb(ch):.1f} | {pt} | {ratio(wa, one, lambda r: float(r['mean_s']))} | {pc} | {pl} |")
    w("")

w("## Targets")
w("")
w("| target | measured | verdict |")
w("|---|---|---|")


def verdict(good):
    return "**met**" if good else "**not met**"


c, t, tp = get(100, "cold"), get(100, "typst"), get(100, "typst-par")
if ok(c) and ok(t):
    a = per(c) / per(t)
    w(f"| PDF+EPUB per publication in a 100-publication batch ≤ 0.2× the serial CLI | {ms(per(c))} ms vs {ms(per(t))} ms = {a:.3f}× (CPU: {cpu_per(c) / cpu_per(t):.3f}×) | {verdict(a <= 0.2)} |")
if ok(c) and ok(tp):
    a = per(c) / per(tp)
    w(f"| … and ≤ 0.45× the parallel CLI ({JOBS} at a time) | {ms(per(c))} ms vs {ms(per(tp))} ms = {a:.3f}× | {verdict(a <= 0.45)} |")
if big_sizes:
    s = max(big_sizes)
    b, t = get(s, "big-pdf"), get(s, "big-typst")
    if ok(b) and ok(t):
        tr, rr = float(b["mean_s"]) / float(t["mean_s"]), mb(b) / mb(t)
        w(f"| a {s}-section report ≤ 1.0× the CLI's time | {float(b['mean_s']):.2f} s vs {float(t['mean_s']):.2f} s = {tr:.3f}× | {verdict(tr <= 1.0)} |")
        w(f"| … and ≤ 1.1× its peak memory | {mb(b):.0f} MB vs {mb(t):.0f} MB = {rr:.3f}× | {verdict(rr <= 1.1)} |")
if change:
    n, ch, one, _, wa = change[-1]
    if ok(ch) and ok(one):
        a = float(ch["mean_s"]) / float(one["mean_s"])
        w(f"| one changed publication in {n:,} ≤ 1.2× one cold `typst compile` of it | {float(ch['mean_s']):.3f} s vs {float(one['mean_s']):.3f} s = {a:.3f}× | {verdict(a <= 1.2)} |")
    if ok(wa) and ok(one):
        a = float(wa["mean_s"]) / float(one["mean_s"])
        w(f"| … in watch mode ≤ 0.5× it (the pass; the debounce is not counted) | {float(wa['mean_s']):.3f} s vs {float(one['mean_s']):.3f} s = {a:.3f}× | {verdict(a <= 0.5)} |")
p, e = get(100, "pandoc"), get(100, "epub")
if ok(p) and ok(e):
    b = per(p) / per(e)
    w(f"| EPUB alone ≥ 20× faster than pandoc (N=100) | {ms(per(p))} ms vs {ms(per(e))} ms = {b:.1f}× (CPU: {cpu_per(p) / cpu_per(e):.1f}×) | {verdict(b >= 20)} |")
for n in (100, 1000):
    r = get(n, "warm")
    if ok(r):
        w(f"| unchanged rebuild of {n:,} publications < 0.2 s | {float(r['mean_s']):.3f} s | {verdict(float(r['mean_s']) < 0.2)} |")
big = [get(1000, k) for k in ("cold", "pdf", "epub", "warm", "change")]
big = [r for r in big if r is not None]
if big:
    failed = [r for r in big if not ok(r)]
    peak = max(mb(r) for r in big)
    if failed:
        what = "; ".join(f"{r['key']}: {r['status']} at {mb(r):.0f} MB" for r in failed)
        w(f"| peak memory for 1,000 publications < 150 MB | {what} | **not met** |")
    else:
        w(f"| peak memory for 1,000 publications < 150 MB | {peak:.1f} MB (largest of the N=1000 briefpress runs) | {verdict(peak < 150)} |")
w("")
lines = []
for n in sizes:
    r = get(n, "cold")
    if r is not None:
        lines.append(f"N={n}: {mb(r):.1f} MB" + ("" if ok(r) else f" ({r['status'].split(' (')[0].lower()})"))
if lines:
    w("Peak memory of the cold batch: " + ", ".join(lines) + ".")
    w("")

w(f"Commands (run from the generated project, `{WORK}/n<N>`):")
w("")
w("- cold: `rm -rf out-cold` before each run, then `briefpress build -o out-cold --force`")
w("- unchanged rebuild: `briefpress build -o out-warm` after one full build (the cold batch's folder")
w("  copied with `cp -a`, then one `build -o out-warm`)")
w("- one changed: before each run, `content/brief-<N/2+1>/<first>.md` gets a new last paragraph; then")
w("  `briefpress build -o out-warm`")
w("- PDF only / EPUB only: `briefpress build -o out-pdf -f pdf --force` / `-o out-epub -f epub --force`")
w("- serial CLI: `typst compile --ignore-system-fonts --root <project> --pdf-standard ua-1 emit/<name>.typ")
w("  typst-out/<name>.pdf`, once per publication, where `emit/<name>.typ` is what `briefpress build --emit-typst`")
w("  wrote (`--pdf-standard ua-1` makes the CLI do what briefpress does by default: tagged PDF/UA-1;")
w("  `--ignore-system-fonts` because briefpress loads no system fonts either)")
w(f"- parallel CLI: the same command over the same sample, `xargs -P {JOBS}`")
w("- long report: `generate.py --sections S`, then `briefpress build -o out-pdf -f pdf --force` against the")
w("  serial CLI command on `emit/report.typ`")
w("- pandoc: `pandoc markdown/<name>.md -o pandoc-out/<name>.epub`, once per publication")
w("")

begin, end = "<!-- bench/run.sh: begin -->", "<!-- bench/run.sh: end -->"
body = begin + "\n" + "\n".join(out) + end
try:
    old = open(results).read()
except FileNotFoundError:
    old = ""
if begin in old and end in old:
    new = old[: old.index(begin)] + body + old[old.index(end) + len(end):]
else:
    new = "# Batch benchmark: briefpress vs typst CLI and pandoc\n\n" \
          "Measured by `bench/run.sh` on projects written by `bench/generate.py`.\n" \
          "Everything between the markers below is rewritten by each run.\n\n" + body + "\n" + old
open(results, "w").write(new)
print(f"bench: wrote {results}", file=sys.stderr)
PY
