package backup_test

import (
	"strings"
	"testing"

	"cotizador/backup"
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
