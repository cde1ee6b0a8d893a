"""The demo: grows with the project (see README)."""

from __future__ import annotations

import psycopg

from harness import migrate


def run(url: str) -> int:
    migrate.migrate(url)
    with psycopg.connect(url) as conn:
        for s in migrate.status(conn):
            print(f"{s.state:<10} {s.filename}")
    return 0
