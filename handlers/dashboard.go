package handlers

import (
	"html/template"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"cotizador/auth"
	"cotizador/charts"
	"cotizador/db"
	"cotizador/pricing"
	"cotizador/quoting"
)

// dashView is the Tablero as its template draws it: the quoting core's
// figures with labels, money written out and the charts made.
type dashView struct {
	*quoting.DashboardView
	Months, Salespeople, Customers, Products []dashRow
	Choices                                  []dashChoice
	Users                                    []*db.User // the salesperson filter's options (not for a salesperson)
	Total                                    dashRow
	Conversion, AverageTicket, Awaiting      string
	AwaitingQuotes                           int
	ChartMonths, ChartSalespeople            template.HTML
	ChartCustomers, ChartProducts            template.HTML
}

// dashRow is a row of one of the Tablero's tables.
type dashRow struct {
	Label               string
	Quoted, Won         int
	QuotedMXN, WonMXN   string
	Conversion, Average string
}

type dashChoice struct{ Month, Label string }

// monthKeys are the months' short names, January first.
var monthKeys = [12]string{"month.short_01", "month.short_02", "month.short_03", "month.short_04", "month.short_05", "month.short_06",
	"month.short_07", "month.short_08", "month.short_09", "month.short_10", "month.short_11", "month.short_12"}

// dashboard builds u's Tablero from the request's filters (desde, hasta:
// YYYY-MM; vendedor: a user id).
func (s *server) dashboard(c *fiber.Ctx, u *db.User) (*dashView, error) {
	ctx := c.UserContext()
	in := quoting.DashboardInput{From: c.Query(quoting.FieldFromMonth), To: c.Query(quoting.FieldToMonth), Salesperson: c.Query(quoting.FieldSalesperson)}
	d, err := s.quotes().Dashboard(ctx, in, u)
	if err != nil {
		return nil, err
	}
	l := s.translator(c)
	month := func(m string) string {
		t, err := time.Parse("2006-01", m)
		if err != nil {
			return m
		}
		return l.T(monthKeys[t.Month()-1]) + " " + t.Format("2006")
	}
	v := &dashView{DashboardView: d, Awaiting: pesos(d.AwaitingCents), AverageTicket: pesos(0), Total: row("", d.Total),
		AwaitingQuotes: int(d.Dashboard.Awaiting)}
	if d.Conversion != nil {
		v.Conversion = d.Conversion.String() + " %"
	}
	if d.Total.Won > 0 {
		v.AverageTicket = pricing.FormatMXN(d.AverageTicket)
	}
	for _, m := range d.MonthChoices {
		v.Choices = append(v.Choices, dashChoice{m, month(m)})
	}
	if !d.OwnOnly {
		users, err := s.DB.FindUsers(ctx)
		if err != nil {
			return nil, err
		}
		for _, x := range users {
			if x.Role != auth.RoleViewer {
				v.Users = append(v.Users, x)
			}
		}
	}
	quotedWon := []charts.Series{{Name: l.T("dashboard.quoted"), Class: "quoted"}, {Name: l.T("dashboard.won"), Class: "won"}}
	var groups []charts.Group
	for _, m := range d.Months {
		v.Months = append(v.Months, row(month(m.Month), m.Figures))
		t, _ := time.Parse("2006-01", m.Month)
		groups = append(groups, charts.Group{Label: l.T(monthKeys[t.Month()-1]), Values: []int64{m.QuotedCents, m.WonCents}})
	}
	v.ChartMonths = charts.Columns("chart-months", l.T("dashboard.chart_months"), quotedWon, groups, pesos)
	v.Salespeople, groups = named(d.Salespeople, false)
	v.ChartSalespeople = charts.Bars("chart-salespeople", l.T("dashboard.chart_salespeople"), quotedWon, groups)
	v.Customers, groups = named(d.Customers, true)
	v.ChartCustomers = charts.Bars("chart-customers", l.T("dashboard.chart_customers"), quotedWon[1:], groups)
	v.Products, groups = named(d.Products, false)
	v.ChartProducts = charts.Bars("chart-products", l.T("dashboard.chart_products"), quotedWon, groups)
	return v, nil
}

// named makes the rows and chart groups of a ranking; wonOnly draws only
// the amount won (customers are ranked by what they bought).
func named(list []db.NamedFigures, wonOnly bool) ([]dashRow, []charts.Group) {
	var rows []dashRow
	var groups []charts.Group
	for _, n := range list {
		label := n.Name
		if label == "" {
			label = n.Code
		}
		rows = append(rows, row(label, n.Figures))
		values := []int64{n.QuotedCents, n.WonCents}
		if wonOnly {
			values = values[1:]
		}
		groups = append(groups, charts.Group{Label: label, Values: values})
	}
	return rows, groups
}

func row(label string, f db.Figures) dashRow {
	r := dashRow{Label: label, Quoted: int(f.Quoted), Won: int(f.Won), QuotedMXN: pesos(f.QuotedCents), WonMXN: pesos(f.WonCents)}
	if f.Quoted > 0 {
		r.Conversion = decimal.NewFromInt(f.Won*100).DivRound(decimal.NewFromInt(f.Quoted), 1).String() + " %"
	}
	if f.Won > 0 {
		r.Average = pricing.FormatMXN(quoting.Cents(f.WonCents).DivRound(decimal.NewFromInt(f.Won), 2))
	}
	return r
}

// pesos writes centavos as pesos ("$1,234.50 MXN").
func pesos(cents int64) string { return pricing.FormatMXN(quoting.Cents(cents)) }
