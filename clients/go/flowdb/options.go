package flowdb

import (
	"crypto/tls"
	"time"

	"google.golang.org/grpc"
)

// Option configures Dial.
type Option func(*config)

type config struct {
	token       string
	tls         *tls.Config
	callTimeout time.Duration
	dialOpts    []grpc.DialOption
	maxRecv     int
	maxSend     int
}

// WithToken sends "authorization: Bearer <token>" on every call (server --token).
func WithToken(token string) Option { return func(c *config) { c.token = token } }

// WithTLS dials with TLS (server --tls-cert/--tls-key). Without it the
// connection is cleartext HTTP/2 (h2c), fine for a sidecar on localhost.
func WithTLS(cfg *tls.Config) Option { return func(c *config) { c.tls = cfg } }

// WithTimeout bounds every unary call whose context has no deadline (0: none).
// Streams are bounded by their context only.
func WithTimeout(d time.Duration) Option { return func(c *config) { c.callTimeout = d } }

// WithMaxMessageBytes sets the largest message received and sent (default 4 MiB, like the server).
func WithMaxMessageBytes(recv, send int) Option {
	return func(c *config) { c.maxRecv, c.maxSend = recv, send }
}

// WithDialOptions appends raw grpc-go dial options (interceptors, keepalive, ...).
func WithDialOptions(opts ...grpc.DialOption) Option {
	return func(c *config) { c.dialOpts = append(c.dialOpts, opts...) }
}
