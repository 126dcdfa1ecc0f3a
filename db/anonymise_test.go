package db_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"cotizador/app"
	"cotizador/db"
)

// personalValues are the customer's data the anonymisation must erase
// everywhere.
var personalValues = []string{"Guadalupe Zamudio", "Zamudio Cristales SA", "ZACG800101AB1", "lupita@zamudio.mx", "5587654321",
	"Calle Robles 77", "Antes vivía en Tlalpan", "Lupita Z."}

func anonymiseFixture(t *testing.T) (*db.DB, *app.FakeClock, *db.User, *db.Customer, []*db.Quote) {
	t.Helper()
	d, clock, owner := auditDB(t)
	ctx := context.Background()
	by := app.UserActor(owner.ID)
	c := &db.Customer{Name: "Guadalupe Zamudio", BusinessName: "Zamudio Cristales SA", RFC: "ZACG800101AB1", Email: "lupita@zamudio.mx",
		Phone: "5587654321", Address: "Calle Robles 77", Notes: "Antes vivía en Tlalpan"}
	if err := d.CreateCustomer(ctx, c, by); err != nil {
		t.Fatal(err)
	}
	c.Address = "Calle Robles 77, int. 2"
	if err := d.UpdateCustomer(ctx, c.ID, c, by); err != nil {
		t.Fatal(err)
	}
	// Someone else's data, which must stay.
	other := &db.Customer{Name: "Ernesto Vidal", Phone: "5511112222"}
	if err := d.CreateCustomer(ctx, other, by); err != nil {
		t.Fatal(err)
	}
	var quotes []*db.Quote
	for i := range 2 {
		q := sampleQuote(owner.ID)
		q.CustomerID = c.ID
		q.Customer = db.CustomerSnapshot{Name: c.Name, BusinessName: c.BusinessName, RFC: c.RFC, Email: c.Email, Phone: c.Phone, Address: c.Address}
		if err := d.CreateQuote(ctx, q, "COT", nil, by); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if err := d.SetQuoteStatus(ctx, q.ID, db.StatusSent, by); err != nil {
				t.Fatal(err)
			}
		}
		quotes = append(quotes, q)
	}
	if hasTable(t, d, "quote_decisions") && hasTable(t, d, "quote_shares") {
		ts := app.FormatTime(clock.Now())
		res, err := d.Writer.Exec(`INSERT INTO quote_shares (quote_id, token_hash, form_token, expires_at, created_at, created_by, updated_at, updated_by)
			VALUES (?, ?, 'form', ?, ?, 'user:1', ?, 'user:1')`, quotes[0].ID, strings.Repeat("cd", 32), ts, ts, ts)
		if err != nil {
			t.Fatal(err)
		}
		share, _ := res.LastInsertId()
		if _, err := d.Writer.Exec(`INSERT INTO quote_decisions (quote_id, share_id, decision, name, ip, user_agent, created_at, created_by, updated_at, updated_by)
			VALUES (?, ?, 'aceptada', 'Lupita Z.', '203.0.113.9', 'Mozilla/5.0', ?, 'share:1', ?, 'share:1')`, quotes[0].ID, share, ts, ts); err != nil {
			t.Fatal(err)
		}
	}
	// Entries after the customer's, so the re-seal has more than theirs to do.
	for i := range 30 {
		if err := d.CreateCustomer(ctx, &db.Customer{Name: fmt.Sprintf("Relleno %d", i)}, by); err != nil {
			t.Fatal(err)
		}
	}
	return d, clock, owner, c, quotes
}

// holdsPersonal lists the personal values still found in a text.
func holdsPersonal(text string) []string {
	var found []string
	for _, v := range personalValues {
		if strings.Contains(text, v) {
			found = append(found, v)
		}
	}
	return found
}

func auditText(t *testing.T, d *db.DB) string {
	t.Helper()
	var s string
	if err := d.Reader.QueryRow(`SELECT group_concat(coalesce(audit_unpack(before), '') || coalesce(audit_unpack(after), ''), ' ') FROM audit_log`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// An ARCO cancellation erases the customer's data from the record, the
// quotes' copies, the answers through links, the audit trail and the ARCO
// export, keeps every amount, and re-seals the chain in batches that each
// leave it verifiable — even with other writes between them.
func TestAnonymiseCustomer(t *testing.T) {
	d, clock, owner, c, quotes := anonymiseFixture(t)
	ctx := context.Background()
	by := app.UserActor(owner.ID)
	if found := holdsPersonal(auditText(t, d)); len(found) < 6 {
		t.Fatalf("fixture: the trail holds only %v", found)
	}
	totals := map[int64]string{}
	for _, q := range quotes {
		got, err := d.FindQuoteByID(ctx, q.ID)
		if err != nil {
			t.Fatal(err)
		}
		totals[q.ID] = got.Totals.Total.String()
	}
	before := verifyOK(t, d)
	restore := db.SetResealBatch(7)
	defer restore()
	clock.Advance(time.Hour)
	r, err := d.AnonymiseCustomer(ctx, c.ID, by)
	if err != nil {
		t.Fatal(err)
	}
	if r == nil || r.FromID > before.HeadID {
		t.Fatalf("re-seal %+v", r)
	}
	if _, err := d.AnonymiseCustomer(ctx, c.ID, by); app.ErrorCode(err) != app.ECONFLICT {
		t.Errorf("a second anonymisation during the re-seal: %v", err)
	}
	steps := 0
	for {
		v := verifyOK(t, d) // holds between any two batches
		if steps > 0 && !v.Resealing {
			break
		}
		// Another write between batches chains onto whatever the newest
		// entry carries.
		if err := d.CreateCustomer(ctx, &db.Customer{Name: fmt.Sprintf("Durante %d", steps)}, by); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ResealStep(ctx, d); err != nil {
			t.Fatal(err)
		}
		steps++
		if steps > 1000 {
			t.Fatal("the re-seal does not end")
		}
	}
	if steps < 5 {
		t.Errorf("re-sealed in %d batches of 7, want several", steps)
	}
	after := verifyOK(t, d)
	if after.Resealing {
		t.Error("still re-sealing")
	}

	// The record and the quotes' copies.
	got, err := d.FindCustomerByID(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != db.AnonymisedName(c.ID) || got.RFC != "" || got.Email != "" || got.Phone != "" || got.Address != "" || got.BusinessName != "" || got.Notes != "" {
		t.Errorf("customer after anonymising: %+v", got)
	}
	for _, q := range quotes {
		got, err := d.FindQuoteByID(ctx, q.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Customer.Name != db.AnonymisedName(c.ID) || got.Customer.Phone != "" || got.Customer.Email != "" || got.Customer.RFC != "" {
			t.Errorf("quote %d keeps %+v", q.ID, got.Customer)
		}
		if got.Totals.Total.String() != totals[q.ID] {
			t.Errorf("quote %d total %s, was %s", q.ID, got.Totals.Total, totals[q.ID])
		}
	}
	if found, _, _ := d.FindCustomers(ctx, db.CustomerFilter{Search: "zamudio"}); len(found) != 0 {
		t.Error("the search still finds the old name")
	}
	if found, _, _ := d.FindCustomers(ctx, db.CustomerFilter{Search: "anonimizado"}); len(found) != 1 {
		t.Error("the anonymised customer is not found under its new name")
	}
	// Nothing personal left in the whole database, the audit trail included.
	for _, q := range []string{
		`SELECT group_concat(name || business_name || rfc || email || phone || address || notes || search_terms) FROM customers`,
		`SELECT group_concat(customer_name || customer_business || customer_rfc || customer_email || customer_phone || customer_address) FROM quotes`,
		`SELECT group_concat(term) FROM customer_terms`,
	} {
		var dump string
		d.Reader.QueryRow(q).Scan(&dump)
		if found := holdsPersonal(dump); len(found) > 0 {
			t.Errorf("%s: still holds %v", q, found)
		}
	}
	if found := holdsPersonal(auditText(t, d)); len(found) > 0 {
		t.Errorf("the audit trail still holds %v", found)
	}
	if hasTable(t, d, "quote_decisions") {
		var name, ip string
		d.Reader.QueryRow(`SELECT name, ip FROM quote_decisions WHERE quote_id = ?`, quotes[0].ID).Scan(&name, &ip)
		if name != db.AnonymisedName(c.ID) || ip != "" {
			t.Errorf("decision keeps %q %q", name, ip)
		}
	}
	// The other customer is untouched, in the record and in the trail.
	if !strings.Contains(auditText(t, d), "Ernesto Vidal") {
		t.Error("another customer's entries were redacted")
	}
	// The redaction and the re-seal are recorded.
	es, _ := d.FindAudit(ctx, db.AuditFilter{Table: "audit_log"})
	if len(es) != 1 || es[0].Action != db.AuditReseal || fmt.Sprint(es[0].After["from_id"]) != fmt.Sprint(r.FromID) {
		t.Fatalf("re-seal entries %+v", es)
	}
	if n := fmt.Sprint(es[0].After["redacted"]); n == "0" {
		t.Error("the re-seal redacted nothing")
	}
	an := lastAudit(t, d, "customers", c.ID)
	if len(an) == 0 || an[0].Action != db.AuditAnonymise || an[0].Actor != string(by) {
		t.Errorf("anonymisation entry %+v", an[0])
	}
	// The ARCO export of the customer holds nothing personal either.
	tables, err := d.CustomerData(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if found := holdsPersonal(fmt.Sprint(tables)); len(found) > 0 {
		t.Errorf("the customer's export holds %v", found)
	}
	// Tampering after a re-seal is still found.
	raw := rawConn(t, d)
	raw.Exec(`DROP TRIGGER audit_log_no_update`)
	if _, err := raw.Exec(`UPDATE audit_log SET after = '{"name":"Guadalupe Zamudio"}' WHERE id = ?`, r.FromID); err != nil {
		t.Fatal(err)
	}
	if v, _ := d.VerifyAudit(ctx); v.OK() || v.Broken.ID != r.FromID {
		t.Errorf("tampering after the re-seal: %+v", v.Broken)
	}
}
