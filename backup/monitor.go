package backup

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"cotizador/breaker"
)

// Replication states, as the Respaldos page and the JSON report show them.
const (
	// StateOff: no replica configured; the database exists only here.
	StateOff = "off"
	// StateUnknown: configured, but no sample taken yet.
	StateUnknown = "unknown"
	// StateUnreachable: Litestream's metrics do not answer (not running?).
	StateUnreachable = "unreachable"
	// StateOK: every change seen is being uploaded.
	StateOK = "ok"
	// StateBehind: changes have waited longer than StallAfter for upload
	// (S3 unreachable, bad credentials…); Litestream keeps retrying.
	StateBehind = "behind"
	// StateError: Litestream reports a local failure (disk full).
	StateError = "error"
)

// Metrics are the figures read from Litestream's /metrics for one database.
type Metrics struct {
	TXID       float64 // local transaction id Litestream has captured
	Uploads    float64 // PUTs to the replica (all databases: Litestream has no per-db label)
	SyncErrors float64
	DBSize     float64
	WALSize    float64
	DiskFull   bool
}

// ParseMetrics reads the Prometheus text exposition of Litestream for the
// database at dbPath (matched on the absolute path label).
func ParseMetrics(r io.Reader, dbPath string) (Metrics, error) {
	var m Metrics
	abs, err := filepath.Abs(dbPath)
	if err != nil {
		return m, err
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(r)
	if err != nil {
		return m, fmt.Errorf("backup: litestream metrics: %w", err)
	}
	perDB := func(name string) (float64, bool) {
		f := fams[name]
		if f == nil {
			return 0, false
		}
		for _, x := range f.GetMetric() {
			if label(x, "db") == abs {
				return value(x), true
			}
		}
		return 0, false
	}
	var ok bool
	if m.TXID, ok = perDB("litestream_txid"); !ok {
		return m, fmt.Errorf("backup: litestream does not replicate %s", abs)
	}
	m.SyncErrors, _ = perDB("litestream_sync_error_count")
	m.DBSize, _ = perDB("litestream_db_size")
	m.WALSize, _ = perDB("litestream_wal_size")
	full, _ := perDB("litestream_disk_full")
	m.DiskFull = full > 0
	if f := fams["litestream_replica_operation_total"]; f != nil {
		for _, x := range f.GetMetric() {
			if label(x, "operation") == "PUT" {
				m.Uploads += value(x)
			}
		}
	}
	return m, nil
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func value(m *dto.Metric) float64 {
	switch {
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Untyped != nil:
		return m.Untyped.GetValue()
	}
	return 0
}

// ReplicationStatus is the replication health the app reports.
type ReplicationStatus struct {
	State       string    `json:"state"`
	MetricsAddr string    `json:"metrics_addr,omitempty"`
	CheckedAt   time.Time `json:"checked_at,omitzero"`
	// LastUploadAt is when an upload to the replica was last observed.
	LastUploadAt time.Time `json:"last_upload_at,omitzero"`
	// PendingSince is when the oldest change not yet uploaded was first
	// seen; zero when everything seen is uploaded.
	PendingSince time.Time `json:"pending_since,omitzero"`
	TXID         float64   `json:"txid"`
	Uploads      float64   `json:"uploads"`
	DBSizeBytes  float64   `json:"db_size_bytes"`
	WALSizeBytes float64   `json:"wal_size_bytes"`
	Error        string    `json:"error,omitempty"`
}

// Monitor samples Litestream's metrics and derives replication health.
// Litestream has no lag metric: the signal is its transaction id moving
// while its upload count stands still.
type Monitor struct {
	// Addr is Litestream's metrics address (host:port); empty with
	// Configured means metrics are switched off.
	Addr string
	// Configured says a replica is set up (LITESTREAM_BUCKET non-empty).
	Configured bool
	DBPath     string
	// Interval between samples; StallAfter is how long a change may wait
	// for upload before the state turns "behind".
	Interval   time.Duration
	StallAfter time.Duration
	Logger     *slog.Logger
	Now        func() time.Time
	// Breaker, when set, guards the scrape: a Litestream that does not
	// answer is not waited for on every sample (the state reads
	// unreachable while the circuit is open).
	Breaker *breaker.Breaker

	client *http.Client
	mu     sync.Mutex
	st     ReplicationStatus
	ackTX  float64 // txid when an upload was last observed
}

func (m *Monitor) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now().UTC()
}

// Status returns the latest derived status.
func (m *Monitor) Status() ReplicationStatus {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.st
	switch {
	case !m.Configured:
		st.State = StateOff
	case st.State == "":
		st.State = StateUnknown
		st.MetricsAddr = m.Addr
	}
	return st
}

// Run samples every Interval until ctx ends.
func (m *Monitor) Run(ctx context.Context) {
	if !m.Configured {
		return
	}
	iv := m.Interval
	if iv <= 0 {
		iv = 10 * time.Second
	}
	t := time.NewTicker(iv)
	defer t.Stop()
	for {
		m.Sample(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Sample scrapes the metrics once and updates the status.
func (m *Monitor) Sample(ctx context.Context) ReplicationStatus {
	if !m.Configured {
		return m.Status()
	}
	met, err := m.scrape(ctx)
	now := m.now()

	m.mu.Lock()
	prev := m.st
	st := prev
	st.CheckedAt, st.MetricsAddr, st.Error = now, m.Addr, ""
	switch {
	case err != nil:
		st.State, st.Error = StateUnreachable, err.Error()
	default:
		if met.Uploads < prev.Uploads || prev.CheckedAt.IsZero() || prev.State == StateUnreachable {
			// First sample, or Litestream restarted (counters reset):
			// start tracking afresh.
			m.ackTX = met.TXID
			st.PendingSince = time.Time{}
			if met.Uploads > 0 {
				st.LastUploadAt = now
			}
		} else if met.Uploads > prev.Uploads {
			m.ackTX = met.TXID
			st.LastUploadAt, st.PendingSince = now, time.Time{}
		} else if met.TXID > m.ackTX && st.PendingSince.IsZero() {
			st.PendingSince = now
		}
		st.TXID, st.Uploads, st.DBSizeBytes, st.WALSizeBytes = met.TXID, met.Uploads, met.DBSize, met.WALSize
		stall := m.StallAfter
		if stall <= 0 {
			stall = time.Minute
		}
		switch {
		case met.DiskFull:
			st.State, st.Error = StateError, "disk full: replication paused"
		case !st.PendingSince.IsZero() && now.Sub(st.PendingSince) >= stall:
			st.State = StateBehind
		default:
			st.State = StateOK
		}
	}
	m.st = st
	m.mu.Unlock()

	if st.State != prev.State && m.Logger != nil {
		level := slog.LevelWarn
		if st.State == StateOK {
			level = slog.LevelInfo
		}
		m.Logger.Log(ctx, level, "replication state changed", "from", prev.State, "to", st.State,
			"pending_since", st.PendingSince, "err", st.Error)
	}
	return st
}

func (m *Monitor) scrape(ctx context.Context) (Metrics, error) {
	if m.Breaker == nil {
		return m.scrapeOnce(ctx)
	}
	var met Metrics
	err := m.Breaker.Do(func() error {
		var err error
		met, err = m.scrapeOnce(ctx)
		return err
	})
	return met, err
}

func (m *Monitor) scrapeOnce(ctx context.Context) (Metrics, error) {
	if m.Addr == "" {
		return Metrics{}, fmt.Errorf("LITESTREAM_METRICS_ADDR is empty: Litestream serves no metrics")
	}
	if m.client == nil {
		m.client = &http.Client{Timeout: 3 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+m.Addr+"/metrics", nil)
	if err != nil {
		return Metrics{}, err
	}
	resp, err := m.client.Do(req)
	if err != nil {
		return Metrics{}, fmt.Errorf("litestream metrics at %s: %w", m.Addr, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Metrics{}, fmt.Errorf("litestream metrics at %s: HTTP %d", m.Addr, resp.StatusCode)
	}
	return ParseMetrics(resp.Body, m.DBPath)
}
