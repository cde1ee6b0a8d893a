"""Write the bundle, ``dist/erp.sql`` by default, with the Python standard library alone.

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


def write(output: Path) -> Path:
    """Write the bundle to ``output`` (its directory created), atomically: a reader never sees
    half a file."""
    output.parent.mkdir(parents=True, exist_ok=True)
    text = migrate.bundle()
    partial = output.with_name(output.name + ".partial")
    partial.write_bytes(text.encode("utf-8"))
    partial.replace(output)
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="build_bundle.py",
        description="write the erp.base bundle, one SQL file for psql -v ON_ERROR_STOP=1 -1 -f")
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT), metavar="FILE",
                        help="where to write it (default: dist/erp.sql of the checkout)")
    args = parser.parse_args(argv)
    try:
        out = write(Path(args.output))
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
