// Command cotizador is the Cotizador web app: quotes for Mexican aluminium
// and PVC window shops. main only wires the process to run, so tests can
// call run with their own arguments, environment and outputs.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "cotizador:", err)
		os.Exit(exitCode(err))
	}
}
