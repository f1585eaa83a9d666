"""glassnet.data.prose: the Wikipedia and Lee converters on small made-up inputs, their pins, and
(when cached) the real files."""

import bz2
import json

import pytest

from glassnet.data import prose, sources

ARTICLE = """{{Infobox person|name=Ada {{nowrap|Lovelace}}}}
'''Ada''' was a [[mathematician|mathematical]] [[writer]].<ref name="a">A book, p. 1</ref> She
worked with [[Charles Babbage]]<ref>Another book</ref> on the [[Analytical Engine]]
(see [http://example.org the notes]).<!-- a hidden remark -->
[[File:Ada.jpg|thumb|A portrait of [[Ada Lovelace|Ada]]]]
== Early life ==
* She was born in [[London]] in 1815&nbsp;AD.
{| class="wikitable"
| a cell || another
|}
: Her father was [[Lord Byron]] &ndash; a poet.
== References ==
* Everything after this heading is a list of sources.
[[Category:Mathematicians]]
[[fr:Ada Lovelace]]
"""


def test_wiki_markup_becomes_prose():
    assert prose.wiki_to_text(ARTICLE) == (
        "Ada was a mathematical writer. She\n"
        "worked with Charles Babbage on the Analytical Engine\n"
        "(see the notes).\n"
        "Early life\n"
        "She was born in London in 1815 AD.\n"
        "Her father was Lord Byron \u2013 a poet.")


def _dump(pages):
    """A small export in MediaWiki's XML format: (title, namespace, redirect?, text) per page."""
    body = "".join(
        f"<page><title>{title}</title><ns>{ns}</ns>"
        + ('<redirect title="x" />' if redirect else "")
        + f"<revision><text xml:space=\"preserve\">{text}</text></revision></page>"
        for title, ns, redirect, text in pages)
    xml = ('<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.10/" version="0.10">'
           f"<siteinfo><sitename>Wikipedia</sitename></siteinfo>{body}</mediawiki>")
    return bz2.compress(xml.encode())


def test_convert_wiki_keeps_articles_only():
    raw = _dump([("Albedo", 0, False, "'''Albedo''' is [[reflection|reflected]] light."),
                 ("AlbedoRedirect", 0, True, "#REDIRECT [[Albedo]]"),
                 ("Wikipedia:About", 4, False, "Project page."),
                 ("Empty", 0, False, "{{only a template}}"),
                 ("Ampere", 0, False, "The &lt;b&gt;ampere&lt;/b&gt; is a unit.")])
    record = json.loads(prose._convert_wiki({"dump.xml.bz2": raw}))
    assert record == {"titles": ["Albedo", "Ampere"],
                      "texts": ["Albedo is reflected light.", "The ampere is a unit."]}
    with pytest.raises(sources.DataUnavailable, match="no article"):
        prose._convert_wiki({"dump.xml.bz2": _dump([("R", 0, True, "#REDIRECT [[A]]")])})


def test_convert_lee_wants_its_300_articles():
    lines = [f" Article number {i} . " for i in range(300)]
    text = prose._convert_lee({"lee.cor": "\n".join(lines).encode()}).decode()
    assert text.splitlines()[7] == "Article number 7 ." and len(text.splitlines()) == 300
    with pytest.raises(sources.DataUnavailable, match="expected 300 articles, found 2"):
        prose._convert_lee({"lee.cor": b"one\n\ntwo\n"})


def test_wiki_and_lee_pin_the_analogies_wheel():
    analogies = sources.get_source("analogies")
    for name in ("wiki", "lee"):
        source = sources.get_source(name)
        assert (source.requirement, source.pip_args) == (analogies.requirement,
                                                          analogies.pip_args)
        about = sources.info(name)
        assert len(about["sha256"]) == 64 and about["licence"] and about["citation"]
    assert "CC BY-SA 3.0" in sources.get_source("wiki").licence


def _cached(name):
    return sources.cache_status(name) == "cached"


@pytest.mark.skipif(not (_cached("wiki") and _cached("lee")), reason="wiki or lee not cached")
def test_real_wiki_and_lee_from_cache():
    articles = prose.wiki()
    assert len(articles) == 106 and articles[0][0] == "Anarchism"
    words = sum(len(text.split()) for _, text in articles)
    assert 350_000 < words < 500_000
    marks = ("{{", "}}", "[[", "]]", "<ref", "'''")
    assert not any(mark in text for _, text in articles for mark in marks)
    news = prose.lee()
    assert len(news) == 300 and sum(len(a.split()) for a in news) == 59_890
