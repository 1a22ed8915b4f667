from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
DURABILITY_BUFFERED: Durability
DURABILITY_SYNCED: Durability
DURABILITY_UNSPECIFIED: Durability

class Record(_message.Message):
    __slots__ = ["expire_at_us", "key", "seq", "ts", "value"]
    EXPIRE_AT_US_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    TS_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    expire_at_us: int
    key: bytes
    seq: int
    ts: int
    value: bytes
    def __init__(self, key: _Optional[bytes] = ..., ts: _Optional[int] = ..., value: _Optional[bytes] = ..., expire_at_us: _Optional[int] = ..., seq: _Optional[int] = ...) -> None: ...

class WriteHeader(_message.Message):
    __slots__ = ["durability", "first_seq", "seq"]
    DURABILITY_FIELD_NUMBER: _ClassVar[int]
    FIRST_SEQ_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    durability: Durability
    first_seq: int
    seq: int
    def __init__(self, seq: _Optional[int] = ..., first_seq: _Optional[int] = ..., durability: _Optional[_Union[Durability, str]] = ...) -> None: ...

class Durability(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
