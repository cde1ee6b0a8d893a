"""CHANGELOG.md keeps every release's changes, breaking ones first, and an upgrade cannot take a
grant away or drop a signature without the changelog saying so: the grants of every release's
bundle under releases/ are compared with the previous release's."""

from __future__ import annotations

import re
from pathlib import Path

from erp_ops import migrate

ROOT = migrate.ROOT
CHANGELOG = ROOT / "CHANGELOG.md"
GRANT = re.compile(r"^GRANT EXECUTE ON FUNCTION (erp(?:_meta)?\.\w+)\((.*?)\)\s+TO\s+([^;]+);",
                   re.M | re.S)


def releases() -> list[tuple[str, Path]]:
    found = [(p.parent.name[1:], p) for p in ROOT.glob("releases/v*/erp.sql")]
    return sorted(found, key=lambda r: tuple(int(x) for x in r[0].split(".")))


def grants(bundle: Path) -> dict[tuple[str, str], set[str]]:
    """(function, argument types) -> roles granted EXECUTE, as the bundle's files say."""
    out: dict[tuple[str, str], set[str]] = {}
    for name, args, roles in GRANT.findall(bundle.read_text()):
        args = re.sub(r"\s+", " ", args).replace("timestamp with time zone", "timestamptz")
        args = ",".join(a.strip() for a in args.split(","))
        out.setdefault((name, args), set()).update(r.strip() for r in roles.split(","))
    return out


def sections(text: str) -> dict[str, str]:
    """`## <version>` (or `## Unreleased`) -> its text."""
    parts = re.split(r"^## ", text, flags=re.M)[1:]
    return {p.split(None, 1)[0]: p for p in parts}


def test_every_release_has_its_section_newest_first_under_unreleased():
    text = CHANGELOG.read_text()
    headings = re.findall(r"^## (\S+)", text, re.M)
    assert headings[0] == "Unreleased"
    versions = [v for v, _ in releases()]
    assert headings[1:len(versions) + 1] == list(reversed(versions))
    for version in versions:
        body = sections(text)[version]
        kinds = re.findall(r"^### (\w+)", body, re.M)
        assert kinds and set(kinds) <= {"Breaking", "Added", "Changed", "Fixed", "Removed"}
        if "Breaking" in kinds:
            assert kinds[0] == "Breaking", version  # breaking changes first


def test_revoked_grants_and_dropped_signatures_are_breaking_changes():
    assert len(releases()) >= 2
    text = sections(CHANGELOG.read_text())
    checked = 0
    for (_, before), (version, after) in zip(releases(), releases()[1:], strict=False):
        old, new = grants(before), grants(after)
        breaking = text[version].split("### ", 2)[1]
        assert breaking.startswith("Breaking"), version
        for (name, args), roles in old.items():
            lost = roles - new.get((name, args), set())
            if not lost:
                continue
            checked += 1
            assert f"`{name}" in breaking, f"{version}: {name}({args}) lost {sorted(lost)}"
            if (name, args) in new:  # a revocation: the role is named too
                for role in lost:
                    assert f"`{role}`" in breaking, f"{version}: {name} revoked from {role}"
    assert checked >= 4  # 0.2.0: audit_verify from erp_app; three integer signatures


def test_the_release_notes_of_0_2_0_name_the_audit_verify_revocation():
    breaking = sections(CHANGELOG.read_text())["0.2.0"].split("### ", 2)[1]
    assert "`erp.audit_verify(uuid)` is no longer executable by `erp_app`" in breaking
    assert "GRANT erp_auditor TO" in breaking
