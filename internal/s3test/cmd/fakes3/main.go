// Command fakes3 serves an in-memory S3-compatible store on a loopback
// address, for trying replication locally (`make run-replicated`). Its
// objects live only as long as the process: it is a try-out tool, not
// storage.
//
//	go run ./internal/s3test/cmd/fakes3 -addr 127.0.0.1:9000 -bucket cotizador
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"cotizador/internal/s3test"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "loopback host:port to listen on")
	bucket := flag.String("bucket", "cotizador", "bucket to create")
	flag.Parse()
	s, err := s3test.Start(*addr, *bucket)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fakes3:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "fakes3: S3 en memoria / in-memory S3 at %s, bucket %q (se pierde al salir / gone on exit)\n", s.URL(), s.Bucket)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	s.Close()
}
