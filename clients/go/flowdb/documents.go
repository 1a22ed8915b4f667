package flowdb

import (
	"context"
	"iter"
	"time"

	v1 "github.com/flowdb/flowdb/clients/go/gen/flowdb/v1"
	"google.golang.org/protobuf/types/known/structpb"
)

// Database is a handle on one document database of the DocumentService
// (IndexedDB-style object stores and indexes of JSON documents). It holds no
// server state: making one is free, and the database is created by
// ApplySchema.
//
//	users := db.Database("app")
//	_, _, err := users.ApplySchema(ctx, []flowdb.StoreSchema{{Name: "users", KeyPath: []string{"id"},
//		Indexes: []flowdb.IndexSchema{{Name: "by_email", KeyPath: []string{"email"}, Unique: true}}}})
//	_, err = users.Put(ctx, "users", nil, map[string]any{"id": 1, "email": "a@x"})
//	for doc, err := range users.Query(ctx, "users", flowdb.ReadRange(flowdb.KeyLowerBound(1, false))) { ... }
//
// Keys are Go values (see EncodeKey), documents plain JSON-shaped values
// (see EncodeDocument); failures are *Error as everywhere in this package.
type Database struct {
	c    *Client
	name string
	svc  v1.DocumentServiceClient
}

// Database returns a handle on the document database name.
func (c *Client) Database(name string) *Database {
	return &Database{c: c, name: name, svc: v1.NewDocumentServiceClient(c.conn)}
}

// Name is the database name.
func (d *Database) Name() string { return d.name }

// DatabaseInfo names a database and its IndexedDB version.
type DatabaseInfo struct {
	Name    string
	Version int64
}

// ListDatabases lists every document database, by name.
func (c *Client) ListDatabases(ctx context.Context) ([]DatabaseInfo, error) {
	res, err := unary(c, ctx, v1.NewDocumentServiceClient(c.conn).ListDatabases, &v1.ListDatabasesRequest{})
	if err != nil {
		return nil, err
	}
	out := make([]DatabaseInfo, len(res.GetDatabases()))
	for i, x := range res.GetDatabases() {
		out[i] = DatabaseInfo{Name: x.GetName(), Version: x.GetVersion()}
	}
	return out, nil
}

// ---- schema ----

// IndexSchema defines a secondary index. KeyPath: one entry is a dotted
// property path, two or more make a compound (array) key.
type IndexSchema struct {
	Name       string
	KeyPath    []string
	Unique     bool
	MultiEntry bool
}

// StoreSchema defines an object store. KeyPath: empty for out-of-line keys,
// {""} for the document itself, one path, or several for a compound key.
type StoreSchema struct {
	Name          string
	KeyPath       []string
	AutoIncrement bool
	Indexes       []IndexSchema
}

// DatabaseSchema describes a database: stores and indexes ordered by name.
type DatabaseSchema struct {
	Name    string
	Version int64
	Stores  []StoreSchema
}

func (s StoreSchema) proto() *v1.StoreSchema {
	p := &v1.StoreSchema{Name: s.Name, KeyPath: s.KeyPath, AutoIncrement: s.AutoIncrement}
	for _, ix := range s.Indexes {
		p.Indexes = append(p.Indexes, &v1.IndexSchema{Name: ix.Name, KeyPath: ix.KeyPath, Unique: ix.Unique, MultiEntry: ix.MultiEntry})
	}
	return p
}

// SchemaOf converts the proto form of a database schema.
func SchemaOf(p *v1.DatabaseSchema) *DatabaseSchema {
	if p == nil {
		return nil
	}
	s := &DatabaseSchema{Name: p.GetName(), Version: p.GetVersion()}
	for _, st := range p.GetStores() {
		x := StoreSchema{Name: st.GetName(), KeyPath: st.GetKeyPath(), AutoIncrement: st.GetAutoIncrement()}
		for _, ix := range st.GetIndexes() {
			x.Indexes = append(x.Indexes, IndexSchema{Name: ix.GetName(), KeyPath: ix.GetKeyPath(), Unique: ix.GetUnique(), MultiEntry: ix.GetMultiEntry()})
		}
		s.Stores = append(s.Stores, x)
	}
	return s
}

// ApplySchema makes the listed stores and indexes exist (creating the
// database if needed) and deletes deleteStores, in one versionchange
// transaction; changed reports whether anything changed. A store or index
// that exists with another definition fails with ReasonSchemaConflict.
func (d *Database) ApplySchema(ctx context.Context, stores []StoreSchema, deleteStores ...string) (schema *DatabaseSchema, changed bool, err error) {
	req := &v1.ApplySchemaRequest{Database: d.name, DeleteStores: deleteStores}
	for _, s := range stores {
		req.Stores = append(req.Stores, s.proto())
	}
	res, err := unary(d.c, ctx, d.svc.ApplySchema, req)
	if err != nil {
		return nil, false, err
	}
	return SchemaOf(res.GetSchema()), res.GetChanged(), nil
}

// Schema describes the database (ReasonNotFound when it does not exist).
func (d *Database) Schema(ctx context.Context) (*DatabaseSchema, error) {
	res, err := unary(d.c, ctx, d.svc.GetSchema, &v1.GetSchemaRequest{Database: d.name})
	return SchemaOf(res.GetSchema()), err
}

// Drop deletes the database and its documents (a missing one is no error).
func (d *Database) Drop(ctx context.Context) error {
	_, err := unary(d.c, ctx, d.svc.DeleteDatabase, &v1.DeleteDatabaseRequest{Database: d.name})
	return err
}

// ---- writes ----

// Written reports a written document: its primary key (generated ones
// included) and the seq of the change in the Watch feed.
type Written struct {
	Key any
	Seq int64
}

// Put inserts or replaces doc in store. key is the out-of-line key; pass
// nil for stores with an in-line key path or auto-increment.
func (d *Database) Put(ctx context.Context, store string, key, doc any) (Written, error) {
	k, v, err := keyDoc(key, doc)
	if err != nil {
		return Written{}, err
	}
	res, err := unary(d.c, ctx, d.svc.PutDocument, &v1.PutDocumentRequest{Database: d.name, Store: store, Key: k, Document: v})
	if err != nil {
		return Written{}, err
	}
	return Written{Key: DecodeKey(res.GetKey()), Seq: res.GetSeq()}, nil
}

// Add inserts doc; ReasonAlreadyExists (ALREADY_EXISTS) when the key or a
// unique index key is taken. key as in Put.
func (d *Database) Add(ctx context.Context, store string, key, doc any) (Written, error) {
	k, v, err := keyDoc(key, doc)
	if err != nil {
		return Written{}, err
	}
	res, err := unary(d.c, ctx, d.svc.AddDocument, &v1.AddDocumentRequest{Database: d.name, Store: store, Key: k, Document: v})
	if err != nil {
		return Written{}, err
	}
	return Written{Key: DecodeKey(res.GetKey()), Seq: res.GetSeq()}, nil
}

func keyDoc(key, doc any) (*v1.DocumentKey, *structpb.Value, error) {
	var k *v1.DocumentKey
	if key != nil {
		var err error
		if k, err = EncodeKey(key); err != nil {
			return nil, nil, err
		}
	}
	v, err := EncodeDocument(doc)
	return k, v, err
}

// Deleted reports a deletion: records deleted, and the seq of the last change (0: none).
type Deleted struct {
	Count int64
	Seq   int64
}

// Delete deletes the record with primary key key.
func (d *Database) Delete(ctx context.Context, store string, key any) (Deleted, error) {
	k, err := EncodeKey(key)
	if err != nil {
		return Deleted{}, err
	}
	return d.deleteDocs(ctx, &v1.DeleteDocumentsRequest{Database: d.name, Store: store, Target: &v1.DeleteDocumentsRequest_Key{Key: k}})
}

// DeleteRange deletes every record whose primary key is in r, atomically.
func (d *Database) DeleteRange(ctx context.Context, store string, r KeyRange) (Deleted, error) {
	pr, err := encodeRange(&r)
	if err != nil {
		return Deleted{}, err
	}
	return d.deleteDocs(ctx, &v1.DeleteDocumentsRequest{Database: d.name, Store: store, Target: &v1.DeleteDocumentsRequest_Range{Range: pr}})
}

func (d *Database) deleteDocs(ctx context.Context, req *v1.DeleteDocumentsRequest) (Deleted, error) {
	res, err := unary(d.c, ctx, d.svc.DeleteDocuments, req)
	return Deleted{Count: res.GetDeleted(), Seq: res.GetSeq()}, err
}

// ---- watch ----

// WatchOption configures Database.Watch.
type WatchOption func(*v1.WatchDocumentsRequest)

// WatchStores only follows these stores (default: all).
func WatchStores(stores ...string) WatchOption {
	return func(r *v1.WatchDocumentsRequest) { r.Stores = append(r.Stores, stores...) }
}

// WatchFrom replays retained changes from seq (default: only new changes).
func WatchFrom(seq int64) WatchOption { return func(r *v1.WatchDocumentsRequest) { r.StartSeq = seq } }

// WatchProgress asks for a progress event after d idle (100 ms..10 min; default 5 s).
func WatchProgress(d time.Duration) WatchOption {
	return func(r *v1.WatchDocumentsRequest) { r.ProgressIntervalMs = uint32(d.Milliseconds()) }
}

// WatchKeysOnly omits documents from changes.
func WatchKeysOnly() WatchOption { return func(r *v1.WatchDocumentsRequest) { r.KeysOnly = true } }

// DocChange is one committed document change.
type DocChange struct {
	Type  v1.DocumentChangeType
	Seq   int64
	Store string
	// Key is the primary key (nil for a clear).
	Key any
	// Value is the document written (puts, unless keys-only).
	Value any
	// CommitSeq is equal for the changes of one transaction.
	CommitSeq int64
}

// DocEvent is one Watch message: changes in seq order, or a progress
// notification (Progress, no changes). Every change up to Seq was delivered;
// resume with WatchFrom(Seq+1).
type DocEvent struct {
	Changes  []DocChange
	Progress bool
	Seq      int64
}

// Watch streams the changes of the database's documents committed through
// this server. Breaking out of the loop ends the stream; a resume position
// too old fails with ReasonSeqCompacted (resync with Query, then watch again).
func (d *Database) Watch(ctx context.Context, opts ...WatchOption) iter.Seq2[DocEvent, error] {
	req := &v1.WatchDocumentsRequest{Database: d.name}
	for _, o := range opts {
		o(req)
	}
	return func(yield func(DocEvent, error) bool) {
		s := stream(ctx, func(ctx context.Context) (recvStream[*v1.WatchDocumentsResponse], error) {
			return d.svc.WatchDocuments(ctx, req)
		})
		for m, err := range s {
			if err != nil {
				yield(DocEvent{}, err)
				return
			}
			if !yield(EventOf(m), nil) {
				return
			}
		}
	}
}

// EventOf converts a WatchDocumentsResponse.
func EventOf(m *v1.WatchDocumentsResponse) DocEvent {
	ev := DocEvent{Progress: m.GetProgress(), Seq: m.GetSeq()}
	for _, ch := range m.GetChanges() {
		ev.Changes = append(ev.Changes, DocChange{Type: ch.GetType(), Seq: ch.GetSeq(), Store: ch.GetStore(),
			Key: DecodeKey(ch.GetKey()), Value: DecodeDocument(ch.GetDocument()), CommitSeq: ch.GetCommitSeq()})
	}
	return ev
}
