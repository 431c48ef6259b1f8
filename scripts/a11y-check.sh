#!/usr/bin/env bash
# Runs the reference checkers on EPUB and PDF files (briefpress's outputs or any others):
#   EPUB: EPUBCheck (validity) and Ace by DAISY (accessibility: axe-core in chromium, EPUB rules)
#   PDF:  outloud (PDF/UA-1 and WCAG 2.2 rules, plus checks of reading order and links)
#
#   bash scripts/a11y-check.sh output/                  every *.epub and *.pdf under output/
#   bash scripts/a11y-check.sh a.epub b.pdf             these files
#   bash scripts/a11y-check.sh --advisory ace,outloud output/
#                                 report Ace's and outloud's findings without failing on them
#
# Prints one verdict line per file and a summary; the checkers' full reports (Ace's HTML report
# among them) stay in a folder named at the end. Exit status: 0 when no gating checker found a
# problem, 1 when one did (or could not run), 2 for a usage error. Installs the checkers first
# when they are missing, exactly as scripts/test does (scripts/lib/tools.sh).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/tools.sh
. "$root/scripts/lib/tools.sh"

usage() {
  echo "usage: bash scripts/a11y-check.sh [--advisory CHECKER[,CHECKER]] DIR|FILE..." >&2
  echo "  CHECKER: epubcheck, ace, outloud; FILE: .epub or .pdf; a DIR is searched for both" >&2
  exit 2
}

advisory=","
paths=()
while [ "$#" -gt 0 ]; do
  case "$1" in
    --advisory)
      [ "$#" -ge 2 ] || usage
      for checker in ${2//,/ }; do
        case "$checker" in
          epubcheck | ace | outloud) advisory+="$checker," ;;
          *) echo "a11y-check: unknown checker '$checker'" >&2 && usage ;;
        esac
      done
      shift 2
      ;;
    -h | --help) sed -n '2,14s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" && exit 0 ;;
    --) shift && paths+=("$@") && break ;;
    -*) echo "a11y-check: unknown option '$1'" >&2 && usage ;;
    *) paths+=("$1") && shift ;;
  esac
done
[ "${#paths[@]}" -gt 0 ] || usage

# The files to check, in a stable order; hidden files and folders under a DIR are left out.
files=()
for path in "${paths[@]}"; do
  if [ -d "$path" ]; then
    while IFS= read -r -d '' file; do
      files+=("$file")
    done < <(find "$path" -mindepth 1 -name '.*' -prune -o -type f \( -name '*.epub' -o -name '*.pdf' \) -print0 | sort -z)
  elif [ -f "$path" ]; then
    case "$path" in
      *.epub | *.pdf) files+=("$path") ;;
      *) echo "a11y-check: $path is neither an .epub nor a .pdf" >&2 && exit 2 ;;
    esac
  else
    echo "a11y-check: $path does not exist" >&2 && exit 2
  fi
done
[ "${#files[@]}" -gt 0 ] || { echo "a11y-check: no .epub or .pdf files in ${paths[*]}" >&2 && exit 2; }

bp_install_tools
bp_export_tools
reports="$(mktemp -d "${TMPDIR:-/tmp}/briefpress-a11y.XXXXXX")"

declare -A checked=() clean=() names=([epubcheck]=EPUBCheck [ace]=Ace [outloud]=outloud)
declare -A verdicts=([PASS]=0 [WARN]=0 [FAIL]=0)

# Reads one checker's report on the current file: adds its summary to $line, counts the file
# clean or not, and sets $gate_failed or $advisory_problem.
# $1 checker, $2 its report, $3 its log, $4 its exit status.
summarise() {
  local checker="$1" report="$2" log="$3" status="$4" summary problems
  checked[$checker]=$((${checked[$checker]:-0} + 1))
  if summary="$("$BRIEFPRESS_PYTHON" "$root/scripts/lib/reports.py" "$checker" "$report" 2>>"$log")"; then
    problems="${summary%% *}"
    summary="${summary#* }"
  else
    problems=1
    summary="${names[$checker]} could not run (exit $status; see $log)"
  fi
  if [ "$problems" -eq 0 ]; then
    clean[$checker]=$((${clean[$checker]:-0} + 1))
  elif [[ "$advisory" == *",$checker,"* ]]; then
    summary+=" [not gating]"
    advisory_problem=1
  else
    gate_failed=1
  fi
  line+="${line:+ · }$summary"
}

index=0
for file in "${files[@]}"; do
  index=$((index + 1))
  dir="$reports/$(printf '%03d' "$index")-$(basename "$file")"
  mkdir -p "$dir"
  absolute="$(realpath -- "$file")"
  line=""
  gate_failed=0
  advisory_problem=0
  case "$file" in
    *.epub)
      status=0
      java -jar "$EPUBCHECK_JAR" "$absolute" --json "$dir/epubcheck.json" >"$dir/epubcheck.log" 2>&1 || status=$?
      summarise epubcheck "$dir/epubcheck.json" "$dir/epubcheck.log" "$status"
      status=0
      "$ACE_CLI" --silent --force --outdir "$dir/ace" "$absolute" >"$dir/ace.log" 2>&1 || status=$?
      summarise ace "$dir/ace/report.json" "$dir/ace.log" "$status"
      ;;
    *.pdf)
      # outloud exits 1 when it finds errors; its report says so too, and is what counts.
      status=0
      "$OUTLOUD" --quiet --json "$dir/outloud.json" "$absolute" >"$dir/outloud.log" 2>&1 || status=$?
      summarise outloud "$dir/outloud.json" "$dir/outloud.log" "$status"
      ;;
  esac
  verdict=PASS
  [ "$advisory_problem" -eq 0 ] || verdict=WARN
  [ "$gate_failed" -eq 0 ] || verdict=FAIL
  verdicts[$verdict]=$((${verdicts[$verdict]} + 1))
  printf '%-4s  %s  %s\n' "$verdict" "$file" "$line"
done

per_checker=""
for checker in epubcheck ace outloud; do
  [ -n "${checked[$checker]:-}" ] || continue
  per_checker+="${per_checker:+, }$checker $((${clean[$checker]:-0}))/${checked[$checker]}"
done
summary="${verdicts[PASS]} passed, ${verdicts[FAIL]} failed"
if [ "$advisory" != "," ]; then
  summary+=", ${verdicts[WARN]} with findings of checkers that do not gate (${advisory:1:-1})"
fi
echo "a11y-check: ${#files[@]} file(s): $summary; clean per checker: $per_checker"
echo "a11y-check: full reports in $reports"
[ "${verdicts[FAIL]}" -eq 0 ]
