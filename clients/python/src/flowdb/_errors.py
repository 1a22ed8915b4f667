"""FlowError: a gRPC failure decoded into code + google.rpc.ErrorInfo reason (docs/errors.md)."""

from __future__ import annotations

from typing import Any, Mapping, Optional

import grpc
from google.rpc import error_details_pb2, status_pb2

REASON_INVALID_ARGUMENT = "ERROR_REASON_INVALID_ARGUMENT"
REASON_EMPTY_KEY = "ERROR_REASON_EMPTY_KEY"
REASON_KEY_TOO_LARGE = "ERROR_REASON_KEY_TOO_LARGE"
REASON_VALUE_TOO_LARGE = "ERROR_REASON_VALUE_TOO_LARGE"
REASON_TOO_MANY_ITEMS = "ERROR_REASON_TOO_MANY_ITEMS"
REASON_INVALID_RANGE = "ERROR_REASON_INVALID_RANGE"
REASON_INVALID_TOKEN = "ERROR_REASON_INVALID_TOKEN"
REASON_CONDITION_FAILED = "ERROR_REASON_CONDITION_FAILED"
REASON_OVERLOADED = "ERROR_REASON_OVERLOADED"
REASON_SEQ_COMPACTED = "ERROR_REASON_SEQ_COMPACTED"
REASON_SHUTTING_DOWN = "ERROR_REASON_SHUTTING_DOWN"
REASON_UNAUTHENTICATED = "ERROR_REASON_UNAUTHENTICATED"

_CODES = {c.value[0]: c for c in grpc.StatusCode}


def code_from_int(n: int) -> grpc.StatusCode:
    return _CODES.get(n, grpc.StatusCode.UNKNOWN)


class FlowError(Exception):
    """Every RPC failure of Client/AsyncClient. Switch on ``reason``, never on the message."""

    code: grpc.StatusCode
    reason: str
    message: str
    metadata: Mapping[str, str]
    retry_delay: Optional[float]
    field: str

    def __init__(
        self,
        code: grpc.StatusCode,
        reason: str = "",
        message: str = "",
        metadata: Optional[Mapping[str, str]] = None,
        retry_delay: Optional[float] = None,
        field: str = "",
    ) -> None:
        super().__init__(f"{code.name} ({reason}): {message}" if reason else f"{code.name}: {message}")
        self.code = code
        self.reason = reason
        self.message = message
        self.metadata = dict(metadata or {})
        self.retry_delay = retry_delay
        self.field = field or self.metadata.get("field", "")

    @property
    def retryable(self) -> bool:
        if self.code == grpc.StatusCode.UNAVAILABLE:
            return True
        if self.code == grpc.StatusCode.ABORTED:
            return self.reason != REASON_CONDITION_FAILED
        return self.code == grpc.StatusCode.RESOURCE_EXHAUSTED and self.retry_delay is not None

    @classmethod
    def from_rpc_error(cls, e: Any) -> "FlowError":
        """From a grpc.RpcError (sync) or grpc.aio.AioRpcError."""
        if isinstance(e, FlowError):
            return e
        code = e.code() if callable(getattr(e, "code", None)) else grpc.StatusCode.UNKNOWN
        message = e.details() if callable(getattr(e, "details", None)) else str(e)
        reason, meta, delay, field = "", {}, None, ""
        trailers = e.trailing_metadata() if callable(getattr(e, "trailing_metadata", None)) else None
        for k, v in trailers or ():
            if k != "grpc-status-details-bin":
                continue
            st = status_pb2.Status.FromString(v)
            for d in st.details:
                if d.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                    info = error_details_pb2.ErrorInfo()
                    d.Unpack(info)
                    reason, meta = info.reason, dict(info.metadata)
                elif d.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
                    ri = error_details_pb2.RetryInfo()
                    d.Unpack(ri)
                    delay = ri.retry_delay.seconds + ri.retry_delay.nanos / 1e9
                elif d.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                    br = error_details_pb2.BadRequest()
                    d.Unpack(br)
                    if br.field_violations:
                        field = br.field_violations[0].field
        return cls(code or grpc.StatusCode.UNKNOWN, reason, message or "", meta, delay, field)

    @classmethod
    def from_ack(cls, ack: Any) -> "FlowError":
        """From a rejected IngestResponse (in-band status)."""
        return cls(
            code_from_int(ack.status),
            ack.reason,
            ack.message,
            {"batch_id": str(ack.batch_id)},
            ack.retry_delay_ms / 1000 if ack.retry_delay_ms else None,
        )
