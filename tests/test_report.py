"""The tour's HTML report: every check and figure shown, text escaped, nothing fetched."""

import json

from glassnet import report

CHECKS = [
    {"name": "accuracy <b>bold</b> & more", "value": 0.9375, "threshold": 0.9, "op": ">=",
     "passed": True},
    {"name": "loss stays small", "value": 0.25, "threshold": 0.1, "op": "<=", "passed": False},
    {"name": "backward is cheap", "value": 2.5, "threshold": 5, "op": "<=", "passed": True},
]


def _tour_folder(root):
    """A tour folder as run_tour leaves it: one lesson that ran, one that raised."""
    lesson = root / "toy"
    lesson.mkdir(parents=True)
    for name in ("curve.png", "curve.svg", "grid_map.png"):
        (lesson / name).write_bytes(b"figure")
    metrics = {"lesson": "toy", "quick": True, "seed": 3, "seconds": 0.5,
               "versions": {"glassnet": "0.1.0", "numpy": "2.4"},
               "metrics": {"test accuracy": 0.9375, "steps": 120.0, "forward_seconds": 0.003},
               "checks": CHECKS, "timed": ["forward_seconds", "backward is cheap"],
               "texts": {"Samples <at> 0.8": "ROMEO:\nO <b>love</b> & woe\n  indented"},
               "figures": ["curve.png", "curve.svg", "grid_map.png"]}
    (lesson / "metrics.json").write_text(json.dumps(metrics))
    entries = [
        {"lesson": "toy", "title": "Toy <i>title</i>", "idea": "Sums & <script>alert(1)</script>",
         "folder": "toy", "passed": False, "seconds": 0.61, "checks_passed": 2,
         "checks_total": 3, "error": None},
        {"lesson": "broken", "title": "Broken", "idea": "It raises.", "folder": "broken",
         "passed": False, "seconds": 0.01, "checks_passed": 0, "checks_total": 0,
         "error": "Traceback (most recent call last):\nValueError: shape (2, 3) <> (3,)"},
    ]
    summary = {"quick": True, "seed": 3, "seconds": 0.62, "passed": False, "lessons": entries}
    (root / "summary.json").write_text(json.dumps(summary))
    return root


def test_report_shows_every_check_and_figure(tmp_path):
    path = report.write_report(_tour_folder(tmp_path))
    html = path.read_text()
    assert path == tmp_path / "index.html"
    assert "accuracy &lt;b&gt;bold&lt;/b&gt; &amp; more" in html
    assert "loss stays small" in html and "FAIL" in html
    assert html.count('class="pass">pass</td>') == 2
    assert '<img src="toy/curve.png"' in html and '<img src="toy/grid_map.png"' in html
    assert '<a href="toy/curve.svg">SVG</a>' in html
    assert "0.9375" in html and ">=" not in html.replace("&gt;=", "")  # the op is escaped too
    assert "ValueError: shape (2, 3) &lt;&gt; (3,)" in html  # the traceback of the one that raised
    assert 'href="#toy"' in html and 'id="broken"' in html  # summary table links to the lessons
    assert "2/3" in html and "seed 3" in html and "quick" in html


def test_report_marks_the_numbers_read_off_a_clock(tmp_path):
    html = report.write_report(_tour_folder(tmp_path)).read_text()
    assert html.count(">(timed)</span>") == 2  # the timed metric and the timed check
    assert '0.003 <span class="timed"' in html and '2.5 <span class="timed"' in html
    assert '0.9375 <span class="timed"' not in html


def test_report_escapes_text_and_fetches_nothing(tmp_path):
    html = report.write_report(_tour_folder(tmp_path)).read_text()
    assert "<script" not in html and "<b>" not in html and "<i>title" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "http://" not in html and "https://" not in html
    assert "<link" not in html  # the CSS is inline


def test_a_missing_metrics_file_shows_no_stale_numbers(tmp_path):
    _tour_folder(tmp_path)
    (tmp_path / "toy" / "metrics.json").unlink()
    html = report.write_report(tmp_path).read_text()
    assert "loss stays small" not in html and "toy/curve.png" not in html


def test_numbers_are_shown_as_a_reader_wants_them():
    assert report.number(3.0) == "3" and report.number(0.93751) == "0.9375"
    assert report.number(2.5e-07) == "2.5e-07" and report.number(41802.0) == "41,802"
    assert report.number(46330.4) == "46,330" and report.number(-3.25e9) == "-3.25e+09"
    # four digits would make a failing value look equal to its threshold: show more
    assert report._shown(0.91996, 0.92) == ("0.91996", "0.92")
    assert report._shown(0.5, 0.25) == ("0.5", "0.25")


def test_report_shows_text_blocks_as_escaped_monospace(tmp_path):
    html = report.write_report(_tour_folder(tmp_path)).read_text()
    assert "<h3>Samples &lt;at&gt; 0.8</h3>" in html
    assert '<pre class="text">ROMEO:\nO &lt;b&gt;love&lt;/b&gt; &amp; woe\n  indented</pre>' in html
