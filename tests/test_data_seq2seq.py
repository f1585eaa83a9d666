"""The generated seq2seq and coreference data: right answers, fixed splits, seeded."""

import datetime

import numpy as np
import pytest

from glassnet.data import coreference, seq2seq


def test_the_issues_date_examples_are_written_as_people_write_them():
    day = datetime.date(1979, 5, 3)  # a Thursday
    written = {name: fmt(day) for name, fmt in seq2seq.FORMATS.items()}
    assert written["weekday, day month year"] == "Thursday, 3 May 1979"
    assert written["d/m/yy"] == "3/5/79"
    assert written["month dayth, year"] == "May 3rd, 1979"
    assert [seq2seq.ordinal(d) for d in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 31)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "31st"]


def test_every_written_date_parses_back_to_its_iso_date():
    month = {name[:3].lower(): i + 1 for i, name in enumerate(seq2seq.MONTHS)}
    for text, target in seq2seq.date_pairs(500, rng=0):
        words = text.replace(",", " ").replace("/", " ").replace(".", " ").lower().split()
        numbers = [int(w.rstrip("stndrh")) for w in words if w[0].isdigit()]
        names = [month[w[:3]] for w in words if w[:3] in month]
        year = max(numbers) if max(numbers) > 31 else numbers[-1]
        year = year if year > 99 else (1900 + year if year >= 50 else 2000 + year)
        day = next(n for n in numbers if n <= 31)
        expected = datetime.date(year, names[0] if names else numbers[1], day)
        assert target == expected.isoformat(), text


def test_train_and_test_dates_never_meet_and_the_same_seed_repeats():
    train = set(seq2seq.random_dates(4000, rng=1, split="train"))
    test = set(seq2seq.random_dates(1000, rng=2, split="test"))
    assert not train & test
    assert seq2seq.date_pairs(20, rng=5) == seq2seq.date_pairs(20, rng=5)
    assert set("".join(a + b for a, b in seq2seq.date_pairs(500, rng=3))) <= set(
        seq2seq.date_alphabet())


def test_is_held_out_names_exactly_the_days_the_test_split_draws():
    test = set(seq2seq.random_dates(2000, rng=6, split="test"))
    train = set(seq2seq.random_dates(2000, rng=7, split="train"))
    assert all(seq2seq.is_held_out(day) for day in test)
    assert not any(seq2seq.is_held_out(day) for day in train)
    with pytest.raises(ValueError, match="outside"):
        seq2seq.is_held_out(datetime.date(1949, 12, 31))


def test_string_tasks():
    for source, target in seq2seq.string_task(50, 8, "reverse", rng=0):
        assert target == source[::-1] and len(source) == 8
    for source, target in seq2seq.string_task(50, 5, "sort", rng=0):
        assert target == "".join(sorted(source))
    with pytest.raises(ValueError, match="task must be"):
        seq2seq.string_task(1, 3, "shuffle")


def test_coreference_sentences_mark_what_it_refers_to():
    vocab = coreference.vocabulary()
    data = coreference.sentences(400, rng=0)
    assert data.ids.shape[0] == 400 and vocab[0] == coreference.PAD
    for row in range(len(data.ids)):
        words = data.words[row]
        assert words[data.it[row]] == "it"
        assert words[data.animal[row]] in coreference.ANIMALS
        assert words[data.place[row]] in coreference.PLACES
        adjective = words[-1]
        if data.refers_to[row] == coreference.ANIMAL:
            assert adjective in coreference.ANIMAL_ADJECTIVES
            assert vocab[data.referent[row]] == words[data.animal[row]]
        else:
            assert adjective in coreference.PLACE_ADJECTIVES
            assert vocab[data.referent[row]] == words[data.place[row]]
        assert [vocab[i] for i in data.ids[row, : len(words)]] == words
    assert abs(np.mean(data.refers_to) - 0.5) < 0.01


def test_held_out_pairs_never_appear_in_training_and_every_noun_does():
    held = coreference.held_out_pairs()
    assert len(held) == 100
    train = coreference.sentences(3000, "train", rng=1)
    pairs = {(coreference.ANIMALS.index(w[a]), coreference.PLACES.index(w[p]))
             for w, a, p in zip(train.words, train.animal, train.place)}
    assert not pairs & held
    assert {a for a, _ in pairs} == set(range(20)) and {p for _, p in pairs} == set(range(20))
    test = coreference.sentences(300, "test", rng=2)
    assert all((coreference.ANIMALS.index(w[a]), coreference.PLACES.index(w[p])) in held
               for w, a, p in zip(test.words, test.animal, test.place))
