package handlers_test

import (
	"fmt"
	"net/http"
	"testing"
)

func TestSettingsPaymentPlans(t *testing.T) {
	a := staff(t)
	admin := a.Login(t, "admin@aluminios.mx")
	_, page := admin.Get(t, "/configuracion")
	assertContains(t, "settings page", page, "Meses sin intereses", `name="msi_3_pct" value=""`, `name="msi_12_pct" value=""`,
		"3 meses: recargo (%)", "12 meses: recargo (%)")

	// 3 months without surcharge, 12 with 12.99 %; 6 and 9 not offered.
	v := settingsValues()
	v.Set("msi_3_pct", "0")
	v.Set("msi_6_pct", " ")
	v.Set("msi_12_pct", "12.99 %")
	if resp, body := admin.PostForm(t, "/configuracion", v); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d\n%s", resp.StatusCode, body)
	}
	s, err := a.DB.CompanySettings(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(s.PaymentPlans); got != "[{3 0} {12 0.1299}]" {
		t.Errorf("stored plans %s, want 3 months at 0 and 12 at 0.1299", got)
	}
	_, page = admin.Get(t, "/configuracion")
	assertContains(t, "after saving", page, `name="msi_3_pct" value="0"`, `name="msi_6_pct" value=""`, `name="msi_9_pct" value=""`,
		`name="msi_12_pct" value="12.99"`)

	// Out of range or not a number: Spanish messages at the fields, the
	// typed values kept, nothing saved.
	v.Set("msi_9_pct", "150")
	v.Set("msi_12_pct", "doce")
	resp, body := admin.PostForm(t, "/configuracion", v)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", resp.StatusCode)
	}
	assertContains(t, "re-render", body, "Revisa los campos marcados.", "Escribe un valor entre 0 y 100.", "«doce» no es un número válido",
		`name="msi_9_pct" value="150" maxlength="8" inputmode="decimal" aria-invalid="true"`, `name="msi_12_pct" value="doce"`)
	assertTranslated(t, "re-render", body)
	if after, _ := a.DB.CompanySettings(t.Context()); fmt.Sprint(after.PaymentPlans) != "[{3 0} {12 0.1299}]" {
		t.Errorf("an invalid form changed the plans: %v", after.PaymentPlans)
	}

	// Emptying every field offers none.
	for _, m := range []string{"3", "6", "9", "12"} {
		v.Set("msi_"+m+"_pct", "")
	}
	if resp, _ := admin.PostForm(t, "/configuracion", v); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if after, _ := a.DB.CompanySettings(t.Context()); len(after.PaymentPlans) != 0 {
		t.Errorf("plans after emptying every field: %v", after.PaymentPlans)
	}
}
