from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

CURSOR_DIRECTION_NEXT: CursorDirection
CURSOR_DIRECTION_NEXT_UNIQUE: CursorDirection
CURSOR_DIRECTION_PREV: CursorDirection
CURSOR_DIRECTION_PREV_UNIQUE: CursorDirection
CURSOR_DIRECTION_UNSPECIFIED: CursorDirection
DESCRIPTOR: _descriptor.FileDescriptor
DOCUMENT_CHANGE_TYPE_CLEAR: DocumentChangeType
DOCUMENT_CHANGE_TYPE_DELETE: DocumentChangeType
DOCUMENT_CHANGE_TYPE_PUT: DocumentChangeType
DOCUMENT_CHANGE_TYPE_UNSPECIFIED: DocumentChangeType

class AddDocumentRequest(_message.Message):
    __slots__ = ["database", "document", "key", "store"]
    DATABASE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    STORE_FIELD_NUMBER: _ClassVar[int]
    database: str
    document: _struct_pb2.Value
    key: DocumentKey
    store: str
    def __init__(self, database: _Optional[str] = ..., store: _Optional[str] = ..., document: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., key: _Optional[_Union[DocumentKey, _Mapping]] = ...) -> None: ...

class AddDocumentResponse(_message.Message):
    __slots__ = ["key", "seq"]
    KEY_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    key: DocumentKey
    seq: int
    def __init__(self, key: _Optional[_Union[DocumentKey, _Mapping]] = ..., seq: _Optional[int] = ...) -> None: ...

class ApplySchemaRequest(_message.Message):
    __slots__ = ["database", "delete_stores", "stores"]
    DATABASE_FIELD_NUMBER: _ClassVar[int]
    DELETE_STORES_FIELD_NUMBER: _ClassVar[int]
    STORES_FIELD_NUMBER: _ClassVar[int]
    database: str
    delete_stores: _containers.RepeatedScalarFieldContainer[str]
    stores: _containers.RepeatedCompositeFieldContainer[StoreSchema]
    def __init__(self, database: _Optional[str] = ..., stores: _Optional[_Iterable[_Union[StoreSchema, _Mapping]]] = ..., delete_stores: _Optional[_Iterable[str]] = ...) -> None: ...

class ApplySchemaResponse(_message.Message):
    __slots__ = ["changed", "schema"]
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_FIELD_NUMBER: _ClassVar[int]
    changed: bool
    schema: DatabaseSchema
    def __init__(self, schema: _Optional[_Union[DatabaseSchema, _Mapping]] = ..., changed: bool = ...) -> None: ...

class CountDocumentsRequest(_message.Message):
    __slots__ = ["database", "index", "range", "store"]
    DATABASE_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    RANGE_FIELD_NUMBER: _ClassVar[int]
    STORE_FIELD_NUMBER: _ClassVar[int]
    database: str
    index: str
    range: KeyRange
    store: str
    def __init__(self, database: _Optional[str] = ..., store: _Optional[str] = ..., index: _Optional[str] = ..., range: _Optional[_Union[KeyRange, _Mapping]] = ...) -> None: ...

class CountDocumentsResponse(_message.Message):
    __slots__ = ["count"]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    count: int
    def __init__(self, count: _Optional[int] = ...) -> None: ...

class DatabaseInfo(_message.Message):
    __slots__ = ["name", "version"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: int
    def __init__(self, name: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class DatabaseSchema(_message.Message):
    __slots__ = ["name", "stores", "version"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    STORES_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    name: str
    stores: _containers.RepeatedCompositeFieldContainer[StoreSchema]
    version: int
    def __init__(self, name: _Optional[str] = ..., version: _Optional[int] = ..., stores: _Optional[_Iterable[_Union[StoreSchema, _Mapping]]] = ...) -> None: ...

class DeleteDatabaseRequest(_message.Message):
    __slots__ = ["database"]
    DATABASE_FIELD_NUMBER: _ClassVar[int]
    database: str
    def __init__(self, database: _Optional[str] = ...) -> None: ...

class DeleteDatabaseResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class DeleteDocumentsRequest(_message.Message):
    __slots__ = ["database", "key", "range", "store"]
    DATABASE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    RANGE_FIELD_NUMBER: _ClassVar[int]
    STORE_FIELD_NUMBER: _ClassVar[int]
    database: str
    key: DocumentKey
    range: KeyRange
    store: str
    def __init__(self, database: _Optional[str] = ..., store: _Optional[str] = ..., key: _Optional[_Union[DocumentKey, _Mapping]] = ..., range: _Optional[_Union[KeyRange, _Mapping]] = ...) -> None: ...

class DeleteDocumentsResponse(_message.Message):
    __slots__ = ["deleted", "seq"]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    deleted: int
    seq: int
    def __init__(self, deleted: _Optional[int] = ..., seq: _Optional[int] = ...) -> None: ...

class DocumentChange(_message.Message):
    __slots__ = ["commit_seq", "document", "key", "seq", "store", "type"]
    COMMIT_SEQ_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    STORE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    commit_seq: int
    document: _struct_pb2.Value
    key: DocumentKey
    seq: int
    store: str
    type: DocumentChangeType
    def __init__(self, type: _Optional[_Union[DocumentChangeType, str]] = ..., seq: _Optional[int] = ..., store: _Optional[str] = ..., key: _Optional[_Union[DocumentKey, _Mapping]] = ..., document: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., commit_seq: _Optional[int] = ...) -> None: ...

class DocumentKey(_message.Message):
    __slots__ = ["array_value", "binary_value", "date_value", "number_value", "string_value"]
    ARRAY_VALUE_FIELD_NUMBER: _ClassVar[int]
    BINARY_VALUE_FIELD_NUMBER: _ClassVar[int]
    DATE_VALUE_FIELD_NUMBER: _ClassVar[int]
    NUMBER_VALUE_FIELD_NUMBER: _ClassVar[int]
    STRING_VALUE_FIELD_NUMBER: _ClassVar[int]
    array_value: DocumentKeyArray
    binary_value: bytes
    date_value: float
    number_value: float
    string_value: str
    def __init__(self, number_value: _Optional[float] = ..., string_value: _Optional[str] = ..., date_value: _Optional[float] = ..., binary_value: _Optional[bytes] = ..., array_value: _Optional[_Union[DocumentKeyArray, _Mapping]] = ...) -> None: ...

class DocumentKeyArray(_message.Message):
    __slots__ = ["values"]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedCompositeFieldContainer[DocumentKey]
    def __init__(self, values: _Optional[_Iterable[_Union[DocumentKey, _Mapping]]] = ...) -> None: ...

class DocumentRecord(_message.Message):
    __slots__ = ["document", "key", "primary_key"]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    PRIMARY_KEY_FIELD_NUMBER: _ClassVar[int]
    document: _struct_pb2.Value
    key: DocumentKey
    primary_key: DocumentKey
    def __init__(self, key: _Optional[_Union[DocumentKey, _Mapping]] = ..., primary_key: _Optional[_Union[DocumentKey, _Mapping]] = ..., document: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class GetAllDocumentsRequest(_message.Message):
    __slots__ = ["database", "index", "keys_only", "limit", "range", "store"]
    DATABASE_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    KEYS_ONLY_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    RANGE_FIELD_NUMBER: _ClassVar[int]
    STORE_FIELD_NUMBER: _ClassVar[int]
    database: str
    index: str
    keys_only: bool
    limit: int
    range: KeyRange
    store: str
    def __init__(self, database: _Optional[str] = ..., store: _Optional[str] = ..., index: _Optional[str] = ..., range: _Optional[_Union[KeyRange, _Mapping]] = ..., limit: _Optional[int] = ..., keys_only: bool = ...) -> None: ...

class GetAllDocumentsResponse(_message.Message):
    __slots__ = ["more", "records"]
    MORE_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    more: bool
    records: _containers.RepeatedCompositeFieldContainer[DocumentRecord]
    def __init__(self, records: _Optional[_Iterable[_Union[DocumentRecord, _Mapping]]] = ..., more: bool = ...) -> None: ...

class GetDocumentRequest(_message.Message):
    __slots__ = ["database", "index", "key", "store"]
    DATABASE_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    STORE_FIELD_NUMBER: _ClassVar[int]
    database: str
    index: str
    key: DocumentKey
    store: str
    def __init__(self, database: _Optional[str] = ..., store: _Optional[str] = ..., index: _Optional[str] = ..., key: _Optional[_Union[DocumentKey, _Mapping]] = ...) -> None: ...

class GetDocumentResponse(_message.Message):
    __slots__ = ["document", "found", "primary_key"]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    FOUND_FIELD_NUMBER: _ClassVar[int]
    PRIMARY_KEY_FIELD_NUMBER: _ClassVar[int]
    document: _struct_pb2.Value
    found: bool
    primary_key: DocumentKey
    def __init__(self, found: bool = ..., document: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., primary_key: _Optional[_Union[DocumentKey, _Mapping]] = ...) -> None: ...

class GetSchemaRequest(_message.Message):
    __slots__ = ["database"]
    DATABASE_FIELD_NUMBER: _ClassVar[int]
    database: str
    def __init__(self, database: _Optional[str] = ...) -> None: ...

class GetSchemaResponse(_message.Message):
    __slots__ = ["schema"]
    SCHEMA_FIELD_NUMBER: _ClassVar[int]
    schema: DatabaseSchema
    def __init__(self, schema: _Optional[_Union[DatabaseSchema, _Mapping]] = ...) -> None: ...

class IndexSchema(_message.Message):
    __slots__ = ["key_path", "multi_entry", "name", "unique"]
    KEY_PATH_FIELD_NUMBER: _ClassVar[int]
    MULTI_ENTRY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    UNIQUE_FIELD_NUMBER: _ClassVar[int]
    key_path: _containers.RepeatedScalarFieldContainer[str]
    multi_entry: bool
    name: str
    unique: bool
    def __init__(self, name: _Optional[str] = ..., key_path: _Optional[_Iterable[str]] = ..., unique: bool = ..., multi_entry: bool = ...) -> None: ...

class KeyRange(_message.Message):
    __slots__ = ["lower", "lower_open", "upper", "upper_open"]
    LOWER_FIELD_NUMBER: _ClassVar[int]
    LOWER_OPEN_FIELD_NUMBER: _ClassVar[int]
    UPPER_FIELD_NUMBER: _ClassVar[int]
    UPPER_OPEN_FIELD_NUMBER: _ClassVar[int]
    lower: DocumentKey
    lower_open: bool
    upper: DocumentKey
    upper_open: bool
    def __init__(self, lower: _Optional[_Union[DocumentKey, _Mapping]] = ..., upper: _Optional[_Union[DocumentKey, _Mapping]] = ..., lower_open: bool = ..., upper_open: bool = ...) -> None: ...

class ListDatabasesRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class ListDatabasesResponse(_message.Message):
    __slots__ = ["databases"]
    DATABASES_FIELD_NUMBER: _ClassVar[int]
    databases: _containers.RepeatedCompositeFieldContainer[DatabaseInfo]
    def __init__(self, databases: _Optional[_Iterable[_Union[DatabaseInfo, _Mapping]]] = ...) -> None: ...

class PutDocumentRequest(_message.Message):
    __slots__ = ["database", "document", "key", "store"]
    DATABASE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    STORE_FIELD_NUMBER: _ClassVar[int]
    database: str
    document: _struct_pb2.Value
    key: DocumentKey
    store: str
    def __init__(self, database: _Optional[str] = ..., store: _Optional[str] = ..., document: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., key: _Optional[_Union[DocumentKey, _Mapping]] = ...) -> None: ...

class PutDocumentResponse(_message.Message):
    __slots__ = ["key", "seq"]
    KEY_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    key: DocumentKey
    seq: int
    def __init__(self, key: _Optional[_Union[DocumentKey, _Mapping]] = ..., seq: _Optional[int] = ...) -> None: ...

class QueryDocumentsRequest(_message.Message):
    __slots__ = ["database", "direction", "index", "keys_only", "page_size", "page_token", "range", "store"]
    DATABASE_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    KEYS_ONLY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RANGE_FIELD_NUMBER: _ClassVar[int]
    STORE_FIELD_NUMBER: _ClassVar[int]
    database: str
    direction: CursorDirection
    index: str
    keys_only: bool
    page_size: int
    page_token: str
    range: KeyRange
    store: str
    def __init__(self, database: _Optional[str] = ..., store: _Optional[str] = ..., index: _Optional[str] = ..., range: _Optional[_Union[KeyRange, _Mapping]] = ..., direction: _Optional[_Union[CursorDirection, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., keys_only: bool = ...) -> None: ...

class QueryDocumentsResponse(_message.Message):
    __slots__ = ["next_page_token", "records"]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    next_page_token: str
    records: _containers.RepeatedCompositeFieldContainer[DocumentRecord]
    def __init__(self, records: _Optional[_Iterable[_Union[DocumentRecord, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class StoreSchema(_message.Message):
    __slots__ = ["auto_increment", "indexes", "key_path", "name"]
    AUTO_INCREMENT_FIELD_NUMBER: _ClassVar[int]
    INDEXES_FIELD_NUMBER: _ClassVar[int]
    KEY_PATH_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    auto_increment: bool
    indexes: _containers.RepeatedCompositeFieldContainer[IndexSchema]
    key_path: _containers.RepeatedScalarFieldContainer[str]
    name: str
    def __init__(self, name: _Optional[str] = ..., key_path: _Optional[_Iterable[str]] = ..., auto_increment: bool = ..., indexes: _Optional[_Iterable[_Union[IndexSchema, _Mapping]]] = ...) -> None: ...

class TransactClear(_message.Message):
    __slots__ = ["store"]
    STORE_FIELD_NUMBER: _ClassVar[int]
    store: str
    def __init__(self, store: _Optional[str] = ...) -> None: ...

class TransactDelete(_message.Message):
    __slots__ = ["key", "range", "store"]
    KEY_FIELD_NUMBER: _ClassVar[int]
    RANGE_FIELD_NUMBER: _ClassVar[int]
    STORE_FIELD_NUMBER: _ClassVar[int]
    key: DocumentKey
    range: KeyRange
    store: str
    def __init__(self, store: _Optional[str] = ..., key: _Optional[_Union[DocumentKey, _Mapping]] = ..., range: _Optional[_Union[KeyRange, _Mapping]] = ...) -> None: ...

class TransactOp(_message.Message):
    __slots__ = ["add", "clear", "delete", "put"]
    ADD_FIELD_NUMBER: _ClassVar[int]
    CLEAR_FIELD_NUMBER: _ClassVar[int]
    DELETE_FIELD_NUMBER: _ClassVar[int]
    PUT_FIELD_NUMBER: _ClassVar[int]
    add: TransactPut
    clear: TransactClear
    delete: TransactDelete
    put: TransactPut
    def __init__(self, put: _Optional[_Union[TransactPut, _Mapping]] = ..., add: _Optional[_Union[TransactPut, _Mapping]] = ..., delete: _Optional[_Union[TransactDelete, _Mapping]] = ..., clear: _Optional[_Union[TransactClear, _Mapping]] = ...) -> None: ...

class TransactPut(_message.Message):
    __slots__ = ["document", "key", "store"]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    STORE_FIELD_NUMBER: _ClassVar[int]
    document: _struct_pb2.Value
    key: DocumentKey
    store: str
    def __init__(self, store: _Optional[str] = ..., document: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., key: _Optional[_Union[DocumentKey, _Mapping]] = ...) -> None: ...

class TransactRequest(_message.Message):
    __slots__ = ["database", "ops"]
    DATABASE_FIELD_NUMBER: _ClassVar[int]
    OPS_FIELD_NUMBER: _ClassVar[int]
    database: str
    ops: _containers.RepeatedCompositeFieldContainer[TransactOp]
    def __init__(self, database: _Optional[str] = ..., ops: _Optional[_Iterable[_Union[TransactOp, _Mapping]]] = ...) -> None: ...

class TransactResponse(_message.Message):
    __slots__ = ["results", "seq"]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[TransactResult]
    seq: int
    def __init__(self, results: _Optional[_Iterable[_Union[TransactResult, _Mapping]]] = ..., seq: _Optional[int] = ...) -> None: ...

class TransactResult(_message.Message):
    __slots__ = ["deleted", "key"]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    deleted: int
    key: DocumentKey
    def __init__(self, key: _Optional[_Union[DocumentKey, _Mapping]] = ..., deleted: _Optional[int] = ...) -> None: ...

class WatchDocumentsRequest(_message.Message):
    __slots__ = ["database", "keys_only", "progress_interval_ms", "start_seq", "stores"]
    DATABASE_FIELD_NUMBER: _ClassVar[int]
    KEYS_ONLY_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_INTERVAL_MS_FIELD_NUMBER: _ClassVar[int]
    START_SEQ_FIELD_NUMBER: _ClassVar[int]
    STORES_FIELD_NUMBER: _ClassVar[int]
    database: str
    keys_only: bool
    progress_interval_ms: int
    start_seq: int
    stores: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, database: _Optional[str] = ..., stores: _Optional[_Iterable[str]] = ..., start_seq: _Optional[int] = ..., progress_interval_ms: _Optional[int] = ..., keys_only: bool = ...) -> None: ...

class WatchDocumentsResponse(_message.Message):
    __slots__ = ["changes", "progress", "seq"]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    changes: _containers.RepeatedCompositeFieldContainer[DocumentChange]
    progress: bool
    seq: int
    def __init__(self, changes: _Optional[_Iterable[_Union[DocumentChange, _Mapping]]] = ..., progress: bool = ..., seq: _Optional[int] = ...) -> None: ...

class CursorDirection(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class DocumentChangeType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
