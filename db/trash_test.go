package db_test

import (
	"context"
	"testing"
	"time"

	"cotizador/app"
	"cotizador/db"
)

// The Papelera lists every deleted customer, quote, material, product and
// colour with who deleted it and when it will be purged; restoring brings it
// back (a customer into the search again).
func TestTrashListAndRestore(t *testing.T) {
	d, clock, owner := auditDB(t)
	ctx := context.Background()
	by := app.UserActor(owner.ID)
	c := &db.Customer{Name: "Ramón Núñez", Phone: "5598765432"}
	if err := d.CreateCustomer(ctx, c, by); err != nil {
		t.Fatal(err)
	}
	q := sampleQuote(owner.ID)
	if err := d.CreateQuote(ctx, q, "COT", nil, by); err != nil {
		t.Fatal(err)
	}
	mats, _ := d.FindMaterials(ctx, db.MaterialFilter{})
	prods, _ := d.FindProducts(ctx, db.ProductFilter{})
	cols, _ := d.FindColours(ctx)
	clock.Advance(time.Hour)
	deleted := clock.Now()
	for _, del := range []struct {
		fn func(context.Context, int64, app.Actor) error
		id int64
	}{{d.DeleteCustomer, c.ID}, {d.DeleteQuote, q.ID}, {d.DeleteMaterial, mats[0].ID}, {d.DeleteProduct, prods[0].ID}, {d.DeleteColour, cols[0].ID}} {
		if err := del.fn(ctx, del.id, by); err != nil {
			t.Fatal(err)
		}
	}
	items, err := d.FindTrash(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 5 {
		t.Fatalf("%d items in the Papelera, want 5: %+v", len(items), items)
	}
	seen := map[string]*db.TrashItem{}
	for _, it := range items {
		seen[it.Kind] = it
		if it.DeletedByName != owner.Name || it.DeletedBy != string(by) || !it.DeletedAt.Equal(deleted) {
			t.Errorf("%s %d deleted by %q (%s) at %v", it.Kind, it.ID, it.DeletedByName, it.DeletedBy, it.DeletedAt)
		}
	}
	if it := seen[db.TrashCustomer]; it.Label != "Ramón Núñez" || it.PurgeRule != db.PurgeGrace || !it.PurgeAt.Equal(deleted.AddDate(0, 0, 30)) {
		t.Errorf("customer %+v", it)
	}
	// A draft never sent goes after the grace; the material is used by a product.
	if it := seen[db.TrashQuote]; it.Code != q.Folio || it.PurgeRule != db.PurgeGrace {
		t.Errorf("quote %+v", it)
	}
	if it := seen[db.TrashMaterial]; it.Code != mats[0].Code {
		t.Errorf("material %+v", it)
	}
	if got, _, _ := d.FindCustomers(ctx, db.CustomerFilter{Search: "nunez"}); len(got) != 0 {
		t.Fatal("a deleted customer is found by the search")
	}
	for _, it := range items {
		if err := d.RestoreFromTrash(ctx, it.Kind, it.ID, by); err != nil {
			t.Errorf("restore %s: %v", it.Kind, err)
		}
	}
	if items, _ := d.FindTrash(ctx, ""); len(items) != 0 {
		t.Errorf("%d items left after restoring all", len(items))
	}
	if got, _, _ := d.FindCustomers(ctx, db.CustomerFilter{Search: "nunez"}); len(got) != 1 {
		t.Error("a restored customer is not found by the search")
	}
	if got, _, _ := d.FindCustomers(ctx, db.CustomerFilter{Search: "55 9876"}); len(got) != 1 {
		t.Error("a restored customer is not found by phone")
	}
	if err := d.RestoreFromTrash(ctx, db.TrashCustomer, c.ID, by); app.ErrorCode(err) != app.ENOTFOUND {
		t.Errorf("restoring a record not in the Papelera: %v", err)
	}
	verifyOK(t, d)
}

// Restoring a material whose code another material took meanwhile is
// refused with the code, so the page can explain it; nothing changes.
func TestTrashRestoreCodeClash(t *testing.T) {
	d, _, owner := auditDB(t)
	ctx := context.Background()
	by := app.UserActor(owner.ID)
	mats, _ := d.FindMaterials(ctx, db.MaterialFilter{})
	old := mats[0]
	if err := d.DeleteMaterial(ctx, old.ID, by); err != nil {
		t.Fatal(err)
	}
	taker := *old
	taker.ID = 0
	if err := d.CreateMaterial(ctx, &taker, by); err != nil {
		t.Fatal(err)
	}
	err := d.RestoreFromTrash(ctx, db.TrashMaterial, old.ID, by)
	var ae *app.Error
	if !asAppError(err, &ae) || ae.Code != app.ECONFLICT || ae.Message != "trash.code_taken.material" || ae.Args["Code"] != old.Code {
		t.Fatalf("restore over a taken code: %v", err)
	}
	if items, _ := d.FindTrash(ctx, db.TrashMaterial); len(items) != 1 {
		t.Error("the refused restore changed the Papelera")
	}
	if err := d.DeleteMaterial(ctx, taker.ID, by); err != nil {
		t.Fatal(err)
	}
	if err := d.RestoreFromTrash(ctx, db.TrashMaterial, old.ID, by); err != nil {
		t.Errorf("restore once the code is free: %v", err)
	}
}
