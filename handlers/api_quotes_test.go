package handlers_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func apiPost(t *testing.T, a *testutilApp, token, path, body string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, raw := a.Do(t, req)
	var out map[string]any
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		t.Fatalf("%s: not JSON (%d): %s", path, resp.StatusCode, raw)
	}
	return resp, out
}

const workedExample = `{"pricing_mode":"compatible","profit_rate":"0.25","indirect_rate":"0.15","iva_rate":"0.16",
"deposit_rate":"0.50","labor_rate_m2":null,"items":[{"product_code":"PROTO-COR-3","width":1500,
"height":1200,"quantity":1,"color_code":"NAT","glass_code":"VID-CLARO-6"}],
"material_items":[{"material_code":"VID-TEMP-6","quantity":"2.5"}]}`

func TestQuotesAPI(t *testing.T) {
	a, _ := catalogApp(t)
	token, _, err := a.DB.CreateAPIToken(t.Context(), userID(t, a, "vendedor@aluminios.mx"), "erp", "test")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("calculate: the worked example plus 2.5 m² of tempered glass", func(t *testing.T) {
		resp, out := apiPost(t, a, token, "/api/v1/quotes/calculate", workedExample)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d: %v", resp.StatusCode, out)
		}
		item := out["items"].([]any)[0].(map[string]any)
		for k, want := range map[string]string{"profiles": "1908.00", "glass": "226.80", "hardware": "63.00", "consumables": "79.70", "labor": "140.40", "subtotal": "2417.90"} {
			if item[k] != want {
				t.Errorf("item %s = %v, want %s", k, item[k], want)
			}
		}
		// 2.5 m² × 195 = 487.50 more cost: 2905.40 × 1.40 = 4067.56, IVA 650.81, total 4718.37.
		for k, want := range map[string]string{"cost": "2905.40", "subtotal": "4067.56", "iva": "650.81", "total": "4718.37", "anticipo": "2359.19", "saldo": "2359.18"} {
			if out[k] != want {
				t.Errorf("%s = %v, want %s", k, out[k], want)
			}
		}
		if mat := out["material_items"].([]any)[0].(map[string]any); mat["material_code"] != "VID-TEMP-6" {
			t.Errorf("material item = %v", mat)
		}
	})
	t.Run("calculate without rates uses the company defaults", func(t *testing.T) {
		resp, out := apiPost(t, a, token, "/api/v1/quotes/calculate", `{"items":[{"product_code":"PROTO-FIJ-3","width":1000,"height":1000,"quantity":1}]}`)
		if resp.StatusCode != 200 || out["pricing_mode"] != "por_metro" {
			t.Errorf("status %d, %v", resp.StatusCode, out)
		}
	})
	errorCases := []struct {
		name  string
		body  string
		field string
		msg   string
	}{
		{"bad json", `{"items":`, "body", "no es JSON válido"},
		{"out of range", `{"items":[{"product_code":"PROTO-COR-3","width":350,"height":1200,"quantity":1}]}`, "items[0].width", "El ancho debe estar entre 800 y 3000 mm"},
		{"unknown product", `{"items":[{"product_code":"NO-EXISTE","width":1000,"height":1000,"quantity":1}]}`, "items[0].product_code", "no existe en el catálogo"},
		{"bad rate", `{"profit_rate":"veinte","items":[{"product_code":"PROTO-FIJ-3","width":1000,"height":1000,"quantity":1}]}`, "profit_rate", "no es un número válido"},
		{"zero quantity", `{"items":[{"product_code":"PROTO-FIJ-3","width":1000,"height":1000,"quantity":0}]}`, "items[0].quantity", "entre 1 y 10000"},
		{"no lines", `{}`, "items", "Agrega al menos una partida"},
		{"discount over the salesperson's cap", `{"discount_rate":"0.5","items":[{"product_code":"PROTO-FIJ-3","width":1000,"height":1000,"quantity":1}]}`, "discount_rate", "Tu descuento máximo es 0 %"},
	}
	for _, tt := range errorCases {
		t.Run("422 "+tt.name, func(t *testing.T) {
			resp, out := apiPost(t, a, token, "/api/v1/quotes/calculate", tt.body)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d: %v", resp.StatusCode, out)
			}
			e := out["error"].(map[string]any)
			if e["code"] != "invalid" || e["message"] == "" {
				t.Errorf("error = %v", e)
			}
			fields, _ := e["fields"].(map[string]any)
			if msg, _ := fields[tt.field].(string); !strings.Contains(msg, tt.msg) {
				t.Errorf("fields[%s] = %q, want it to contain %q (all: %v)", tt.field, msg, tt.msg, fields)
			}
		})
	}
	var folio string
	t.Run("create", func(t *testing.T) {
		body := strings.Replace(workedExample, `"items"`, `"customer":{"name":"Constructora Ñandú","rfc":"CNA850101AB1","email":"compras@nandu.mx","phone":"8112345678"},"items"`, 1)
		resp, out := apiPost(t, a, token, "/api/v1/quotes", body)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("status %d: %v", resp.StatusCode, out)
		}
		folio, _ = out["folio"].(string)
		if folio != "COT-2026-0001" || out["total"] != "4718.37" || resp.Header.Get("Location") != "/api/v1/quotes/COT-2026-0001" {
			t.Errorf("created %v (Location %s)", out, resp.Header.Get("Location"))
		}
		resp, _ = apiPost(t, a, token, "/api/v1/quotes", workedExample)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("create without a customer: %d", resp.StatusCode)
		}
	})
	t.Run("get", func(t *testing.T) {
		resp, raw := a.Get(t, "/api/v1/quotes/"+folio, "Authorization", "Bearer "+token)
		var out map[string]any
		json.Unmarshal([]byte(raw), &out)
		if resp.StatusCode != 200 || out["total"] != "4718.37" || out["status"] != "borrador" || out["customer"].(map[string]any)["rfc"] != "CNA850101AB1" {
			t.Fatalf("status %d: %s", resp.StatusCode, raw)
		}
		resp, raw = a.Get(t, "/api/v1/quotes/COT-2026-9999", "Authorization", "Bearer "+token)
		if resp.StatusCode != http.StatusNotFound || !strings.Contains(raw, `"code":"not_found"`) || !strings.Contains(raw, "La cotización no existe") {
			t.Errorf("unknown folio: %d %s", resp.StatusCode, raw)
		}
	})
}
