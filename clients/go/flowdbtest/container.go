package flowdbtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
)

type ctr struct {
	c       *testcontainers.DockerContainer
	target  string
	dataDir string
	logs    *syncBuf
}

type logSink struct{ b *syncBuf }

func (l logSink) Accept(entry testcontainers.Log) { l.b.Write(entry.Content) }

// StartContainer runs FLOWDB_IMAGE with the data dir bind-mounted at
// /var/lib/flowdb; ready when the server logs "flowdb listening on" (no shell
// needed in the image). Nothing is pulled: the image must exist locally.
func StartContainer(ctx context.Context, o Options) (Server, error) {
	for k, v := range map[string]string{"TESTCONTAINERS_RYUK_DISABLED": "true", "TESTCONTAINERS_HOST_OVERRIDE": "127.0.0.1"} {
		if os.Getenv(k) == "" {
			_ = os.Setenv(k, v)
		}
	}
	dir := o.DataDir
	var err error
	if dir == "" {
		if dir, err = newDataDir(ImageUID); err != nil {
			return nil, err
		}
	}
	env := map[string]string{"FLOWDB_LOG_LEVEL": "info"}
	for k, v := range o.Env {
		env[k] = v
	}
	logs := &syncBuf{}
	c, err := testcontainers.Run(ctx, Image(),
		testcontainers.WithExposedPorts("50051/tcp"),
		testcontainers.WithEnv(env),
		testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
			hc.Binds = append(hc.Binds, dir+":/var/lib/flowdb:rw")
		}),
		testcontainers.WithLogConsumers(logSink{logs}),
		testcontainers.WithWaitStrategyAndDeadline(30*time.Second, wait.ForLog("flowdb listening on")),
	)
	if err != nil {
		if c != nil {
			_ = c.Terminate(context.Background())
		}
		return nil, fmt.Errorf("flowdbtest: start %s: %w", Image(), err)
	}
	host, err := c.Host(ctx)
	if err != nil {
		_ = c.Terminate(context.Background())
		return nil, err
	}
	port, err := c.MappedPort(ctx, "50051/tcp")
	if err != nil {
		_ = c.Terminate(context.Background())
		return nil, err
	}
	return &ctr{c: c, target: net.JoinHostPort(host, port.Port()), dataDir: dir, logs: logs}, nil
}

func (c *ctr) Target() string  { return c.target }
func (c *ctr) DataDir() string { return c.dataDir }
func (c *ctr) Logs() string    { return c.logs.String() }

func (c *ctr) Stop(ctx context.Context) (int, error) {
	grace := 15 * time.Second
	if err := c.c.Stop(ctx, &grace); err != nil {
		return -1, err
	}
	st, err := c.c.State(ctx)
	code := -1
	if err == nil {
		code = st.ExitCode
	}
	_ = c.c.Terminate(context.Background(), testcontainers.RemoveVolumes())
	return code, err
}

func (c *ctr) Kill() { _ = c.c.Terminate(context.Background(), testcontainers.RemoveVolumes()) }
