package flowdb

import (
	"context"
	"errors"
	"io"
	"iter"
	"sync"
	"time"

	v1 "github.com/flowdb/flowdb/clients/go/gen/flowdb/v1"
	"google.golang.org/grpc/codes"
)

// IngestStream is the raw bidi Ingest stream: send IngestRequests (each with
// its own batch_id), receive one IngestResponse (ack) per batch. Send and
// CloseSend must not be called concurrently with each other; Recv may run in
// another goroutine.
type IngestStream struct {
	s      v1.KVService_IngestClient
	cancel context.CancelFunc
}

// OpenIngest opens a raw Ingest stream; Close (or ctx) ends it.
func (c *Client) OpenIngest(ctx context.Context) (*IngestStream, error) {
	ctx, cancel := context.WithCancel(ctx)
	s, err := c.kv.Ingest(ctx)
	if err != nil {
		cancel()
		return nil, wrapErr(err)
	}
	return &IngestStream{s: s, cancel: cancel}, nil
}

// Send sends one batch.
func (s *IngestStream) Send(req *v1.IngestRequest) error {
	if err := s.s.Send(req); err != nil {
		if errors.Is(err, io.EOF) { // the real error comes from Recv
			_, rerr := s.s.Recv()
			if rerr != nil && !errors.Is(rerr, io.EOF) {
				return wrapErr(rerr)
			}
		}
		return wrapErr(err)
	}
	return nil
}

// CloseSend says no more batches follow; the server then finishes the acks.
func (s *IngestStream) CloseSend() error { return wrapErr(s.s.CloseSend()) }

// Recv returns the next ack; io.EOF after the last one.
func (s *IngestStream) Recv() (*v1.IngestResponse, error) {
	m, err := s.s.Recv()
	return m, wrapErr(err)
}

// Acks iterates over the remaining acks.
func (s *IngestStream) Acks() iter.Seq2[*v1.IngestResponse, error] {
	return func(yield func(*v1.IngestResponse, error) bool) {
		for {
			m, err := s.Recv()
			if errors.Is(err, io.EOF) {
				return
			}
			if !yield(m, err) || err != nil {
				return
			}
		}
	}
}

// Close cancels the stream.
func (s *IngestStream) Close() { s.cancel() }

// IngestOption configures Client.Ingest.
type IngestOption func(*ingestConfig)

type ingestConfig struct {
	maxInFlight int
	durability  v1.Durability
	maxRetries  int
}

// IngestWindow bounds unacknowledged batches (default 16; keep it at or below the server's --max-in-flight).
func IngestWindow(n int) IngestOption { return func(c *ingestConfig) { c.maxInFlight = max(1, n) } }

// IngestDurability sets the durability of every batch.
func IngestDurability(d v1.Durability) IngestOption { return func(c *ingestConfig) { c.durability = d } }

// IngestMaxRetries bounds resends of one overloaded batch (default 100).
func IngestMaxRetries(n int) IngestOption { return func(c *ingestConfig) { c.maxRetries = n } }

// Ingest writes batches of points over one bidi stream with a bounded window
// of unacknowledged batches. A batch rejected for overload is resent after
// its retry delay. It yields one ack per batch, in completion order (batch ids
// count from 1 in source order). A batch the server rejects as invalid ends
// the iteration with an *Error (Reason from the ack); acks yielded before are
// written. Breaking out of the loop cancels the stream.
func (c *Client) Ingest(ctx context.Context, batches iter.Seq[[]*v1.Point], opts ...IngestOption) iter.Seq2[*v1.IngestResponse, error] {
	cfg := ingestConfig{maxInFlight: 16, maxRetries: 100}
	for _, o := range opts {
		o(&cfg)
	}
	return func(yield func(*v1.IngestResponse, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		s, err := c.OpenIngest(ctx)
		if err != nil {
			yield(nil, err)
			return
		}
		defer s.Close()

		var (
			mu         sync.Mutex
			pending    = map[uint64]*v1.IngestRequest{}
			tries      = map[uint64]int{}
			sourceDone bool
			allDone    = make(chan struct{})
			doneOnce   sync.Once
		)
		window := make(chan struct{}, cfg.maxInFlight)
		resend := make(chan *v1.IngestRequest, cfg.maxInFlight)
		checkDone := func() { // mu held
			if sourceDone && len(pending) == 0 {
				doneOnce.Do(func() { close(allDone) })
			}
		}
		senderErr := make(chan error, 1)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			send := func(r *v1.IngestRequest) bool {
				if err := s.Send(r); err != nil {
					senderErr <- err
					cancel()
					return false
				}
				return true
			}
			var id uint64
			for pts := range batches {
			wait:
				for {
					select {
					case window <- struct{}{}:
						break wait
					case r := <-resend:
						if !send(r) {
							return
						}
					case <-ctx.Done():
						return
					}
				}
				id++
				req := &v1.IngestRequest{BatchId: id, Points: pts, Durability: cfg.durability}
				mu.Lock()
				pending[id] = req
				mu.Unlock()
				if !send(req) {
					return
				}
			}
			mu.Lock()
			sourceDone = true
			checkDone()
			mu.Unlock()
			for {
				select {
				case r := <-resend:
					if !send(r) {
						return
					}
				case <-allDone:
					if err := s.CloseSend(); err != nil {
						senderErr <- err
					}
					return
				case <-ctx.Done():
					return
				}
			}
		}()
		defer wg.Wait()
		defer cancel()

		for {
			ack, err := s.Recv()
			if errors.Is(err, io.EOF) {
				mu.Lock()
				left := len(pending)
				mu.Unlock()
				if left > 0 {
					yield(nil, &Error{Code: codes.Internal, Message: "ingest stream ended with unacknowledged batches"})
				}
				return
			}
			if err != nil {
				select {
				case serr := <-senderErr:
					if CodeOf(err) == codes.Canceled && ctx.Err() != nil {
						err = serr
					}
				default:
				}
				yield(nil, err)
				return
			}
			id := ack.GetBatchId()
			mu.Lock()
			req := pending[id]
			mu.Unlock()
			switch {
			case ack.GetStatus() == 0:
				mu.Lock()
				delete(pending, id)
				delete(tries, id)
				checkDone()
				mu.Unlock()
				<-window
				if !yield(ack, nil) {
					return
				}
			case req != nil && codes.Code(ack.GetStatus()) == codes.ResourceExhausted && ack.GetReason() == ReasonOverloaded:
				mu.Lock()
				tries[id]++
				n := tries[id]
				mu.Unlock()
				if n > cfg.maxRetries {
					yield(ack, ackError(ack))
					return
				}
				delay := time.Duration(ack.GetRetryDelayMs()) * time.Millisecond
				t := time.NewTimer(delay)
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
					yield(nil, wrapErr(ctx.Err()))
					return
				}
				resend <- req
			default:
				yield(ack, ackError(ack))
				return
			}
		}
	}
}

func ackError(ack *v1.IngestResponse) *Error {
	return &Error{
		Code:       codes.Code(ack.GetStatus()),
		Reason:     ack.GetReason(),
		Message:    ack.GetMessage(),
		Metadata:   map[string]string{"batch_id": itoa(ack.GetBatchId())},
		RetryDelay: time.Duration(ack.GetRetryDelayMs()) * time.Millisecond,
	}
}

func itoa(n uint64) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
