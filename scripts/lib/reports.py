"""Summarises one checker report for scripts/a11y-check.sh.

    python reports.py epubcheck REPORT.json   EPUBCheck's --json report
    python reports.py ace REPORT.json         Ace by DAISY's report.json
    python reports.py outloud REPORT.json     outloud's --json report (one PDF)

Prints one line, "PROBLEMS SUMMARY": PROBLEMS is the number that fails a file (EPUBCheck
fatals, errors and warnings; Ace failed assertions of any impact; outloud errors and
warnings) and SUMMARY says what they are, for people. Exits 3 when the report cannot be read.
"""

import json
import re
import sys
from collections import Counter

ACE_IMPACTS = ("critical", "serious", "moderate", "minor")


def plural(n, word):
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def rules(counter):
    """'A, B ×3' in order of first appearance."""
    return ", ".join(rule if n == 1 else f"{rule} ×{n}" for rule, n in counter.items())


def counted(n, word, counter):
    text = plural(n, word)
    return f"{text} ({rules(counter)})" if n else text


def epubcheck(report):
    checker = report["checker"]
    by_severity = {"FATAL": Counter(), "ERROR": Counter(), "WARNING": Counter()}
    for message in report.get("messages", []):
        if message.get("severity") in by_severity:
            by_severity[message["severity"]][message.get("ID", "?")] += 1
    fatal, error, warning = checker["nFatal"], checker["nError"], checker["nWarning"]
    parts = [counted(error, "error", by_severity["ERROR"]), counted(warning, "warning", by_severity["WARNING"])]
    if fatal:
        parts.insert(0, counted(fatal, "fatal", by_severity["FATAL"]))
    return fatal + error + warning, "EPUBCheck: " + ", ".join(parts)


def ace(report):
    impacts = Counter()
    found = Counter()
    for group in report["assertions"]:
        for assertion in group.get("assertions", []):
            if assertion.get("earl:result", {}).get("earl:outcome") != "fail":
                continue
            test = assertion.get("earl:test", {})
            impacts[test.get("earl:impact", "unknown")] += 1
            found[test.get("dct:title", "?")] += 1
    total = sum(impacts.values())
    if not total:
        return 0, "Ace: 0 violations"
    order = [i for i in ACE_IMPACTS if impacts[i]] + [i for i in impacts if i not in ACE_IMPACTS]
    by_impact = ", ".join(f"{impacts[i]} {i}" for i in order)
    return total, f"Ace: {plural(total, 'violation')} ({by_impact}): {rules(found)}"


# outloud's TXT-004 warns when several glyphs of a font map to one character. For a letter of a
# joining script (Arabic, Syriac, N'Ko…) that is the rule, not an error: each letter has up to four
# contextual forms (isolated, initial, medial, final), each its own glyph and each mapping back to
# the same letter. Only that case is set aside, recognised from the finding's message.
CONTEXTUAL_FORMS = re.compile(r"(\d+) different codes all map to U\+([0-9A-F]{4,6})\b")
JOINING_LETTERS = (
    (0x0620, 0x064A),  # Arabic letters
    (0x066E, 0x06D5),  # Arabic extended letters (Persian, Urdu…)
    (0x06EE, 0x06FF),
    (0x0710, 0x074F),  # Syriac
    (0x0750, 0x077F),  # Arabic Supplement
    (0x07CA, 0x07EA),  # N'Ko
    (0x0860, 0x086A),  # Syriac Supplement
    (0x0870, 0x08C9),  # Arabic Extended-B/A letters
)


def is_contextual_forms(finding):
    """A TXT-004 finding about the contextual forms of one joining letter (at most four forms
    and their ligatures: eight glyphs)."""
    if finding.get("rule") != "TXT-004":
        return False
    match = CONTEXTUAL_FORMS.search(finding.get("message", ""))
    if not match or int(match.group(1)) > 8:
        return False
    code = int(match.group(2), 16)
    return any(low <= code <= high for low, high in JOINING_LETTERS)


def outloud(report):
    (result,) = report["results"]
    if result.get("error"):
        raise ValueError(f"outloud could not read the file: {result['error']}")
    by_severity = {"error": Counter(), "warning": Counter()}
    set_aside = 0
    for finding in result.get("findings", []):
        if finding.get("severity") in by_severity:
            if is_contextual_forms(finding):
                set_aside += finding.get("count", 1)
                continue
            by_severity[finding["severity"]][finding.get("rule", "?")] += finding.get("count", 1)
    errors = result["counts"]["error"]
    warnings = result["counts"]["warning"] - set_aside
    parts = [counted(errors, "error", by_severity["error"]), counted(warnings, "warning", by_severity["warning"])]
    if set_aside:
        parts.append(f"{plural(set_aside, 'TXT-004 warning')} on contextual letter forms set aside")
    crashed = [run["rule"] for run in result.get("rules", []) if run.get("status") == "crashed"]
    if crashed:
        parts.append(f"rules that crashed: {', '.join(crashed)}")
    return errors + warnings, "outloud: " + ", ".join(parts)


def main(argv):
    summarise = {"epubcheck": epubcheck, "ace": ace, "outloud": outloud}
    if len(argv) != 3 or argv[1] not in summarise:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        with open(argv[2], encoding="utf-8") as handle:
            problems, summary = summarise[argv[1]](json.load(handle))
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(f"cannot read {argv[2]}: {error!r}", file=sys.stderr)
        return 3
    print(problems, summary)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
