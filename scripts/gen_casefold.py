"""Prints the SQL body of erp._casefold: Unicode full case folding (CaseFolding.txt, status C + F)
as a fixed table, so that stored code keys never change when ICU or glibc is upgraded.
The table is Python's str.casefold() of the Unicode version printed in the header; it was
used to write sql/base/schema/0007_hardening.sql and is kept to show where the table came from."""
import unicodedata

simple, multi = [], []
for cp in range(1, 0x110000):
    c = chr(cp)
    if unicodedata.category(c) == "Cs":
        continue
    folded = c.casefold()
    if folded != c:
        (simple if len(folded) == 1 else multi).append((c, folded))

expr = "pg_catalog.translate(p_text, '{}', '{}')".format(
    "".join(a for a, _ in simple), "".join(b for _, b in simple))
for source, target in multi:
    expr = f"pg_catalog.replace({expr}, '{source}', '{target}')"
print(f"-- Unicode {unicodedata.unidata_version}: {len(simple)} simple and {len(multi)} full foldings")
print(expr)
