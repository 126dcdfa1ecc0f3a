package db

import (
	"context"
	"time"

	"cotizador/app"
)

// probeBytes is what the probe writes: enough pages that a database with no
// room for a real write (a quote, a customer) fails it too, small enough to
// cost nothing. It is set back to NULL in the same transaction, so the
// pages return to the free list for the next real write.
const probeBytes = 64 << 10

// ProbeWrite tries one real write. It is the only write allowed while the
// database is read-only; when it succeeds, read-only mode ends, and when it
// fails with a full disk or a read-only file, the mode starts (or stays).
func (db *DB) ProbeWrite(ctx context.Context) error {
	ctx = context.WithValue(ctx, probeKey{}, true)
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO write_probe (id, at, filler) VALUES (1, ?, zeroblob(?))
		ON CONFLICT (id) DO UPDATE SET at = excluded.at, filler = excluded.filler`, app.FormatTime(db.Clock.Now()), probeBytes); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE write_probe SET filler = NULL WHERE id = 1`); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	db.guard.leaveReadOnly()
	return nil
}

// WatchReadOnly probes every interval while the database is read-only, so
// the app becomes writable again by itself once space is back; it returns
// when ctx ends. While writable it only reads a flag.
func (db *DB) WatchReadOnly(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, ro := db.ReadOnly(); !ro {
			continue
		}
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		if err := db.ProbeWrite(pctx); err != nil {
			db.guard.log().Warn("database still read-only", "category", "database", "err", err)
		}
		cancel()
	}
}
