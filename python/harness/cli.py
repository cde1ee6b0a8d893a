"""Command line: ``.venv/bin/erp-harness <command>`` after ``make setup`` (the console script
of pyproject.toml; ``.venv/bin/python -m harness`` is the same)."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg

from erp_client.errors import ErpError
from erp_ops import migrate as migrate_mod
from erp_ops.errors import UsageError
from harness import cluster as cluster_mod

ROOT = migrate_mod.ROOT


@contextlib.contextmanager
def database(url: str | None, default: str = "temporary", on_disk: bool = False,
             durable: bool = False) -> Iterator[str]:
    """The given database URL; without one, a throwaway embedded cluster for the duration
    (``default="temporary"``) or the running development cluster (``default="dev"``)."""
    if url:
        yield url
        return
    if default == "dev":
        dev = cluster_mod.dev_cluster(ROOT)
        if not cluster_mod.dev_cluster_running(dev):
            raise UsageError("no database: pass --database-url, set DATABASE_URL, or start the "
                             "development cluster with `erp-harness db up`")
        yield dev.url()
        return
    with cluster_mod.Cluster.temporary_cluster(on_disk=on_disk, durable=durable) as c:
        yield c.url()


def cmd_db(args: argparse.Namespace) -> int:
    if args.action == "up":
        c = cluster_mod.dev_cluster_up(ROOT)
        print(c.url())
    elif args.action == "down":
        print("stopped" if cluster_mod.dev_cluster_down(ROOT) else "not running")
    else:
        dev = cluster_mod.dev_cluster(ROOT)
        print(dev.url())
        if not cluster_mod.dev_cluster_running(dev):
            print("(not running: start it with `erp-harness db up`)", file=sys.stderr)
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    with database(args.database_url, default="dev") as url:
        if args.status:
            bad = []
            with psycopg.connect(url) as conn:
                for module in migrate_mod.install_order(migrate_mod.SQL_ROOT, args.module):
                    states = migrate_mod.status(conn, module.path)
                    prefix = "" if module.name == "base" else f"{module.name}/"
                    for s in states:
                        print(f"{s.state:<12} {prefix}{s.filename}  {s.applied_at or ''}")
                    bad += [s for s in states if s.state in ("changed", "missing-file")]
            return 1 if bad else 0
        applied = migrate_mod.migrate(url, dry_run=args.dry_run, module=args.module)
        if not applied and not args.dry_run:
            print("schema is up to date; functions re-applied")
    return 0


def cmd_bundle(args: argparse.Namespace) -> int:
    from erp_ops import build_bundle  # the same writer as `make bundle` (standard library only)

    output = Path(args.output)
    for path in build_bundle.write_all(output.parent, base_name=output.name):
        print(f"wrote {path}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from harness import demo

    if not args.database_url:  # a throwaway cluster: nothing to keep apart
        with database(None) as url:
            return demo.run(url)
    try:
        return demo.run_on_server(args.database_url, in_place=args.in_place)
    except demo.DemoDatabaseError as exc:
        raise UsageError(str(exc)) from exc


def cmd_verify(args: argparse.Namespace) -> int:
    from erp_ops import verify

    if args.tenant is not None:
        try:
            uuid.UUID(args.tenant)
        except ValueError:
            print(f"error: --tenant {args.tenant!r} is not a tenant id (a UUID)", file=sys.stderr)
            return 2

    with database(args.database_url, default="dev") as url:
        return verify.run(url, args.tenant)


def cmd_stress(args: argparse.Namespace) -> int:
    from harness import stress

    if args.workers < 1 or args.seconds <= 0 or args.tenants < 1:
        raise UsageError("--workers, --seconds and --tenants must be positive")
    if not 0 <= args.rollback_rate <= 1 or args.kill_interval < 0:
        raise UsageError("--rollback-rate is between 0 and 1; --kill-interval is 0 or more")
    with database(args.database_url) as url:
        if not args.database_url:  # a fresh throwaway cluster: install the module first
            migrate_mod.migrate(url, log=lambda *_: None)
        return stress.run(url, workers=args.workers, seconds=args.seconds,
                          tenants=args.tenants, kill_interval=args.kill_interval,
                          rollback_rate=args.rollback_rate, seed=args.seed)


def cmd_audit(args: argparse.Namespace) -> int:
    from erp_ops import audit_cmd

    with database(args.database_url, default="dev") as url:
        return audit_cmd.run(url, args)


def cmd_stream(args: argparse.Namespace) -> int:
    from erp_ops import stream

    if bool(args.to) == bool(args.jsonl):
        raise UsageError("pass exactly one of --to URL or --jsonl DIR")
    if not 1 <= args.batch <= stream.MAX_BATCH:
        raise UsageError(f"--batch is between 1 and {stream.MAX_BATCH}")
    if args.poll <= 0 or args.rotate_bytes < 1:
        raise UsageError("--poll and --rotate-bytes must be positive")
    with database(args.database_url, default="dev") as url:
        return stream.run(url, args)


def cmd_generated(args: argparse.Namespace) -> int:
    from erp_ops import generated

    with database(args.database_url) as url:
        if not args.database_url:  # a fresh throwaway cluster: install the module first
            migrate_mod.migrate(url, log=lambda *_: None)
        if args.check:
            problems = list(generated.differences(url))
            problems += generated.schema_differences(url, bindir=cluster_mod.pg_bindir())
            for problem in problems:
                print(f"sql/{problem}")
            if problems:
                print("run `erp-harness generated` and commit the result", file=sys.stderr)
            return 1 if problems else 0
        bindir = cluster_mod.pg_bindir()
        for path in generated.write(url) + generated.write_schemas(url, bindir=bindir):
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


def cmd_reference(args: argparse.Namespace) -> int:
    from harness import reference

    with database(args.database_url) as url:
        if not args.database_url:  # a fresh throwaway cluster: install the module first
            migrate_mod.migrate(url, log=lambda *_: None)
        if args.check:
            current = reference.is_current(url)
            if not current:
                print("docs/reference.md is out of date: run `erp-harness reference`",
                      file=sys.stderr)
            return 0 if current else 1
        print(f"wrote {reference.write(url).relative_to(ROOT)}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from harness import bench

    # benchmarks need real commits: a data directory on disk with fsync on
    with database(args.database_url, on_disk=True, durable=True) as url:
        if args.only:  # a subset goes beside the full report, never over it
            return bench.run(url, quick=args.quick, only=tuple(args.only.split(",")),
                             results_dir=bench.RESULTS / "partial")
        return bench.run(url, quick=args.quick)


def _epilog(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


MAIN_EPILOG = _epilog("""
    examples:
      erp-harness demo                      a guided tour on a throwaway cluster
      erp-harness db up                     start the development cluster (.pgdata/)
      export DATABASE_URL=$(erp-harness db url)
      erp-harness migrate --status          what is applied, what is pending
      erp-harness migrate                   apply pending migrations, re-apply functions
      erp-harness verify                    audit_verify for every tenant
      erp-harness stress --workers 100 --seconds 30 --tenants 8
      erp-harness bundle --output erp.sql   then: psql -v ON_ERROR_STOP=1 -1 -f erp.sql

    database: --database-url, else $DATABASE_URL, else an embedded cluster: a throwaway one
    for demo, stress and bench; the development cluster (`db up`) for migrate and verify.
    --database-url may be given before or after the command.

    exit codes: 0 success, 1 failure (an error, or verify/stress found problems),
    2 bad usage, 130 interrupted.
    """)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--database-url", default=argparse.SUPPRESS, metavar="URL",
                        help="target database (default: $DATABASE_URL, else an embedded "
                        "cluster)")
    parser = argparse.ArgumentParser(
        prog="erp-harness",
        description="erp.base: migrate, demo, stress-test, benchmark and verify the "
        "PostgreSQL module. Every command calls the stored functions; the rules live in SQL.",
        epilog=MAIN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), metavar="URL",
                        help="target database (default: $DATABASE_URL, else an embedded "
                        "cluster)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str, epilog: str, **kw) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, description=help, parents=[common],
                              epilog=_epilog(epilog),
                              formatter_class=argparse.RawDescriptionHelpFormatter, **kw)

    p = command("db", "the persistent development cluster in .pgdata/", """
        examples:
          erp-harness db up      start it (initialised on first use); prints its URL
          erp-harness db url     print its URL, e.g. export DATABASE_URL=$(...)
          erp-harness db down    stop it (the data stays in .pgdata/)
        """)
    p.add_argument("action", choices=["up", "down", "url"], help="up | down | url")
    p.set_defaults(func=cmd_db)

    p = command("migrate", "install or upgrade the modules under sql/ in dependency order", """
        Every module under sql/ (or --module NAME and the modules it requires), each after
        the modules it requires: its migrations in sql/<module>/schema run in order, each in
        its own transaction, recorded with a checksum (an applied file that changed is
        refused), then its functions are re-applied. A dependency cycle is refused by name.
        Concurrent runners are serialised.

        examples:
          erp-harness migrate --status
          erp-harness migrate --dry-run
          erp-harness migrate --module base
          erp-harness migrate --database-url postgresql://dba@db.example/erp
        """)
    p.add_argument("--module", metavar="NAME",
                   help="only this module and the modules it requires (default: every module)")
    p.add_argument("--status", action="store_true",
                   help="list applied/pending migrations (exit 1 if an applied file changed)")
    p.add_argument("--dry-run", action="store_true", help="show what would be applied")
    p.set_defaults(func=cmd_migrate)

    p = command("bundle", "write one SQL file per module a DBA applies with psql -1 -f", """
        Base's bundle is --output; every other module's is erp-<module>.sql beside it, applied
        after the bundles of the modules it requires.

        example:
          erp-harness bundle --output dist/erp.sql
          psql -v ON_ERROR_STOP=1 -1 -f dist/erp.sql "$DATABASE_URL"
        """)
    p.add_argument("--output", default=str(ROOT / "dist" / "erp.sql"), metavar="FILE",
                   help="where to write base's bundle (default: dist/erp.sql)")
    p.set_defaults(func=cmd_bundle)

    p = command("demo", "a guided tour: tenants, UoM, partners, products, numbers, audit", """
        Runs on a fresh throwaway cluster unless a database is given. With one, it creates a
        database of its own on that server and drops it at the end (the login needs
        CREATEDB); --in-place runs it in the given database instead, which keeps the demo's
        tenants (new ones on every run, so it can be repeated).

        examples:
          erp-harness demo
          erp-harness demo --database-url "$DATABASE_URL"
          erp-harness demo --database-url "$DATABASE_URL" --in-place
        """)
    p.add_argument("--in-place", action="store_true",
                   help="run in the given database (keeps its tenants) instead of a "
                   "database of its own")
    p.set_defaults(func=cmd_demo)

    p = command("verify", "run erp.audit_verify for every tenant (or one); exit 1 on problems",
                """
        Checks every entity's audit trail (replay equals the row, versions 1..n) and that
        every sequence period is a gapless run, through erp.audit_tenants and
        erp.audit_verify (erp_auditor or erp_admin). Exit 2 for a --tenant that is not a UUID,
        1 for an unknown tenant or any problem found.

        examples:
          erp-harness verify
          erp-harness verify --tenant 0190a5e2-...
        """)
    p.add_argument("--tenant", metavar="UUID", help="one tenant id (default: every tenant)")
    p.set_defaults(func=cmd_verify)

    p = command("stress", "mixed concurrent workload with faults, then invariant checks", """
        Workers run every write function and sequence allocations across tenants, roll back
        at random and have their backends terminated at random; then the invariants are
        checked: gapless numbering per period, audit replay equals the rows, contiguous
        versions, no cross-tenant rows, no unexpected errors. Exit 1 on any violation.

        examples:
          erp-harness stress                                 100 workers, 30 s, 8 tenants
          erp-harness stress --workers 100 --seconds 3       the CI smoke run
          erp-harness stress --kill-interval 0               no terminated backends
        """)
    p.add_argument("--workers", type=int, default=100, help="concurrent connections (100)")
    p.add_argument("--seconds", type=float, default=30, help="duration of the workload (30)")
    p.add_argument("--tenants", type=int, default=8, help="tenants to spread over (8)")
    p.add_argument("--kill-interval", type=float, default=0.25, metavar="S",
                   help="terminate a random worker's backend every S seconds; 0: never (0.25)")
    p.add_argument("--rollback-rate", type=float, default=0.1, metavar="P",
                   help="share of transactions rolled back on purpose (0.1)")
    p.add_argument("--seed", type=int, help="random seed, to repeat a run's choices")
    p.set_defaults(func=cmd_stress)

    p = command("audit", "the audit trail for years: partitions, archive, purge, seal", """
        Maintenance of the audit trail (installation-wide; erp_admin, or erp_auditor for the
        read-only actions partitions, seal-verify and seal-head). import loads an archive file
        into a scratch database (a superuser's), to check it or read it years later.

        examples:
          erp-harness audit partitions                       the partitions, sizes, purgeable
          erp-harness audit maintain                         partitions for the coming months
          erp-harness audit archive --month 2016-03 --out /backup/erp-audit
          erp-harness audit purge --month 2016-03            after archive, seal and retention
          erp-harness audit seal                             seal every tenant's new events
          erp-harness audit seal --every 300                 ... every 5 minutes, until Ctrl-C
          erp-harness audit seal-verify --tenant 0190a5e2-...
          erp-harness audit seal-head --out heads-2026-12-07.json         the witness
          erp-harness audit seal-verify --tenant 0190a5e2-... \\
              --expected-head heads-2026-12-07.json
          erp-harness audit import --file /backup/erp-audit/erp-audit-2016-03.jsonl.gz \\
              --database-url postgresql:///scratch --against postgresql:///erp
        """)
    p.add_argument("action", choices=["partitions", "maintain", "archive", "purge", "seal",
                                      "seal-verify", "seal-head", "import"],
                   help="partitions | maintain | archive | purge | seal | seal-verify | "
                   "seal-head | import")
    p.add_argument("--month", metavar="YYYY-MM", help="the UTC month (archive, purge)")
    p.add_argument("--out", metavar="DIR", help="where archive writes its file (seal-head: a FILE)")
    p.add_argument("--expected-head", metavar="HEAD|FILE",
                   help="seal-verify: a head kept outside (<block_no>:<hash>, or a file with it)")
    p.add_argument("--file", metavar="FILE", help="an archive file (import: into this database)")
    p.add_argument("--tenant", metavar="UUID", help="one tenant (seal, seal-verify, seal-head)")
    p.add_argument("--against", metavar="URL",
                   help="import: the database that archived the file (its record and seal "
                   "are checked)")
    p.add_argument("--every", type=float, metavar="S",
                   help="seal: repeat every S seconds until interrupted")
    p.add_argument("--trace-id", default=None, metavar="ID",
                   help="trace id recorded with archive and purge (default: "
                   "\"harness audit archive|purge YYYY-MM\")")
    p.set_defaults(func=cmd_audit)

    p = command("stream", "stream every tenant's audit feed into PostgreSQL or JSON-lines files",
                """
        Consumes erp.audit_feed for every tenant, exactly once: the sink keeps the position
        of each tenant with the events it holds, so a restart (even after SIGKILL) re-sends
        nothing that was acknowledged and loses nothing. The source login needs only
        erp_auditor. --to creates schema erp_stream (events, positions) in the target;
        --jsonl writes DIR/events-NNNNNN.jsonl and DIR/state.json.

        An event is served once every older transaction of the cluster has ended, so a
        long-running transaction (in any database of the cluster) holds the stream back
        until it ends; nothing is lost. The progress line shows events/s, the age of the
        newest event delivered (lag) and how many committed events are held back.

        examples:
          erp-harness stream --to postgresql://warehouse/erp_audit
          erp-harness stream --jsonl /var/lib/erp-audit --once
        """)
    p.add_argument("--to", metavar="URL", help="a PostgreSQL database to copy the events into")
    p.add_argument("--jsonl", metavar="DIR", help="a directory of rotating JSON-lines files")
    p.add_argument("--once", action="store_true", help="stop when caught up (default: follow)")
    p.add_argument("--batch", type=int, default=1000, help="events per feed call (1000)")
    p.add_argument("--poll", type=float, default=1.0, metavar="S",
                   help="seconds between polls when caught up (1)")
    p.add_argument("--rotate-bytes", type=int, default=64 << 20, metavar="N",
                   help="JSON-lines: start a new file after N bytes (64 MiB)")
    p.set_defaults(func=cmd_stream)

    p = command("generated", "write out the SQL the database generates (sql/base/generated/)", """
        The per-entity writers and the dispatchers are generated by the database at every
        migrate; this writes them to sql/base/generated/ for review (--check: only compare).

        examples:
          erp-harness generated
          erp-harness generated --check
        """)
    p.add_argument("--check", action="store_true",
                   help="exit 1 if sql/base/generated/ differs from what the database generates")
    p.set_defaults(func=cmd_generated)

    p = command("reference", "write docs/reference.md from the catalog of a fresh install", """
        Every public function with its arguments, result, roles, description and SQLSTATEs
        (--check: only compare).
        """)
    p.add_argument("--check", action="store_true",
                   help="exit 1 if docs/reference.md differs from what the catalog gives")
    p.set_defaults(func=cmd_reference)

    p = command("bench", "throughput/latency ratios against raw SQL baselines", """
        Runs on an on-disk cluster with fsync on (tmpfs numbers are meaningless) unless a
        database is given.

        examples:
          erp-harness bench --quick
        """)
    p.add_argument("--quick", action="store_true", help="a short smoke run")
    p.add_argument("--only", metavar="KEYS",
                   help="comma-separated case keys and parts (seq.next,seq.raw,...): a subset, "
                   "reported in bench/results/partial/")
    p.set_defaults(func=cmd_bench)
    return parser


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    state = getattr(exc, "sqlstate", None)
    if isinstance(exc, psycopg.Error) and state:
        first += f" [{state}]"
    return first


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (UsageError, ErpError, migrate_mod.MigrationError, cluster_mod.ClusterError,
            psycopg.Error, OSError) as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
