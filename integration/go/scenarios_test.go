// Runs the shared scenario suite (integration/scenarios/*.json, format in
// integration/README.md) with the Go client against FLOWDB_TARGET
// (process: a spawned server; container: FLOWDB_IMAGE via testcontainers-go).
// Each scenario gets a fresh server and data directory.
package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowdb/flowdb/clients/go/flowdb"
	"github.com/flowdb/flowdb/clients/go/flowdbtest"
	v1 "github.com/flowdb/flowdb/clients/go/gen/flowdb/v1"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

type stepError struct {
	Code            any               `json:"code"`
	Reason          string            `json:"reason"`
	MessageContains string            `json:"message_contains"`
	Metadata        map[string]string `json:"metadata"`
}

type step struct {
	Name            string            `json:"name"`
	Call            string            `json:"call"`
	RPC             string            `json:"rpc"`
	Method          string            `json:"method"`
	Request         json.RawMessage   `json:"request"`
	Req             json.RawMessage   `json:"req"`
	Requests        []json.RawMessage `json:"requests"`
	Expect          json.RawMessage   `json:"expect"`
	Response        json.RawMessage   `json:"response"`
	ExpectResponses json.RawMessage   `json:"expect_responses"`
	Take            int               `json:"take"`
	TimeoutMs       int               `json:"timeout_ms"`
	Error           *stepError        `json:"error"`
	ExpectError     *stepError        `json:"expect_error"`
	Background      string            `json:"background"`
	Await           string            `json:"await"`
	SleepMs         int               `json:"sleep_ms"`
	Restart         bool              `json:"restart"`
	AllPages        bool              `json:"all_pages"`
}

type scenario struct {
	Name  string `json:"name"`
	file  string
	Steps []step `json:"steps"`
}

func scenarioDir() string {
	if d := os.Getenv("FLOWDB_SCENARIOS"); d != "" {
		return d
	}
	return "../scenarios"
}

func loadScenarios(t *testing.T) []scenario {
	files, err := filepath.Glob(filepath.Join(scenarioDir(), "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	if len(files) == 0 {
		t.Fatalf("no scenario files in %s", scenarioDir())
	}
	var out []scenario
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var sc scenario
		if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) {
			err = json.Unmarshal(raw, &sc.Steps)
		} else {
			err = json.Unmarshal(raw, &sc)
		}
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		sc.file = filepath.Base(f)
		if sc.Name == "" {
			sc.Name = strings.TrimSuffix(sc.file, ".json")
		}
		out = append(out, sc)
	}
	return out
}

func TestScenarios(t *testing.T) {
	for _, sc := range loadScenarios(t) {
		t.Run(strings.TrimSuffix(sc.file, ".json"), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			srv, err := flowdbtest.Start(ctx, flowdbtest.Options{})
			if err != nil {
				t.Fatal(err)
			}
			dataDir := srv.DataDir()
			defer func() {
				srv.Kill()
				flowdbtest.RemoveDataDir(dataDir)
			}()
			r := &runner{t: t, ctx: ctx}
			r.connect(srv.Target())
			defer func() { _ = r.c.Close() }()
			restart := func() error {
				code, err := srv.Stop(ctx)
				if err != nil || code != 0 {
					return fmt.Errorf("graceful stop: exit %d, %v\n%s", code, err, srv.Logs())
				}
				srv, err = flowdbtest.Start(ctx, flowdbtest.Options{DataDir: dataDir})
				if err != nil {
					return err
				}
				_ = r.c.Close()
				r.connect(srv.Target())
				return nil
			}
			if err := r.run(sc, restart); err != nil {
				t.Fatalf("%s (%s): %v\n--- server logs ---\n%s", sc.Name, sc.file, err, srv.Logs())
			}
		})
	}
}

type runner struct {
	t   *testing.T
	ctx context.Context
	c   *flowdb.Client
}

func (r *runner) connect(target string) {
	c, err := flowdb.Dial(r.ctx, target)
	if err != nil {
		r.t.Fatal(err)
	}
	r.c = c
}

func (r *runner) run(sc scenario, restart func() error) error {
	bg := map[string]chan error{}
	for i, st := range sc.Steps {
		where := fmt.Sprintf("step %d", i)
		if st.Name != "" {
			where += " (" + st.Name + ")"
		}
		if st.SleepMs > 0 {
			time.Sleep(time.Duration(st.SleepMs) * time.Millisecond)
		}
		if st.Await != "" {
			ch, ok := bg[st.Await]
			if !ok {
				return fmt.Errorf("%s: no background call %q", where, st.Await)
			}
			if err := <-ch; err != nil {
				return err
			}
			delete(bg, st.Await)
		}
		if st.Restart {
			if err := restart(); err != nil {
				return fmt.Errorf("%s: restart: %w", where, err)
			}
		}
		if st.method() == "" {
			continue
		}
		if st.Background != "" {
			ch := make(chan error, 1)
			c := r.c
			go func() { ch <- runCall(r.ctx, c, st, where) }()
			bg[st.Background] = ch
			continue
		}
		if err := runCall(r.ctx, r.c, st, where); err != nil {
			return err
		}
	}
	var errs []error
	for _, ch := range bg {
		errs = append(errs, <-ch)
	}
	return errors.Join(errs...)
}

func (s step) method() string {
	for _, m := range []string{s.Call, s.RPC, s.Method} {
		if m != "" {
			return m
		}
	}
	return ""
}

func (s step) request() json.RawMessage {
	if len(s.Request) > 0 {
		return s.Request
	}
	if len(s.Req) > 0 {
		return s.Req
	}
	return json.RawMessage("{}")
}

func (s step) wantErr() *stepError {
	if s.Error != nil {
		return s.Error
	}
	return s.ExpectError
}

// methodName reduces "flowdb.v1.KVService/Put", "KVService/Put" or "Put" to "KVService/Put".
func methodName(m string) (string, error) {
	svc, name, ok := strings.Cut(m, "/")
	if !ok {
		name, svc = m, ""
	}
	if i := strings.LastIndex(svc, "."); i >= 0 {
		svc = svc[i+1:]
	}
	services := map[string][]string{
		"KVService":       {"Put", "Get", "BatchGet", "Delete", "DeleteRange", "Scan", "Batch", "Ingest"},
		"StatsService":    {"GetStats", "WatchStats"},
		"EventsService":   {"Watch", "WatchChanges"},
		"Health":          {"Check"},
		"DocumentService": documentMethods,
	}
	for s, ms := range services {
		if svc != "" && svc != s {
			continue
		}
		for _, x := range ms {
			if strings.EqualFold(x, name) {
				return s + "/" + x, nil
			}
		}
	}
	return "", fmt.Errorf("unknown method %q", m)
}

func decode[T proto.Message](raw json.RawMessage, m T) (T, error) {
	return m, protojson.Unmarshal(raw, m)
}

// toJSON renders a response as proto3 JSON with default-valued fields, decoded generically.
func toJSON(m proto.Message) (any, error) {
	b, err := protojson.MarshalOptions{EmitUnpopulated: true}.Marshal(m)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	return v, dec.Decode(&v)
}

func runCall(ctx context.Context, c *flowdb.Client, st step, where string) error {
	name, err := methodName(st.method())
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	timeout := 10 * time.Second
	if st.TimeoutMs > 0 {
		timeout = time.Duration(st.TimeoutMs) * time.Millisecond
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var (
		unary   proto.Message
		stream  []proto.Message
		callErr error
		isUnary = true
	)
	req := st.request()
	collect := func(m proto.Message, err error) bool {
		if err != nil {
			callErr = err
			return false
		}
		stream = append(stream, m)
		return st.Take == 0 || len(stream) < st.Take
	}
	switch name {
	case "KVService/Put":
		r, err := decode(req, &v1.PutRequest{})
		if err != nil {
			return err
		}
		unary, callErr = c.Put(ctx, r.Key, r.Value, func(x *v1.PutRequest) { proto.Merge(x, r) })
	case "KVService/Get":
		r, err := decode(req, &v1.GetRequest{})
		if err != nil {
			return err
		}
		unary, callErr = c.Get(ctx, r.Key, func(x *v1.GetRequest) { proto.Merge(x, r) })
	case "KVService/BatchGet":
		r, err := decode(req, &v1.BatchGetRequest{})
		if err != nil {
			return err
		}
		res, err := c.BatchGet(ctx, r.Keys, func(x *v1.BatchGetRequest) { x.Ts, x.KeysOnly = r.Ts, r.KeysOnly })
		unary, callErr = &v1.BatchGetResponse{Results: res}, err
	case "KVService/Delete":
		r, err := decode(req, &v1.DeleteRequest{})
		if err != nil {
			return err
		}
		unary, callErr = c.Delete(ctx, r.Key, func(x *v1.DeleteRequest) { proto.Merge(x, r) })
	case "KVService/DeleteRange":
		r, err := decode(req, &v1.DeleteRangeRequest{})
		if err != nil {
			return err
		}
		unary, callErr = c.DeleteRange(ctx, r.Start, r.End, func(x *v1.DeleteRangeRequest) { proto.Merge(x, r) })
	case "KVService/Batch":
		r, err := decode(req, &v1.BatchRequest{})
		if err != nil {
			return err
		}
		unary, callErr = c.Batch(ctx, r.Ops, flowdb.BatchDurability(r.Durability))
	case "StatsService/GetStats":
		s, err := c.Stats(ctx)
		unary, callErr = &v1.GetStatsResponse{Stats: s}, err
	case "Health/Check":
		r, err := decode(req, &healthpb.HealthCheckRequest{})
		if err != nil {
			return err
		}
		s, err := c.Health(ctx, r.Service)
		unary, callErr = &healthpb.HealthCheckResponse{Status: s}, err
	case "KVService/Scan":
		isUnary = false
		r, err := decode(req, &v1.ScanRequest{})
		if err != nil {
			return err
		}
		for m, err := range c.ScanPages(ctx, func(x *v1.ScanRequest) { proto.Merge(x, r) }) {
			if !collect(m, err) {
				break
			}
		}
	case "EventsService/Watch":
		isUnary = false
		r, err := decode(req, &v1.WatchRequest{})
		if err != nil {
			return err
		}
		for m, err := range c.Watch(ctx, r.Types...) {
			if !collect(m, err) {
				break
			}
		}
	case "EventsService/WatchChanges":
		isUnary = false
		r, err := decode(req, &v1.WatchChangesRequest{})
		if err != nil {
			return err
		}
		for m, err := range c.WatchChanges(ctx, func(x *v1.WatchChangesRequest) { proto.Merge(x, r) }) {
			if !collect(m, err) {
				break
			}
		}
	case "StatsService/WatchStats":
		isUnary = false
		r, err := decode(req, &v1.WatchStatsRequest{})
		if err != nil {
			return err
		}
		for m, err := range c.WatchStats(ctx, time.Duration(r.IntervalMs)*time.Millisecond) {
			if !collect(m, err) {
				break
			}
		}
	case "KVService/Ingest":
		isUnary = false
		raws := st.Requests
		if len(raws) == 0 {
			raws = []json.RawMessage{req}
		}
		s, err := c.OpenIngest(ctx)
		if err != nil {
			callErr = err
			break
		}
		defer s.Close()
		var wg sync.WaitGroup
		var sendErr error
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, raw := range raws {
				m, err := decode(raw, &v1.IngestRequest{})
				if err == nil {
					err = s.Send(m)
				}
				if err != nil {
					sendErr = err
					return
				}
			}
			sendErr = s.CloseSend()
		}()
		for {
			m, err := s.Recv()
			if errors.Is(err, io.EOF) {
				break
			}
			if !collect(m, err) {
				break
			}
		}
		s.Close()
		wg.Wait()
		if callErr == nil && sendErr != nil && !errors.Is(sendErr, io.EOF) && flowdb.CodeOf(sendErr) != codes.Canceled {
			callErr = sendErr
		}
	default:
		res, un, cerr, err := docCall(ctx, c, name, st, collect)
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		unary, isUnary = res, un
		if cerr != nil {
			callErr = cerr
		}
	}

	want := st.wantErr()
	if callErr != nil {
		if want == nil {
			return fmt.Errorf("%s: %s: %w", where, name, callErr)
		}
		return checkError(callErr, want, where)
	}
	if want != nil {
		return fmt.Errorf("%s: %s: expected error %v/%s, got success", where, name, want.Code, want.Reason)
	}
	if isUnary {
		exp := st.Expect
		if len(exp) == 0 {
			exp = st.Response
		}
		if len(exp) == 0 {
			return nil
		}
		got, err := toJSON(unary)
		if err != nil {
			return err
		}
		return subset(got, mustJSON(exp), where)
	}
	var exp any
	switch {
	case len(st.ExpectResponses) > 0:
		exp = mustJSON(st.ExpectResponses)
	case len(st.Expect) > 0:
		exp = mustJSON(st.Expect)
		if _, ok := exp.([]any); !ok {
			exp = []any{exp}
		}
	default:
		return nil
	}
	got := make([]any, 0, len(stream))
	for _, m := range stream {
		j, err := toJSON(m)
		if err != nil {
			return err
		}
		got = append(got, j)
	}
	return subset(got, exp, where)
}

func mustJSON(raw json.RawMessage) any {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		panic(err)
	}
	return v
}

func normCode(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(strings.ToLower(s), "_", ""), " ", "")
}

func checkError(err error, want *stepError, where string) error {
	code := flowdb.CodeOf(err)
	switch wc := want.Code.(type) {
	case nil:
	case float64:
		if int(wc) != int(code) {
			return fmt.Errorf("%s: code %v (%v), want %v", where, code, err, wc)
		}
	case string:
		if normCode(wc) != normCode(code.String()) {
			return fmt.Errorf("%s: code %v (%v), want %s", where, code, err, wc)
		}
	}
	if want.Reason != "" && flowdb.ReasonOf(err) != want.Reason {
		return fmt.Errorf("%s: ErrorInfo reason %q (%v), want %s", where, flowdb.ReasonOf(err), err, want.Reason)
	}
	var fe *flowdb.Error
	if want.MessageContains != "" && (!errors.As(err, &fe) || !strings.Contains(fe.Message, want.MessageContains)) {
		return fmt.Errorf("%s: message %v, want it to contain %q", where, err, want.MessageContains)
	}
	for k, v := range want.Metadata {
		if !errors.As(err, &fe) || fe.Metadata[k] != v {
			return fmt.Errorf("%s: ErrorInfo metadata %q of %v, want %q", where, k, err, v)
		}
	}
	return nil
}

// subset: expected ⊆ actual — objects by key, arrays element-wise with equal
// length, scalars equal (a JSON number equals the string proto3 JSON uses for 64-bit ints).
func subset(actual, expected any, path string) error {
	switch e := expected.(type) {
	case map[string]any:
		a, ok := actual.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: expected an object, got %s", path, show(actual))
		}
		keys := make([]string, 0, len(e))
		for k := range e {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := subset(a[k], e[k], path+"."+k); err != nil {
				return err
			}
		}
		return nil
	case []any:
		a, ok := actual.([]any)
		if !ok {
			return fmt.Errorf("%s: expected an array, got %s", path, show(actual))
		}
		if len(a) != len(e) {
			return fmt.Errorf("%s: length %d, want %d: %s", path, len(a), len(e), show(actual))
		}
		for i := range e {
			if err := subset(a[i], e[i], fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		return nil
	case json.Number:
		switch a := actual.(type) {
		case string:
			if a == e.String() {
				return nil
			}
		case json.Number:
			if a == e {
				return nil
			}
			af, _ := a.Float64()
			ef, _ := e.Float64()
			if af == ef {
				return nil
			}
		}
		return fmt.Errorf("%s: got %s, want %s", path, show(actual), e)
	default:
		if reflect.DeepEqual(actual, expected) {
			return nil
		}
		return fmt.Errorf("%s: got %s, want %s", path, show(actual), show(expected))
	}
}

func show(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 400 {
		b = append(b[:400], "..."...)
	}
	return string(b)
}
