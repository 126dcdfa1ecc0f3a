package pricing

import (
	"testing"

	"github.com/shopspring/decimal"
)

func TestInstallments(t *testing.T) {
	tests := []struct {
		total, surcharge   string
		months             int
		planTotal, monthly string
		last               string
	}{
		// No surcharge, divides evenly.
		{"1200.00", "0", 3, "1200.00", "400.00", "400.00"},
		// 100 / 3 = 33.333…: two payments of 33.33, the last 33.34.
		{"100.00", "0", 3, "100.00", "33.33", "33.34"},
		// 200 / 3 = 66.666…: HALF_UP gives 66.67, so the last is 66.66.
		{"200.00", "0", 3, "200.00", "66.67", "66.66"},
		// The worked example with 5 %: 3926.67 × 1.05 = 4123.0035 → 4123.00.
		{"3926.67", "0.05", 6, "4123.00", "687.17", "687.15"},
		// 3926.67 × 1.12 = 4397.8704 → 4397.87; / 12 = 366.489… → 366.49.
		{"3926.67", "0.12", 12, "4397.87", "366.49", "366.48"},
		// A tie at the third decimal rounds up: 10.05 / 9 … and 0.09 / 9 exact.
		{"0.09", "0", 9, "0.09", "0.01", "0.01"},
		// Surcharge tie: 10.00 × 1.0005 = 10.005 → 10.01 (HALF_UP).
		{"10.00", "0.0005", 3, "10.01", "3.34", "3.33"},
		// 1.05 / 6 = 0.175 exactly: HALF_UP to 0.18, last 1.05 − 0.90 = 0.15.
		{"1.05", "0", 6, "1.05", "0.18", "0.15"},
		{"0", "0.10", 12, "0.00", "0.00", "0.00"},
	}
	for _, tt := range tests {
		p := PaymentPlan{Months: tt.months, Surcharge: dec(tt.surcharge)}
		got := p.Apply(dec(tt.total))
		if got.Total.StringFixed(2) != tt.planTotal || got.Monthly.StringFixed(2) != tt.monthly || got.Last.StringFixed(2) != tt.last {
			t.Errorf("%s × (1+%s) in %d: total %s, monthly %s, last %s; want %s, %s, %s", tt.total, tt.surcharge, tt.months,
				got.Total.StringFixed(2), got.Monthly.StringFixed(2), got.Last.StringFixed(2), tt.planTotal, tt.monthly, tt.last)
		}
		// The payments always add up to the plan's total, to the centavo.
		sum := got.Monthly.Mul(decimal.NewFromInt(int64(tt.months - 1))).Add(got.Last)
		if !sum.Equal(got.Total) {
			t.Errorf("%s in %d: payments add up to %s, not %s", tt.total, tt.months, sum, got.Total)
		}
	}
}

func TestInstallmentsAddUp(t *testing.T) {
	// Every centavo amount up to $2,000 with every plan and a few
	// surcharges: the payments add up to the total and the last differs
	// from the others by less than a centavo per month.
	for c := int64(0); c <= 200_000; c += 13 {
		amount := decimal.New(c, -2)
		for _, m := range PaymentPlanMonths {
			for _, s := range []string{"0", "0.035", "0.1299"} {
				got := PaymentPlan{Months: m, Surcharge: dec(s)}.Apply(amount)
				n := decimal.NewFromInt(int64(m))
				if sum := got.Monthly.Mul(n.Sub(one)).Add(got.Last); !sum.Equal(got.Total) {
					t.Fatalf("%s in %d at %s: sum %s ≠ %s", amount, m, s, sum, got.Total)
				}
				if diff := got.Last.Sub(got.Monthly).Abs(); diff.GreaterThanOrEqual(decimal.New(int64(m), -2)) || got.Last.IsNegative() {
					t.Fatalf("%s in %d at %s: monthly %s, last %s", amount, m, s, got.Monthly, got.Last)
				}
			}
		}
	}
}

func TestPaymentPlanValid(t *testing.T) {
	for _, tt := range []struct {
		p    PaymentPlan
		want bool
	}{
		{PaymentPlan{3, dec("0")}, true},
		{PaymentPlan{12, dec("1")}, true},
		{PaymentPlan{6, dec("0.089")}, true},
		{PaymentPlan{4, dec("0")}, false},
		{PaymentPlan{18, dec("0.1")}, false},
		{PaymentPlan{9, dec("-0.01")}, false},
		{PaymentPlan{9, dec("1.01")}, false},
	} {
		if got := tt.p.Valid(); got != tt.want {
			t.Errorf("%+v.Valid() = %v, want %v", tt.p, got, tt.want)
		}
	}
}

func TestInstallmentsTinyTotal(t *testing.T) {
	// 0.07 in 9: HALF_UP would make 8 payments of 0.01 and a last of −0.01.
	got := PaymentPlan{Months: 9, Surcharge: dec("0")}.Apply(dec("0.07"))
	if got.Monthly.StringFixed(2) != "0.00" || got.Last.StringFixed(2) != "0.07" {
		t.Errorf("0.07 in 9: monthly %s, last %s; want 0.00 and 0.07", got.Monthly, got.Last)
	}
}
