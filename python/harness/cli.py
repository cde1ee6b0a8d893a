"""Command line: ``python -m harness <command>`` (also installed as ``erp-harness``)."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg

from harness import cluster as cluster_mod
from harness import migrate as migrate_mod

ROOT = migrate_mod.ROOT


@contextlib.contextmanager
def database(url: str | None, on_disk: bool = False, durable: bool = False) -> Iterator[str]:
    """The given database URL, or a throwaway embedded cluster for the duration."""
    if url:
        yield url
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
        print(cluster_mod.dev_cluster(ROOT).url())
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    with database(args.database_url) as url:
        if args.status:
            with psycopg.connect(url) as conn:
                for s in migrate_mod.status(conn):
                    print(f"{s.state:<12} {s.filename}  {s.applied_at or ''}")
            return 0
        applied = migrate_mod.migrate(url, dry_run=args.dry_run)
        if not applied:
            print("nothing to apply: the schema is up to date")
    return 0


def cmd_bundle(args: argparse.Namespace) -> int:
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(migrate_mod.bundle())
    print(f"wrote {out}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from harness import demo

    with database(args.database_url) as url:
        return demo.run(url)


def cmd_verify(args: argparse.Namespace) -> int:
    from harness import verify

    with database(args.database_url) as url:
        return verify.run(url, args.tenant)


def cmd_stress(args: argparse.Namespace) -> int:
    from harness import stress

    with database(args.database_url) as url:
        return stress.run(url, workers=args.workers, seconds=args.seconds, tenants=args.tenants)


def cmd_bench(args: argparse.Namespace) -> int:
    from harness import bench

    # benchmarks need real commits: a data directory on disk with fsync on
    with database(args.database_url, on_disk=True, durable=True) as url:
        return bench.run(url, quick=args.quick)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m harness",
        description="erp.base: migrate, demo, stress-test, benchmark and verify the database module.",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL"),
        help="target database (default: $DATABASE_URL, else a throwaway embedded cluster)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("db", help="the persistent development cluster in .pgdata/")
    p.add_argument("action", choices=["up", "down", "url"])
    p.set_defaults(func=cmd_db)

    p = sub.add_parser("migrate", help="apply pending migrations and re-apply functions")
    p.add_argument("--status", action="store_true", help="show applied/pending migrations")
    p.add_argument("--dry-run", action="store_true", help="show what would be applied")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("bundle", help="write one SQL file a DBA applies with psql -1 -f")
    p.add_argument("--output", default=str(ROOT / "dist" / "erp.sql"))
    p.set_defaults(func=cmd_bundle)

    p = sub.add_parser("demo", help="a guided tour on a throwaway cluster")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("verify", help="run erp.audit_verify for every tenant (or one)")
    p.add_argument("--tenant", help="tenant id (default: all tenants)")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("stress", help="mixed concurrent workload, then invariant checks")
    p.add_argument("--workers", type=int, default=100)
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--tenants", type=int, default=8)
    p.set_defaults(func=cmd_stress)

    p = sub.add_parser("bench", help="throughput/latency ratios against raw SQL baselines")
    p.add_argument("--quick", action="store_true", help="a short smoke run")
    p.set_defaults(func=cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (migrate_mod.MigrationError, cluster_mod.ClusterError, psycopg.Error) as exc:
        print(f"error: {str(exc).strip().splitlines()[0]}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
