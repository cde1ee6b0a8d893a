"""Write the bundles, one per module, with the Python standard library alone: base's is
``dist/erp.sql``, another module's ``dist/erp-<module>.sql`` beside it (applied after the
bundles of the modules it requires).

``make bundle`` runs this through ``scripts/build_bundle.py`` with the system ``python3``: no
virtualenv, no psycopg, no rich (:mod:`erp_ops.migrate` imports psycopg only when it is
there, and the bundle never needs it). ``python -m harness bundle`` writes the same bytes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from erp_ops import migrate

DEFAULT_OUTPUT = migrate.ROOT / "dist" / "erp.sql"


def write(output: Path, sql_dir: Path = migrate.SQL_DIR) -> Path:
    """Write the bundle of the module in ``sql_dir`` (base by default) to ``output`` (its
    directory created), atomically: a reader never sees half a file."""
    output.parent.mkdir(parents=True, exist_ok=True)
    text = migrate.bundle(sql_dir)
    partial = output.with_name(output.name + ".partial")
    partial.write_bytes(text.encode("utf-8"))
    partial.replace(output)
    return output


def write_all(directory: Path, root: Path = migrate.SQL_ROOT,
              base_name: str = "erp.sql") -> list[Path]:
    """Every module's bundle into ``directory``, in install order: base's as ``base_name``,
    the others as ``erp-<module>.sql``."""
    return [write(directory / (base_name if m.name == "base" else m.bundle_name), m.path)
            for m in migrate.install_order(root)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="build_bundle.py",
        description="write the bundles, one SQL file per module for psql -v ON_ERROR_STOP=1 "
        "-1 -f: base's, then erp-<module>.sql of every other module beside it")
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT), metavar="FILE",
                        help="where to write base's (default: dist/erp.sql of the checkout)")
    args = parser.parse_args(argv)
    output = Path(args.output)
    try:
        written = write_all(output.parent, base_name=output.name)
    except (OSError, migrate.MigrationError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for out in written:
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
