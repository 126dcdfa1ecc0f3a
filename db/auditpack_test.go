package db_test

import (
	"context"
	"testing"

	"cotizador/app"
	"cotizador/db"
)

// storedImages is every entry's images as stored (type and size) and as
// read back (the JSON text), by id.
type storedImage struct {
	beforeType, afterType string
	storedBytes           int64
	before, after         string
}

func storedImages(t *testing.T, d *db.DB) map[int64]storedImage {
	t.Helper()
	rows, err := d.Reader.Query(`SELECT id, typeof(before), typeof(after), coalesce(length(CAST(before AS BLOB)), 0) + coalesce(length(CAST(after AS BLOB)), 0),
		coalesce(audit_unpack(before), 'NULL'), coalesce(audit_unpack(after), 'NULL') FROM audit_log ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]storedImage{}
	for rows.Next() {
		var id int64
		var s storedImage
		if err := rows.Scan(&id, &s.beforeType, &s.afterType, &s.storedBytes, &s.before, &s.after); err != nil {
			t.Fatal(err)
		}
		out[id] = s
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Audit images are stored packed when that is smaller and read back as the
// exact JSON written; migration 00070 packs the entries written before it
// and its down step gives them back as text, the chain verifying at every
// step.
func TestAuditImagesPacked(t *testing.T) {
	d, _, owner := auditDB(t)
	ctx := context.Background()
	by := app.UserActor(owner.ID)
	save := func() *db.Quote {
		q := pricedQuote(t, owner.ID)
		if err := d.CreateQuote(ctx, q, "COT", nil, by); err != nil {
			t.Fatal(err)
		}
		if err := d.SetQuoteStatus(ctx, q.ID, db.StatusSent, by); err != nil {
			t.Fatal(err)
		}
		return q
	}
	texts := func(m map[int64]storedImage) map[int64][2]string {
		out := map[int64][2]string{}
		for id, s := range m {
			out[id] = [2]string{s.before, s.after}
		}
		return out
	}
	sameTexts := func(t *testing.T, step string, got, want map[int64][2]string) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: %d entries, want %d", step, len(got), len(want))
		}
		for id, w := range want {
			if got[id] != w {
				t.Errorf("%s: entry %d reads %q, want %q", step, id, got[id], w)
			}
		}
	}

	t.Run("new entries", func(t *testing.T) {
		q := save()
		var packed, text int
		for _, e := range storedImages(t, d) {
			for _, c := range []struct{ typ, json string }{{e.beforeType, e.before}, {e.afterType, e.after}} {
				switch {
				case c.typ == "blob":
					packed++
				case c.typ == "text" && len(c.json) >= 200:
					t.Errorf("a %d-byte image stored as text: %.60s…", len(c.json), c.json)
				case c.typ == "text":
					text++
				}
			}
		}
		if packed == 0 || text == 0 {
			t.Errorf("%d packed images, %d short ones as text; want both", packed, text)
		}
		// What the Auditoría page shows comes back exactly.
		es := lastAudit(t, d, "quotes", q.ID)
		var created *db.AuditEntry
		for _, e := range es {
			if e.Action == "insert" {
				created = e
			}
		}
		if created == nil || created.After["customer_name"] != "María Guadalupe Núñez Ibarra" || created.After["total"] != q.Totals.Total.String() {
			t.Errorf("the quote's insert entry reads %v", created)
		}
		verifyOK(t, d)
	})

	t.Run("migration 00070 down and up", func(t *testing.T) {
		for range 3 {
			save()
		}
		packedTexts := texts(storedImages(t, d))
		var packedBytes int64
		for _, e := range storedImages(t, d) {
			packedBytes += e.storedBytes
		}
		// Down to just before 00070 (later migrations first).
		for {
			v, err := d.MigrateDown(ctx)
			if err != nil || v < 70 {
				t.Fatalf("down: %d, %v", v, err)
			}
			if v == 70 {
				break
			}
		}
		down := storedImages(t, d)
		var textBytes int64
		for id, e := range down {
			if e.beforeType == "blob" || e.afterType == "blob" {
				t.Errorf("entry %d still packed after the down step", id)
			}
			textBytes += e.storedBytes
		}
		sameTexts(t, "down", texts(down), packedTexts)
		verifyOK(t, d)
		// The older schema's trail takes new entries as text.
		save()
		verifyOK(t, d)
		textTexts := texts(storedImages(t, d))

		if _, err := d.MigrateUp(ctx); err != nil {
			t.Fatal(err)
		}
		up := storedImages(t, d)
		sameTexts(t, "up", texts(up), textTexts)
		var blobs int
		for _, e := range up {
			if e.afterType == "blob" {
				blobs++
			}
		}
		if blobs == 0 {
			t.Error("no image packed by the migration")
		}
		verifyOK(t, d)
		if packedBytes*2 > textBytes {
			t.Errorf("images take %d bytes packed, %d as text: want at most half", packedBytes, textBytes)
		}
		t.Logf("images: %d bytes as JSON text, %d packed", textBytes, packedBytes)
	})
}
