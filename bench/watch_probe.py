#!/usr/bin/env python3
"""Times `briefpress watch` rebuilding one publication after one edit.

    watch_probe.py BRIEFPRESS OUT FILE RUNS RESULT.json

Runs in the project folder. Starts `BRIEFPRESS watch -o OUT --message-format
json`, waits for its first pass, then RUNS + 1 times: appends a paragraph to
FILE (a Markdown file of one publication) and waits for the pass that
follows. The first of those passes is recorded apart (`first_pass`): watch
keeps the typst source of the last 16 publications it compiled, so at large
N the first edit of a publication compiles it without that help; the RUNS
passes after it are an author editing the same publication again.
For each pass it records the pass's own duration (the `summary` event's
`duration_ms`: planning, fingerprinting and the one build, with the typst
engine, fonts and template kept warm between passes), the CPU time watch used
from the write to that event, and the latency from the write to the event
(which adds watch's debounce, the quiet time it waits for so that one save is
one pass); and watch's peak RSS. Writes the figures as JSON; exits non-zero if
a pass did not build exactly one publication.
"""

import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time


def main():
    binary, out, file, runs, result = sys.argv[1:6]
    runs = int(runs)
    original = open(file, "rb").read()
    events = []
    arrived = threading.Condition()
    watch = subprocess.Popen(
        [binary, "watch", "-o", out, "--message-format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )

    def read():
        for line in watch.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            with arrived:
                events.append((time.monotonic(), event))
                arrived.notify_all()

    threading.Thread(target=read, daemon=True).start()

    def next_summary(after, timeout=120):
        deadline = time.monotonic() + timeout
        with arrived:
            while True:
                for at, event in events[after:]:
                    if event.get("type") == "summary":
                        return at, event, events.index((at, event)) + 1
                left = deadline - time.monotonic()
                if left <= 0 or watch.poll() is not None:
                    raise SystemExit("watch_probe: no pass finished")
                arrived.wait(left)

    def cpu_seconds():
        fields = open(f"/proc/{watch.pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_kb():
        for line in open(f"/proc/{watch.pid}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        return 0

    passes, latencies, cpus, peak = [], [], [], 0
    try:
        _, _, seen = next_summary(0)
        for i in range(runs + 1):
            time.sleep(0.5)  # well past the debounce of the previous pass
            with open(file, "ab") as f:
                f.write(f"\n\nEdited in watch run {i}.\n".encode())
            before = cpu_seconds()
            written = time.monotonic()
            at, summary, seen = next_summary(seen)
            cpus.append(cpu_seconds() - before)
            if summary.get("built") != 1:
                raise SystemExit(f"watch_probe: pass {i} built {summary.get('built')}, not 1")
            passes.append(summary["duration_ms"] / 1000)
            latencies.append(at - written)
        peak = peak_kb()
        first = passes.pop(0)
        latencies.pop(0)
        cpus.pop(0)
    finally:
        watch.send_signal(signal.SIGINT)
        try:
            watch.wait(timeout=30)
        except subprocess.TimeoutExpired:
            watch.kill()
        open(file, "wb").write(original)

    def stats(values):
        return {
            "mean": statistics.mean(values),
            "stddev": statistics.stdev(values) if len(values) > 1 else 0.0,
            "min": min(values),
            "max": max(values),
        }

    json.dump(
        {
            "runs": runs,
            "first_pass": first,
            "pass": stats(passes),
            "cpu": stats(cpus),
            "latency": stats(latencies),
            "maxrss_kb": peak,
        },
        open(result, "w"),
    )


if __name__ == "__main__":
    main()
