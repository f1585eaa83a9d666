"""INTERIM, TO BE DELETED: a stand-in for ``glassnet.data.wiki`` until helper l-language's
dataset (branch l-language, commit 1c6b3f3, glassnet/data/prose.py) lands on main. The bert-gpt
lesson imports the registered dataset when it exists and falls back to this loader otherwise;
once ``glassnet.data.wiki`` is on main, delete this file and the fallback import in
bert_gpt.py.

Same source and the same API: the 106 Wikipedia articles that the gensim 4.4.0 wheel ships as
test data (CC BY-SA 3.0), as a list of (title, text), markup stripped more crudely than in
prose.py. Cached as ``l-gpt-interim-wiki.json`` in the glassnet cache (a name no registered
dataset uses).
"""

import bz2
import html
import json
import re
import tempfile
from xml.etree import ElementTree

from glassnet.data import sources

_MEMBER = "gensim/test/test_data/enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
_SOURCE = sources.Source(
    name="wiki", package="gensim", version="4.4.0", members=(_MEMBER,),
    sha256="a53f4648dec40467ebdcbc7a1307eddb51fe6e28e9309f6ebde81ba0d04bea2d",
    filename="l-gpt-interim-wiki.json", convert=None, licence="CC BY-SA 3.0", citation="",
    pip_args=("--platform", "manylinux_2_28_x86_64", "--python-version", "3.11",
              "--implementation", "cp", "--abi", "cp311"))
_NESTED = [re.compile(p, re.DOTALL) for p in (r"\{\{(?:(?!\{\{|\}\}).)*?\}\}",
                                               r"\{\|(?:(?!\{\|).)*?\|\}")]
_LINK = re.compile(r"\[\[((?:(?!\[\[|\]\]).)*?)\]\]", re.DOTALL)
_DROP = re.compile(r"<!--.*?-->|<ref[^>]*?(/>|>.*?</ref>)|<[^<>]+>|'{2,}|\[https?://\S+ ?|\]",
                   re.DOTALL)


def _strip(markup):
    for pattern in _NESTED:
        count = 1
        while count:
            markup, count = pattern.subn("", markup)
    markup = _LINK.sub(lambda m: "" if re.match(r"\s*:?[A-Za-z -]+:", m[1]) else
                       m[1].split("|")[-1], markup)
    lines = []
    for line in html.unescape(_DROP.sub("", markup)).splitlines():
        line = " ".join(line.strip("=*#:; ").split())
        if line.lower() in ("see also", "references", "external links", "notes"):
            break
        if line and not line.startswith(("|", "!", "{", "}")):
            lines.append(line)
    return "\n".join(lines)


def wiki(download=True):
    """The Wikipedia articles as a list of (title, text), one paragraph a line. Fetched on first
    use whatever `download` says: `glassnet data fetch` does not know this interim file."""
    path = sources.cache_dir() / _SOURCE.filename
    if not path.exists():
        with tempfile.TemporaryDirectory() as folder:
            contents = sources.read_members(sources._pip_download(_SOURCE, folder), _SOURCE)
        if sources.members_digest(contents) != _SOURCE.sha256:
            raise sources.DataUnavailable("wiki (interim): checksum mismatch")
        root = ElementTree.fromstring(bz2.decompress(contents[_MEMBER]))
        spaces = {"m": root.tag[1:].split("}")[0]}
        pages = [(page.findtext("m:title", "", spaces),
                  _strip(page.findtext("m:revision/m:text", "", spaces)))
                 for page in root.iterfind("m:page", spaces)
                 if page.findtext("m:ns", "", spaces) == "0"
                 and page.find("m:redirect", spaces) is None]
        pages = [(title, text) for title, text in pages if text]
        sources.atomic_write(path, json.dumps(pages, ensure_ascii=False).encode("utf-8"))
    return [tuple(page) for page in json.loads(path.read_text(encoding="utf-8"))]
