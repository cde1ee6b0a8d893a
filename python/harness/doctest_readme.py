"""Run the README's psql examples exactly as a DBA would paste them, and compare their output.

Conventions (the README's "Calling it from psql" section points here):

* Every fenced ```` ```sql ```` block is runnable, in document order, unless the line before
  it (blank lines aside) is the HTML comment ``<!-- not tested -->``.
* A ```` ```sh ```` block preceded by ``<!-- doctest: run -->`` is run too, at its place in
  the order. It may contain only ``make bundle`` (the doc-test writes
  :func:`harness.migrate.bundle` to ``dist/erp.sql`` in its working directory, which is what
  ``make bundle`` does) and ``psql …`` command lines, run as written (``psql`` is the server's
  own binary) from that working directory, as the superuser, with ``PGHOST``/``PGPORT`` set
  to the server. Other ``sh`` blocks are documentation, not run.
* The SQL blocks between two such shell steps run in one ``psql`` session (the real binary,
  ``-X -v ON_ERROR_STOP=1``, so ``\\set``, ``\\gset``, ``:'var'`` and ``\\connect`` work as
  they do for a DBA); each session starts as the superuser on the database ``postgres``,
  the DBA's own login. Blocks switch logins themselves with ``\\connect``, as the README
  tells the reader to.
* A ```` ```text ```` block that directly follows a runnable block (blank lines aside) is
  that block's expected output: what psql prints on stdout for it, compared after
  normalising both sides: UUIDs become ``<uuid>`` and timestamps ``<timestamp>`` (so the
  README may show either a real-looking value or the token), trailing whitespace and blank
  lines are dropped, runs of spaces count as one and the dashes of a header rule
  (``---+---``) as one (so alignment does not matter). A runnable block without a ``text``
  block may print anything, but must not fail.
* Anything psql writes to stderr (an error, a WARNING, a NOTICE) fails the run, naming the
  block.

Failures name the block (its number among the README's ``sql`` blocks, its line in the README
and its first line) and quote psql's message.
"""

from __future__ import annotations

import difflib
import os
import re
import shlex
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from harness import migrate

NOT_TESTED = "<!-- not tested -->"
RUN_SHELL = "<!-- doctest: run -->"
MARKER = "@@doctest block {}@@"
MARKER_RE = re.compile(r"^@@doctest block (\d+)@@$")
UUID_RE = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                     r"[0-9a-fA-F]{12}\b")
TIMESTAMP_RE = re.compile(r"\b\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?"
                          r"(?:Z|[+-]\d{2}(?::?\d{2})?)?")
RULE_RE = re.compile(r"^[-+]+$")


class DocTestError(AssertionError):
    """A README example failed or printed something else than the README shows."""


@dataclass
class Block:
    """A fenced code block of the README."""

    lang: str
    line: int  # README line of the block's first content line (1-based)
    text: str
    directive: str | None = None  # the HTML comment right before the fence, if any
    number: int = 0  # among the README's blocks of this language, 1-based
    expected: str | None = None  # the text block that follows, for runnable blocks
    end: int = 0  # index (0-based) of the README line after the closing fence

    @property
    def first_line(self) -> str:
        return next((ln.strip() for ln in self.text.splitlines() if ln.strip()), "")

    @property
    def runnable(self) -> bool:
        if self.lang == "sql":
            return self.directive != NOT_TESTED
        return self.lang == "sh" and self.directive == RUN_SHELL

    def label(self) -> str:
        return f"README {self.lang} block {self.number} (line {self.line}: {self.first_line})"


@dataclass
class Result:
    block: Block
    stdout: str = ""
    stderr: str = ""


@dataclass
class Server:
    """Where to run: the psql binary and a server reachable as its superuser."""

    psql: Path
    host: str
    port: int
    superuser: str
    workdir: Path
    env: dict[str, str] = field(default_factory=dict)

    def environ(self, user: str | None = None, dbname: str = "postgres") -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(PGHOST=self.host, PGPORT=str(self.port), PGUSER=user or self.superuser,
                   PGDATABASE=dbname, LC_ALL="C.UTF-8", LANG="C.UTF-8", PSQL_PAGER="",
                   PAGER="")
        env.pop("PSQLRC", None)
        env.update(self.env)
        return env


# ---- parsing ---------------------------------------------------------------------------------
def parse(markdown: str) -> list[Block]:
    """The fenced blocks, with the directive before each and, for runnable blocks, the
    expected output (a ``text`` block that directly follows)."""
    blocks: list[Block] = []
    lines = markdown.splitlines()
    i = 0
    directive: str | None = None
    counts: dict[str, int] = {}
    while i < len(lines):
        stripped = lines[i].strip()
        fence = re.match(r"^(`{3,})\s*([\w+-]*)\s*$", stripped)
        if fence:
            ticks, lang = fence.group(1), fence.group(2).lower()
            body: list[str] = []
            start = i + 2
            i += 1
            while i < len(lines) and lines[i].strip() != ticks:
                body.append(lines[i])
                i += 1
            counts[lang] = counts.get(lang, 0) + 1
            blocks.append(Block(lang, start, "\n".join(body) + "\n", directive, counts[lang],
                                end=i + 1))
            directive = None
        elif stripped.startswith("<!--") and stripped.endswith("-->"):
            directive = stripped
        elif stripped:
            directive = None
        i += 1
    # a text block right after a runnable block (nothing but blank lines between) is its output
    for prev, cur in zip(blocks, blocks[1:], strict=False):
        between = lines[prev.end:cur.line - 2]  # up to the text block's opening fence
        if prev.runnable and cur.lang == "text" and not "".join(between).strip():
            prev.expected = cur.text
    return blocks


def normalise(text: str) -> list[str]:
    """The comparison form of psql output (see the module docstring)."""
    out = []
    for line in text.splitlines():
        line = TIMESTAMP_RE.sub("<timestamp>", UUID_RE.sub("<uuid>", line)).rstrip()
        if not line:
            continue
        if RULE_RE.match(line.strip()):
            line = re.sub(r"-+", "-", line.strip())
        else:
            line = re.sub(r" {2,}", " ", line)
        out.append(line)
    return out


# ---- running ---------------------------------------------------------------------------------
def _stretches(blocks: list[Block]) -> Iterator[Block | list[Block]]:
    """Runnable blocks grouped: lists of consecutive SQL blocks (one psql session each), and
    the shell blocks between them."""
    current: list[Block] = []
    for block in blocks:
        if not block.runnable:
            continue
        if block.lang == "sql":
            current.append(block)
            continue
        if current:
            yield current
            current = []
        yield block
    if current:
        yield current


def run(markdown: str, server: Server) -> list[Result]:
    """Run every runnable block of ``markdown`` in order; raise :class:`DocTestError` at the
    first block that fails or prints something else than its expected output."""
    results: list[Result] = []
    for item in _stretches(parse(markdown)):
        if isinstance(item, Block):
            results.append(run_shell(item, server))
        else:
            results.extend(run_sql(item, server))
    return results


def run_sql(blocks: list[Block], server: Server) -> list[Result]:
    """One psql session for ``blocks``: the script is the blocks as written, each preceded by
    an ``\\echo`` of a marker that splits the output per block."""
    script = server.workdir / f"readme_{blocks[0].number}.sql"
    text, line_map = [], []  # line_map[i]: (block, README line) of script line i + 1
    for block in blocks:
        text.append(f"\\echo '{MARKER.format(block.number)}'")
        line_map.append((block, block.line))
        for k, line in enumerate(block.text.splitlines()):
            text.append(line)
            line_map.append((block, block.line + k))
    script.write_text("\n".join(text) + "\n")
    proc = subprocess.run([str(server.psql), "-X", "-v", "ON_ERROR_STOP=1", "-f", str(script)],
                          env=server.environ(), cwd=server.workdir, capture_output=True,
                          text=True, timeout=300)
    outputs: dict[int, list[str]] = {}
    current: int | None = None
    for line in proc.stdout.splitlines():
        m = MARKER_RE.match(line)
        if m:
            current = int(m.group(1))
            outputs[current] = []
        elif current is not None:
            outputs[current].append(line)
    by_number = {b.number: b for b in blocks}
    if proc.returncode != 0 or proc.stderr.strip():
        failed = _block_of_message(proc.stderr, script, line_map)
        if failed is None:  # no line number: the block whose output came last
            failed = by_number.get(current or blocks[0].number, blocks[0])
        where = _readme_line(proc.stderr, script, line_map)
        raise DocTestError(
            f"{failed.label()} failed" + (f" at README line {where}" if where else "")
            + f" (psql exit code {proc.returncode}):\n{_clean(proc.stderr, script)}")
    results = []
    for block in blocks:
        out = "\n".join(outputs.get(block.number, [])) + "\n"
        if block.expected is not None:
            want, got = normalise(block.expected), normalise(out)
            if want != got:
                diff = "\n".join(difflib.unified_diff(want, got, "README", "psql", lineterm=""))
                raise DocTestError(f"{block.label()} printed something else than the README "
                                   f"shows (normalised; - README, + psql):\n{diff}")
        results.append(Result(block, out, ""))
    return results


def _script_line(stderr: str, script: Path) -> int | None:
    m = re.search(rf"^psql:{re.escape(str(script))}:(\d+):", stderr, re.M)
    return int(m.group(1)) if m else None


def _block_of_message(stderr: str, script: Path, line_map: list) -> Block | None:
    n = _script_line(stderr, script)
    return line_map[n - 1][0] if n and 0 < n <= len(line_map) else None


def _readme_line(stderr: str, script: Path, line_map: list) -> int | None:
    n = _script_line(stderr, script)
    return line_map[n - 1][1] if n and 0 < n <= len(line_map) else None


def _clean(stderr: str, script: Path) -> str:
    return re.sub(rf"^psql:{re.escape(str(script))}:\d+: ", "", stderr.strip(), flags=re.M)


def shell_commands(block: Block) -> list[list[str]]:
    """The command lines of a shell block (continuations joined, comments dropped)."""
    joined = block.text.replace("\\\n", " ")
    commands = []
    for line in joined.splitlines():
        words = shlex.split(line, comments=True)
        if words:
            commands.append(words)
    return commands


def run_shell(block: Block, server: Server) -> Result:
    """A ``<!-- doctest: run -->`` shell block: ``make bundle`` and ``psql`` lines."""
    out, err = [], []
    for words in shell_commands(block):
        if words == ["make", "bundle"]:
            target = server.workdir / "dist" / "erp.sql"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(migrate.bundle())
            out.append(f"wrote {target}\n")
        elif words[0] == "psql":
            proc = subprocess.run([str(server.psql), *words[1:]], env=server.environ(),
                                  cwd=server.workdir, capture_output=True, text=True,
                                  timeout=600)
            if proc.returncode != 0:
                raise DocTestError(f"{block.label()}: `{shlex.join(words)}` failed (exit code "
                                   f"{proc.returncode}):\n{proc.stderr.strip()}")
            out.append(proc.stdout)
            err.append(proc.stderr)
        else:
            raise DocTestError(f"{block.label()}: the doc-test cannot run `{shlex.join(words)}`"
                               f" (only `make bundle` and `psql …`); mark the block "
                               f"differently or extend harness.doctest_readme")
    return Result(block, "".join(out), "".join(err))
