// Command load drives the flowdb sidecar and etcd over loopback and prints
// one line per measurement (TSV: system, op, conc, calls/s or records/s,
// p50 ms, p99 ms). See bench/server/run.sh.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flowdb/flowdb/clients/go/flowdb"
	v1 "github.com/flowdb/flowdb/clients/go/gen/flowdb/v1"
	clientv3 "go.etcd.io/etcd/client/v3"
)

var (
	flowAddr  = flag.String("flowdb", "", "flowdb sidecar host:port (empty: skip)")
	etcdAddr  = flag.String("etcd", "", "etcd client URL host:port (empty: skip)")
	dur       = flag.Duration("d", 5*time.Second, "duration of each measurement")
	concs     = flag.String("c", "1,16,64", "unary concurrencies")
	keys      = flag.Int("keys", 10000, "key space of unary Put/Get")
	valSize   = flag.Int("value", 100, "unary value size, bytes")
	batchPts  = flag.Int("batch", 1000, "points per Ingest / ops per Batch")
	inflight  = flag.Int("inflight", 8, "Ingest batches in flight on the one stream")
	batchConc = flag.Int("batch-conc", 8, "concurrent Batch calls")
	ptValue   = flag.Int("point-value", 16, "ingest point value size, bytes")
	only      = flag.String("ops", "put,get,ingest,batch", "measurements to run (etcd: put, get)")
	pid       = flag.Int("pid", 0, "server pid: adds its CPU µs per call (or per record) from /proc")
)

// cpuTicks is the user+system CPU of process p in clock ticks (0 when unknown).
func cpuTicks(p int) int64 {
	if p == 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	u, _ := strconv.ParseInt(f[11], 10, 64)
	k, _ := strconv.ParseInt(f[12], 10, 64)
	return u + k
}

var (
	cpuStart int64
	elapsed  time.Duration // of the last measurement
)

func want(op string) bool { return slices.Contains(strings.Split(*only, ","), op) }

func key(i int) []byte { return []byte(fmt.Sprintf("bench/key/%08d", i)) }

// runUnary calls op from conc goroutines for *dur and returns calls/s, p50, p99.
func runUnary(conc int, op func(ctx context.Context, i int) error) (float64, time.Duration, time.Duration) {
	ctx := context.Background()
	deadline := time.Now().Add(*dur)
	lats := make([][]time.Duration, conc)
	var errs atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	cpuStart = cpuTicks(*pid)
	start := time.Now()
	for g := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := make([]time.Duration, 0, 1<<16)
			for i := g; ; i += conc {
				t0 := time.Now()
				if t0.After(deadline) {
					break
				}
				if err := op(ctx, i%*keys); err != nil {
					if errs.Add(1) == 1 {
						firstErr.Store(err)
					}
					continue
				}
				l = append(l, time.Since(t0))
			}
			lats[g] = l
		}()
	}
	wg.Wait()
	el := time.Since(start)
	elapsed = el
	all := slices.Concat(lats...)
	slices.Sort(all)
	if n := errs.Load(); n > 0 {
		log.Printf("  %d failed calls, first: %v", n, firstErr.Load())
	}
	if len(all) == 0 {
		return 0, 0, 0
	}
	return float64(len(all)) / el.Seconds(), all[len(all)/2], all[len(all)*99/100]
}

func emit(sys, op string, conc int, rate float64, unit string, p50, p99 time.Duration) {
	cpu := "-"
	if *pid != 0 && rate > 0 {
		// ticks are 10 ms; calls = rate × duration.
		cpu = strconv.FormatFloat(float64(cpuTicks(*pid)-cpuStart)*1e4/(rate*elapsed.Seconds()), 'f', 1, 64)
	}
	ms := func(d time.Duration) string {
		if d == 0 {
			return "-"
		}
		return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 2, 64)
	}
	fmt.Printf("%s\t%s\t%d\t%.0f %s\t%s\t%s\t%s\n", sys, op, conc, rate, unit, ms(p50), ms(p99), cpu)
}

func concList() []int {
	var out []int
	for _, s := range strings.Split(*concs, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			log.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

func benchFlowdb(addr string) {
	ctx := context.Background()
	db, err := flowdb.Dial(ctx, addr, flowdb.WithMaxMessageBytes(64<<20, 64<<20))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	val := make([]byte, *valSize)
	for _, c := range concList() {
		if !want("put") {
			break
		}
		r, p50, p99 := runUnary(c, func(ctx context.Context, i int) error {
			_, err := db.Put(ctx, key(i), val)
			return err
		})
		emit("flowdb", "put", c, r, "calls/s", p50, p99)
	}
	// Every Get must hit: write the whole key space first (not timed).
	for lo := 0; want("get") && lo < *keys; lo += 1000 {
		var ops []*v1.BatchOp
		for i := lo; i < min(lo+1000, *keys); i++ {
			ops = append(ops, flowdb.OpPut(key(i), val))
		}
		if _, err := db.Batch(ctx, ops); err != nil {
			log.Fatal(err)
		}
	}
	for _, c := range concList() {
		if !want("get") {
			break
		}
		r, p50, p99 := runUnary(c, func(ctx context.Context, i int) error {
			res, err := db.Get(ctx, key(i))
			if err == nil && !res.Found {
				return errors.New("not found")
			}
			return err
		})
		emit("flowdb", "get", c, r, "calls/s", p50, p99)
	}
	if want("ingest") {
		r, p50, p99 := ingest(db)
		emit("flowdb", fmt.Sprintf("ingest(1 stream,%dx%d)", *inflight, *batchPts), *inflight, r, "rec/s", p50, p99)
	}
	if want("batch") {
		r, p50, p99 := batch(db)
		emit("flowdb", fmt.Sprintf("batch(%d ops)", *batchPts), *batchConc, r, "rec/s", p50, p99)
	}
}

func points(seq int) []*v1.Point {
	pts := make([]*v1.Point, *batchPts)
	val := make([]byte, *ptValue)
	base := time.Now().UnixMicro()
	for j := range pts {
		pts[j] = &v1.Point{Key: []byte(fmt.Sprintf("series/%04d", j%1000)), Ts: base + int64(seq), Value: val}
	}
	return pts
}

// ingest keeps *inflight batches unacknowledged on one stream for *dur;
// returns acknowledged (durable) records/s and p50/p99 batch ack latency.
func ingest(db *flowdb.Client) (float64, time.Duration, time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := db.OpenIngest(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	// Pre-build distinct batches (distinct ts so points are not overwrites).
	pool := make([][]*v1.Point, 64)
	for i := range pool {
		pool[i] = points(i * 1_000_003)
	}
	sem := make(chan struct{}, *inflight)
	var mu sync.Mutex
	sent := map[uint64]time.Time{}
	var lats []time.Duration
	var records, rejected int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			m, err := s.Recv()
			if err != nil {
				if !errors.Is(err, io.EOF) {
					log.Printf("ingest recv: %v", err)
				}
				return
			}
			mu.Lock()
			lats = append(lats, time.Since(sent[m.BatchId]))
			delete(sent, m.BatchId)
			mu.Unlock()
			if m.Status == 0 {
				records += int64(m.Records)
			} else {
				rejected++
			}
			<-sem
		}
	}()
	cpuStart = cpuTicks(*pid)
	start := time.Now()
	deadline := start.Add(*dur)
	var id uint64
	for time.Now().Before(deadline) {
		sem <- struct{}{}
		id++
		mu.Lock()
		sent[id] = time.Now()
		mu.Unlock()
		// Durability UNSPECIFIED = the server's mode (run.sh: --sync=always).
		if err := s.Send(&v1.IngestRequest{BatchId: id, Points: pool[id%uint64(len(pool))]}); err != nil {
			log.Fatalf("ingest send: %v", err)
		}
	}
	_ = s.CloseSend()
	<-done
	el := time.Since(start)
	elapsed = el
	if rejected > 0 {
		log.Printf("  ingest: %d batches rejected (overload)", rejected)
	}
	slices.Sort(lats)
	if len(lats) == 0 {
		return 0, 0, 0
	}
	return float64(records) / el.Seconds(), lats[len(lats)/2], lats[len(lats)*99/100]
}

func batch(db *flowdb.Client) (float64, time.Duration, time.Duration) {
	pool := make([][]*v1.BatchOp, 16)
	for i := range pool {
		ops := make([]*v1.BatchOp, *batchPts)
		for j, p := range points(i * 7_000_003) {
			ops[j] = flowdb.OpPut(p.Key, p.Value, flowdb.PutTS(p.Ts+int64(j)))
		}
		pool[i] = ops
	}
	r, p50, p99 := runUnary(*batchConc, func(ctx context.Context, i int) error {
		_, err := db.Batch(ctx, pool[i%len(pool)])
		return err
	})
	return r * float64(*batchPts), p50, p99
}

func benchEtcd(addr string) {
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{addr}, DialTimeout: 5 * time.Second, Logger: nil})
	if err != nil {
		log.Fatal(err)
	}
	defer cli.Close()
	val := string(make([]byte, *valSize))
	for _, c := range concList() {
		if !want("put") {
			break
		}
		r, p50, p99 := runUnary(c, func(ctx context.Context, i int) error {
			_, err := cli.Put(ctx, string(key(i)), val)
			return err
		})
		emit("etcd", "put", c, r, "calls/s", p50, p99)
	}
	if !want("get") {
		return
	}
	// Every Get must hit: write the whole key space first (not timed).
	for lo := 0; lo < *keys; lo += 100 {
		var ops []clientv3.Op
		for i := lo; i < min(lo+100, *keys); i++ {
			ops = append(ops, clientv3.OpPut(string(key(i)), val))
		}
		if _, err := cli.Txn(context.Background()).Then(ops...).Commit(); err != nil {
			log.Fatal(err)
		}
	}
	for _, c := range concList() {
		r, p50, p99 := runUnary(c, func(ctx context.Context, i int) error {
			res, err := cli.Get(ctx, string(key(i)))
			if err == nil && len(res.Kvs) == 0 {
				return errors.New("not found")
			}
			return err
		})
		emit("etcd", "get", c, r, "calls/s", p50, p99)
	}
}

func main() {
	flag.Parse()
	log.SetOutput(os.Stderr)
	if *flowAddr != "" {
		benchFlowdb(*flowAddr)
	}
	if *etcdAddr != "" {
		benchEtcd(*etcdAddr)
	}
}
