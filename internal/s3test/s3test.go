// Package s3test runs gofakes3, an in-memory S3-compatible server, on a
// loopback address: the off-site storage of the backup tests and of
// `make run-replicated`. It does not check signatures; any key works.
//
// The server can be stopped and started again on the same address while its
// objects stay in memory, which is how the tests simulate an S3 outage. The
// package also runs the real, pinned litestream binary against it
// (litestream.go), so every backup test uses the same real parts.
package s3test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// Credentials the fake accepts (it accepts any); exported so every caller
// configures Litestream the same way.
const (
	AccessKeyID     = "cotizador-test"
	SecretAccessKey = "cotizador-test-secret"
	Region          = "us-east-1"
)

// Server is a running fake S3 with one bucket.
type Server struct {
	Bucket  string
	backend *s3mem.Backend
	handler http.Handler

	mu   sync.Mutex
	addr string
	srv  *http.Server
	done chan struct{}
}

// Start serves a fresh in-memory S3 on addr (host must be loopback; port 0
// picks a free one) and creates bucket.
func Start(addr, bucket string) (*Server, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("s3test: address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("s3test: %q is not a loopback address", addr)
	}
	backend := s3mem.New()
	if err := backend.CreateBucket(bucket); err != nil {
		return nil, fmt.Errorf("s3test: create bucket: %w", err)
	}
	faker := gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog()))
	s := &Server{Bucket: bucket, backend: backend, handler: faker.Server(), addr: addr}
	if err := s.Resume(); err != nil {
		return nil, err
	}
	return s, nil
}

// New starts a server on a free loopback port for the duration of the test.
func New(t testing.TB) *Server {
	t.Helper()
	s, err := Start("127.0.0.1:0", "cotizador")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Addr is host:port; it stays the same across Stop and Resume.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// URL is the endpoint to give an S3 client (path-style addressing).
func (s *Server) URL() string { return "http://" + s.Addr() }

// Stop makes the server unreachable: the listener and every open connection
// are closed, so clients see connection errors. Objects are kept.
func (s *Server) Stop() error {
	s.mu.Lock()
	srv, done := s.srv, s.done
	s.srv = nil
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	err := srv.Close()
	<-done
	return err
}

// Resume serves again on the same address after Stop. The port may be
// briefly unavailable right after Stop, so binding is retried for a moment.
func (s *Server) Resume() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return nil
	}
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ {
		if ln, err = net.Listen("tcp", s.addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("s3test: listen on %s: %w", s.addr, err)
	}
	s.addr = ln.Addr().String()
	srv := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(discard{}, "", 0)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Printf("s3test: serve: %v", err)
		}
	}()
	s.srv, s.done = srv, done
	return nil
}

// Close stops the server for good.
func (s *Server) Close() error { return s.Stop() }

// Shutdown stops the server gracefully, letting requests in flight finish.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	srv, done := s.srv, s.done
	s.srv = nil
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	err := srv.Shutdown(ctx)
	<-done
	return err
}

// ObjectCount returns how many objects the bucket holds under prefix, at
// any depth.
func (s *Server) ObjectCount(prefix string) (int, error) {
	p := gofakes3.NewPrefix(&prefix, nil)
	list, err := s.backend.ListBucket(s.Bucket, &p, gofakes3.ListBucketPage{})
	if err != nil {
		return 0, err
	}
	return len(list.Contents), nil
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
