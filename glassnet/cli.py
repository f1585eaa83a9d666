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
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    return args.run(args, parser)
