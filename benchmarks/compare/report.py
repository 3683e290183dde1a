"""Tables of the comparison from its JSON files: prints them, writes TABLE.md, and replaces the
table between the markers in benchmarks/compare/README.md.

    python benchmarks/compare/report.py [--dir benchmarks/results] [--table FILE] [--readme FILE ...]
"""

import argparse
import json
import os
import re

import _common
import early_stop
import overhead

START, END = "<!-- compare-table:start -->", "<!-- compare-table:end -->"


def render(ov, es, seconds=None):
    v = es["versions"]
    m = es["machine"]
    lines = [
        "Measured %s on a %s (%s, %s), Python %s, MXNet %s, Ray %s, Optuna %s; load average (1 min) %s at the "
        "start and %s at the end%s. Reproduce with `bash benchmarks/compare/run.sh`."
        % (
            es["date"][:10],
            m["description"],
            m["cpu_model"],
            m["platform"],
            v["python"],
            v["mxnet"],
            v["ray"],
            v["optuna"],
            ov["load_average_start"][0],
            es["load_average_end"][0],
            "; the whole run took %.1f minutes" % (seconds / 60.0) if seconds else "",
        ),
        "",
        "**Overhead** (%d trials x %d reports, 2 at a time; wall = the trial loop, setup = `ray.init` / "
        "`create_study` / our constructor, counted apart; early-stopping variants run fewer reports; "
        "ratios < 1: ours is faster):" % (ov["trials"], ov["reports"]),
        "",
        overhead.table(ov),
        "",
        "**Early stopping** (MXNet MLP on Fashion-MNIST, %gs per run, medians over %d seeds; target = per seed the "
        "lowest final best of all variants; test acc = the selected config and epoch retrained, on the 10,000 "
        "test images; ratios: time < 1 = ours faster, accuracy > 1 = ours higher):"
        % (es["budget_s"], es["seeds"]),
        "",
        early_stop.tables(es),
        "",
        "Anytime curves: `benchmarks/results/compare_anytime.png`.",
    ]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default=_common.RESULTS)
    parser.add_argument("--table", help="write the markdown here")
    parser.add_argument(
        "--readme",
        action="append",
        default=[],
        help="replace the table between the markers of this file (repeatable)",
    )
    parser.add_argument("--seconds", type=float, help="wall time of the whole run")
    opts = parser.parse_args()
    with open(os.path.join(opts.dir, "compare_overhead.json")) as f:
        ov = json.load(f)
    with open(os.path.join(opts.dir, "compare_early_stopping.json")) as f:
        es = json.load(f)
    if opts.seconds:
        for path, payload in (("compare_overhead.json", ov), ("compare_early_stopping.json", es)):
            payload["whole_run_s"] = opts.seconds
            _common.write_json(os.path.join(opts.dir, path), payload)
    text = render(ov, es, opts.seconds)
    print(text)
    if opts.table:
        with open(opts.table, "w") as f:
            f.write(text)
        print("table: %s" % os.path.relpath(opts.table))
    for path in opts.readme:
        if not os.path.exists(path):
            continue
        with open(path) as f:
            readme = f.read()
        if START in readme and END in readme:
            readme = re.sub(
                re.escape(START) + ".*?" + re.escape(END),
                lambda _: START + "\n" + text + END,
                readme,
                flags=re.S,
            )
            with open(path, "w") as f:
                f.write(readme)
            print("README table: %s" % os.path.relpath(path))


if __name__ == "__main__":
    main()
