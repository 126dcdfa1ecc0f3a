package quoting

import (
	"context"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"cotizador/app"
	"cotizador/auth"
	"cotizador/db"
	"cotizador/validate"
)

// The dashboard (Tablero): what was quoted and won per month, conversion,
// average ticket, what awaits an answer, top products and customers, per
// salesperson. The figures are db's counters (db/dashboard.go); this is who
// sees which and over what months.

const (
	// DashboardMonths is the default range: the last 12 months.
	DashboardMonths = 12
	// MaxDashboardMonths bounds a range (its charts must stay readable).
	MaxDashboardMonths = 36
	// FieldFromMonth, FieldToMonth and FieldSalesperson are the
	// dashboard's filters.
	FieldFromMonth   = "desde"
	FieldToMonth     = "hasta"
	FieldSalesperson = "vendedor"
)

// DashboardInput is the dashboard's filters as typed.
type DashboardInput struct {
	From, To, Salesperson string
}

// DashboardView is the dashboard for one user and filter.
type DashboardView struct {
	*db.Dashboard
	From, To      string // YYYY-MM, the range shown
	SalespersonID int64  // 0: everyone
	// OwnOnly: the user is a salesperson and sees only their own figures.
	OwnOnly bool
	Errors  validate.Errors
	// Conversion is won ÷ quoted quotes in percent (nil when nothing was
	// quoted); AverageTicket the average won quote.
	Conversion    *decimal.Decimal
	AverageTicket decimal.Decimal
	// MonthChoices are the months the range can start or end at, newest
	// first.
	MonthChoices []string
}

// MayDashboard reports whether u has a dashboard: whoever writes quotes.
func MayDashboard(u *db.User) bool {
	return u != nil && (u.Role == auth.RoleOwner || u.Role == auth.RoleAdmin || u.Role == auth.RoleSales)
}

// Dashboard gathers u's dashboard: a salesperson sees their own figures,
// whatever the filter asks; owner and admin everyone's or one
// salesperson's. A range that is not one (a month that does not exist, an
// end before the start, more than MaxDashboardMonths) is said on its field
// and the last 12 months are shown.
func (s *Service) Dashboard(ctx context.Context, in DashboardInput, u *db.User) (*DashboardView, error) {
	now := s.Clock.Now()
	thisMonth := db.MonthOf(now)
	v := &DashboardView{Errors: validate.Errors{}, To: thisMonth, From: addMonths(thisMonth, 1-DashboardMonths)}
	for m := thisMonth; len(v.MonthChoices) < 7*12; m = addMonths(m, -1) {
		v.MonthChoices = append(v.MonthChoices, m)
	}
	from, to := in.From, in.To
	if from == "" && to == "" {
		from, to = v.From, v.To
	}
	switch {
	case !isMonth(from):
		v.Errors.Add(FieldFromMonth, "dashboard.bad_month", nil)
	case !isMonth(to):
		v.Errors.Add(FieldToMonth, "dashboard.bad_month", nil)
	case to < from:
		v.Errors.Add(FieldToMonth, "dashboard.range_order", nil)
	case monthsBetween(from, to) > MaxDashboardMonths:
		v.Errors.Add(FieldToMonth, "dashboard.range_too_long", map[string]any{"Max": MaxDashboardMonths})
	default:
		v.From, v.To = from, to
	}
	if u.Role == auth.RoleSales {
		v.SalespersonID, v.OwnOnly = u.ID, true
	} else if in.Salesperson != "" {
		id, err := strconv.ParseInt(in.Salesperson, 10, 64)
		if err != nil || id <= 0 {
			v.Errors.Add(FieldSalesperson, "dashboard.bad_salesperson", nil)
		} else {
			v.SalespersonID = id
		}
	}
	d, err := s.DB.Dashboard(ctx, db.DashboardFilter{FromMonth: v.From, ToMonth: v.To, SalespersonID: v.SalespersonID, Today: db.Today(now)})
	if err != nil {
		return nil, err
	}
	v.Dashboard = d
	if d.Total.Quoted > 0 {
		c := decimal.NewFromInt(d.Total.Won*100).DivRound(decimal.NewFromInt(d.Total.Quoted), 1)
		v.Conversion = &c
	}
	if d.Total.Won > 0 {
		v.AverageTicket = Cents(d.Total.WonCents).DivRound(decimal.NewFromInt(d.Total.Won), 2)
	}
	return v, nil
}

// Cents is an amount in centavos as money.
func Cents(c int64) decimal.Decimal { return decimal.New(c, -2) }

func isMonth(s string) bool {
	_, err := time.Parse("2006-01", s)
	return err == nil && len(s) == 7
}

func addMonths(month string, n int) string {
	t, _ := time.Parse("2006-01", month)
	return t.AddDate(0, n, 0).Format("2006-01")
}

// monthsBetween counts the months from a to b, both included.
func monthsBetween(a, b string) int {
	ta, _ := time.Parse("2006-01", a)
	tb, _ := time.Parse("2006-01", b)
	return (tb.Year()-ta.Year())*12 + int(tb.Month()-ta.Month()) + 1
}

// Error returns a filter's problem, if any.
func (v *DashboardView) Error(field string) *app.FieldError { return fieldError(v.Errors, field) }
