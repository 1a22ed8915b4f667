"""DocumentService steps of the Python scenario runner: the proto3-JSON request is decoded, turned
into Python values for flowdb.Database, and the results are turned back into the response message,
so scenarios exercise the wrapper's conversions both ways."""

from __future__ import annotations

from typing import Any, Callable, Optional

from google.protobuf import json_format

import flowdb
from flowdb import Client, Database, KeyRange, from_key, from_value, to_key, to_value
from flowdb import document_pb2 as pb

METHODS = ["ApplySchema", "GetSchema", "ListDatabases", "DeleteDatabase", "PutDocument", "AddDocument",
           "GetDocument", "DeleteDocuments", "GetAllDocuments", "QueryDocuments", "CountDocuments",
           "Transact", "WatchDocuments"]


def _key(k: pb.DocumentKey, present: bool) -> Any:
    return from_key(k) if present else None


def _range(m: Any, field: str = "range") -> Optional[KeyRange]:
    return KeyRange.from_proto(getattr(m, field)) if m.HasField(field) else None


def _records(recs: Any) -> list[pb.DocumentRecord]:
    out = []
    for r in recs:
        m = pb.DocumentRecord(key=to_key(r.key), primary_key=to_key(r.primary_key))
        if r.document is not None:
            m.document.CopyFrom(to_value(r.document))
        out.append(m)
    return out


def _tx_op(o: pb.TransactOp) -> pb.TransactOp:
    kind = o.WhichOneof("op")
    if kind in ("put", "add"):
        p = getattr(o, kind)
        build = flowdb.tx_put if kind == "put" else flowdb.tx_add
        return build(p.store, from_value(p.document), _key(p.key, p.HasField("key")))
    if kind == "delete":
        d = o.delete
        if d.HasField("range"):
            return flowdb.tx_delete_range(d.store, KeyRange.from_proto(d.range))
        return flowdb.tx_delete(d.store, _key(d.key, d.HasField("key")))
    if kind == "clear":
        return flowdb.tx_clear(o.clear.store)
    raise AssertionError(f"transact op without an operation: {o}")


def _schema(s: dict[str, Any]) -> pb.DatabaseSchema:
    return json_format.ParseDict(s, pb.DatabaseSchema(), ignore_unknown_fields=False)


def doc_call(c: Client, name: str, raw: dict[str, Any], step: dict[str, Any], timeout: float,
             collect: Callable[[Any], list[Any]]) -> tuple[Any, Optional[list[Any]]]:
    """(unary response, None) or (None, stream messages) for a DocumentService method."""
    method = name.split("/", 1)[1]

    def parse(cls: Any) -> Any:
        return json_format.ParseDict(raw, cls())

    if method == "ListDatabases":
        dbs = flowdb.list_databases(c, timeout=timeout)
        return pb.ListDatabasesResponse(databases=[pb.DatabaseInfo(name=n, version=v) for n, v in dbs]), None
    if method == "WatchDocuments":
        r = parse(pb.WatchDocumentsRequest)
        db = Database(c, r.database)

        def events() -> Any:
            it = db.watch(stores=r.stores, start_seq=r.start_seq, progress_interval_ms=r.progress_interval_ms,
                          keys_only=r.keys_only, timeout=timeout)
            try:
                for ev in it:
                    m = pb.WatchDocumentsResponse(progress=ev.progress, seq=ev.seq)
                    for ch in ev.changes:
                        pc = m.changes.add(type=ch.type, seq=ch.seq, store=ch.store, commit_seq=ch.commit_seq)  # type: ignore[arg-type]
                        if ch.key is not None:
                            pc.key.CopyFrom(to_key(ch.key))
                        if ch.document is not None:
                            pc.document.CopyFrom(to_value(ch.document))
                    yield m
            finally:
                it.close()

        return None, collect(events())
    r = parse(getattr(pb, f"{method}Request"))
    db = Database(c, r.database)
    if method == "ApplySchema":
        stores = [json_format.MessageToDict(s, preserving_proto_field_name=True) for s in r.stores]
        stores = [flowdb.store_schema(**s) for s in stores]
        schema, changed = db.apply_schema(stores, delete_stores=r.delete_stores, timeout=timeout)
        return pb.ApplySchemaResponse(schema=_schema(schema), changed=changed), None
    if method == "GetSchema":
        return pb.GetSchemaResponse(schema=_schema(db.schema(timeout=timeout))), None
    if method == "DeleteDatabase":
        db.drop(timeout=timeout)
        return pb.DeleteDatabaseResponse(), None
    if method in ("PutDocument", "AddDocument"):
        write = db.add if method == "AddDocument" else db.put
        w = write(r.store, from_value(r.document), _key(r.key, r.HasField("key")), timeout=timeout)
        return pb.PutDocumentResponse(key=to_key(w.key), seq=w.seq), None
    if method == "GetDocument":
        rec = db.get(r.store, _key(r.key, r.HasField("key")), index=r.index, timeout=timeout)
        if rec is None:
            return pb.GetDocumentResponse(found=False), None
        return pb.GetDocumentResponse(found=True, document=to_value(rec.document), primary_key=to_key(rec.primary_key)), None
    if method == "DeleteDocuments":
        if r.HasField("range"):
            d = db.delete_range(r.store, KeyRange.from_proto(r.range), timeout=timeout)
        else:
            d = db.delete(r.store, _key(r.key, r.HasField("key")), timeout=timeout)
        return pb.DeleteDocumentsResponse(deleted=d.count, seq=d.seq), None
    if method == "GetAllDocuments":
        recs = db.get_all(r.store, index=r.index, key_range=_range(r), limit=r.limit, keys_only=r.keys_only, timeout=timeout)
        return pb.GetAllDocumentsResponse(records=_records(recs), more=recs.more), None
    if method == "QueryDocuments":
        pages = db.query_pages(r.store, index=r.index, key_range=_range(r), direction=r.direction, page_size=r.page_size,
                               keys_only=r.keys_only, page_token=r.page_token, timeout=timeout)
        msgs = (pb.QueryDocumentsResponse(records=_records(p.records), next_page_token=p.next_page_token) for p in pages)
        if step.get("all_pages"):
            return None, collect(msgs)
        try:
            return next(msgs), None
        finally:
            pages.close()
    if method == "CountDocuments":
        return pb.CountDocumentsResponse(count=db.count(r.store, index=r.index, key_range=_range(r), timeout=timeout)), None
    if method == "Transact":
        t = db.transact([_tx_op(o) for o in r.ops], timeout=timeout)
        results = [pb.TransactResult(key=to_key(x.key) if x.key is not None else None, deleted=x.deleted) for x in t.results]
        return pb.TransactResponse(results=results, seq=t.seq), None
    raise AssertionError(f"{name} not supported by the Python runner")
