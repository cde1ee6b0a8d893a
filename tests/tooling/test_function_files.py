"""The layout of sql/base/functions, checked on the files themselves: one function per file, named
after the file, commented; public functions revoke from PUBLIC and carry at most one GRANT
statement; internal ones (leading '_') grant nothing. (What the grants amount to is checked
on the catalog by sql/base/tests/14_security_catalog.sql.)"""

from __future__ import annotations

import re

import pytest

from erp_ops import migrate

FILES = migrate.function_files()
CREATE = re.compile(r"^CREATE OR REPLACE FUNCTION\s+(\w+)\.(\w+)\s*\(", re.M | re.I)
COMMENT = re.compile(r"^COMMENT ON FUNCTION\s+(\w+)\.(\w+)\s*\(", re.M | re.I)
REVOKE = re.compile(
    r"^REVOKE ALL ON FUNCTION\s+(\w+)\.(\w+)\s*\([^;]*\)\s*FROM PUBLIC;", re.M | re.I
)
GRANT = re.compile(r"^GRANT\s", re.M | re.I)


def _strip_bodies(text: str) -> str:
    """The file without its dollar-quoted bodies (generated DDL inside a body is not a file)."""
    return re.sub(r"\$(\w*)\$.*?\$\1\$", "$$", text, flags=re.S)


def test_there_are_function_files():
    assert len(FILES) >= 30


IDS = [str(p.relative_to(migrate.FUNCTIONS_DIR)) for p in FILES]


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_one_function_per_file(path):
    text = _strip_bodies(path.read_text())
    created = CREATE.findall(text)
    assert len(created) == 1, f"{path.name}: one CREATE OR REPLACE FUNCTION per file"
    schema, name = created[0]
    assert name == path.stem, f"{path.name} defines {schema}.{name}"
    assert COMMENT.findall(text) == [(schema, name)], f"{path.name}: COMMENT ON FUNCTION"
    grants = GRANT.findall(text)
    if schema == "erp" and not name.startswith("_"):
        assert REVOKE.findall(text) == [(schema, name)], f"{path.name}: REVOKE ALL ... FROM PUBLIC"
        assert len(grants) <= 1, f"{path.name}: one GRANT statement per public function"
    else:
        assert grants == [], f"{path.name}: internal functions are granted to nobody"
