"""Run the examples of the README and of docs/*.md exactly as a DBA would paste them, and
compare their output.

The documents run as one, in the order of :data:`DOCUMENTS` (then any other ``docs/*.md`` by
name): the README installs and tours, the later documents continue on the database it left (a
psql session carries on across documents until a shell step). Every convention below holds
for each of them; "the README" stands for whichever document a block is in.

Conventions (the README's "Documentation" section points here):

* Every fenced ```` ```sql ```` block is runnable, in document order, unless the line before
  it (blank lines aside) is the HTML comment ``<!-- not tested -->``.
* A block preceded by ``<!-- file: <path> -->`` is the content of that file of a worked
  example (``docs/modules.md``): it is not pasted into psql; a test writes the example's files
  into a copy of ``sql/`` and installs and tests the example module from them.
* Every ```` ```sh ```` block is run too, at its place in the order, unless the line before it
  is ``<!-- not run: <why> -->`` (the reason is required: a command that needs a server the
  test does not have, or that takes twenty minutes, says so). A shell block runs as one
  ``/bin/sh -e`` script from the checkout's top directory, as written (``make bundle``,
  ``psql …``, ``.venv/bin/erp-harness …``), with ``PGHOST``/``PGPORT``/``PGUSER`` set to the
  test's server and its superuser and the server's binaries first on ``PATH``; a command that
  fails fails the block.
* A ```` ```crontab ```` block preceded by ``<!-- doctest: cron as <login> -->`` is run line by
  line (the command after the five schedule fields, through ``/bin/sh``) as that login: cron
  mails whatever a job prints, so each job must print nothing (on the freshly installed
  database there is nothing to do).
* The SQL blocks between two such shell steps run in one ``psql`` session (the real binary,
  ``-X -v ON_ERROR_STOP=1``, so ``\\set``, ``\\gset``, ``:'var'`` and ``\\connect`` work as
  they do for a DBA); each session starts as the superuser on the database ``postgres``,
  the DBA's own login. Blocks switch logins themselves with ``\\connect``, as the README
  tells the reader to.
* A ```` ```text ```` block that directly follows a runnable block (blank lines aside) is
  that block's expected output: for SQL what psql prints on stdout, for a shell block its
  stdout and stderr together. Both sides are compared after normalising: UUIDs become
  ``<uuid>`` and timestamps ``<timestamp>`` (so the README may show either a real-looking
  value or the token), trailing whitespace and blank lines are dropped, runs of spaces count
  as one and the dashes of a header rule (``---+---``) as one (so alignment does not matter);
  an ``…`` in the README's line stands for any text (a list of migrations, a line number).
  A runnable block without a ``text`` block may print anything, but must not fail.
* Anything psql writes to stderr during a SQL session (an error, a WARNING, a NOTICE) fails
  the run, naming the block.

Failures name the block (its number among the README's blocks of its language, its line in
the README and its first line) and quote the message.
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

from erp_ops import migrate

DOCUMENTS = ("README.md", "docs/design.md", "docs/operations.md", "docs/benchmarks.md",
             "docs/reference.md")

NOT_TESTED = "<!-- not tested -->"
NOT_RUN = re.compile(r"^<!-- not run: (\S.*\S) -->$")
FILE = re.compile(r"^<!-- file: ([\w./-]+) -->$")
CRON_AS = re.compile(r"^<!-- doctest: cron as ([a-z_][a-z0-9_]*) -->$")
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
    source: str = "README"  # the document it is in

    @property
    def first_line(self) -> str:
        return next((ln.strip() for ln in self.text.splitlines() if ln.strip()), "")

    @property
    def runnable(self) -> bool:
        if self.lang == "sql":
            return self.directive != NOT_TESTED and self.file is None
        if self.lang == "sh":
            return not (self.directive and NOT_RUN.match(self.directive))
        return self.lang == "crontab" and self.cron_login is not None

    @property
    def cron_login(self) -> str | None:
        m = CRON_AS.match(self.directive or "")
        return m.group(1) if m else None

    @property
    def file(self) -> str | None:
        """The path a block marked ``<!-- file: path -->`` is the content of (a worked
        example's file: written out and installed by a test, not pasted into psql)."""
        m = FILE.match(self.directive or "")
        return m.group(1) if m else None

    @property
    def not_run_reason(self) -> str | None:
        m = NOT_RUN.match(self.directive or "")
        return m.group(1) if m else None

    def label(self) -> str:
        return (f"{self.source} {self.lang} block {self.number} (line {self.line}: "
                f"{self.first_line})")


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
    checkout: Path = migrate.ROOT  # where shell blocks run (make bundle writes dist/ there)

    def environ(self, user: str | None = None, dbname: str = "postgres") -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(PGHOST=self.host, PGPORT=str(self.port), PGUSER=user or self.superuser,
                   PGDATABASE=dbname, LC_ALL="C.UTF-8", LANG="C.UTF-8", PSQL_PAGER="",
                   PAGER="")
        env.pop("PSQLRC", None)
        env.update(self.env)
        return env


# ---- parsing ---------------------------------------------------------------------------------
def documents(root: Path = migrate.ROOT) -> list[Path]:
    """The documents the doc-test runs, in their order: :data:`DOCUMENTS` that exist, then
    every other ``docs/*.md`` by name."""
    named = [root / name for name in DOCUMENTS if (root / name).exists()]
    others = sorted(p for p in (root / "docs").glob("*.md") if p not in named)
    return named + others


def parse(markdown: str, source: str = "README") -> list[Block]:
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
                                end=i + 1, source=source))
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


def example_files(markdown: str) -> dict[str, str]:
    """The files of a worked example: every block marked ``<!-- file: path -->``, by path."""
    return {b.file: b.text for b in parse(markdown) if b.file}


def same(want: list[str], got: list[str]) -> bool:
    """Normalised lines equal, an ``…`` in a wanted line matching any text."""
    if len(want) != len(got):
        return False
    for w, g in zip(want, got, strict=True):
        if "…" in w:
            pattern = ".*".join(re.escape(part) for part in w.split("…"))
            if not re.fullmatch(pattern, g):
                return False
        elif w != g:
            return False
    return True


def _compare(block: Block, out: str, what: str) -> None:
    if block.expected is None:
        return
    want, got = normalise(block.expected), normalise(out)
    if not same(want, got):
        diff = "\n".join(difflib.unified_diff(want, got, block.source, what, lineterm=""))
        raise DocTestError(f"{block.label()} printed something else than the README "
                           f"shows (normalised; - README, + {what}):\n{diff}")


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
        if block.lang == "crontab":
            continue  # at the end: see run()
        if current:
            yield current
            current = []
        yield block
    if current:
        yield current


def run(markdown: str, server: Server) -> list[Result]:
    """Run every runnable block of ``markdown`` in order; raise :class:`DocTestError` at the
    first block that fails or prints something else than its expected output."""
    return run_blocks(parse(markdown), server)


def run_documents(paths: list[Path], server: Server) -> list[Result]:
    """The blocks of every document of ``paths``, run as one document in that order."""
    blocks: list[Block] = []
    for path in paths:
        source = (str(path.relative_to(migrate.ROOT)) if path.is_relative_to(migrate.ROOT)
                  else path.name)
        blocks.extend(parse(path.read_text(), source))
    return run_blocks(blocks, server)


def run_blocks(blocks: list[Block], server: Server) -> list[Result]:
    """Run ``blocks`` (from :func:`parse`) as :func:`run` does."""
    results: list[Result] = []
    for item in _stretches(blocks):
        if isinstance(item, Block):
            results.append(run_shell(item, server))
        else:
            results.extend(run_sql(item, server))
    # crontab blocks last, on the database as the README left it: run in place, they would
    # end the psql session whose variables (:'tenant') the later SQL blocks use
    for block in blocks:
        if block.lang == "crontab" and block.runnable:
            results.append(run_crontab(block, server))
    return results


def run_sql(blocks: list[Block], server: Server) -> list[Result]:
    """One psql session for ``blocks``: the script is the blocks as written, each preceded by
    an ``\\echo`` of a marker that splits the output per block."""
    first = blocks[0]
    script = server.workdir / (re.sub(r"\W", "_", first.source.lower())
                               + f"_{first.number}.sql")
    text, line_map = [], []  # line_map[i]: (block, README line) of script line i + 1
    for n, block in enumerate(blocks):
        text.append(f"\\echo '{MARKER.format(n)}'")
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
    by_number = dict(enumerate(blocks))
    if proc.returncode != 0 or proc.stderr.strip():
        failed = _block_of_message(proc.stderr, script, line_map)
        if failed is None:  # no line number: the block whose output came last
            failed = by_number.get(current or 0, blocks[0])
        where = _readme_line(proc.stderr, script, line_map)
        raise DocTestError(
            f"{failed.label()} failed" + (f" at {failed.source} line {where}" if where else "")
            + f" (psql exit code {proc.returncode}):\n{_clean(proc.stderr, script)}")
    results = []
    for k, block in enumerate(blocks):
        out = "\n".join(outputs.get(k, [])) + "\n"
        _compare(block, out, "psql")
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


def _shell_env(server: Server, user: str | None = None) -> dict[str, str]:
    env = server.environ(user)
    for name in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS", "MAKEOVERRIDES"):  # run by `make test`:
        env.pop(name, None)  # a DBA's shell is no sub-make (no "Entering directory" lines)
    env["PATH"] = f"{server.psql.parent}{os.pathsep}{env.get('PATH', os.defpath)}"
    return env


def run_shell(block: Block, server: Server, compare: bool = True) -> Result:
    """A shell block as one ``/bin/sh -e`` script from the checkout; stdout and stderr
    together are its output (compared with the README's unless ``compare`` is false)."""
    proc = subprocess.run(["/bin/sh", "-e", "-c", block.text], env=_shell_env(server),
                          cwd=server.checkout, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=900)
    if proc.returncode != 0:
        raise DocTestError(f"{block.label()} failed (exit code {proc.returncode}):\n"
                           f"{proc.stdout.strip()}")
    if compare:
        _compare(block, proc.stdout, "sh")
    return Result(block, proc.stdout, "")


def cron_jobs(block: Block) -> list[str]:
    """The commands of a crontab block: each line after its five schedule fields."""
    jobs = []
    for line in block.text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            fields = line.split(None, 5)
            if len(fields) < 6:
                raise DocTestError(f"{block.label()}: not a crontab line: {line!r}")
            jobs.append(fields[5])
    return jobs


def run_crontab(block: Block, server: Server) -> Result:
    """Each job twice as the block's login: the first run may report what it did, the second
    (nothing left to do) must print nothing at all, and neither may fail or warn."""
    out = []
    for job in cron_jobs(block):
        for attempt in (1, 2):
            proc = subprocess.run(["/bin/sh", "-c", job], env=_shell_env(server,
                                  block.cron_login), cwd=server.workdir, capture_output=True,
                                  text=True, timeout=600)
            if proc.returncode != 0 or proc.stderr.strip():
                raise DocTestError(f"{block.label()}: `{job}` failed (exit code "
                                   f"{proc.returncode}):\n{proc.stderr.strip()}")
            if attempt == 2 and proc.stdout.strip():
                raise DocTestError(f"{block.label()}: `{job}` printed on a run with nothing "
                                   f"to do (cron would mail it):\n{proc.stdout.strip()}")
            out.append(proc.stdout)
    return Result(block, "".join(out), "")
