"""erp.base operations: the migration runner and the install bundle, audit maintenance
(partitions, archive, purge, seal), the event stream and verify.

Depends on :mod:`erp_client` (and psycopg, rich), never on :mod:`harness`. The bundle builder
(:mod:`erp_ops.build_bundle`, with :mod:`erp_ops.migrate`) needs the standard library alone,
so this file imports nothing.
"""

__version__ = "0.5.0"  # equals sql/base/module.json's version (tested)
