package flowdb_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/flowdb/flowdb/clients/go/flowdb"
	v1 "github.com/flowdb/flowdb/clients/go/gen/flowdb/v1"
	"google.golang.org/grpc/codes"
)

func TestDocumentKeysRoundTrip(t *testing.T) {
	curT = t
	date := time.Date(2024, 5, 6, 7, 8, 9, 123e6, time.UTC)
	cases := []struct {
		in, out any
	}{
		{1, 1.0}, {int64(-7), -7.0}, {uint8(3), 3.0}, {2.5, 2.5}, {float32(0.5), 0.5},
		{"1", "1"}, {"", ""}, {[]byte{0, 1}, []byte{0, 1}}, {date, date},
		{[]any{1, "a", []any{}}, []any{1.0, "a", []any{}}}, {[]string{"x", "y"}, []any{"x", "y"}},
	}
	for _, c := range cases {
		k, err := flowdb.EncodeKey(c.in)
		if err != nil {
			t.Fatalf("%v: %v", c.in, err)
		}
		if got := flowdb.DecodeKey(k); !reflect.DeepEqual(got, c.out) {
			t.Fatalf("%#v: round trip %#v, want %#v", c.in, got, c.out)
		}
	}
	if _, ok := must(flowdb.EncodeKey(1)).Kind.(*v1.DocumentKey_NumberValue); !ok {
		t.Fatal("int is not a number key")
	}
	if _, ok := must(flowdb.EncodeKey("1")).Kind.(*v1.DocumentKey_StringValue); !ok {
		t.Fatal(`"1" is not a string key`)
	}
	for _, bad := range []any{nil, true, map[string]any{}, int64(1)<<53 + 1, []any{1, struct{}{}}} {
		_, err := flowdb.EncodeKey(bad)
		var fe *flowdb.Error
		if !errors.As(err, &fe) || fe.Code != codes.InvalidArgument || fe.Reason != flowdb.ReasonInvalidKey {
			t.Fatalf("%#v: %v, want InvalidArgument/%s", bad, err, flowdb.ReasonInvalidKey)
		}
	}
	type doc struct {
		Name string `json:"name"`
		N    int    `json:"n"`
	}
	v, err := flowdb.EncodeDocument(doc{"a", 2})
	if err != nil || !reflect.DeepEqual(flowdb.DecodeDocument(v), map[string]any{"name": "a", "n": 2.0}) {
		t.Fatalf("struct document %v %v", flowdb.DecodeDocument(v), err)
	}
	if _, err := flowdb.EncodeDocument(math.Inf(1)); flowdb.ReasonOf(err) != flowdb.ReasonInvalidArgument {
		t.Fatalf("Inf document: %v", err)
	}
}

type user struct {
	ID    int    `json:"id"`
	Email string `json:"email"`
	Age   int    `json:"age"`
}

func usersDB(t *testing.T, c *flowdb.Client, ctx context.Context, name string) *flowdb.Database {
	t.Helper()
	db := c.Database(name)
	t.Cleanup(func() { _ = db.Drop(context.Background()) })
	s, changed, err := db.ApplySchema(ctx, []flowdb.StoreSchema{
		{Name: "users", KeyPath: []string{"id"}, Indexes: []flowdb.IndexSchema{
			{Name: "by_age", KeyPath: []string{"age"}},
			{Name: "by_email", KeyPath: []string{"email"}, Unique: true},
		}},
		{Name: "kv"},
	})
	if err != nil || !changed || s.Version != 1 || len(s.Stores) != 2 || s.Stores[1].Indexes[1].Unique != true {
		t.Fatalf("schema %+v changed=%v err=%v", s, changed, err)
	}
	return db
}

func TestDocumentsCRUD(t *testing.T) {
	c, ctx := dial(t)
	db := usersDB(t, c, ctx, "go_crud")
	if _, changed := must2(db.ApplySchema(ctx, []flowdb.StoreSchema{{Name: "kv"}})); changed {
		t.Fatal("re-applying a listed store changed the schema")
	}
	_, _, err := db.ApplySchema(ctx, []flowdb.StoreSchema{{Name: "kv", KeyPath: []string{"k"}}})
	wantErr(t, err, codes.FailedPrecondition, flowdb.ReasonSchemaConflict)

	w := must(db.Add(ctx, "users", nil, user{1, "a@x", 30}))
	if w.Key != 1.0 || w.Seq <= 0 {
		t.Fatalf("add %+v", w)
	}
	must(db.Put(ctx, "users", nil, map[string]any{"id": 2, "email": "b@x", "age": 25}))
	_, err = db.Add(ctx, "users", nil, user{1, "z@x", 1})
	wantErr(t, err, codes.AlreadyExists, flowdb.ReasonAlreadyExists)
	_, err = db.Put(ctx, "users", nil, user{3, "a@x", 1})
	wantErr(t, err, codes.AlreadyExists, flowdb.ReasonAlreadyExists)

	doc, found, err := db.Get(ctx, "users", "b@x", flowdb.ReadIndex("by_email"))
	var u user
	if err != nil || !found || doc.PrimaryKey != 2.0 || doc.Key != "b@x" || doc.Decode(&u) != nil || u != (user{2, "b@x", 25}) {
		t.Fatalf("get by index: %+v %v %v (%+v)", doc, found, err, u)
	}
	if _, found := must2(db.Get(ctx, "users", 3)); found {
		t.Fatal("user 3 exists")
	}
	_, _, err = db.Get(ctx, "nope", 1)
	wantErr(t, err, codes.NotFound, flowdb.ReasonNotFound)

	// number 1 and string "1" are distinct keys; dates and binary keys round-trip
	date := time.UnixMilli(1_700_000_000_000).UTC()
	for _, k := range []any{1, "1", date, []byte("b"), []any{1, "x"}} {
		must(db.Put(ctx, "kv", k, fmt.Sprintf("%T", k)))
	}
	docs, more := must2(db.GetAll(ctx, "kv"))
	want := []any{1.0, date, "1", []byte("b"), []any{1.0, "x"}}
	if more || len(docs) != len(want) {
		t.Fatalf("getAll %+v more=%v", docs, more)
	}
	for i, d := range docs {
		if !reflect.DeepEqual(d.Key, want[i]) {
			t.Fatalf("key %d: %#v, want %#v", i, d.Key, want[i])
		}
	}
	if d, _ := must2(db.Get(ctx, "kv", "1")); d.Value != "string" {
		t.Fatalf(`"1" holds %v`, d.Value)
	}
	if n := must(db.Count(ctx, "kv", flowdb.ReadRange(flowdb.KeyBound(0, "zzz", true, false)))); n != 3 {
		t.Fatalf("count (0, zzz] = %d", n)
	}
	_, err = db.Count(ctx, "kv", flowdb.ReadRange(flowdb.KeyBound(5, 1, false, false)))
	wantErr(t, err, codes.InvalidArgument, flowdb.ReasonInvalidRange)
	_, err = db.Put(ctx, "kv", math.NaN(), 1)
	wantErr(t, err, codes.InvalidArgument, flowdb.ReasonInvalidKey)
	if d := must(db.DeleteRange(ctx, "kv", flowdb.KeyUpperBound("1", false))); d.Count != 3 || d.Seq <= 0 {
		t.Fatalf("delete range %+v", d)
	}
	if d := must(db.Delete(ctx, "kv", 1)); d.Count != 0 || d.Seq != 0 {
		t.Fatalf("delete missing %+v", d)
	}
	if names := must(c.ListDatabases(ctx)); !containsDB(names, "go_crud") {
		t.Fatalf("databases %v", names)
	}
	if err := db.Drop(ctx); err != nil {
		t.Fatal(err)
	}
	if names := must(c.ListDatabases(ctx)); containsDB(names, "go_crud") {
		t.Fatalf("dropped database listed: %v", names)
	}
	_, err = db.Schema(ctx)
	wantErr(t, err, codes.NotFound, flowdb.ReasonNotFound)
}

func containsDB(dbs []flowdb.DatabaseInfo, name string) bool {
	for _, d := range dbs {
		if d.Name == name {
			return true
		}
	}
	return false
}

func must2[A, B any](a A, b B, err error) (A, B) {
	curT.Helper()
	if err != nil {
		curT.Fatal(err)
	}
	return a, b
}

func TestDocumentsQuery(t *testing.T) {
	c, ctx := dial(t)
	db := usersDB(t, c, ctx, "go_query")
	ops := make([]flowdb.TxOp, 25)
	for i := range ops {
		ops[i] = flowdb.TxPut("users", nil, user{i + 1, fmt.Sprintf("u%02d@x", i+1), 20 + i%3})
	}
	must2(db.Transact(ctx, ops...))

	var sizes []int
	var ids []any
	for p, err := range db.QueryPages(ctx, "users", flowdb.ReadPageSize(10)) {
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(p.Docs))
		for _, d := range p.Docs {
			ids = append(ids, d.PrimaryKey)
		}
	}
	if !reflect.DeepEqual(sizes, []int{10, 10, 5}) || len(ids) != 25 || ids[0] != 1.0 || ids[24] != 25.0 {
		t.Fatalf("pages %v ids %v", sizes, ids)
	}
	// descending, through an index, stopping early
	var got [][2]any
	for d, err := range db.Query(ctx, "users", flowdb.ReadIndex("by_age"), flowdb.ReadDirection(v1.CursorDirection_CURSOR_DIRECTION_PREV),
		flowdb.ReadPageSize(3), flowdb.ReadKeysOnly()) {
		if err != nil {
			t.Fatal(err)
		}
		if d.Value != nil {
			t.Fatalf("keys only returned %v", d.Value)
		}
		if got = append(got, [2]any{d.Key, d.PrimaryKey}); len(got) == 4 {
			break
		}
	}
	want := [][2]any{{22.0, 24.0}, {22.0, 21.0}, {22.0, 18.0}, {22.0, 15.0}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("prev by_age %v, want %v", got, want)
	}
	var first *flowdb.Page
	for p, err := range db.QueryPages(ctx, "users", flowdb.ReadPageSize(10), flowdb.ReadRange(flowdb.KeyLowerBound(20, true))) {
		if err != nil {
			t.Fatal(err)
		}
		first = &p
		break
	}
	if first == nil || len(first.Docs) != 5 || first.Docs[0].PrimaryKey != 21.0 || first.NextPageToken != "" {
		t.Fatalf("range page %+v", first)
	}
	var tokenErr error
	for _, err := range db.Query(ctx, "users", flowdb.ReadPageToken("garbage")) {
		tokenErr = err
	}
	wantErr(t, tokenErr, codes.InvalidArgument, flowdb.ReasonInvalidToken)
}

func TestDocumentsTransact(t *testing.T) {
	c, ctx := dial(t)
	db := usersDB(t, c, ctx, "go_tx")
	must(db.Put(ctx, "kv", "keep", "v"))
	_, _, err := db.Transact(ctx,
		flowdb.TxPut("kv", "new", 1),
		flowdb.TxDelete("kv", "keep"),
		flowdb.TxAdd("users", nil, user{1, "a@x", 1}),
		flowdb.TxAdd("users", nil, user{2, "a@x", 2}),
	)
	fe := wantErr(t, err, codes.AlreadyExists, flowdb.ReasonAlreadyExists)
	if fe.Metadata["op_index"] != "3" {
		t.Fatalf("op_index %q", fe.Metadata["op_index"])
	}
	if n := must(db.Count(ctx, "kv")); n != 1 {
		t.Fatalf("kv count %d after a failed transaction", n)
	}
	if n := must(db.Count(ctx, "users")); n != 0 {
		t.Fatalf("users count %d after a failed transaction", n)
	}
	_, _, err = db.Transact(ctx, flowdb.TxPut("kv", true, 1))
	if fe := wantErr(t, err, codes.InvalidArgument, flowdb.ReasonInvalidKey); fe.Metadata["op_index"] != "0" {
		t.Fatalf("client-side op_index %q", fe.Metadata["op_index"])
	}
	res, seq := must2(db.Transact(ctx,
		flowdb.TxPut("kv", "new", 1),
		flowdb.TxDeleteRange("kv", flowdb.KeyOnly("keep")),
		flowdb.TxAdd("users", nil, user{1, "a@x", 1}),
		flowdb.TxClear("kv"),
	))
	want := []flowdb.TxResult{{Key: "new"}, {Deleted: 1}, {Key: 1.0}, {Deleted: 1}}
	if !reflect.DeepEqual(res, want) || seq <= 0 {
		t.Fatalf("transact %+v seq %d, want %+v", res, seq, want)
	}
}

func TestDocumentsWatch(t *testing.T) {
	c, ctx := dial(t)
	db := usersDB(t, c, ctx, "go_watch")
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	events := make(chan flowdb.DocEvent, 16)
	go func() {
		defer close(events)
		for ev, err := range db.Watch(wctx, flowdb.WatchStores("kv")) {
			if err != nil {
				return
			}
			events <- ev
		}
	}()
	time.Sleep(300 * time.Millisecond) // let the stream subscribe
	must(db.Put(ctx, "users", nil, user{1, "a@x", 1}))
	_, seq := must2(db.Transact(ctx, flowdb.TxPut("kv", "a", map[string]any{"x": 1}), flowdb.TxPut("kv", []byte("b"), nil)))
	var changes []flowdb.DocChange
	for len(changes) < 2 {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatal("watch ended")
			}
			changes = append(changes, ev.Changes...)
		case <-wctx.Done():
			t.Fatalf("got %d changes", len(changes))
		}
	}
	a, b := changes[0], changes[1]
	if a.Type != v1.DocumentChangeType_DOCUMENT_CHANGE_TYPE_PUT || a.Store != "kv" || a.Key != "a" ||
		!reflect.DeepEqual(a.Value, map[string]any{"x": 1.0}) || !bytes.Equal(b.Key.([]byte), []byte("b")) ||
		a.CommitSeq != seq || b.CommitSeq != seq || b.Seq != seq || a.Seq >= b.Seq {
		t.Fatalf("changes %+v (commit seq %d)", changes, seq)
	}
	// resume from the first change: replayed from the retained feed
	rctx, rcancel := context.WithTimeout(ctx, 10*time.Second)
	defer rcancel()
	for ev, err := range db.Watch(rctx, flowdb.WatchFrom(a.Seq), flowdb.WatchStores("kv"), flowdb.WatchKeysOnly()) {
		if err != nil {
			t.Fatal(err)
		}
		if len(ev.Changes) == 0 {
			continue
		}
		if ev.Changes[0].Seq != a.Seq || ev.Changes[0].Value != nil {
			t.Fatalf("replay %+v", ev.Changes[0])
		}
		break
	}
	// an idle stream reports progress; resuming after it misses nothing
	for ev, err := range db.Watch(rctx, flowdb.WatchStores("none"), flowdb.WatchProgress(100*time.Millisecond)) {
		if err != nil {
			t.Fatal(err)
		}
		if !ev.Progress || len(ev.Changes) != 0 || ev.Seq < seq {
			t.Fatalf("progress event %+v (last seq %d)", ev, seq)
		}
		break
	}
	var aheadErr error
	for _, err := range db.Watch(rctx, flowdb.WatchFrom(1<<52)) {
		aheadErr = err
		break
	}
	wantErr(t, aheadErr, codes.OutOfRange, flowdb.ReasonSeqCompacted)
}
