#!/usr/bin/env python3
"""`make bundle`: write dist/erp.sql (or --output FILE) with the Python standard library alone,
from a bare checkout (no `make setup`, no virtualenv). See python/erp_ops/build_bundle.py."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))

from erp_ops.build_bundle import main  # noqa: E402

sys.exit(main())
