"""erp.base client: what applications import. Depends on psycopg only.

::

    from erp_client import Duplicate, ErpClient

One method per public function (:class:`ErpClient`), and one exception class per documented
``ZE…`` SQLSTATE (:mod:`erp_client.errors`).
"""

from erp_client.client import ErpClient
from erp_client.errors import (
    BY_SQLSTATE,
    AuditImmutable,
    Duplicate,
    ErpError,
    InsufficientStock,
    InUse,
    InvalidActor,
    InvalidInput,
    InvalidOperation,
    NotFound,
    UnknownTenant,
    VersionConflict,
    translate,
)

__all__ = [
    "BY_SQLSTATE",
    "AuditImmutable",
    "Duplicate",
    "ErpClient",
    "ErpError",
    "InUse",
    "InsufficientStock",
    "InvalidActor",
    "InvalidInput",
    "InvalidOperation",
    "NotFound",
    "UnknownTenant",
    "VersionConflict",
    "translate",
]
