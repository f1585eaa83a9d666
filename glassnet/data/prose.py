"""English prose for word vectors, from the test data that the gensim wheel ships (the same pinned
wheel as the `analogies` source, downloaded once for all three): 106 Wikipedia articles with
their markup stripped (`wiki`) and the Lee news corpus of 300 articles (`lee`).

    wiki  gensim/test/test_data/enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2
          a 2016 export of the first pages of the English Wikipedia (Anarchism, Autism, Albedo,
          ... Algorithm), 206 pages of which 106 are articles and 100 redirects; CC BY-SA 3.0
    lee   gensim/test/test_data/lee_background.cor: 300 Australian news articles (Lee, Pincombe
          & Welsh 2005), one a line

The Wikipedia converter keeps the running prose of each article: templates ({{...}}), tables,
references, comments, files and categories go; links keep their text; headings become lines;
the reference sections at the end (See also, Notes, References, External links, ...) are cut.
"""

import bz2
import html
import json
import re
from xml.etree import ElementTree

from glassnet.data import sources

_GENSIM = {"package": "gensim", "version": "4.4.0",
           # the wheel is built per platform; the same one as the `analogies` source
           "pip_args": ("--platform", "manylinux_2_28_x86_64", "--python-version", "3.11",
                        "--implementation", "cp", "--abi", "cp311")}
_WIKI = "gensim/test/test_data/enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
_LEE = "gensim/test/test_data/lee_background.cor"

# ---- Wikipedia markup to prose ----

_DROPPED_ELEMENTS = re.compile(
    r"<(ref|math|gallery|timeline|syntaxhighlight|source|score|imagemap|chem|hiero)\b[^>]*?"
    r"(/>|>.*?</\1\s*>)", re.DOTALL | re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
# innermost first (no "{{" or "}}" inside): templates nest, and may hold single braces
_TEMPLATE = re.compile(r"\{\{(?:(?!\{\{|\}\}).)*?\}\}", re.DOTALL)
_TABLE = re.compile(r"\{\|(?:(?!\{\|).)*?\|\}", re.DOTALL)  # innermost table first
# innermost: a file's caption holds links, and single brackets ("[and]")
_LINK = re.compile(r"\[\[((?:(?!\[\[|\]\]).)*?)\]\]", re.DOTALL)
_NAMESPACED = re.compile(r"^\s*:?\s*([A-Za-z][A-Za-z -]*):")  # File:, Category:, fr:, ...
_EXTERNAL = re.compile(r"\[(?:https?:|ftp:)?//[^\s\]]+\s*([^\]]*)\]")
_BARE_URL = re.compile(r"https?://\S+")
_QUOTES = re.compile(r"'{2,}")  # ''italic'', '''bold'''
_HEADING = re.compile(r"^(=+)\s*(.*?)\s*\1\s*$", re.MULTILINE)
_LIST_MARK = re.compile(r"^[*#:;]+\s*", re.MULTILINE)
_END_SECTIONS = ("see also", "notes", "references", "external links", "further reading",
                 "bibliography", "sources", "citations", "footnotes")


def _until_stable(pattern, replacement, text):
    """Apply a substitution until nothing changes (for structures that nest)."""
    while True:
        text, count = pattern.subn(replacement, text)
        if not count:
            return text


def _link_text(match):
    """[[target|label]] -> label, [[target]] -> target; files, categories and links to other
    languages' articles -> nothing."""
    inner = match.group(1)
    if _NAMESPACED.match(inner):
        return ""
    return inner.split("|")[-1]


def wiki_to_text(markup):
    """One article's wikitext -> plain prose: one paragraph (or heading) a line."""
    text = _COMMENT.sub("", markup)
    text = _DROPPED_ELEMENTS.sub("", text)
    text = _until_stable(_TEMPLATE, "", text)
    text = _until_stable(_TABLE, "", text)
    text = _until_stable(_LINK, _link_text, text)
    text = _EXTERNAL.sub(lambda m: m.group(1), text)
    text = html.unescape(_TAG.sub("", text))  # &nbsp; &ndash; and friends, after the tags
    text = _BARE_URL.sub("", _QUOTES.sub("", text))
    lines = []
    for line in _LIST_MARK.sub("", text).splitlines():
        heading = _HEADING.match(line)
        if heading:
            if heading.group(2).strip().lower() in _END_SECTIONS:
                break
            line = heading.group(2)
        line = " ".join(line.replace("\u00a0", " ").split())
        if line and not line.startswith(("|", "!", "{", "}")):  # leftovers of broken tables
            lines.append(line)
    return "\n".join(lines)


def _convert_wiki(contents):
    """The bz2 XML dump -> JSON {"titles": [...], "texts": [...]} of the articles (namespace 0,
    not redirects), in the dump's order."""
    (raw,) = contents.values()
    root = ElementTree.fromstring(bz2.decompress(raw))
    namespace = {"m": root.tag[1:].split("}")[0]} if root.tag.startswith("{") else {"m": ""}
    titles, texts = [], []
    for page in root.iterfind("m:page", namespace):
        if page.findtext("m:ns", "", namespace) != "0" or page.find("m:redirect", namespace) is not None:
            continue
        text = wiki_to_text(page.findtext("m:revision/m:text", "", namespace))
        if text:
            titles.append(page.findtext("m:title", "", namespace))
            texts.append(text)
    if not texts:
        raise sources.DataUnavailable("wiki: the dump holds no article; the pin is wrong")
    return json.dumps({"titles": titles, "texts": texts}, ensure_ascii=False).encode("utf-8")


sources.register(sources.Source(
    name="wiki", members=(_WIKI,),
    sha256="a53f4648dec40467ebdcbc7a1307eddb51fe6e28e9309f6ebde81ba0d04bea2d",
    filename="wiki.json", convert=_convert_wiki,
    licence="Wikipedia text: CC BY-SA 3.0 (and GFDL), its authors; gensim packaging: "
            "LGPL-2.1-only",
    citation="Wikipedia contributors, English Wikipedia, pages-articles dump (2016), its first "
             "articles (Anarchism ... Algorithm), as shortened for gensim's tests (R. Rehurek, "
             "P. Sojka); https://dumps.wikimedia.org/",
    description="106 English Wikipedia articles as plain prose (markup stripped)",
    **_GENSIM,
))


def _convert_lee(contents):
    """lee_background.cor (one article a line) -> the same text, one article a line, with
    surrounding blanks removed; checks there are 300."""
    (raw,) = contents.values()
    articles = [line.strip() for line in raw.decode("utf-8").splitlines() if line.strip()]
    if len(articles) != 300:
        raise sources.DataUnavailable(f"lee: expected 300 articles, found {len(articles)}")
    return ("\n".join(articles) + "\n").encode("utf-8")


sources.register(sources.Source(
    name="lee", members=(_LEE,),
    sha256="5d78d6dafd953bbf65797bef09a9ffb9ec430583381be705f8fd460000f370fb",
    filename="lee.txt", convert=_convert_lee,
    licence="Lee corpus: no licence stated (articles of the Australian Broadcasting "
            "Corporation's news mail service, given by M. D. Lee to gensim, which redistributes "
            "them as test data); gensim packaging: LGPL-2.1-only",
    citation="M. D. Lee, B. Pincombe, M. Welsh, An empirical evaluation of models of text "
             "document similarity, Proc. 27th Annual Conference of the Cognitive Science "
             "Society, 2005 (the background corpus). Shipped as test data in gensim.",
    description="300 short news articles (the Lee background corpus), one a line",
    **_GENSIM,
))


def wiki(download=True):
    """The 106 Wikipedia articles: a list of (title, text), text one paragraph a line."""
    record = json.loads(sources.load_path("wiki", download).read_text(encoding="utf-8"))
    return list(zip(record["titles"], record["texts"]))


def lee(download=True):
    """The 300 Lee news articles: a list of strings."""
    return sources.load_path("lee", download).read_text(encoding="utf-8").splitlines()
