package handlers

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"cotizador/app"
	"cotizador/db"
	"cotizador/locales"
)

// The owner's Auditoría: the audit trail's verification, its entries
// filtered by user, table and dates, and the history of any record field
// by field. Pages only read; the trail is written by triggers.

const auditPerPage = 50

// auditEntryView is an entry as the pages show it.
type auditEntryView struct {
	*db.AuditEntry
	When       string
	Who        string
	What       string // the action, in words
	TableName  string // the table, in words
	HistoryURL string
	Changes    []auditChangeView
	// Summary lists the changed fields' labels (the list shows it).
	Summary string
}

// auditChangeView is one field: its label, and its value before and after
// as text ("" when the side did not have it).
type auditChangeView struct {
	Label, Before, After string
	HadBefore, HadAfter  bool
}

// actorNames maps the actors of a page to what people call them.
func (s *server) actorNames(c *fiber.Ctx, l *locales.Translator) (func(string) string, error) {
	users, err := s.DB.FindUsers(c.UserContext())
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, u := range users {
		names[string(app.UserActor(u.ID))] = u.Name
	}
	return func(a string) string {
		if n, ok := names[a]; ok {
			return n
		}
		kind, id, _ := strings.Cut(a, ":")
		switch kind {
		case "cli", "system", "unknown", "anonymous":
			return l.T("audit.actor." + kind)
		case "user", "token", "share":
			return l.T("audit.actor."+kind, "ID", id)
		case "link":
			return l.T("audit.actor.link")
		}
		return a
	}, nil
}

// fieldLabel is a column's name in the page's language, the column itself
// when it has none (a table another feature added).
func fieldLabel(l *locales.Translator, field string) string {
	if l.Has("audit.field." + field) {
		return l.T("audit.field." + field)
	}
	return field
}

func tableLabel(l *locales.Translator, table string) string {
	if l.Has("audit.table." + table) {
		return l.T("audit.table." + table)
	}
	return table
}

// auditValue renders a recorded value: times in Mexico City, flags as
// yes/no, nested data as compact JSON.
func auditValue(l *locales.Translator, field string, v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		if strings.HasSuffix(field, "_at") {
			if t, err := app.ParseTime(x); err == nil {
				return t.In(mexicoCity).Format("02/01/2006 15:04:05")
			}
		}
		return x
	case json.Number:
		if field == "active" || field == "optional" || field == "iva_exempt" || field == "remember" || field == "sales_see_all_quotes" {
			if x.String() == "1" {
				return l.T("audit.yes")
			}
			return l.T("audit.no")
		}
		return x.String()
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func (s *server) auditViews(c *fiber.Ctx, entries []*db.AuditEntry) ([]auditEntryView, error) {
	l := s.translator(c)
	who, err := s.actorNames(c, l)
	if err != nil {
		return nil, err
	}
	out := make([]auditEntryView, len(entries))
	for i, e := range entries {
		v := auditEntryView{AuditEntry: e, When: e.At.In(mexicoCity).Format("02/01/2006 15:04:05"), Who: who(e.Actor),
			What: l.T("audit.action." + e.Action), TableName: tableLabel(l, e.Table)}
		if e.RowID != 0 {
			v.HistoryURL = fmt.Sprintf("/auditoria/%s/%d", e.Table, e.RowID)
		}
		var labels []string
		for _, ch := range e.Changes() {
			label := fieldLabel(l, ch.Field)
			v.Changes = append(v.Changes, auditChangeView{Label: label, Before: auditValue(l, ch.Field, ch.Before), After: auditValue(l, ch.Field, ch.After),
				HadBefore: ch.HadBefore, HadAfter: ch.HadAfter})
			labels = append(labels, label)
		}
		v.Summary = strings.Join(labels, ", ")
		out[i] = v
	}
	return out, nil
}

// auditFilter reads the Auditoría's filter form; dates are days in Mexico
// City, both inclusive.
func (s *server) auditFilter(c *fiber.Ctx, tables []string) (db.AuditFilter, *form) {
	f := newForm(c)
	for _, k := range []string{"usuario", "tabla", "desde", "hasta"} {
		f.Values[k] = strings.TrimSpace(c.Query(k))
	}
	af := db.AuditFilter{Actor: f.Get("usuario"), Limit: auditPerPage}
	if t := f.Get("tabla"); t != "" {
		if slices.Contains(tables, t) {
			af.Table = t
		} else {
			f.Errors["tabla"] = app.FieldError{Message: "audit.filter.table_invalid"}
		}
	}
	day := func(key string, end bool) time.Time {
		v := f.Get(key)
		if v == "" {
			return time.Time{}
		}
		d, err := time.ParseInLocation("2006-01-02", v, mexicoCity)
		if err != nil {
			f.Errors[key] = app.FieldError{Message: "audit.filter.date_invalid"}
			return time.Time{}
		}
		if end {
			d = d.AddDate(0, 0, 1).Add(-time.Nanosecond)
		}
		return d
	}
	af.From, af.To = day("desde", false), day("hasta", true)
	if !af.From.IsZero() && !af.To.IsZero() && af.To.Before(af.From) {
		f.Errors["hasta"] = app.FieldError{Message: "audit.filter.range_invalid"}
	}
	if b, err := strconv.ParseInt(c.Query("antes"), 10, 64); err == nil && b > 0 {
		af.Before = b
	}
	return af, f
}

// auditPage lists the trail, newest first, 50 at a time.
func (s *server) auditPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	tables, err := s.DB.AuditedTables(ctx)
	if err != nil {
		return err
	}
	af, f := s.auditFilter(c, tables)
	status := fiber.StatusOK
	var entries []*db.AuditEntry
	if len(f.Errors) > 0 {
		status = fiber.StatusUnprocessableEntity
	} else if entries, err = s.DB.FindAudit(ctx, af); err != nil {
		return err
	}
	views, err := s.auditViews(c, entries)
	if err != nil {
		return err
	}
	actors, err := s.DB.AuditActors(ctx)
	if err != nil {
		return err
	}
	l := s.translator(c)
	who, err := s.actorNames(c, l)
	if err != nil {
		return err
	}
	type option struct{ Value, Label string }
	var actorOpts, tableOpts []option
	for _, a := range actors {
		actorOpts = append(actorOpts, option{a, who(a)})
	}
	for _, t := range append(tables, "audit_log") {
		tableOpts = append(tableOpts, option{t, tableLabel(l, t)})
	}
	slices.SortFunc(tableOpts, func(a, b option) int { return strings.Compare(a.Label, b.Label) })
	next := ""
	if len(entries) == auditPerPage {
		v := url.Values{}
		for _, k := range []string{"usuario", "tabla", "desde", "hasta"} {
			if f.Get(k) != "" {
				v.Set(k, f.Get(k))
			}
		}
		v.Set("antes", strconv.FormatInt(entries[len(entries)-1].ID, 10))
		next = "/auditoria?" + v.Encode()
	}
	reseals, err := s.DB.FindReseals(ctx)
	if err != nil {
		return err
	}
	return s.renderPage(c, status, "audit", "audit.title", fiber.Map{
		"Entries": views, "Form": f, "Actors": actorOpts, "Tables": tableOpts, "NextURL": next, "Reseals": reseals,
		"Filtered": af.Actor != "" || af.Table != "" || !af.From.IsZero() || !af.To.IsZero() || af.Before > 0,
	})
}

// auditVerify walks the chain now and shows the result (the same check as
// `cotizador audit verify`).
func (s *server) auditVerify(c *fiber.Ctx) error {
	v, err := s.DB.VerifyAudit(c.UserContext())
	if err != nil {
		return err
	}
	data := fiber.Map{"V": v, "Head": fmt.Sprintf("%x", v.HeadHash)}
	if v.Broken != nil {
		data["BrokenAt"] = v.Broken.At.In(mexicoCity).Format("02/01/2006 15:04:05")
		data["BrokenTable"] = tableLabel(s.translator(c), v.Broken.Table)
	}
	if isFragment(c) {
		return s.renderPartial(c, fiber.StatusOK, "audit_verify", data)
	}
	return s.renderPage(c, fiber.StatusOK, "audit_verify_page", "audit.verify.title", data)
}

// auditRecordPage is one record's history, oldest first: who changed
// what, field by field, with its lines' (a quote's, a product's BOM, a
// material's colour prices) where they happened.
func (s *server) auditRecordPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	table := c.Params("table")
	tables, err := s.DB.AuditedTables(ctx)
	if err != nil {
		return err
	}
	if !slices.Contains(tables, table) {
		return app.Errorf(app.ENOTFOUND, "error.not_found.body")
	}
	id, err := paramID(c)
	if err != nil {
		return err
	}
	entries, err := s.DB.RecordHistory(ctx, table, id)
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return app.Errorf(app.ENOTFOUND, "audit.record_not_found")
	}
	views, err := s.auditViews(c, entries)
	if err != nil {
		return err
	}
	l := s.translator(c)
	return s.renderPage(c, fiber.StatusOK, "audit_record", "audit.record.title", fiber.Map{
		"Entries": views, "Table": tableLabel(l, table), "TableKey": table, "ID": id, "Back": recordPage(table, id),
	})
}

// recordPage is where a record lives in the app, for the history's link back.
func recordPage(table string, id int64) string {
	base := map[string]string{"customers": "/clientes/", "quotes": "/cotizaciones/", "materials": "/catalogo/materiales/",
		"products": "/catalogo/productos/", "users": "/usuarios/"}[table]
	if base == "" {
		return ""
	}
	return base + strconv.FormatInt(id, 10)
}
