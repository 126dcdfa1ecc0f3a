package pricing

import (
	"slices"

	"github.com/shopspring/decimal"
)

// PaymentPlanMonths are the meses sin intereses plans a company may offer:
// the terms Mexican card issuers run.
var PaymentPlanMonths = []int{3, 6, 9, 12}

// MaxPlanSurcharge bounds a plan's surcharge (100 %): more is a typing
// mistake, not a price.
var MaxPlanSurcharge = one

// PaymentPlan is a meses sin intereses plan: the customer pays the quote's
// total in Months equal payments, plus Surcharge (a fraction of the total,
// 0.05 = 5 %) with which the shop recovers what the card issuer charges it.
type PaymentPlan struct {
	Months    int
	Surcharge decimal.Decimal
}

// Valid reports whether the plan is one a company may offer: one of
// PaymentPlanMonths and a surcharge between 0 and MaxPlanSurcharge.
func (p PaymentPlan) Valid() bool {
	return slices.Contains(PaymentPlanMonths, p.Months) && !p.Surcharge.IsNegative() && !p.Surcharge.GreaterThan(MaxPlanSurcharge)
}

// Installments is a plan applied to an amount.
type Installments struct {
	PaymentPlan
	// Total is amount × (1 + Surcharge), HALF_UP to centavos.
	Total decimal.Decimal
	// Monthly is Total / Months, HALF_UP to centavos: every payment but the
	// last. Last = Total − Monthly × (Months − 1) absorbs the rounding, so
	// the payments add up to Total exactly; it differs from Monthly by less
	// than a centavo per month.
	Monthly, Last decimal.Decimal
}

// Apply works the plan out for amount (a quote's total).
func (p PaymentPlan) Apply(amount decimal.Decimal) Installments {
	total := RoundMoney(amount.Mul(one.Add(p.Surcharge)))
	if p.Months < 1 {
		return Installments{PaymentPlan: p, Total: total, Monthly: total, Last: total}
	}
	n := decimal.NewFromInt(int64(p.Months))
	// 16 decimals before rounding: exact enough that the HALF_UP tie is
	// decided on the true quotient (Total has 2 decimals, so a quotient
	// that ends in 5 at the third decimal is exact at 16).
	monthly := RoundMoney(total.DivRound(n, 16))
	last := total.Sub(monthly.Mul(n.Sub(one)))
	if last.IsNegative() {
		// Only a total under half a centavo per month squared (66 centavos
		// in 12 months) rounds up past itself: pay it rounded down instead.
		monthly = total.DivRound(n, 16).RoundDown(2)
		last = total.Sub(monthly.Mul(n.Sub(one)))
	}
	return Installments{PaymentPlan: p, Total: total, Monthly: monthly, Last: last}
}

// ApplyPlans works out every plan for amount, in the order given.
func ApplyPlans(plans []PaymentPlan, amount decimal.Decimal) []Installments {
	out := make([]Installments, 0, len(plans))
	for _, p := range plans {
		out = append(out, p.Apply(amount))
	}
	return out
}
