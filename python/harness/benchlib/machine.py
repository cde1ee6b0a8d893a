"""What the numbers were measured on: the machine, the server and its durability settings."""

from __future__ import annotations

import os
import platform
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

SETTINGS = ("fsync", "synchronous_commit", "full_page_writes", "wal_sync_method",
            "commit_delay", "wal_level", "shared_buffers", "max_connections",
            "max_wal_size", "checkpoint_timeout", "data_directory")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def filesystem_of(path: str) -> str | None:
    """The type of the file system holding ``path`` (from /proc/mounts), if it is local."""
    try:
        target = os.path.realpath(path)
        if not os.path.exists(target):
            return None
        best, fstype = "", None
        for line in Path("/proc/mounts").read_text().splitlines():
            parts = line.split()
            if len(parts) < 3:
                continue
            mount = parts[1]
            inside = target == mount or target.startswith(mount.rstrip("/") + "/")
            if inside and len(mount) > len(best):
                best, fstype = mount, parts[2]
        return fstype
    except OSError:
        return None


def _uname() -> str:
    try:
        return subprocess.run(["uname", "-a"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return " ".join(platform.uname())


def machine() -> dict:
    return {
        "uname": _uname(),
        "cpu_model": _cpu_model(),
        "nproc": os.cpu_count(),
        "ram_gib": _ram_gib(),
        "python": platform.python_version(),
    }


def server(conn: psycopg.Connection) -> dict:
    version = conn.execute("SELECT version()").fetchone()[0]
    settings = {name: conn.execute(
        "SELECT current_setting(%s, true)", (name,)).fetchone()[0] for name in SETTINGS}
    fs = filesystem_of(settings.get("data_directory") or "")
    problems = []
    if settings.get("fsync") != "on":
        problems.append("fsync is off")
    if settings.get("synchronous_commit") not in ("on", "remote_write", "remote_apply"):
        problems.append(f"synchronous_commit is {settings.get('synchronous_commit')}")
    if fs in ("tmpfs", "ramfs"):
        problems.append(f"the data directory is on {fs}")
    return {"version": version, "settings": settings, "data_directory_fs": fs,
            "production_like": not problems, "problems": problems}


def fdatasync_us(directory: str | None, seconds: float = 0.5) -> float | None:
    """Median time of an 8 kB write + fdatasync in ``directory`` (the file system of the data
    directory when it is local), in µs: what one commit waits for at least. Disks of
    virtual machines vary a lot over time; measured before and after the run."""
    for d in [directory] if directory and os.path.isdir(directory) else []:
        try:
            fd, path = tempfile.mkstemp(prefix="erp-bench-fsync-", dir=d)
        except OSError:
            continue
        try:
            block = b"\0" * 8192
            times = []
            end = time.perf_counter() + seconds
            while time.perf_counter() < end or len(times) < 5:
                os.pwrite(fd, block, 0)
                t0 = time.perf_counter()
                os.fdatasync(fd)
                times.append(time.perf_counter() - t0)
            times.sort()
            return round(times[len(times) // 2] * 1e6, 1)
        finally:
            os.close(fd)
            os.unlink(path)
    return None
