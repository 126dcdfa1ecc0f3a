package backup_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"cotizador/backup"
	"cotizador/breaker"
)

// Captured from litestream v0.5.18's /metrics, trimmed.
const sampleMetrics = `# HELP litestream_db_size The current size of the real DB
# TYPE litestream_db_size gauge
litestream_db_size{db="/data/cotizador.db"} 8192
litestream_db_size{db="/data/other.db"} 4096
# HELP litestream_disk_full Whether replication is paused because the local disk is full
# TYPE litestream_disk_full gauge
litestream_disk_full{db="/data/cotizador.db"} 0
# HELP litestream_replica_operation_total The number of replica operations performed
# TYPE litestream_replica_operation_total counter
litestream_replica_operation_total{operation="PUT",replica_type="s3"} 3
litestream_replica_operation_total{operation="DELETE",replica_type="s3"} 7
# HELP litestream_sync_error_count Number of sync errors that have occurred
# TYPE litestream_sync_error_count counter
litestream_sync_error_count{db="/data/cotizador.db"} 2
# HELP litestream_txid The current transaction ID
# TYPE litestream_txid gauge
litestream_txid{db="/data/cotizador.db"} 42
litestream_txid{db="/data/other.db"} 9
# HELP litestream_wal_size The current size of the real WAL
# TYPE litestream_wal_size gauge
litestream_wal_size{db="/data/cotizador.db"} 20632
`

func TestParseMetrics(t *testing.T) {
	m, err := backup.ParseMetrics(strings.NewReader(sampleMetrics), "/data/cotizador.db")
	if err != nil {
		t.Fatal(err)
	}
	want := backup.Metrics{TXID: 42, Uploads: 3, SyncErrors: 2, DBSize: 8192, WALSize: 20632}
	if m != want {
		t.Errorf("got %+v, want %+v", m, want)
	}
	full := strings.Replace(sampleMetrics, `litestream_disk_full{db="/data/cotizador.db"} 0`, `litestream_disk_full{db="/data/cotizador.db"} 1`, 1)
	if m, _ := backup.ParseMetrics(strings.NewReader(full), "/data/cotizador.db"); !m.DiskFull {
		t.Error("disk_full 1 not reported")
	}
	if _, err := backup.ParseMetrics(strings.NewReader(sampleMetrics), "/data/missing.db"); err == nil {
		t.Error("a database Litestream does not replicate was accepted")
	}
	if _, err := backup.ParseMetrics(strings.NewReader("not { metrics"), "/data/cotizador.db"); err == nil {
		t.Error("garbage was accepted")
	}
}

// TestMonitorProbeBehindBreaker: the Litestream metrics probe against a
// loopback server that fails, then recovers. After three failed samples the
// circuit opens and samples stop calling out (still "unreachable"); once the
// server is back, the half-open trial closes it and the state is ok.
func TestMonitorProbeBehindBreaker(t *testing.T) {
	var down atomic.Bool
	var hits atomic.Int64
	down.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if down.Load() {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		io.WriteString(w, sampleMetrics)
	}))
	defer srv.Close()
	b := breaker.New(breaker.Settings{Name: "litestream_metrics", Failures: 3, OpenFor: 150 * time.Millisecond})
	m := &backup.Monitor{Addr: strings.TrimPrefix(srv.URL, "http://"), Configured: true, DBPath: "/data/cotizador.db", Breaker: b}
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if st := m.Sample(ctx); st.State != backup.StateUnreachable {
			t.Fatalf("sample %d: %s", i, st.State)
		}
	}
	if b.State() != breaker.Open || hits.Load() != 3 {
		t.Fatalf("after 3 failures: breaker %s, %d hits", b.State(), hits.Load())
	}
	if st := m.Sample(ctx); st.State != backup.StateUnreachable || hits.Load() != 3 {
		t.Fatalf("sample with the circuit open: %s, %d hits (want no call)", st.State, hits.Load())
	}
	down.Store(false)
	time.Sleep(200 * time.Millisecond)
	if st := m.Sample(ctx); st.State != backup.StateOK || b.State() != breaker.Closed {
		t.Fatalf("after recovery: %s, breaker %s", st.State, b.State())
	}
}
