// Package flowdbtest starts a flowdb sidecar for tests: a spawned server
// process (FLOWDB_TARGET=process, the default for local runs) or the container
// image FLOWDB_IMAGE [flowdb:test] via testcontainers-go
// (FLOWDB_TARGET=container; offline: TESTCONTAINERS_RYUK_DISABLED=true and
// TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1 are set when unset).
package flowdbtest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ImageUID owns the data directory inside the image (its non-root user).
const ImageUID = 65532

// Server is a running flowdb sidecar.
type Server interface {
	// Target is the gRPC target, "127.0.0.1:<port>".
	Target() string
	// DataDir is the host data directory (a bind mount for containers).
	DataDir() string
	// Stop sends SIGTERM and waits for a graceful exit; returns the exit code.
	Stop(ctx context.Context) (int, error)
	// Kill stops hard and removes; never fails.
	Kill()
	// Logs returns what the server printed so far.
	Logs() string
}

// Options of Start.
type Options struct {
	// DataDir to reuse (restart on the same volume); "" makes a fresh temp dir.
	DataDir string
	// Env adds FLOWDB_* settings.
	Env map[string]string
}

// TargetKind is FLOWDB_TARGET ("process" unless set).
func TargetKind() string {
	if t := os.Getenv("FLOWDB_TARGET"); t != "" {
		return t
	}
	return "process"
}

// Image is FLOWDB_IMAGE (default flowdb:test).
func Image() string {
	if i := os.Getenv("FLOWDB_IMAGE"); i != "" {
		return i
	}
	return "flowdb:test"
}

// Start launches a server on the configured target.
func Start(ctx context.Context, o Options) (Server, error) {
	switch k := TargetKind(); k {
	case "process":
		return StartProcess(ctx, o)
	case "container":
		return StartContainer(ctx, o)
	default:
		return nil, fmt.Errorf("flowdbtest: FLOWDB_TARGET=%q (want process or container)", k)
	}
}

// RepoRoot finds the flowdb repository (FLOWDB_REPO, else the nearest parent
// of the working directory holding server/src/main.ts).
func RepoRoot() (string, error) {
	if r := os.Getenv("FLOWDB_REPO"); r != "" {
		return r, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for range 20 {
		if _, err := os.Stat(filepath.Join(dir, "server/src/main.ts")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return "", errors.New("flowdbtest: repository root not found (set FLOWDB_REPO)")
}

func newDataDir(owner int) (string, error) {
	d, err := os.MkdirTemp("", "flowdb-go-")
	if err != nil {
		return "", err
	}
	if owner >= 0 {
		if err := os.Chown(d, owner, owner); err != nil {
			_ = os.Chmod(d, 0o777) // not root: let the image user write
		}
	}
	return d, nil
}

var listenRE = regexp.MustCompile(`flowdb listening on ([^\s,]+)`)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type process struct {
	cmd     *exec.Cmd
	target  string
	dataDir string
	out     *syncBuf
	exited  chan struct{}
	code    int
}

// StartProcess spawns `<repo>/node_modules/.bin/node server/src/main.ts` on 127.0.0.1:0.
func StartProcess(ctx context.Context, o Options) (Server, error) {
	repo, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	node := filepath.Join(repo, "node_modules/.bin/node")
	if _, err := os.Stat(node); err != nil {
		return nil, fmt.Errorf("flowdbtest: %s missing (npm install): %w", node, err)
	}
	dir := o.DataDir
	if dir == "" {
		if dir, err = newDataDir(-1); err != nil {
			return nil, err
		}
	}
	cmd := exec.Command(node, filepath.Join(repo, "server/src/main.ts"), "--listen=127.0.0.1:0", "--data-dir="+dir)
	cmd.Env = os.Environ()
	for k, v := range o.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out := &syncBuf{}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{cmd: cmd, dataDir: dir, out: out, exited: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			out.Write([]byte(line + "\n"))
			if m := listenRE.FindStringSubmatch(line); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(out, stdout)
	}()
	go func() {
		_ = cmd.Wait()
		p.code = cmd.ProcessState.ExitCode()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			p.code = 128 + int(ws.Signal())
		}
		close(p.exited)
	}()
	t := time.NewTimer(30 * time.Second)
	defer t.Stop()
	select {
	case a := <-addr:
		p.target = a
		return p, nil
	case <-p.exited:
		return nil, fmt.Errorf("flowdbtest: server exited %d:\n%s", p.code, out.String())
	case <-t.C:
		p.Kill()
		return nil, fmt.Errorf("flowdbtest: server did not print its address in 30s:\n%s", out.String())
	case <-ctx.Done():
		p.Kill()
		return nil, ctx.Err()
	}
}

func (p *process) Target() string  { return p.target }
func (p *process) DataDir() string { return p.dataDir }
func (p *process) Logs() string    { return p.out.String() }

func (p *process) Stop(ctx context.Context) (int, error) {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		return p.code, nil
	case <-ctx.Done():
		p.Kill()
		return -1, ctx.Err()
	}
}

func (p *process) Kill() {
	select {
	case <-p.exited:
	default:
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// RemoveDataDir deletes a data directory made by Start (best effort; container
// files are owned by the image user, so a root-owned rm is needed there).
func RemoveDataDir(dir string) {
	if dir != "" && strings.HasPrefix(filepath.Base(dir), "flowdb-go-") {
		_ = os.RemoveAll(dir)
	}
}
