"""``python -m harness stream``: every tenant's audit feed into another PostgreSQL or files.

(Implementation pending.)"""

from __future__ import annotations

import argparse


def run(url: str, args: argparse.Namespace) -> int:
    raise NotImplementedError("stream")
