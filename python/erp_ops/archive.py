"""The audit archive file format: writing, reading and checking one UTC month of the trail.

An archive of month ``YYYY-MM`` is two files in one directory:

``erp-audit-YYYY-MM.jsonl.gz``
    gzip of a JSON-lines file. Line 1 is a header object::

        {"format": "erp.base audit archive", "format_version": 1, "month": "YYYY-MM",
         "erp_version": "0.2.0", "created_at": "2026-...Z", "database": "erp"}

    then one line per event, exactly the text ``erp.audit_month_export(month)`` returned (the
    canonical form of ``erp._audit_canonical``), in id order. Every line ends with ``\\n``.

``erp-audit-YYYY-MM.manifest.json``
    ``{"file", "month", "events", "sha256", "file_sha256", "header"}``: ``sha256`` is the
    month digest over the event lines (not the header), the same value as
    ``erp.audit_month_digest(month)``::

        h = "0" * 64
        for line in lines:  h = sha256_hex(h + sha256_hex(line))

    and ``file_sha256`` the SHA-256 of the ``.gz`` file itself.

Both files are written under temporary names and renamed at the end, manifest last; a file
without its manifest is not a finished archive.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import hashlib
import json
import os
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

FORMAT = "erp.base audit archive"
FORMAT_VERSION = 1
ZERO_DIGEST = "0" * 64
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_SUFFIX = ".jsonl.gz"
_CHUNK = 1 << 20


class ArchiveError(ValueError):
    """An archive file that is not what it claims (bad header, digest or checksum)."""


def parse_month(text: str) -> dt.date:
    """``YYYY-MM`` -> the first day of that month; ValueError otherwise."""
    m = _MONTH.match(text or "")
    if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 1970:
        raise ValueError(f"{text!r} is not a month (YYYY-MM, 1970 or later)")
    return dt.date(int(m.group(1)), int(m.group(2)), 1)


def month_text(month: dt.date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def archive_name(month: dt.date) -> str:
    return f"erp-audit-{month_text(month)}{_SUFFIX}"


def manifest_name(month: dt.date) -> str:
    return f"erp-audit-{month_text(month)}.manifest.json"


def manifest_path_for(archive: Path) -> Path:
    """The manifest that belongs next to an archive file."""
    name = archive.name
    stem = name[: -len(_SUFFIX)] if name.endswith(_SUFFIX) else archive.stem
    return archive.with_name(stem + ".manifest.json")


class Digest:
    """The running month digest: ``h = sha256_hex(h + sha256_hex(line))`` from 64 zeros."""

    def __init__(self) -> None:
        self.events = 0
        self.hexdigest = ZERO_DIGEST

    def update(self, line: str) -> None:
        inner = hashlib.sha256(line.encode("utf-8")).hexdigest()
        self.hexdigest = hashlib.sha256((self.hexdigest + inner).encode("ascii")).hexdigest()
        self.events += 1


def digest_lines(lines: Iterable[str]) -> tuple[int, str]:
    d = Digest()
    for line in lines:
        d.update(line)
    return d.events, d.hexdigest


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def make_header(month: dt.date, erp_version: str, database: str,
                created_at: dt.datetime | None = None) -> dict:
    created = (created_at or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "month": month_text(month),
        "erp_version": erp_version,
        "created_at": created.isoformat(timespec="microseconds").replace("+00:00", "Z"),
        "database": database,
    }


@dataclass
class Manifest:
    file: str
    month: str
    events: int
    sha256: str
    file_sha256: str
    header: dict

    def as_dict(self) -> dict:
        return {"file": self.file, "month": self.month, "events": self.events,
                "sha256": self.sha256, "file_sha256": self.file_sha256, "header": self.header}

    @classmethod
    def load(cls, path: Path) -> Manifest:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            return cls(file=str(data["file"]), month=str(data["month"]),
                       events=int(data["events"]), sha256=str(data["sha256"]),
                       file_sha256=str(data["file_sha256"]), header=dict(data["header"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise ArchiveError(f"{path}: not an archive manifest ({exc})") from exc


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system lets a directory be opened
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_archive(out_dir: Path, month: dt.date, header: dict, lines: Iterable[str],
                  progress: Callable[[int], None] | None = None) -> tuple[Path, Path, Manifest]:
    """Writes the archive and its manifest for ``month`` into ``out_dir``; returns their paths
    and the manifest. ``lines`` are the canonical event lines (without newline), in id order;
    ``progress(n)`` is called after every 1000 lines and at the end with the lines written
    since its last call."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / archive_name(month)
    final_manifest = out_dir / manifest_name(month)
    tag = f".tmp-{os.getpid()}"
    tmp = out_dir / f".{final.name}{tag}"
    tmp_manifest = out_dir / f".{final_manifest.name}{tag}"
    digest = Digest()
    pending = 0
    try:
        with open(tmp, "wb") as raw:
            # the name stored in the gzip header is the final one, and no timestamp: the same
            # events give the same bytes
            with gzip.GzipFile(filename=final.name[: -len(".gz")], mode="wb", fileobj=raw,
                               mtime=0) as gz:
                gz.write((json.dumps(header, sort_keys=True) + "\n").encode("utf-8"))
                for line in lines:
                    if "\n" in line or "\r" in line:
                        raise ArchiveError("an exported line contains a line break")
                    gz.write(line.encode("utf-8") + b"\n")
                    digest.update(line)
                    pending += 1
                    if progress and pending >= 1000:
                        progress(pending)
                        pending = 0
            raw.flush()
            os.fsync(raw.fileno())
        if progress and pending:
            progress(pending)
        manifest = Manifest(file=final.name, month=month_text(month), events=digest.events,
                            sha256=digest.hexdigest, file_sha256=file_sha256(tmp),
                            header=header)
        with open(tmp_manifest, "w", encoding="utf-8") as f:
            json.dump(manifest.as_dict(), f, indent=2, sort_keys=True)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        # manifest last: at every moment, a manifest present describes the file next to it
        final_manifest.unlink(missing_ok=True)
        _fsync_dir(out_dir)
        os.replace(tmp, final)
        os.replace(tmp_manifest, final_manifest)
        _fsync_dir(out_dir)
    finally:
        tmp.unlink(missing_ok=True)
        tmp_manifest.unlink(missing_ok=True)
    return final, final_manifest, manifest


def check_header(header: object, source: object = "archive") -> dict:
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ArchiveError(f"{source}: not an erp.base audit archive (bad header)")
    if header.get("format_version") != FORMAT_VERSION:
        raise ArchiveError(f"{source}: archive format version {header.get('format_version')!r} "
                           f"is not supported (this harness reads {FORMAT_VERSION})")
    try:
        parse_month(str(header.get("month")))
    except ValueError as exc:
        raise ArchiveError(f"{source}: bad month in header ({exc})") from exc
    return header


@contextlib.contextmanager
def open_archive(path: Path) -> Iterator[tuple[dict, Iterator[str]]]:
    """Opens an archive: ``(header, lines)`` where ``lines`` yields the event lines (without
    newline). Any damage found while reading raises :class:`ArchiveError`."""
    path = Path(path)
    with gzip.open(path, "rb") as gz:
        def lines() -> Iterator[str]:
            try:
                for raw in gz:
                    if not raw.endswith(b"\n"):
                        raise ArchiveError(f"{path}: truncated (last line has no newline)")
                    yield raw[:-1].decode("utf-8")
            except (OSError, EOFError, UnicodeDecodeError, zlib.error) as exc:  # CRC, truncated
                raise ArchiveError(f"{path}: damaged ({exc})") from exc

        it = lines()
        try:
            first = next(it)
        except StopIteration:
            raise ArchiveError(f"{path}: empty file, no header") from None
        except ArchiveError:
            raise
        try:
            header = json.loads(first)
        except ValueError as exc:
            raise ArchiveError(f"{path}: the first line is not a JSON header") from exc
        yield check_header(header, path), it


@dataclass
class ArchiveCheck:
    header: dict
    events: int
    sha256: str
    file_sha256: str
    manifest: Manifest | None


def read_archive(path: Path, on_line: Callable[[str], None] | None = None) -> ArchiveCheck:
    """Reads a whole archive, recomputing its event count, digest and file checksum (no
    manifest comparison). ``on_line`` sees every event line."""
    digest = Digest()
    with open_archive(path) as (header, lines):
        for line in lines:
            digest.update(line)
            if on_line:
                on_line(line)
    return ArchiveCheck(header, digest.events, digest.hexdigest, file_sha256(path), None)


def verify_archive(path: Path, manifest: Manifest | Path | None = None,
                   on_line: Callable[[str], None] | None = None) -> ArchiveCheck:
    """Reads an archive and compares it with its manifest (the given one, else the one next
    to it if present): events, digest, file checksum, month and header. Raises
    :class:`ArchiveError` on the first difference."""
    path = Path(path)
    if manifest is None:
        candidate = manifest_path_for(path)
        manifest = candidate if candidate.exists() else None
    if isinstance(manifest, (str, Path)):
        manifest = Manifest.load(Path(manifest))
    check = read_archive(path, on_line)
    check.manifest = manifest
    if manifest is None:
        return check
    problems = []
    if manifest.file_sha256 != check.file_sha256:
        problems.append(f"file sha256 {check.file_sha256[:12]} is not the manifest's "
                        f"{manifest.file_sha256[:12]}")
    if manifest.events != check.events:
        problems.append(f"{check.events} events, the manifest says {manifest.events}")
    if manifest.sha256 != check.sha256:
        problems.append(f"digest {check.sha256[:12]} is not the manifest's "
                        f"{manifest.sha256[:12]}")
    if manifest.month != check.header.get("month") or manifest.header != check.header:
        problems.append("the header differs from the manifest's")
    if problems:
        raise ArchiveError(f"{path}: does not match its manifest: " + "; ".join(problems))
    return check
