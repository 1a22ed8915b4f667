"""flowdb: Python client (sync and asyncio) of the flowdb sidecar.

    from flowdb import Client, FlowError, REASON_CONDITION_FAILED
    with Client("127.0.0.1:50051") as db:
        db.put("k", "v", if_absent=True)
"""

from flowdb._errors import (
    REASON_CONDITION_FAILED,
    REASON_EMPTY_KEY,
    REASON_INVALID_ARGUMENT,
    REASON_INVALID_RANGE,
    REASON_INVALID_TOKEN,
    REASON_KEY_TOO_LARGE,
    REASON_OVERLOADED,
    REASON_SEQ_COMPACTED,
    REASON_SHUTTING_DOWN,
    REASON_TOO_MANY_ITEMS,
    REASON_UNAUTHENTICATED,
    REASON_VALUE_TOO_LARGE,
    FlowError,
)
from flowdb._gen.flowdb.v1 import events_service_pb2 as events_pb2
from flowdb._gen.flowdb.v1 import kv_service_pb2 as kv_pb2
from flowdb._gen.flowdb.v1 import stats_service_pb2 as stats_pb2
from flowdb._gen.flowdb.v1 import types_pb2
from flowdb._gen.flowdb.v1.events_service_pb2 import ChangeType, EventType
from flowdb._gen.flowdb.v1.types_pb2 import Durability
from flowdb._requests import op_delete, op_delete_range, op_put, point
from flowdb.aio import AsyncClient
from flowdb.client import Client
from flowdb._gen.flowdb.v1 import document_pb2
from flowdb._gen.flowdb.v1.document_pb2 import CursorDirection, DocumentChangeType
from flowdb.documents import Database, list_databases
from flowdb.documents_aio import AsyncDatabase, alist_databases
from flowdb.documents_codec import (
    REASON_ALREADY_EXISTS,
    REASON_INVALID_KEY,
    REASON_NOT_FOUND,
    REASON_SCHEMA_CONFLICT,
    KeyRange,
    Record,
    from_key,
    from_value,
    to_key,
    to_value,
)
from flowdb.documents_requests import index_schema, store_schema, tx_add, tx_clear, tx_delete, tx_delete_range, tx_put

__all__ = [
    "AsyncClient", "Client", "FlowError", "ChangeType", "EventType", "Durability",
    "op_put", "op_delete", "op_delete_range", "point",
    "kv_pb2", "events_pb2", "stats_pb2", "types_pb2",
    "REASON_CONDITION_FAILED", "REASON_EMPTY_KEY", "REASON_INVALID_ARGUMENT", "REASON_INVALID_RANGE",
    "REASON_INVALID_TOKEN", "REASON_KEY_TOO_LARGE", "REASON_OVERLOADED", "REASON_SEQ_COMPACTED",
    "REASON_SHUTTING_DOWN", "REASON_TOO_MANY_ITEMS", "REASON_UNAUTHENTICATED", "REASON_VALUE_TOO_LARGE",
    # documents
    "Database", "AsyncDatabase", "list_databases", "alist_databases", "KeyRange", "Record",
    "CursorDirection", "DocumentChangeType", "document_pb2", "store_schema", "index_schema",
    "tx_put", "tx_add", "tx_delete", "tx_delete_range", "tx_clear", "to_key", "from_key", "to_value", "from_value",
    "REASON_ALREADY_EXISTS", "REASON_INVALID_KEY", "REASON_NOT_FOUND", "REASON_SCHEMA_CONFLICT",
]
