// Package flowdb is the Go client of the flowdb sidecar (proto/flowdb/v1).
//
//	db, err := flowdb.Dial(ctx, "127.0.0.1:50051", flowdb.WithToken(tok))
//	if err != nil { ... }
//	defer db.Close()
//	_, err = db.Put(ctx, []byte("k"), []byte("v"), flowdb.PutTTL(time.Minute))
//	for rec, err := range db.Scan(ctx, flowdb.ScanPrefix([]byte("k"))) { ... }
//
// Every call takes a context.Context; every RPC failure is an *Error carrying
// the gRPC code and the ErrorInfo reason (errors.As). Streams (Scan, Watch,
// WatchChanges, WatchStats, Ingest) are iter.Seq2 iterators: breaking out of
// the loop cancels the stream.
//
// The client speaks gRPC (grpc-go) over HTTP/2; the server also serves the
// Connect protocol, for which the generated connect-go clients in
// gen/flowdb/v1/flowdbv1connect can be used directly.
package flowdb

import (
	"context"
	"errors"
	"io"
	"iter"
	"time"

	v1 "github.com/flowdb/flowdb/clients/go/gen/flowdb/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
)

// Client is a connection to one flowdb sidecar. It is safe for concurrent use.
type Client struct {
	conn   *grpc.ClientConn
	kv     v1.KVServiceClient
	stats  v1.StatsServiceClient
	events v1.EventsServiceClient
	health healthpb.HealthClient
	cfg    config
}

// Dial connects to target ("host:port", "unix:/path/to.sock", or any grpc-go
// target). The connection is made lazily; ctx is checked before returning.
func Dial(ctx context.Context, target string, opts ...Option) (*Client, error) {
	cfg := config{maxRecv: 4 << 20, maxSend: 4 << 20}
	for _, o := range opts {
		o(&cfg)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	creds := insecure.NewCredentials()
	if cfg.tls != nil {
		creds = credentials.NewTLS(cfg.tls)
	}
	dopts := []grpc.DialOption{
		grpc.WithTransportCredentials(creds),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(cfg.maxRecv), grpc.MaxCallSendMsgSize(cfg.maxSend)),
	}
	if cfg.token != "" {
		dopts = append(dopts,
			grpc.WithChainUnaryInterceptor(func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, o ...grpc.CallOption) error {
				return invoker(metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+cfg.token), method, req, reply, cc, o...)
			}),
			grpc.WithChainStreamInterceptor(func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, o ...grpc.CallOption) (grpc.ClientStream, error) {
				return streamer(metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+cfg.token), desc, cc, method, o...)
			}),
		)
	}
	dopts = append(dopts, cfg.dialOpts...)
	conn, err := grpc.NewClient(target, dopts...)
	if err != nil {
		return nil, err
	}
	return &Client{
		conn:   conn,
		kv:     v1.NewKVServiceClient(conn),
		stats:  v1.NewStatsServiceClient(conn),
		events: v1.NewEventsServiceClient(conn),
		health: healthpb.NewHealthClient(conn),
		cfg:    cfg,
	}, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// Conn exposes the underlying connection (e.g. for the generated stubs).
func (c *Client) Conn() *grpc.ClientConn { return c.conn }

func (c *Client) unaryCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	if c.cfg.callTimeout > 0 {
		if _, ok := ctx.Deadline(); !ok {
			return context.WithTimeout(ctx, c.cfg.callTimeout)
		}
	}
	return ctx, func() {}
}

func unary[Req, Res any](c *Client, ctx context.Context, fn func(context.Context, Req, ...grpc.CallOption) (Res, error), req Req) (Res, error) {
	ctx, cancel := c.unaryCtx(ctx)
	defer cancel()
	res, err := fn(ctx, req)
	return res, wrapErr(err)
}

// ---- request options: plain functions on the generated request messages ----

type (
	PutOption         func(*v1.PutRequest)
	GetOption         func(*v1.GetRequest)
	BatchGetOption    func(*v1.BatchGetRequest)
	DeleteOption      func(*v1.DeleteRequest)
	DeleteRangeOption func(*v1.DeleteRangeRequest)
	ScanOption        func(*v1.ScanRequest)
	BatchOption       func(*v1.BatchRequest)
	ChangesOption     func(*v1.WatchChangesRequest)
)

// PutTTL expires the record after d (millisecond resolution).
func PutTTL(d time.Duration) PutOption { return func(r *v1.PutRequest) { r.TtlMs = d.Milliseconds() } }

// PutExpireAt expires the record at t.
func PutExpireAt(t time.Time) PutOption {
	return func(r *v1.PutRequest) { r.ExpireAtUs = t.UnixMicro() }
}

// PutTS writes the version at timestamp ts (default: server time).
func PutTS(ts int64) PutOption { return func(r *v1.PutRequest) { r.Ts = &ts } }

// PutPrevKV returns the previous record in PutResponse.Prev.
func PutPrevKV() PutOption { return func(r *v1.PutRequest) { r.PrevKv = true } }

// PutIfVersion is compare-and-swap: write only if the key's current version
// (Record.seq; 0 = absent) equals v, else ABORTED / ERROR_REASON_CONDITION_FAILED.
func PutIfVersion(v int64) PutOption { return func(r *v1.PutRequest) { r.ExpectedVersion = &v } }

// PutIfAbsent writes only if the key does not exist.
func PutIfAbsent() PutOption { return func(r *v1.PutRequest) { r.IfAbsent = true } }

// PutDurability overrides the server's WAL sync mode for this write.
func PutDurability(d v1.Durability) PutOption { return func(r *v1.PutRequest) { r.Durability = d } }

// GetAt reads the version visible at timestamp ts.
func GetAt(ts int64) GetOption { return func(r *v1.GetRequest) { r.Ts = &ts } }

// GetKeysOnly omits the value.
func GetKeysOnly() GetOption { return func(r *v1.GetRequest) { r.KeysOnly = true } }

// DeletePrevKV returns the deleted record.
func DeletePrevKV() DeleteOption { return func(r *v1.DeleteRequest) { r.PrevKv = true } }

// DeleteIfVersion deletes only if the key's version equals v.
func DeleteIfVersion(v int64) DeleteOption {
	return func(r *v1.DeleteRequest) { r.ExpectedVersion = &v }
}

// DeleteTS deletes the version at timestamp ts.
func DeleteTS(ts int64) DeleteOption { return func(r *v1.DeleteRequest) { r.Ts = &ts } }

// DeleteRangeCount asks for the number of deleted keys.
func DeleteRangeCount() DeleteRangeOption {
	return func(r *v1.DeleteRangeRequest) { r.ReturnCount = true }
}

// ScanPrefix restricts the scan to keys starting with p.
func ScanPrefix(p []byte) ScanOption { return func(r *v1.ScanRequest) { r.Prefix = p } }

// ScanRange restricts the scan to start <= key < end (nil: unbounded).
func ScanRange(start, end []byte) ScanOption {
	return func(r *v1.ScanRequest) { r.Start, r.End = start, end }
}

// ScanTimeRange restricts the scan to versions with from <= ts <= to.
func ScanTimeRange(from, to int64) ScanOption {
	return func(r *v1.ScanRequest) { r.TsFrom, r.TsTo = &from, &to }
}

// ScanReverse scans in descending key order.
func ScanReverse() ScanOption { return func(r *v1.ScanRequest) { r.Reverse = true } }

// ScanLimit stops after n records; the last response then has More and a
// ContinuationToken to resume with ScanAfter.
func ScanLimit(n int64) ScanOption { return func(r *v1.ScanRequest) { r.Limit = n } }

// ScanKeysOnly omits values.
func ScanKeysOnly() ScanOption { return func(r *v1.ScanRequest) { r.KeysOnly = true } }

// ScanAfter resumes a scan from a continuation token.
func ScanAfter(token string) ScanOption { return func(r *v1.ScanRequest) { r.ContinuationToken = token } }

// BatchDurability overrides the WAL sync mode for the batch.
func BatchDurability(d v1.Durability) BatchOption { return func(r *v1.BatchRequest) { r.Durability = d } }

// ChangesPrefix only follows keys with this prefix.
func ChangesPrefix(p []byte) ChangesOption { return func(r *v1.WatchChangesRequest) { r.Prefix = p } }

// ChangesFrom resumes the change feed at sequence number seq.
func ChangesFrom(seq int64) ChangesOption { return func(r *v1.WatchChangesRequest) { r.StartSeq = seq } }

// ChangesProgress asks for a progress message every d while idle.
func ChangesProgress(d time.Duration) ChangesOption {
	return func(r *v1.WatchChangesRequest) { r.ProgressIntervalMs = uint32(d.Milliseconds()) }
}

// ChangesKeysOnly omits values.
func ChangesKeysOnly() ChangesOption { return func(r *v1.WatchChangesRequest) { r.KeysOnly = true } }

// ---- unary calls ----

// Put writes key=value.
func (c *Client) Put(ctx context.Context, key, value []byte, opts ...PutOption) (*v1.PutResponse, error) {
	req := &v1.PutRequest{Key: key, Value: value}
	for _, o := range opts {
		o(req)
	}
	return unary(c, ctx, c.kv.Put, req)
}

// Get reads key; GetResponse.Found says whether it exists.
func (c *Client) Get(ctx context.Context, key []byte, opts ...GetOption) (*v1.GetResponse, error) {
	req := &v1.GetRequest{Key: key}
	for _, o := range opts {
		o(req)
	}
	return unary(c, ctx, c.kv.Get, req)
}

// GetValue returns the value of key, and whether it exists.
func (c *Client) GetValue(ctx context.Context, key []byte) ([]byte, bool, error) {
	res, err := c.Get(ctx, key)
	if err != nil || !res.GetFound() {
		return nil, false, err
	}
	return res.GetRecord().GetValue(), true, nil
}

// BatchGet reads many keys; each result carries its own ItemError.
func (c *Client) BatchGet(ctx context.Context, keys [][]byte, opts ...BatchGetOption) ([]*v1.BatchGetResult, error) {
	req := &v1.BatchGetRequest{Keys: keys}
	for _, o := range opts {
		o(req)
	}
	res, err := unary(c, ctx, c.kv.BatchGet, req)
	return res.GetResults(), err
}

// Delete removes key.
func (c *Client) Delete(ctx context.Context, key []byte, opts ...DeleteOption) (*v1.DeleteResponse, error) {
	req := &v1.DeleteRequest{Key: key}
	for _, o := range opts {
		o(req)
	}
	return unary(c, ctx, c.kv.Delete, req)
}

// DeleteRange removes start <= key < end.
func (c *Client) DeleteRange(ctx context.Context, start, end []byte, opts ...DeleteRangeOption) (*v1.DeleteRangeResponse, error) {
	req := &v1.DeleteRangeRequest{Start: start, End: end}
	for _, o := range opts {
		o(req)
	}
	return unary(c, ctx, c.kv.DeleteRange, req)
}

// DeletePrefix removes every key starting with prefix.
func (c *Client) DeletePrefix(ctx context.Context, prefix []byte, opts ...DeleteRangeOption) (*v1.DeleteRangeResponse, error) {
	req := &v1.DeleteRangeRequest{Prefix: prefix}
	for _, o := range opts {
		o(req)
	}
	return unary(c, ctx, c.kv.DeleteRange, req)
}

// OpPut, OpDelete and OpDeleteRange build Batch operations.
func OpPut(key, value []byte, opts ...PutOption) *v1.BatchOp {
	r := &v1.PutRequest{Key: key, Value: value}
	for _, o := range opts {
		o(r)
	}
	return &v1.BatchOp{Op: &v1.BatchOp_Put{Put: r}}
}

func OpDelete(key []byte, opts ...DeleteOption) *v1.BatchOp {
	r := &v1.DeleteRequest{Key: key}
	for _, o := range opts {
		o(r)
	}
	return &v1.BatchOp{Op: &v1.BatchOp_Delete{Delete: r}}
}

func OpDeleteRange(start, end []byte) *v1.BatchOp {
	return &v1.BatchOp{Op: &v1.BatchOp_DeleteRange{DeleteRange: &v1.DeleteRangeRequest{Start: start, End: end}}}
}

// Batch applies ops atomically (all conditions hold, or nothing is written).
func (c *Client) Batch(ctx context.Context, ops []*v1.BatchOp, opts ...BatchOption) (*v1.BatchResponse, error) {
	req := &v1.BatchRequest{Ops: ops}
	for _, o := range opts {
		o(req)
	}
	return unary(c, ctx, c.kv.Batch, req)
}

// Stats returns the engine statistics.
func (c *Client) Stats(ctx context.Context) (*v1.EngineStats, error) {
	res, err := unary(c, ctx, c.stats.GetStats, &v1.GetStatsRequest{})
	return res.GetStats(), err
}

// Health runs grpc.health.v1 Check for service ("" = the whole server).
func (c *Client) Health(ctx context.Context, service string) (healthpb.HealthCheckResponse_ServingStatus, error) {
	res, err := unary(c, ctx, c.health.Check, &healthpb.HealthCheckRequest{Service: service})
	return res.GetStatus(), err
}

// ---- server streams ----

type recvStream[T any] interface{ Recv() (T, error) }

// stream turns a server stream into an iterator; breaking out cancels the call.
func stream[T any](ctx context.Context, open func(context.Context) (recvStream[T], error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		s, err := open(ctx)
		if err != nil {
			yield(zero, wrapErr(err))
			return
		}
		for {
			m, err := s.Recv()
			if err != nil {
				if !errors.Is(err, io.EOF) {
					yield(zero, wrapErr(err))
				}
				return
			}
			if !yield(m, nil) {
				return
			}
		}
	}
}

// ScanPages streams the raw Scan responses (records in chunks, then a final
// response with Done, More and the ContinuationToken).
func (c *Client) ScanPages(ctx context.Context, opts ...ScanOption) iter.Seq2[*v1.ScanResponse, error] {
	req := &v1.ScanRequest{}
	for _, o := range opts {
		o(req)
	}
	return stream(ctx, func(ctx context.Context) (recvStream[*v1.ScanResponse], error) {
		return c.kv.Scan(ctx, req)
	})
}

// Scan yields the matching records in key order (ScanReverse: descending).
func (c *Client) Scan(ctx context.Context, opts ...ScanOption) iter.Seq2[*v1.Record, error] {
	return func(yield func(*v1.Record, error) bool) {
		for page, err := range c.ScanPages(ctx, opts...) {
			if err != nil {
				yield(nil, err)
				return
			}
			for _, r := range page.GetRecords() {
				if !yield(r, nil) {
					return
				}
			}
		}
	}
}

// Count returns the number of matching records (count_only).
func (c *Client) Count(ctx context.Context, opts ...ScanOption) (int64, error) {
	var n int64
	for page, err := range c.ScanPages(ctx, append(opts, func(r *v1.ScanRequest) { r.CountOnly = true })...) {
		if err != nil {
			return 0, err
		}
		if page.GetDone() {
			n = page.GetCount()
		}
	}
	return n, nil
}

// Watch streams engine events of the given types (none: all).
func (c *Client) Watch(ctx context.Context, types ...v1.EventType) iter.Seq2[*v1.WatchResponse, error] {
	return stream(ctx, func(ctx context.Context) (recvStream[*v1.WatchResponse], error) {
		return c.events.Watch(ctx, &v1.WatchRequest{Types: types})
	})
}

// WatchChanges streams the change feed (committed puts and deletes), with
// progress messages when asked.
func (c *Client) WatchChanges(ctx context.Context, opts ...ChangesOption) iter.Seq2[*v1.WatchChangesResponse, error] {
	req := &v1.WatchChangesRequest{}
	for _, o := range opts {
		o(req)
	}
	return stream(ctx, func(ctx context.Context) (recvStream[*v1.WatchChangesResponse], error) {
		return c.events.WatchChanges(ctx, req)
	})
}

// WatchStats streams engine statistics every interval.
func (c *Client) WatchStats(ctx context.Context, interval time.Duration) iter.Seq2[*v1.WatchStatsResponse, error] {
	return stream(ctx, func(ctx context.Context) (recvStream[*v1.WatchStatsResponse], error) {
		return c.stats.WatchStats(ctx, &v1.WatchStatsRequest{IntervalMs: uint32(interval.Milliseconds())})
	})
}
