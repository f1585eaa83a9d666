"""Generated sequence-to-sequence tasks for the Transformer lesson: dates written the many ways
people write them, to be normalised to ISO 8601 (1979-05-03), and string tasks whose length is a
knob (reverse, sort), where a model without attention must squeeze the whole input into one
vector.

Everything is character-level text, seeded and deterministic. Dates run from 1950-01-01 to
2049-12-31, so a two-digit year is unambiguous (50-99 -> 19xx, 00-49 -> 20xx); numeric dates are
day first (3/5/79 is the 3rd of May), as in most of the world.
"""

import datetime

import numpy as np

from glassnet import random

FIRST, LAST = datetime.date(1950, 1, 1), datetime.date(2049, 12, 31)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def ordinal(day):
    """1 -> '1st', 2 -> '2nd', 3 -> '3rd', 11 -> '11th', 22 -> '22nd'."""
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


# one function a format: date -> text; the first three are the examples
FORMATS = {
    "weekday, day month year": lambda d: f"{WEEKDAYS[d.weekday()]}, {d.day} {MONTHS[d.month - 1]} {d.year}",
    "d/m/yy": lambda d: f"{d.day}/{d.month}/{d.year % 100:02d}",
    "month dayth, year": lambda d: f"{MONTHS[d.month - 1]} {ordinal(d.day)}, {d.year}",
    "day mon year": lambda d: f"{d.day} {MONTHS[d.month - 1][:3]} {d.year}",
    "dd.mm.yyyy": lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",
    "MON d, yyyy": lambda d: f"{MONTHS[d.month - 1][:3].upper()} {d.day}, {d.year}",
    "the dayth of month yyyy": lambda d: f"the {ordinal(d.day)} of {MONTHS[d.month - 1]} {d.year}",
    "wkd d mon yy": lambda d: f"{WEEKDAYS[d.weekday()][:3]} {d.day} {MONTHS[d.month - 1][:3]} {d.year % 100:02d}",
}


def iso(date):
    return date.isoformat()  # '1979-05-03'


def random_dates(n, rng=None, split="all", test_fraction=0.2):
    """n dates drawn uniformly from FIRST..LAST. split 'train' or 'test' draws only from a fixed
    partition of the days (every 5th day, by a fixed hash, is a test day), so test dates were
    never seen in training in any format."""
    if split not in ("train", "test", "all"):
        raise ValueError(f"random_dates: split must be 'train', 'test' or 'all', got {split!r}")
    gen = random.generator(rng)
    days = np.arange((LAST - FIRST).days + 1)
    if split != "all":
        is_test = _test_days(test_fraction)
        days = days[is_test if split == "test" else ~is_test]
    chosen = days[gen.integers(len(days), size=n)]
    return [FIRST + datetime.timedelta(days=int(day)) for day in chosen]


def _test_days(test_fraction=0.2):
    """(days,) bool, fixed: which days from FIRST on are test days."""
    return np.random.default_rng(1979).random((LAST - FIRST).days + 1) < test_fraction


def is_held_out(date, test_fraction=0.2):
    """Whether random_dates(split='test') draws this date (and split='train' never does)."""
    if not FIRST <= date <= LAST:
        raise ValueError(f"is_held_out: {date} is outside {FIRST}..{LAST}")
    return bool(_test_days(test_fraction)[(date - FIRST).days])


def date_pairs(n, rng=None, split="all", formats=None):
    """[(written date, ISO date)] with a random format for each (from `formats`, default all)."""
    gen = random.generator(rng)
    names = list(formats or FORMATS)
    unknown = [name for name in names if name not in FORMATS]
    if unknown:
        raise ValueError(f"date_pairs: unknown format(s) {unknown}; formats: {list(FORMATS)}")
    dates = random_dates(n, gen, split)
    picks = gen.integers(len(names), size=n)
    return [(FORMATS[names[k]](date), iso(date)) for date, k in zip(dates, picks)]


def date_alphabet():
    """Every character any format or ISO date uses, sorted."""
    chars = set("0123456789-/., ")
    for text in (*MONTHS, *WEEKDAYS, "the of st nd rd th"):
        chars.update(text)
        chars.update(text.upper()[:3])
    return "".join(sorted(chars))


def string_task(n, length, task="reverse", alphabet="abcdefghij", rng=None):
    """[(source, target)] of `length` random letters each: target is the source reversed
    ('reverse') or sorted ('sort')."""
    if task not in ("reverse", "sort"):
        raise ValueError(f"string_task: task must be 'reverse' or 'sort', got {task!r}")
    if length < 1:
        raise ValueError(f"string_task: length must be >= 1, got {length}")
    gen = random.generator(rng)
    letters = np.array(list(alphabet))
    pairs = []
    for row in letters[gen.integers(len(letters), size=(n, length))]:
        source = "".join(row)
        pairs.append((source, source[::-1] if task == "reverse" else "".join(sorted(row))))
    return pairs
