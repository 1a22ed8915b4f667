package flowdb_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"os"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/flowdb/flowdb/clients/go/flowdb"
	"github.com/flowdb/flowdb/clients/go/flowdbtest"
	v1 "github.com/flowdb/flowdb/clients/go/gen/flowdb/v1"
	"github.com/flowdb/flowdb/clients/go/gen/flowdb/v1/flowdbv1connect"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

var srv flowdbtest.Server

func TestMain(m *testing.M) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	s, err := flowdbtest.Start(ctx, flowdbtest.Options{})
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	srv = s
	code := m.Run()
	sctx, scancel := context.WithTimeout(context.Background(), 20*time.Second)
	exit, err := srv.Stop(sctx)
	scancel()
	if err != nil || exit != 0 {
		fmt.Fprintf(os.Stderr, "server stop: exit %d, %v\n%s", exit, err, srv.Logs())
		if code == 0 {
			code = 1
		}
	}
	flowdbtest.RemoveDataDir(srv.DataDir())
	os.Exit(code)
}

func dial(t *testing.T, opts ...flowdb.Option) (*flowdb.Client, context.Context) {
	t.Helper()
	curT = t
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	c, err := flowdb.Dial(ctx, srv.Target(), append([]flowdb.Option{flowdb.WithTimeout(10 * time.Second)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c, ctx
}

// curT is the running test (tests here are sequential), for must.
var curT *testing.T

func must[T any](v T, err error) T {
	curT.Helper()
	if err != nil {
		curT.Fatal(err)
	}
	return v
}

func wantErr(t *testing.T, err error, code codes.Code, reason string) *flowdb.Error {
	t.Helper()
	var fe *flowdb.Error
	if !errors.As(err, &fe) {
		t.Fatalf("want *flowdb.Error %v/%s, got %v", code, reason, err)
	}
	if fe.Code != code || fe.Reason != reason {
		t.Fatalf("got %v/%s (%s), want %v/%s", fe.Code, fe.Reason, fe.Message, code, reason)
	}
	return fe
}

func TestUnary(t *testing.T) {
	c, ctx := dial(t)
	p := must(c.Put(ctx, []byte("u/a"), []byte("1")))
	if p.GetHeader().GetSeq() <= 0 {
		t.Fatalf("seq %v", p.GetHeader())
	}
	g := must(c.Get(ctx, []byte("u/a")))
	if !g.GetFound() || string(g.GetRecord().GetValue()) != "1" {
		t.Fatalf("get %v", g)
	}
	if v, ok, err := c.GetValue(ctx, []byte("u/missing")); err != nil || ok || v != nil {
		t.Fatalf("missing: %v %v %v", v, ok, err)
	}
	must(c.Put(ctx, []byte("u/b"), []byte("2")))
	res := must(c.BatchGet(ctx, [][]byte{[]byte("u/a"), []byte("u/zz"), []byte("u/b")}))
	if len(res) != 3 || !res[0].GetFound() || res[1].GetFound() || string(res[2].GetRecord().GetValue()) != "2" {
		t.Fatalf("batchget %v", res)
	}
	d := must(c.Delete(ctx, []byte("u/a"), flowdb.DeletePrevKV()))
	if string(d.GetPrev().GetValue()) != "1" {
		t.Fatalf("delete prev %v", d)
	}
	for i := range 5 {
		must(c.Put(ctx, fmt.Appendf(nil, "r/%d", i), []byte("x")))
	}
	dr := must(c.DeleteRange(ctx, []byte("r/1"), []byte("r/4"), flowdb.DeleteRangeCount()))
	if dr.GetDeleted() != 3 {
		t.Fatalf("deleted %d", dr.GetDeleted())
	}
	dp := must(c.DeletePrefix(ctx, []byte("r/"), flowdb.DeleteRangeCount()))
	if dp.GetDeleted() != 2 {
		t.Fatalf("deleted by prefix %d", dp.GetDeleted())
	}
	b := must(c.Batch(ctx, []*v1.BatchOp{
		flowdb.OpPut([]byte("b/1"), []byte("x")),
		flowdb.OpPut([]byte("b/2"), []byte("y")),
		flowdb.OpDelete([]byte("u/b"), flowdb.DeletePrevKV()),
	}))
	if b.GetHeader().GetSeq() <= 0 {
		t.Fatalf("batch %v", b)
	}
	st := must(c.Stats(ctx))
	if st.GetTotalRecordsWritten() < 10 {
		t.Fatalf("stats %v", st.GetTotalRecordsWritten())
	}
	if h := must(c.Health(ctx, "")); h != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health %v", h)
	}
}

func TestCASAndTTL(t *testing.T) {
	c, ctx := dial(t)
	p := must(c.Put(ctx, []byte("cas"), []byte("v1"), flowdb.PutIfAbsent()))
	_, err := c.Put(ctx, []byte("cas"), []byte("v2"), flowdb.PutIfAbsent())
	fe := wantErr(t, err, codes.Aborted, flowdb.ReasonConditionFailed)
	if fe.Metadata["actual_version"] == "" || fe.Retryable() {
		t.Fatalf("metadata %v retryable %v", fe.Metadata, fe.Retryable())
	}
	ver := must(c.Get(ctx, []byte("cas"))).GetRecord().GetSeq()
	if ver != p.GetHeader().GetSeq() {
		t.Logf("version %d, put seq %d", ver, p.GetHeader().GetSeq())
	}
	_, err = c.Put(ctx, []byte("cas"), []byte("v3"), flowdb.PutIfVersion(ver+1000))
	wantErr(t, err, codes.Aborted, flowdb.ReasonConditionFailed)
	must(c.Put(ctx, []byte("cas"), []byte("v3"), flowdb.PutIfVersion(ver)))
	_, err = c.Delete(ctx, []byte("cas"), flowdb.DeleteIfVersion(ver))
	wantErr(t, err, codes.Aborted, flowdb.ReasonConditionFailed)

	must(c.Put(ctx, []byte("ttl"), []byte("x"), flowdb.PutTTL(300*time.Millisecond)))
	g := must(c.Get(ctx, []byte("ttl")))
	if !g.GetFound() || g.GetTtlRemainingMs() <= 0 {
		t.Fatalf("ttl get %v", g)
	}
	time.Sleep(500 * time.Millisecond)
	if g := must(c.Get(ctx, []byte("ttl"))); g.GetFound() {
		t.Fatalf("not expired %v", g)
	}
}

func TestErrors(t *testing.T) {
	c, ctx := dial(t)
	_, err := c.Put(ctx, nil, []byte("x"))
	fe := wantErr(t, err, codes.InvalidArgument, flowdb.ReasonEmptyKey)
	if flowdb.ReasonOf(err) != flowdb.ReasonEmptyKey || flowdb.CodeOf(err) != codes.InvalidArgument || fe.Field == "" {
		t.Fatalf("helpers: %q %v field %q", flowdb.ReasonOf(err), flowdb.CodeOf(err), fe.Field)
	}
	_, err = c.DeleteRange(ctx, []byte("b"), []byte("a"))
	wantErr(t, err, codes.InvalidArgument, flowdb.ReasonInvalidRange)
	for _, err := range c.Scan(ctx, flowdb.ScanAfter("not-a-token!")) {
		if err != nil {
			wantErr(t, err, codes.InvalidArgument, flowdb.ReasonInvalidToken)
			break
		}
	}
	_, err = c.Put(ctx, make([]byte, 70000), []byte("x"))
	wantErr(t, err, codes.ResourceExhausted, flowdb.ReasonKeyTooLarge)
	_, err = c.Put(ctx, []byte("k"), []byte("x"), func(r *v1.PutRequest) { r.TtlMs = -1 })
	wantErr(t, err, codes.InvalidArgument, flowdb.ReasonInvalidArgument)
	short, cancel := context.WithTimeout(ctx, time.Nanosecond)
	defer cancel()
	time.Sleep(time.Millisecond)
	_, err = c.Get(short, []byte("k"))
	if flowdb.CodeOf(err) != codes.DeadlineExceeded {
		t.Fatalf("deadline: %v", err)
	}
}

func TestScan(t *testing.T) {
	c, ctx := dial(t)
	const n = 25
	ops := make([]*v1.BatchOp, n)
	for i := range n {
		ops[i] = flowdb.OpPut(fmt.Appendf(nil, "s/%02d", i), fmt.Appendf(nil, "v%d", i))
	}
	must(c.Batch(ctx, ops))
	var got []string
	for r, err := range c.Scan(ctx, flowdb.ScanPrefix([]byte("s/"))) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(r.GetKey()))
	}
	if len(got) != n || got[0] != "s/00" || got[n-1] != "s/24" {
		t.Fatalf("scan %v", got)
	}
	// pages of 10 with continuation tokens
	token, pages, total := "", 0, 0
	for range 10 {
		var last *v1.ScanResponse
		for page, err := range c.ScanPages(ctx, flowdb.ScanPrefix([]byte("s/")), flowdb.ScanLimit(10), flowdb.ScanAfter(token)) {
			if err != nil {
				t.Fatal(err)
			}
			total += len(page.GetRecords())
			last = page
		}
		pages++
		if !last.GetDone() {
			t.Fatal("no done")
		}
		if !last.GetMore() {
			break
		}
		token = last.GetContinuationToken()
	}
	if total != n || pages != 3 {
		t.Fatalf("paged %d records in %d pages", total, pages)
	}
	if cnt := must(c.Count(ctx, flowdb.ScanPrefix([]byte("s/")))); cnt != n {
		t.Fatalf("count %d", cnt)
	}
	// reverse + early break
	for r, err := range c.Scan(ctx, flowdb.ScanPrefix([]byte("s/")), flowdb.ScanReverse()) {
		if err != nil || string(r.GetKey()) != "s/24" {
			t.Fatalf("reverse first %v %v", r, err)
		}
		break
	}
}

func batchesOf(n, size int, prefix string) iter.Seq[[]*v1.Point] {
	return func(yield func([]*v1.Point) bool) {
		for b := range n {
			pts := make([]*v1.Point, size)
			for i := range size {
				pts[i] = &v1.Point{Key: fmt.Appendf(nil, "%s%04d", prefix, b*size+i), Value: []byte("p")}
			}
			if !yield(pts) {
				return
			}
		}
	}
}

func TestIngest(t *testing.T) {
	c, ctx := dial(t)
	acks, recs := 0, 0
	for ack, err := range c.Ingest(ctx, batchesOf(20, 50, "i/"), flowdb.IngestWindow(4)) {
		if err != nil {
			t.Fatal(err)
		}
		acks++
		recs += int(ack.GetRecords())
	}
	if acks != 20 || recs != 1000 {
		t.Fatalf("acks %d records %d", acks, recs)
	}
	if cnt := must(c.Count(ctx, flowdb.ScanPrefix([]byte("i/")))); cnt != 1000 {
		t.Fatalf("count %d", cnt)
	}
	// an invalid batch ends the iteration with the ack's reason
	bad := func(yield func([]*v1.Point) bool) { yield([]*v1.Point{{Key: nil, Value: []byte("x")}}) }
	var gotErr error
	for _, err := range c.Ingest(ctx, bad) {
		if err != nil {
			gotErr = err
		}
	}
	if flowdb.ReasonOf(gotErr) != flowdb.ReasonEmptyKey && flowdb.CodeOf(gotErr) != codes.InvalidArgument {
		t.Fatalf("invalid batch: %v", gotErr)
	}
	// raw stream
	s := must(c.OpenIngest(ctx))
	defer s.Close()
	for id := uint64(1); id <= 3; id++ {
		if err := s.Send(&v1.IngestRequest{BatchId: id, Points: []*v1.Point{{Key: fmt.Appendf(nil, "raw/%d", id), Value: []byte("v")}}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CloseSend(); err != nil {
		t.Fatal(err)
	}
	seen := map[uint64]bool{}
	for ack, err := range s.Acks() {
		if err != nil || ack.GetStatus() != 0 {
			t.Fatalf("raw ack %v %v", ack, err)
		}
		seen[ack.GetBatchId()] = true
	}
	if len(seen) != 3 {
		t.Fatalf("raw acks %v", seen)
	}
}

func TestWatch(t *testing.T) {
	c, ctx := dial(t)
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	start := must(c.Stats(ctx)).GetLastSeq()
	events := make(chan *v1.WatchResponse, 16)
	changes := make(chan *v1.WatchChangesResponse, 16)
	go func() {
		for ev, err := range c.Watch(wctx, v1.EventType_EVENT_TYPE_BATCH_COMMITTED) {
			if err != nil {
				close(events)
				return
			}
			events <- ev
		}
	}()
	go func() {
		for ch, err := range c.WatchChanges(wctx, flowdb.ChangesPrefix([]byte("w/")), flowdb.ChangesFrom(start+1)) {
			if err != nil {
				close(changes)
				return
			}
			changes <- ch
		}
	}()
	time.Sleep(200 * time.Millisecond) // let the streams subscribe
	must(c.Put(ctx, []byte("w/1"), []byte("hello")))
	select {
	case ev, ok := <-events:
		if !ok || ev.GetBatchCommitted().GetRecords() < 1 {
			t.Fatalf("event %v", ev)
		}
	case <-wctx.Done():
		t.Fatal("no watch event")
	}
	for {
		select {
		case ch, ok := <-changes:
			if !ok {
				t.Fatal("change feed ended")
			}
			if ch.GetProgress() || len(ch.GetChanges()) == 0 {
				continue
			}
			x := ch.GetChanges()[0]
			if string(x.GetKey()) != "w/1" || string(x.GetValue()) != "hello" || x.GetType() != v1.ChangeType_CHANGE_TYPE_PUT {
				t.Fatalf("change %v", x)
			}
		case <-wctx.Done():
			t.Fatal("no change")
		}
		break
	}
	n := 0
	for st, err := range c.WatchStats(ctx, 100*time.Millisecond) {
		if err != nil {
			t.Fatal(err)
		}
		if st.GetStats() == nil {
			t.Fatal("no stats")
		}
		if n++; n == 2 {
			break
		}
	}
}

func TestToken(t *testing.T) {
	if flowdbtest.TargetKind() != "process" {
		t.Skip("token server spawned as a process only") // the shared server covers the container
	}
	curT = t
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := flowdbtest.Start(ctx, flowdbtest.Options{Env: map[string]string{"FLOWDB_TOKEN": "sekret"}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Kill(); flowdbtest.RemoveDataDir(s.DataDir()) }()
	bad := must(flowdb.Dial(ctx, s.Target()))
	defer bad.Close()
	_, err = bad.Get(ctx, []byte("k"))
	wantErr(t, err, codes.Unauthenticated, flowdb.ReasonUnauthenticated)
	good := must(flowdb.Dial(ctx, s.Target(), flowdb.WithToken("sekret")))
	defer good.Close()
	must(good.Put(ctx, []byte("k"), []byte("v")))
	for _, err := range good.Scan(ctx) {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// The generated connect-go client works too, over the Connect and gRPC protocols (h2c).
func TestConnectGo(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	hc := &http.Client{Transport: &http.Transport{Protocols: &p}}
	for name, opts := range map[string][]connect.ClientOption{"connect": nil, "grpc": {connect.WithGRPC()}} {
		kv := flowdbv1connect.NewKVServiceClient(hc, "http://"+srv.Target(), opts...)
		if _, err := kv.Put(ctx, connect.NewRequest(&v1.PutRequest{Key: []byte("cg/" + name), Value: []byte("v")})); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		res, err := kv.Get(ctx, connect.NewRequest(&v1.GetRequest{Key: []byte("cg/" + name)}))
		if err != nil || !res.Msg.GetFound() {
			t.Fatalf("%s: %v %v", name, res, err)
		}
		_, err = kv.Put(ctx, connect.NewRequest(&v1.PutRequest{}))
		if connect.CodeOf(err) != connect.CodeInvalidArgument {
			t.Fatalf("%s: empty key: %v", name, err)
		}
	}
}
