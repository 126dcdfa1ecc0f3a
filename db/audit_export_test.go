package db

import "context"

// SetResealBatch makes re-seals rewrite n entries per transaction; restore
// puts it back.
func SetResealBatch(n int) (restore func()) {
	old := resealBatch
	resealBatch = n
	return func() { resealBatch = old }
}

// ResealStep runs one batch of the open re-seal (done: none was open).
func ResealStep(ctx context.Context, d *DB) (bool, error) { return d.resealStep(ctx) }
