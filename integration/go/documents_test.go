// DocumentService steps of the scenario runner: each request is decoded from
// proto3 JSON, turned into plain Go values for the flowdb.Database wrapper,
// and the wrapper's results are turned back into the response message, so the
// scenarios exercise the wrapper's conversions both ways.
package integration

import (
	"context"
	"fmt"
	"time"

	"github.com/flowdb/flowdb/clients/go/flowdb"
	v1 "github.com/flowdb/flowdb/clients/go/gen/flowdb/v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
)

var documentMethods = []string{"ApplySchema", "GetSchema", "ListDatabases", "DeleteDatabase", "PutDocument",
	"AddDocument", "GetDocument", "DeleteDocuments", "GetAllDocuments", "QueryDocuments", "CountDocuments",
	"Transact", "WatchDocuments"}

// docCall runs a DocumentService step. Unary results come back as the
// response message; stream messages (WatchDocuments, QueryDocuments with
// all_pages) go to collect, which records the RPC error itself.
func docCall(ctx context.Context, c *flowdb.Client, name string, st step,
	collect func(proto.Message, error) bool) (res proto.Message, isUnary bool, callErr, err error) {
	req := st.request()
	switch name {
	case "DocumentService/ListDatabases":
		dbs, err := c.ListDatabases(ctx)
		out := &v1.ListDatabasesResponse{}
		for _, d := range dbs {
			out.Databases = append(out.Databases, &v1.DatabaseInfo{Name: d.Name, Version: d.Version})
		}
		return out, true, err, nil
	case "DocumentService/ApplySchema":
		r, err := decode(req, &v1.ApplySchemaRequest{})
		if err != nil {
			return nil, true, nil, err
		}
		stores := make([]flowdb.StoreSchema, len(r.Stores))
		for i, s := range r.Stores {
			stores[i] = flowdb.StoreSchema{Name: s.Name, KeyPath: s.KeyPath, AutoIncrement: s.AutoIncrement}
			for _, ix := range s.Indexes {
				stores[i].Indexes = append(stores[i].Indexes, flowdb.IndexSchema{Name: ix.Name, KeyPath: ix.KeyPath, Unique: ix.Unique, MultiEntry: ix.MultiEntry})
			}
		}
		schema, changed, err := c.Database(r.Database).ApplySchema(ctx, stores, r.DeleteStores...)
		return &v1.ApplySchemaResponse{Schema: schemaProto(schema), Changed: changed}, true, err, nil
	case "DocumentService/GetSchema":
		r, err := decode(req, &v1.GetSchemaRequest{})
		if err != nil {
			return nil, true, nil, err
		}
		schema, err := c.Database(r.Database).Schema(ctx)
		return &v1.GetSchemaResponse{Schema: schemaProto(schema)}, true, err, nil
	case "DocumentService/DeleteDatabase":
		r, err := decode(req, &v1.DeleteDatabaseRequest{})
		if err != nil {
			return nil, true, nil, err
		}
		return &v1.DeleteDatabaseResponse{}, true, c.Database(r.Database).Drop(ctx), nil
	case "DocumentService/PutDocument", "DocumentService/AddDocument":
		r, err := decode(req, &v1.PutDocumentRequest{})
		if err != nil {
			return nil, true, nil, err
		}
		db := c.Database(r.Database)
		write := db.Put
		if name == "DocumentService/AddDocument" {
			write = db.Add
		}
		w, err := write(ctx, r.Store, optKey(r.Key), flowdb.DecodeDocument(r.Document))
		if err != nil {
			return nil, true, err, nil
		}
		return &v1.PutDocumentResponse{Key: mustKey(w.Key), Seq: w.Seq}, true, nil, nil
	case "DocumentService/GetDocument":
		r, err := decode(req, &v1.GetDocumentRequest{})
		if err != nil {
			return nil, true, nil, err
		}
		doc, found, err := c.Database(r.Database).Get(ctx, r.Store, optKey(r.Key), flowdb.ReadIndex(r.Index))
		if err != nil || !found {
			return &v1.GetDocumentResponse{}, true, err, nil
		}
		return &v1.GetDocumentResponse{Found: true, Document: mustDoc(doc.Value), PrimaryKey: mustKey(doc.PrimaryKey)}, true, nil, nil
	case "DocumentService/DeleteDocuments":
		r, err := decode(req, &v1.DeleteDocumentsRequest{})
		if err != nil {
			return nil, true, nil, err
		}
		db := c.Database(r.Database)
		var d flowdb.Deleted
		if r.GetRange() != nil {
			d, err = db.DeleteRange(ctx, r.Store, *flowdb.DecodeRange(r.GetRange()))
		} else {
			d, err = db.Delete(ctx, r.Store, optKey(r.GetKey()))
		}
		return &v1.DeleteDocumentsResponse{Deleted: d.Count, Seq: d.Seq}, true, err, nil
	case "DocumentService/GetAllDocuments":
		r, err := decode(req, &v1.GetAllDocumentsRequest{})
		if err != nil {
			return nil, true, nil, err
		}
		opts := readOpts(r.Index, r.Range, r.KeysOnly, flowdb.ReadLimit(r.Limit))
		docs, more, err := c.Database(r.Database).GetAll(ctx, r.Store, opts...)
		return &v1.GetAllDocumentsResponse{Records: recordsProto(docs), More: more}, true, err, nil
	case "DocumentService/QueryDocuments":
		r, err := decode(req, &v1.QueryDocumentsRequest{})
		if err != nil {
			return nil, true, nil, err
		}
		opts := readOpts(r.Index, r.Range, r.KeysOnly, flowdb.ReadDirection(r.Direction),
			flowdb.ReadPageSize(r.PageSize), flowdb.ReadPageToken(r.PageToken))
		for p, err := range c.Database(r.Database).QueryPages(ctx, r.Store, opts...) {
			var m *v1.QueryDocumentsResponse
			if err == nil {
				m = &v1.QueryDocumentsResponse{Records: recordsProto(p.Docs), NextPageToken: p.NextPageToken}
			}
			if !st.AllPages {
				return m, true, err, nil
			}
			if !collect(m, err) {
				break
			}
		}
		return nil, false, nil, nil
	case "DocumentService/CountDocuments":
		r, err := decode(req, &v1.CountDocumentsRequest{})
		if err != nil {
			return nil, true, nil, err
		}
		n, err := c.Database(r.Database).Count(ctx, r.Store, readOpts(r.Index, r.Range, false)...)
		return &v1.CountDocumentsResponse{Count: n}, true, err, nil
	case "DocumentService/Transact":
		r, err := decode(req, &v1.TransactRequest{})
		if err != nil {
			return nil, true, nil, err
		}
		ops := make([]flowdb.TxOp, len(r.Ops))
		for i, o := range r.Ops {
			if ops[i], err = txOp(o); err != nil {
				return nil, true, nil, err
			}
		}
		results, seq, err := c.Database(r.Database).Transact(ctx, ops...)
		out := &v1.TransactResponse{Seq: seq}
		for _, x := range results {
			tr := &v1.TransactResult{Deleted: x.Deleted}
			if x.Key != nil {
				tr.Key = mustKey(x.Key)
			}
			out.Results = append(out.Results, tr)
		}
		return out, true, err, nil
	case "DocumentService/WatchDocuments":
		r, err := decode(req, &v1.WatchDocumentsRequest{})
		if err != nil {
			return nil, false, nil, err
		}
		opts := []flowdb.WatchOption{flowdb.WatchStores(r.Stores...), flowdb.WatchFrom(r.StartSeq)}
		if r.ProgressIntervalMs > 0 {
			opts = append(opts, flowdb.WatchProgress(time.Duration(r.ProgressIntervalMs)*time.Millisecond))
		}
		if r.KeysOnly {
			opts = append(opts, flowdb.WatchKeysOnly())
		}
		for ev, err := range c.Database(r.Database).Watch(ctx, opts...) {
			var m *v1.WatchDocumentsResponse
			if err == nil {
				m = eventProto(ev)
			}
			if !collect(m, err) {
				break
			}
		}
		return nil, false, nil, nil
	}
	return nil, true, nil, fmt.Errorf("%s not supported by the Go runner", name)
}

func optKey(k *v1.DocumentKey) any {
	if k == nil {
		return nil
	}
	return flowdb.DecodeKey(k)
}

func mustKey(k any) *v1.DocumentKey {
	p, err := flowdb.EncodeKey(k)
	if err != nil {
		panic(fmt.Sprintf("key %v from the server does not encode: %v", k, err))
	}
	return p
}

func mustDoc(v any) *structpb.Value {
	p, err := flowdb.EncodeDocument(v)
	if err != nil {
		panic(fmt.Sprintf("document %v from the server does not encode: %v", v, err))
	}
	return p
}

func readOpts(index string, r *v1.KeyRange, keysOnly bool, more ...flowdb.ReadOption) []flowdb.ReadOption {
	opts := append([]flowdb.ReadOption{flowdb.ReadIndex(index)}, more...)
	if r != nil {
		opts = append(opts, flowdb.ReadRange(*flowdb.DecodeRange(r)))
	}
	if keysOnly {
		opts = append(opts, flowdb.ReadKeysOnly())
	}
	return opts
}

func recordsProto(docs []flowdb.Doc) []*v1.DocumentRecord {
	out := make([]*v1.DocumentRecord, len(docs))
	for i, d := range docs {
		out[i] = &v1.DocumentRecord{Key: mustKey(d.Key), PrimaryKey: mustKey(d.PrimaryKey)}
		if d.Raw() != nil {
			out[i].Document = mustDoc(d.Value)
		}
	}
	return out
}

func txOp(o *v1.TransactOp) (flowdb.TxOp, error) {
	switch {
	case o.GetPut() != nil:
		return flowdb.TxPut(o.GetPut().Store, optKey(o.GetPut().Key), flowdb.DecodeDocument(o.GetPut().Document)), nil
	case o.GetAdd() != nil:
		return flowdb.TxAdd(o.GetAdd().Store, optKey(o.GetAdd().Key), flowdb.DecodeDocument(o.GetAdd().Document)), nil
	case o.GetDelete().GetRange() != nil:
		return flowdb.TxDeleteRange(o.GetDelete().Store, *flowdb.DecodeRange(o.GetDelete().GetRange())), nil
	case o.GetDelete() != nil:
		return flowdb.TxDelete(o.GetDelete().Store, optKey(o.GetDelete().GetKey())), nil
	case o.GetClear() != nil:
		return flowdb.TxClear(o.GetClear().Store), nil
	}
	return flowdb.TxOp{}, fmt.Errorf("transact op without an operation: %v", o)
}

func schemaProto(s *flowdb.DatabaseSchema) *v1.DatabaseSchema {
	if s == nil {
		return nil
	}
	out := &v1.DatabaseSchema{Name: s.Name, Version: s.Version}
	for _, st := range s.Stores {
		ps := &v1.StoreSchema{Name: st.Name, KeyPath: st.KeyPath, AutoIncrement: st.AutoIncrement}
		for _, ix := range st.Indexes {
			ps.Indexes = append(ps.Indexes, &v1.IndexSchema{Name: ix.Name, KeyPath: ix.KeyPath, Unique: ix.Unique, MultiEntry: ix.MultiEntry})
		}
		out.Stores = append(out.Stores, ps)
	}
	return out
}

func eventProto(ev flowdb.DocEvent) *v1.WatchDocumentsResponse {
	m := &v1.WatchDocumentsResponse{Progress: ev.Progress, Seq: ev.Seq}
	for _, ch := range ev.Changes {
		pc := &v1.DocumentChange{Type: ch.Type, Seq: ch.Seq, Store: ch.Store, CommitSeq: ch.CommitSeq}
		if ch.Key != nil {
			pc.Key = mustKey(ch.Key)
		}
		if ch.Value != nil {
			pc.Document = mustDoc(ch.Value)
		}
		m.Changes = append(m.Changes, pc)
	}
	return m
}
