"""Summarises one checker report for scripts/a11y-check.sh.

    python reports.py epubcheck REPORT.json   EPUBCheck's --json report
    python reports.py ace REPORT.json         Ace by DAISY's report.json
    python reports.py outloud REPORT.json     outloud's --json report (one PDF)

Prints one line, "PROBLEMS SUMMARY": PROBLEMS is the number that fails a file (EPUBCheck
fatals, errors and warnings; Ace failed assertions of any impact; outloud errors and
warnings) and SUMMARY says what they are, for people. Exits 3 when the report cannot be read.
"""

import json
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


def outloud(report):
    (result,) = report["results"]
    if result.get("error"):
        raise ValueError(f"outloud could not read the file: {result['error']}")
    by_severity = {"error": Counter(), "warning": Counter()}
    for finding in result.get("findings", []):
        if finding.get("severity") in by_severity:
            by_severity[finding["severity"]][finding.get("rule", "?")] += finding.get("count", 1)
    errors, warnings = result["counts"]["error"], result["counts"]["warning"]
    parts = [counted(errors, "error", by_severity["error"]), counted(warnings, "warning", by_severity["warning"])]
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
