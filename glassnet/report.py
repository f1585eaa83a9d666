"""The tour: run lessons one after another into OUT/<lesson>/, then write OUT/summary.json and
OUT/index.html, one self-contained page (inline CSS, no scripts, figures referenced relatively
beside it) with every lesson's idea, its claims checked by measured numbers, and its figures.

A lesson that raises is recorded as failed, with its traceback on the page, and the tour goes on.
"""

import json
import time
import traceback
from pathlib import Path
from urllib.parse import quote

from glassnet import lessons
from glassnet.data import DataUnavailable
from glassnet.lessons import base

TEMPLATE = """{% set clock %}
 <span class="timed" title="read off a clock: varies from run to run">(timed)</span>
{%- endset %}
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>glassnet tour</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328;
       max-width: 1000px; margin: 2rem auto; padding: 0 1.2rem; line-height: 1.5; }
h1 { margin-bottom: .2rem; }
h2 { margin: 0 0 .4rem; }
h3 { font-size: 1rem; margin: 1.2rem 0 .3rem; }
table { border-collapse: collapse; margin: .4rem 0 1rem; }
th, td { padding: .3rem .7rem; border-bottom: 1px solid #d8dee4; text-align: left;
         vertical-align: top; }
th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.op { text-align: center; font-family: ui-monospace, monospace; }
.pass { color: #1a7f37; font-weight: 600; }
.fail { color: #cf222e; font-weight: 700; }
tr.failed td { background: #ffebe9; }
.meta, .lede { color: #57606a; }
.meta { font-size: .9rem; }
section.lesson { border-top: 3px solid #d8dee4; margin-top: 2.2rem; padding-top: 1rem; }
section.lesson.failed { border-top-color: #cf222e; }
.idea { font-size: 1.05rem; max-width: 48rem; }
details { margin: 1rem 0; }
summary { font-weight: 600; cursor: pointer; }
.metrics { columns: 2 22rem; column-gap: 2rem; margin: .3rem 0 1rem; padding: 0; }
.metrics div { break-inside: avoid; display: flex; justify-content: space-between; gap: 1rem;
               border-bottom: 1px dotted #d8dee4; font-size: .92rem; }
.metrics span:last-child { font-variant-numeric: tabular-nums; }
figure { margin: 1rem 0 1.6rem; }
figure img { width: 640px; max-width: 100%; height: auto; border: 1px solid #d8dee4; }
figcaption { color: #57606a; font-size: .9rem; }
pre.error { background: #ffebe9; border: 1px solid #ffcecb; padding: .8rem; overflow-x: auto;
            white-space: pre-wrap; font-size: .85rem; }
pre.text { background: #f6f8fa; border: 1px solid #d8dee4; padding: .8rem; overflow-x: auto;
           white-space: pre-wrap; font-size: .85rem; max-height: 32rem; }
.timed { color: #57606a; font-size: .8rem; }
code { background: #f6f8fa; padding: .1rem .3rem; border-radius: 4px; }
</style>
</head>
<body>
<h1>glassnet tour</h1>
<p class="lede">{{ passed_lessons }} of {{ entries|length }} lessons passed every check
 &middot; {{ checks_passed }} of {{ checks_total }} checks passed
 &middot; {{ "quick" if quick else "full" }} mode &middot; seed {{ seed }}
 &middot; {{ "%.1f"|format(seconds) }} s in all</p>
{% if interrupted %}
<p class="fail">The tour was interrupted (Ctrl-C): only the lessons below ran.</p>
{% endif %}
<p class="meta">Each claim is checked by a number the lesson measured:
 passed means <em>value op threshold</em> holds. Numbers marked (timed) are read off a
 clock and vary from run to run; every other number is the same for the same seed.
{% if versions %} Versions: {{ versions }}.{% endif %}</p>
<table>
<tr><th>lesson</th><th>title</th><th>checks</th><th>seconds</th><th>seed</th><th>mode</th></tr>
{% for e in entries %}
<tr class="{{ '' if e.passed else 'failed' }}">
<td><a href="#{{ e.lesson }}">{{ e.lesson }}</a></td><td>{{ e.title }}</td>
<td class="num {{ 'pass' if e.passed else 'fail' }}">{% if e.error %}error{% else %}
{{ e.checks_passed }}/{{ e.checks_total }}{% endif %}</td>
<td class="num">{{ "%.1f"|format(e.seconds) }}</td><td class="num">{{ seed }}</td>
<td>{{ "quick" if quick else "full" }}</td></tr>
{% endfor %}
</table>
{% for e in entries %}
<section class="lesson{{ '' if e.passed else ' failed' }}" id="{{ e.lesson }}">
<h2>{{ loop.index }}. {{ e.title }}</h2>
<p class="meta">lesson <code>{{ e.lesson }}</code> &middot; seed {{ seed }} &middot;
 {{ "quick" if quick else "full" }} mode &middot; {{ "%.1f"|format(e.seconds) }} s &middot;
 rerun: <code>glassnet run {{ e.lesson }} --seed {{ seed }}{{ " --quick" if quick else "" }}
</code></p>
<p class="idea">{{ e.idea }}</p>
{% if e.error %}
<h3 class="fail">The lesson failed before it finished</h3>
<pre class="error">{{ e.error }}</pre>
{% endif %}
{% if e.checks %}
<h3>Claims, checked</h3>
<table>
<tr><th>claim</th><th>measured</th><th>op</th><th>threshold</th><th>result</th></tr>
{% for c in e.checks %}
<tr class="{{ '' if c.passed else 'failed' }}"><td>{{ c.name }}</td>
<td class="num">{{ c.shown_value }}{% if c.timed %}{{ clock }}{% endif %}</td>
<td class="op">{{ c.op }}</td>
<td class="num">{{ c.shown_threshold }}</td>
<td class="{{ 'pass' if c.passed else 'fail' }}">{{ "pass" if c.passed else "FAIL" }}</td></tr>
{% endfor %}
</table>
{% endif %}
{% if e.metrics %}
<details{{ " open" if e.metrics|length <= 12 else "" }}>
<summary>Everything measured ({{ e.metrics|length }} numbers)</summary>
<div class="metrics">
{% for name, value in e.metrics.items() %}<div><span>{{ name }}</span>
<span>{{ value|number }}{% if name in e.timed %}{{ clock }}{% endif %}</span></div>
{% endfor %}
</div>
</details>
{% endif %}
{% for title, content in e.texts.items() %}
<h3>{{ title }}</h3>
<pre class="text">{{ content }}</pre>
{% endfor %}
{% for f in e.figures %}
<figure><img src="{{ f.png }}" alt="{{ f.caption }}">
<figcaption>{{ f.caption }}{% if f.svg %} &middot; <a href="{{ f.svg }}">SVG</a>{% endif %}
</figcaption></figure>
{% endfor %}
</section>
{% endfor %}
</body>
</html>
"""


def number(value):
    """A measured number as a reader wants it: 4 significant digits, integers as integers,
    thousands separated (41,802)."""
    value = float(value) + 0.0  # -0.0 reads as 0
    if 1e4 <= abs(value) < 1e9 or (value.is_integer() and abs(value) < 1e9):
        return f"{value:,.0f}"
    return f"{value:.4g}"


def _shown(value, threshold):
    """value and threshold formatted; more digits when 4 would make them look equal."""
    shown = number(value), number(threshold)
    if shown[0] == shown[1] and float(value) != float(threshold):
        shown = f"{float(value):.10g}", f"{float(threshold):.10g}"
    return shown


def run_one(name, out, quick=False, seed=0, overrides=None):
    """Run one lesson into out/<name>/ and return its summary entry; never raises (but Ctrl-C)."""
    folder = Path(out) / name
    entry = {"lesson": name, "title": name, "idea": lessons.PLANNED.get(name, ""),
             "folder": name, "passed": False, "seconds": 0.0, "checks_passed": 0,
             "checks_total": 0, "error": None}
    stale = folder / "metrics.json"  # a failed run must not show the previous run's numbers
    if stale.exists():
        stale.unlink()
    start = time.perf_counter()
    try:
        module = lessons.get(name)
        entry["title"], entry["idea"] = module.TITLE, module.IDEA
        result = base.run_lesson(module, quick=quick, seed=seed, out=folder, overrides=overrides)
        entry["passed"] = result.passed
        entry["checks_passed"] = sum(check.passed for check in result.checks)
        entry["checks_total"] = len(result.checks)
    except Exception as error:  # noqa: BLE001  one lesson's failure is reported, the tour goes on
        if isinstance(error, DataUnavailable):
            entry["error"] = f"The data this lesson needs is not available.\n{error}"
        else:
            entry["error"] = traceback.format_exc()
    entry["seconds"] = round(time.perf_counter() - start, 3)
    return entry


def run_tour(names, out, quick=False, seed=0, on_start=None, on_done=None):
    """Run the lessons named, in order; write summary.json and index.html into out; return the
    summary. on_start(name) and on_done(entry) let a caller show progress. Ctrl-C stops the
    tour after writing the report of the lessons that finished (summary["interrupted"])."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    entries, interrupted = [], False
    start = time.perf_counter()
    try:
        for name in names:
            if on_start:
                on_start(name)
            entries.append(run_one(name, out, quick=quick, seed=seed))
            if on_done:
                on_done(entries[-1])
    except KeyboardInterrupt:
        interrupted = True
    summary = {"quick": bool(quick), "seed": int(seed),
               "seconds": round(time.perf_counter() - start, 3), "interrupted": interrupted,
               "passed": not interrupted and all(entry["passed"] for entry in entries),
               "lessons": entries}
    _write_atomically(out / "summary.json", json.dumps(summary, indent=2) + "\n")
    write_report(out)
    return summary


def _write_atomically(path, text):
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)


def _figures(folder, names):
    """[{png, svg, caption}] from a lesson's figure file names, paths relative to index.html."""
    figures = []
    for name in names:
        if not name.endswith(".png"):
            continue
        svg = name[:-4] + ".svg"
        figures.append({
            "png": quote(f"{folder}/{name}"),
            "svg": quote(f"{folder}/{svg}") if svg in names else None,
            "caption": name[:-4].replace("_", " ").replace("-", " "),
        })
    return figures


def _lesson_view(out, entry):
    """A summary entry joined with its metrics.json, ready for the template."""
    view = dict(entry, checks=[], metrics={}, figures=[], texts={}, timed=[])
    path = out / entry["folder"] / "metrics.json"
    if entry.get("error") or not path.exists():
        return view
    record = json.loads(path.read_text(encoding="utf-8"))
    view["metrics"] = record.get("metrics", {})
    view["versions"] = record.get("versions", {})
    view["timed"] = record.get("timed", [])
    view["texts"] = record.get("texts", {})
    for check in record.get("checks", []):
        shown_value, shown_threshold = _shown(check["value"], check["threshold"])
        view["checks"].append(dict(check, shown_value=shown_value, shown_threshold=shown_threshold,
                                   timed=check["name"] in view["timed"]))
    view["figures"] = _figures(entry["folder"], record.get("figures", []))
    return view


def write_report(out_dir):
    """Render out_dir/summary.json and each lesson's metrics.json into out_dir/index.html."""
    import jinja2

    out = Path(out_dir)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    entries = [_lesson_view(out, entry) for entry in summary["lessons"]]
    environment = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True,
                                     undefined=jinja2.StrictUndefined)
    environment.filters["number"] = number
    versions = next((e["versions"] for e in entries if e.get("versions")), {})
    versions = ", ".join(f"{name} {version}" for name, version in versions.items())
    html = environment.from_string(TEMPLATE).render(
        entries=entries, quick=summary["quick"], seed=summary["seed"],
        seconds=summary["seconds"], versions=versions,
        interrupted=summary.get("interrupted", False),
        passed_lessons=sum(entry["passed"] for entry in entries),
        checks_passed=sum(entry["checks_passed"] for entry in entries),
        checks_total=sum(entry["checks_total"] for entry in entries),
    )
    path = out / "index.html"
    _write_atomically(path, html)
    return path


# ---- the terminal side: progress while the tour runs, tables after ----
def console():
    from rich.console import Console

    terminal = Console()
    return terminal if terminal.is_terminal else Console(width=160)  # logs: wrap tables less


def run_tour_with_progress(names, out, quick=False, seed=0):
    """run_tour with a live display: the tour overall and the lesson running now. It uses rich's
    shared console, so a lesson's own training bar (train.ProgressBar) nests inside it."""
    from rich import get_console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=get_console(), transient=True) as progress:
        overall = progress.add_task("tour", total=len(names))
        current = []

        def started(name):
            progress.update(overall, description=f"tour: lesson {len(current) + 1} of {len(names)}")
            current.append(progress.add_task(f"  {name}", total=None))

        def finished(entry):
            progress.remove_task(current[-1])
            progress.advance(overall)
            progress.console.print(_tour_line(entry), highlight=False)

        return run_tour(names, out, quick, seed, on_start=started, on_done=finished)


def _tour_line(entry):
    from rich.markup import escape

    if entry["error"]:
        last_line = escape(entry["error"].strip().splitlines()[-1])
        return f"[bold red]error[/] {entry['lesson']}: {last_line}"
    style, word = ("green", "passed") if entry["passed"] else ("bold red", "FAILED")
    return (f"[{style}]{word}[/] {entry['lesson']}: {entry['checks_passed']}/"
            f"{entry['checks_total']} checks in {entry['seconds']:.1f} s")


def print_summary(summary):
    """The tour's table on the terminal, then the traceback of each lesson that raised."""
    from rich.markup import escape
    from rich.table import Table

    mode = "quick" if summary["quick"] else "full"
    table = Table("lesson", "title", "checks", "seconds", "result",
                  title=f"glassnet tour ({mode}, seed {summary['seed']})")
    for entry in summary["lessons"]:
        verdict = "[green]pass[/]" if entry["passed"] else "[bold red]FAIL[/]"
        checks = "error" if entry["error"] else f"{entry['checks_passed']}/{entry['checks_total']}"
        table.add_row(entry["lesson"], escape(entry["title"]), checks, f"{entry['seconds']:.1f}",
                      verdict)
    terminal = console()
    terminal.print(table)
    for entry in summary["lessons"]:
        if entry["error"]:
            terminal.print(f"[bold red]{entry['lesson']} raised:[/]\n{escape(entry['error'])}",
                           highlight=False)
    passed = sum(entry["passed"] for entry in summary["lessons"])
    terminal.print(f"{passed} of {len(summary['lessons'])} lessons passed every check in "
                   f"{summary['seconds']:.1f} s", highlight=False)


def print_checks(title, checks):
    """One lesson's claim checks as a table: claim, measured, op, threshold, pass or FAIL."""
    from rich.markup import escape
    from rich.table import Table

    table = Table("claim", "measured", "op", "threshold", "result", title=escape(title))
    for check in checks:
        verdict = "[green]pass[/]" if check.passed else "[bold red]FAIL[/]"
        table.add_row(escape(check.name), number(check.value), check.op, number(check.threshold),
                      verdict)
    console().print(table)
