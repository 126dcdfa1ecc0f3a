package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"cotizador/internal/seed"
)

// devCommand runs `cotizador dev seed --quotes N --customers M [--seed S]`:
// realistic quotes written through the store (internal/seed), for
// benchmarks and demos. Refused in production: it adds thousands of made-up
// customers and quotes to whatever database it is pointed at.
func devCommand(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "seed" {
		return &usageError{"dev: se espera seed / want seed"}
	}
	fs := flag.NewFlagSet("dev seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	quotes := fs.Int("quotes", 0, "cotizaciones a crear / quotes to create")
	customers := fs.Int("customers", 0, "clientes a crear / customers to create")
	seedFlag := fs.Uint64("seed", 1, "semilla: la misma da los mismos datos / seed: the same one gives the same data")
	if err := fs.Parse(args[1:]); err != nil {
		return &usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return &usageError{fmt.Sprintf("dev seed: argumento de más / unexpected argument %q", fs.Arg(0))}
	}
	if *quotes < 0 || *quotes > 10_000_000 || *customers < 1 || *customers > 10_000_000 {
		return &usageError{"dev seed: --quotes de 0 a 10,000,000 y --customers de 1 a 10,000,000 / --quotes 0 to 10,000,000, --customers 1 to 10,000,000"}
	}
	if cfg.Env == "production" {
		return errors.New("dev seed: no se ejecuta en producción (COTIZADOR_ENV=production): llenaría la base real con datos inventados / refused in production")
	}
	d, _, err := openMigrated(ctx, cfg, printSnapshot(stdout))
	if err != nil {
		return err
	}
	defer d.Close()
	fmt.Fprintf(stdout, "generando %d clientes y %d cotizaciones en %s / generating…\n", *customers, *quotes, cfg.DBPath)
	last := time.Now()
	res, err := seed.Generate(ctx, d, seed.Options{Quotes: *quotes, Customers: *customers, Seed: *seedFlag,
		Progress: func(done int, elapsed time.Duration) {
			if time.Since(last) >= 10*time.Second || done == *quotes {
				last = time.Now()
				fmt.Fprintf(stdout, "  %d/%d cotizaciones, %s (%.0f por segundo)\n", done, *quotes, elapsed.Round(time.Second), float64(done)/elapsed.Seconds())
			}
		}})
	if err != nil {
		return err
	}
	size := int64(0)
	if st, err := os.Stat(cfg.DBPath); err == nil {
		size = st.Size()
	}
	fmt.Fprintf(stdout, "listo / done: %d clientes, %d cotizaciones (%d revisiones), %d partidas en %s; base de datos: %d bytes\n",
		res.Customers, res.Quotes, res.Revisions, res.Lines, res.Elapsed.Round(time.Millisecond), size)
	return nil
}
