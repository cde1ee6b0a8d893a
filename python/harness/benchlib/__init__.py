"""Building blocks of ``python -m harness bench``: drivers (pgbench or Python threads) that
run one case script at N clients, the bench schema (baseline tables cloned from the project's
tables), the case catalogue, and the report (rich table, JSON, Markdown, PNG)."""
