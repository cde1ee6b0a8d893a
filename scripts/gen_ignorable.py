"""Prints the character class of erp._has_ignorable: Unicode's Default_Ignorable_Code_Point
(DerivedCoreProperties.txt), pinned to Unicode 14.0 like the case folding (gen_casefold.py).
Python's unicodedata has no such property, so it is derived the way DerivedCoreProperties.txt
says it is generated, from unicodedata's categories and the PropList.txt 14.0 lists below:

    Other_Default_Ignorable_Code_Point + Cf + Variation_Selector
    - White_Space - FFF9..FFFB - 13430..13438 - Prepended_Concatenation_Mark

It was used to write sql/base/schema/0012_input_limits.sql and is kept to show where the
class came from (Perl 5.36's \\p{Default_Ignorable_Code_Point}, also Unicode 14, agrees)."""
import unicodedata

UNICODE = "14.0.0"
# PropList.txt 14.0.0
OTHER_DEFAULT_IGNORABLE = [(0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x2065, 0x2065),
                           (0x3164, 0x3164), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0xE0000, 0xE0000),
                           (0xE0002, 0xE001F), (0xE0080, 0xE00FF), (0xE01F0, 0xE0FFF)]
VARIATION_SELECTOR = [(0x180B, 0x180D), (0x180F, 0x180F), (0xFE00, 0xFE0F), (0xE0100, 0xE01EF)]
PREPENDED_CONCATENATION_MARK = [(0x0600, 0x0605), (0x06DD, 0x06DD), (0x070F, 0x070F), (0x0890, 0x0891),
                                (0x08E2, 0x08E2), (0x110BD, 0x110BD), (0x110CD, 0x110CD)]
WHITE_SPACE = {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x2028,
               0x2029, 0x202F, 0x205F, 0x3000}


def expand(ranges):
    return {cp for lo, hi in ranges for cp in range(lo, hi + 1)}


def ignorable() -> list[tuple[int, int]]:
    assert unicodedata.unidata_version == UNICODE, unicodedata.unidata_version
    cps = {cp for cp in range(0x110000) if unicodedata.category(chr(cp)) == "Cf"}
    cps |= expand(OTHER_DEFAULT_IGNORABLE) | expand(VARIATION_SELECTOR)
    cps -= WHITE_SPACE | expand([(0xFFF9, 0xFFFB), (0x13430, 0x13438)]) | expand(PREPENDED_CONCATENATION_MARK)
    ranges: list[tuple[int, int]] = []
    for cp in sorted(cps):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    return ranges


def escape(cp: int) -> str:
    return f"\\u{cp:04X}" if cp <= 0xFFFF else f"\\U{cp:08X}"


if __name__ == "__main__":
    ranges = ignorable()
    print(f"-- Unicode {UNICODE} Default_Ignorable_Code_Point: {len(ranges)} ranges")
    print("[" + "".join(escape(lo) if lo == hi else f"{escape(lo)}-{escape(hi)}" for lo, hi in ranges) + "]")
