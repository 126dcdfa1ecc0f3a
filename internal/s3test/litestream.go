package s3test

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"cotizador/backup"
)

// RepoRoot is the folder holding the app's go.mod, found from the test's
// working directory.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.HasPrefix(b, []byte("module cotizador\n")) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("s3test: repository root (go.mod of module cotizador) not found")
		}
		dir = parent
	}
}

var (
	litestreamOnce sync.Once
	litestreamPath string
	litestreamErr  string
)

// LitestreamBin returns the pinned litestream binary: LITESTREAM_BIN when
// set, else bin/litestream, built by scripts/litestream.sh when missing (CI
// on a fresh clone; `make test` runs the script first).
func LitestreamBin(t testing.TB) string {
	t.Helper()
	litestreamOnce.Do(func() {
		if p := os.Getenv("LITESTREAM_BIN"); p != "" {
			litestreamPath = p
			return
		}
		root := RepoRoot(t)
		out, err := exec.Command(filepath.Join(root, "scripts", "litestream.sh")).Output()
		if err != nil {
			msg := err.Error()
			if ee, ok := err.(*exec.ExitError); ok {
				msg += ": " + string(ee.Stderr)
			}
			litestreamErr = msg
			return
		}
		litestreamPath = strings.TrimSpace(string(out))
	})
	if litestreamErr != "" {
		t.Fatalf("litestream binary: %s", litestreamErr)
	}
	return litestreamPath
}

// FreeAddr returns a loopback host:port nobody listens on right now.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// ReplicaEnv is the environment litestream.yml expects, pointing the
// database at dbPath to a path in the fake S3, with metrics on metricsAddr.
func ReplicaEnv(s3 *Server, dbPath, replicaPath, metricsAddr string) map[string]string {
	return map[string]string{
		"COTIZADOR_DB":                 dbPath,
		"LITESTREAM_BUCKET":            s3.Bucket,
		"LITESTREAM_PATH":              replicaPath,
		"LITESTREAM_ENDPOINT":          s3.URL(),
		"LITESTREAM_REGION":            Region,
		"LITESTREAM_ACCESS_KEY_ID":     AccessKeyID,
		"LITESTREAM_SECRET_ACCESS_KEY": SecretAccessKey,
		"LITESTREAM_METRICS_ADDR":      metricsAddr,
	}
}

// Environ merges vars into the current environment (vars win), without
// AWS_CA_BUNDLE.
func Environ(vars map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if _, override := vars[k]; !override {
			env = append(env, kv)
		}
	}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return backup.ChildEnv(env)
}

// buffer is a bytes.Buffer safe for a process writing while a test reads.
type buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Process is a running child whose output is kept for the test.
type Process struct {
	Cmd  *exec.Cmd
	out  *buffer
	done chan struct{}
	err  error
}

// Output is everything the process wrote so far.
func (p *Process) Output() string { return p.out.String() }

// Wait waits for the exit, up to timeout.
func (p *Process) Wait(timeout time.Duration) (exited bool, err error) {
	select {
	case <-p.done:
		return true, p.err
	case <-time.After(timeout):
		return false, nil
	}
}

// Signal sends sig to the process.
func (p *Process) Signal(sig os.Signal) error { return p.Cmd.Process.Signal(sig) }

// StartProcess runs name with args and env (already complete), in dir; the
// process is killed at cleanup if still running.
func StartProcess(t testing.TB, dir string, env []string, name string, args ...string) *Process {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Env = dir, env
	p := &Process{Cmd: cmd, out: &buffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		if exited, _ := p.Wait(0); !exited {
			cmd.Process.Signal(syscall.SIGTERM)
			if exited, _ := p.Wait(40 * time.Second); !exited {
				cmd.Process.Kill()
				p.Wait(5 * time.Second)
			}
		}
		if t.Failed() {
			t.Logf("output of %s:\n%s", filepath.Base(name), lastLines(p.Output(), 60))
		}
	})
	return p
}

func lastLines(s string, n int) string {
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Replicate runs `litestream replicate` with the repository's litestream.yml
// for the database in env (see ReplicaEnv), plus -exec when execCmd is not
// empty, and waits until its metrics answer.
func Replicate(t testing.TB, vars map[string]string, execCmd string) *Process {
	t.Helper()
	root := RepoRoot(t)
	args := []string{"replicate", "-config", filepath.Join(root, "litestream.yml")}
	if execCmd != "" {
		args = append(args, "-exec", execCmd)
	}
	p := StartProcess(t, root, Environ(vars), LitestreamBin(t), args...)
	WaitHTTP(t, "http://"+vars["LITESTREAM_METRICS_ADDR"]+"/metrics", 20*time.Second, p)
	return p
}

// WaitHTTP polls url until it answers 200, failing the test after timeout
// or when p (optional) exits first.
func WaitHTTP(t testing.TB, url string, timeout time.Duration, p *Process) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if p != nil {
			if exited, err := p.Wait(0); exited {
				t.Fatalf("process exited (%v) before %s answered:\n%s", err, url, lastLines(p.Output(), 40))
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s did not answer within %s", url, timeout)
}
