package db_test

import (
	"testing"

	"github.com/shopspring/decimal"

	"cotizador/app"
	"cotizador/pricing"
)

func TestPaymentPlansRoundTrip(t *testing.T) {
	d := customersDB(t)
	setupCompany(t, d)
	s, err := d.CompanySettings(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.PaymentPlans) != 0 {
		t.Fatalf("a new company offers %v, want no plans", s.PaymentPlans)
	}
	s.PaymentPlans = []pricing.PaymentPlan{
		{Months: 3, Surcharge: decimal.Zero},
		{Months: 12, Surcharge: decimal.RequireFromString("0.1299")},
	}
	if err := d.UpdateCompanySettings(t.Context(), s, app.UserActor(1)); err != nil {
		t.Fatal(err)
	}
	got, err := d.CompanySettings(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(got.PaymentPlans) != 2 || got.PaymentPlans[0].Months != 3 || !got.PaymentPlans[0].Surcharge.IsZero() ||
		got.PaymentPlans[1].Months != 12 || got.PaymentPlans[1].Surcharge.String() != "0.1299" {
		t.Errorf("read back %+v", got.PaymentPlans)
	}
	var three, six string
	d.Reader.QueryRow(`SELECT msi_3_surcharge, msi_6_surcharge FROM company`).Scan(&three, &six)
	if three != "0" || six != "" {
		t.Errorf("stored 3 = %q (a plan without surcharge is offered: \"0\"), 6 = %q (not offered: \"\")", three, six)
	}

	// Turning every plan off.
	got.PaymentPlans = nil
	if err := d.UpdateCompanySettings(t.Context(), got, app.UserActor(1)); err != nil {
		t.Fatal(err)
	}
	if again, _ := d.CompanySettings(t.Context()); len(again.PaymentPlans) != 0 {
		t.Errorf("after removing every plan: %+v", again.PaymentPlans)
	}

	// A plan no card issuer runs, or a surcharge out of range, is refused
	// and nothing of the settings is written.
	for _, bad := range []pricing.PaymentPlan{{Months: 4}, {Months: 6, Surcharge: decimal.RequireFromString("1.5")}, {Months: 9, Surcharge: decimal.RequireFromString("-0.1")}} {
		got.Name = "No debe guardarse"
		got.PaymentPlans = []pricing.PaymentPlan{bad}
		if err := d.UpdateCompanySettings(t.Context(), got, app.UserActor(1)); err == nil {
			t.Errorf("plan %+v saved", bad)
		}
		if again, _ := d.CompanySettings(t.Context()); again.Name == "No debe guardarse" {
			t.Errorf("plan %+v: the rest of the settings was saved without it", bad)
		}
	}
	// The database's own checks, for a writer that skips the store.
	for _, v := range []string{"2", "-0.5", "abc", "cinco"} {
		if _, err := d.Writer.Exec(`UPDATE company SET msi_6_surcharge = ? WHERE id = 1`, v); err == nil {
			t.Errorf("the database took msi_6_surcharge = %q", v)
		}
	}
}
