"""``python -m harness audit``: partitions, maintenance, archive, purge and seal of the trail.

(Implementation pending.)"""

from __future__ import annotations

import argparse


def run(url: str, args: argparse.Namespace) -> int:
    raise NotImplementedError(args.action)
