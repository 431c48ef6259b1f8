#!/usr/bin/env bash
# Where the time goes: callgrind profile of a cold 10-publication batch on one
# thread, summarised by pipeline stage.
#
#   bench/profile.sh            # ~1 minute; prints a Markdown summary
#
# Needs valgrind (apt-get install -y valgrind) and a release build; the release
# profile keeps line tables (debug = "line-tables-only"), so symbols resolve.
# Scratch goes to $BENCH_DIR (default /tmp/briefpress-profile).
#
# How the stages are computed: callgrind counts instructions (Ir), so the
# shares do not depend on what else runs on the machine. Stages are inclusive
# costs of the functions named in the table. Publications run on plain worker
# threads; krilla (inside typst_pdf) hands font and stream serialisation to
# rayon's pool threads, so PDF export = typst_pdf::pdf on the worker + all
# work on rayon pool threads, cross-checked against "total minus everything
# else". (Before commit 662a27e the batch itself ran on that rayon pool, and
# krilla's `Deferred::wait` -> `rayon::yield_now` ran further publications
# nested inside a PDF export; inclusive costs then double-counted, peak memory
# grew with the batch size and 1,000 publications overflowed a worker's stack.)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
WORK="${BENCH_DIR:-/tmp/briefpress-profile}"
N="${PROFILE_N:-10}"
SRC_BIN="${BRIEFPRESS_BIN:-$REPO/target/release/briefpress}"

command -v valgrind >/dev/null 2>&1 || { echo "profile: valgrind not found: apt-get install -y valgrind" >&2; exit 1; }
[[ -x "$SRC_BIN" ]] || { echo "profile: $SRC_BIN missing: cargo build --release" >&2; exit 1; }
mkdir -p /tmp/bench-bin "$WORK"
cp "$SRC_BIN" /tmp/bench-bin/briefpress.tmp && mv /tmp/bench-bin/briefpress.tmp /tmp/bench-bin/briefpress
BP=/tmp/bench-bin/briefpress

python3 "$HERE/generate.py" "$N" "$WORK/n$N" >&2
cd "$WORK/n$N"
"$BP" build -o out-warmup --force -j 1 >/dev/null 2>&1 # page cache
rm -rf out-cg
echo "profile: callgrind on a cold $N-publication batch, -j 1 (takes ~20 s per 10 publications)" >&2
valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.out" \
    "$BP" build -o out-cg --force -j 1 >"$WORK/callgrind.log" 2>&1
callgrind_annotate --auto=no --inclusive=yes --threshold=100 "$WORK/callgrind.out" >"$WORK/inclusive.txt" 2>/dev/null
callgrind_annotate --auto=no --threshold=100 "$WORK/callgrind.out" >"$WORK/self.txt" 2>/dev/null
callgrind_annotate --auto=no --inclusive=yes --tree=caller --threshold=100 "$WORK/callgrind.out" >"$WORK/callers.txt" 2>/dev/null

python3 - "$WORK/inclusive.txt" "$WORK/self.txt" "$N" "$WORK/callers.txt" <<'PY'
import re, sys

def parse(path):
    """function -> largest Ir listed for it (level-1 activations only)."""
    costs, total = {}, None
    for line in open(path):
        m = re.match(r"^\s*([\d,]+) \(\s*[\d.]+%\)\s+(\S.*?)$", line)
        if not m:
            continue
        ir = int(m.group(1).replace(",", ""))
        rest = re.sub(r" \[[^\]]*\]$", "", m.group(2))
        if rest == "PROGRAM TOTALS":
            total = ir
            continue
        mm = re.match(r"^(.*?\.(?:rs|S|c|h)|\?\?\?):(.*)$", rest)
        fn = mm.group(2) if mm else rest
        costs[fn] = max(costs.get(fn, 0), ir)
    return costs, total

inc, total = parse(sys.argv[1])
self_cost, _ = parse(sys.argv[2])
n = int(sys.argv[3])


def callers(function):
    """caller -> inclusive Ir of `function` when called from it (callgrind_annotate --tree=caller)."""
    out, block = {}, []
    for line in open(sys.argv[4]):
        if not line.strip():
            block = []
            continue
        m = re.match(r"^\s*([\d,]+) \(\s*[\d.]+%\)\s+(<|\*)\s+(\S.*?)$", line)
        if not m:
            continue
        rest = re.sub(r" \([\d,]+x\)", "", re.sub(r" \[[^\]]*\]$", "", m.group(3)))
        mm = re.match(r"^(.*?\.(?:rs|S|c|h)|\?\?\?):(.*)$", rest)
        fn = mm.group(2) if mm else rest
        if m.group(2) == "<":
            block.append((fn, int(m.group(1).replace(",", ""))))
        elif fn == function:
            for caller, ir in block:
                out[caller] = out.get(caller, 0) + ir
            block = []
    return out

def get(*names):
    """Inclusive cost of the first of `names` the profile has (functions get renamed)."""
    return next((inc[n] for n in names if n in inc), 0)

compile_ = get("typst::compile")
layout = get("typst_layout::pages::layout_document")
eval_ = get("typst_eval::eval")
shaping = get("rustybuzz::hb::shape::shape_with_plan")
hyph = get("hypher::hyphenate")
epub = get("<briefpress::render::epub::EpubRenderer as briefpress::render::Renderer>::render")
repack = get("briefpress::render::epub::package::finish")
compress_new = callers("flate2::mem::Compress::new")
zip_init = sum(ir for caller, ir in compress_new.items() if "krilla" not in caller)
inflate = get("zlib_rs::inflate::inflate")
load = get("briefpress::load::load")
toml = get("briefpress::load::manifest::parse")
md = get("briefpress::load::markdown::convert")
source = get("briefpress::render::pdf::source::generate")
world = get("briefpress::render::pdf::world::PublicationWorld::new")
engine = get("briefpress::render::pdf::world::TypstEngine::with_limits", "briefpress::render::pdf::world::TypstEngine::new")
fingerprint = get("briefpress::batch::cache::Fingerprinter::fingerprint", "briefpress::build::cache::Fingerprinter::fingerprint")
cache_save = get("briefpress::batch::cache::Cache::save", "briefpress::build::cache::Cache::save")
template_hash = get("briefpress::batch::Run::template_hash", "briefpress::build::Run::template_hash")
write = get("briefpress::batch::write::write_atomic", "briefpress::build::write::write_atomic")
evict = get("comemo::memoize::evict")
pdf_worker = get("typst_pdf::pdf")
pool = get("rayon_core::registry::ThreadBuilder::run")
pdf_deflate = get("krilla::stream::deflate_encode")
cid = get("krilla::text::cid::CIDFont::serialize")
subset = get("krilla::text::cid::subset_font::{{closure}}")
memset = self_cost.get("__memset_avx2_unaligned_erms", 0)
zinit = get("zlib_rs::deflate::init")
known = compile_ + epub + load + source + world + engine + fingerprint + cache_save + template_hash + write + evict
pdf_by_difference = total - known
pdf = pdf_worker + pool

def pct(x):
    return f"{100 * x / total:.1f} %"

def row(name, x, note=""):
    print(f"| {name} | {pct(x)} | {x / n / 1e6:.1f} | {note} |")

print(f"Cold batch of {n} publications, `-j 1`, callgrind: {total / 1e9:.2f} G instructions "
      f"({total / n / 1e6:.0f} M per publication). Shares are of all instructions of the run.")
print()
print("| stage | share | M instr. per publication | notes |")
print("|---|---:|---:|---|")
row("typst compile (`typst::compile`)", compile_, "eval + realize + layout")
row("  of which layout (`layout_document`)", layout, "paragraph layout, line breaking, page composition")
row("  of which text shaping (rustybuzz)", shaping, "inside layout")
row("  of which hyphenation (hypher)", hyph, "inside layout")
row("  of which eval (`typst_eval::eval`)", eval_, "template eval is memoized across the batch")
row("PDF export (`typst_pdf::pdf` + rayon pool threads)", pdf, f"krilla serialisation, tagging, fonts, compression; by difference: {pct(pdf_by_difference)}")
row("  of which stream compression (`krilla::stream::deflate_encode`)", pdf_deflate, "zlib-rs deflate of every PDF stream")
row("  of which font embedding (`CIDFont::serialize`)", cid, "includes subsetting")
row("  of which font subsetting (`subset_font`)", subset, "")
row("EPUB (`EpubRenderer::render`)", epub, "XHTML, epub-builder, zip")
row("  of which repacking (`package::finish`)", repack, "copies epub-builder's compressed entries as they are, writes `mimetype` and the rewritten OPF")
row("  of which zip deflater set-up (`Compress::new` from zip)", zip_init, "a new zlib-rs state (~0.45 M instr., mostly memset) per zip entry")
row("  of which inflate (`zlib_rs::inflate`)", inflate, "reading back what package::finish needs")
row("loading: TOML + Markdown + files (`load::load`)", load, "")
row("  of which TOML (`manifest::parse`)", toml, "")
row("  of which Markdown (`markdown::convert`)", md, "")
row("typst source generation (`source::generate`)", source, "")
row("typst world per publication (`PublicationWorld::new`)", world, "copies asset bytes")
row("engine start (`TypstEngine::with_limits`, embedded fonts)", engine, "once per process")
row("hashing + cache (`fingerprint`, `template_hash`, `Cache::save`)", fingerprint + template_hash + cache_save, "BLAKE3")
row("writing outputs (`write_atomic`)", write, "")
row("memo eviction (`comemo::evict`)", evict, "")
print()
print(f"All zlib-rs deflater set-up (`zlib_rs::deflate::init`, PDF and EPUB): {pct(zinit)}; "
      f"memset, mostly from it: {pct(memset)} (self cost).")
print()
print("Top inclusive functions (rayon/std plumbing and main left out):")
print()
skip = re.compile(r"^(rayon|core::|std::|alloc::|<alloc|<core|<std|<rayon|comemo::memoize::memoize$|__libc|_start|main$|briefpress::main|briefpress::(build|batch)::(build|execute)|<std::sys|start_thread|0x|\(below main\))")
shown = 0
for fn, ir in sorted(inc.items(), key=lambda kv: -kv[1]):
    if skip.search(fn) or "'" in fn or "{{closure}}" in fn and "subset" not in fn:
        continue
    print(f"- {100 * ir / total:5.1f} %  `{fn[:140]}`")
    shown += 1
    if shown == 25:
        break
PY
