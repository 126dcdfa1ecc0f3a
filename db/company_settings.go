package db

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"cotizador/app"
	"cotizador/pricing"
)

// CompanySettings are the business's own data (printed on its quotes), the
// defaults every new quote starts from and the saw settings of its cut
// lists. Rates are fractions (0.25 = 25 %).
type CompanySettings struct {
	Name    string
	RFC     string
	Address string
	Phone   string // 10 digits
	Email   string
	// LogoETag identifies the current logo ("" when there is none); it is
	// the cache-busting part of the logo's URL. UpdateCompanySettings
	// ignores it: the logo changes through SetCompanyLogo.
	LogoETag string

	// Rates: Profit (utilidad), Indirect (indirectos), IVA with IVAExempt
	// (exento), Deposit (anticipo) and ProfileWaste, the default waste
	// factor of profiles (company.default_waste_factor).
	Rates pricing.Rates
	// LabourRateM2 replaces each product's labour rate × complexity in new
	// quotes; nil means no override.
	LabourRateM2 *decimal.Decimal
	PricingMode  pricing.Mode
	ValidityDays int
	FolioPrefix  string
	Conditions   string // printed on quotes, one per line
	BankDetails  string // for the deposit
	Cut          pricing.CutSettings
	// SalesSeeAllQuotes lets salespeople see every quote, not only theirs.
	SalesSeeAllQuotes bool
	// PaymentPlans are the meses sin intereses plans offered on quotes, by
	// number of months; none by default (payment_plans.go).
	PaymentPlans []pricing.PaymentPlan

	UpdatedAt time.Time
}

// DefaultConditions are the conditions a new company's quotes carry; the
// migration that added the column has the same text as its default.
const DefaultConditions = `Vigencia: los precios de esta cotización son válidos hasta la fecha indicada.
Forma de pago: anticipo para iniciar la fabricación y saldo contra entrega.
Tiempo de entrega: de 15 a 20 días hábiles a partir del anticipo.
Medidas: las medidas finales quedan sujetas a visita técnica; si cambian, el precio se ajusta.
Instalación: incluida, salvo que se indique lo contrario. No incluye obra civil, resanes ni retiro de cancelería existente.
Garantía: un año en fabricación e instalación; herrajes según su fabricante. No cubre golpes, mal uso ni vidrios rotos después de la entrega.`

// DefaultCompanySettings are the settings before setup: 25 % utilidad, 15 %
// indirectos, 16 % IVA, 50 % anticipo, por metro, 15 days, folio "COT",
// 4 mm kerf, 10 mm trim, offcuts of 500 mm or more kept.
func DefaultCompanySettings() *CompanySettings {
	return &CompanySettings{
		Rates:        pricing.DefaultRates(),
		PricingMode:  pricing.ModeByMetre,
		ValidityDays: 15,
		FolioPrefix:  "COT",
		Conditions:   DefaultConditions,
		Cut:          pricing.DefaultCutSettings(),
	}
}

// CompanySettings returns the settings, or the defaults before setup.
func (db *DB) CompanySettings(ctx context.Context) (*CompanySettings, error) {
	if s := db.memo.companySettings(db.Clock.Now()); s != nil {
		return s, nil
	}
	var s CompanySettings
	var profit, indirect, iva, deposit, waste, labour, mode, updated string
	err := db.Reader.QueryRowContext(ctx, `SELECT name, rfc, address, phone, email, logo_etag, profit_rate, indirect_rate, iva_rate, iva_exempt,
		deposit_rate, default_waste_factor, labor_rate_m2, pricing_mode, validity_days, folio_prefix, conditions, bank_details,
		kerf_mm, trim_mm, min_offcut_mm, sales_see_all_quotes, updated_at FROM company WHERE id = 1`).Scan(
		&s.Name, &s.RFC, &s.Address, &s.Phone, &s.Email, &s.LogoETag, &profit, &indirect, &iva, &s.Rates.IVAExempt,
		&deposit, &waste, &labour, &mode, &s.ValidityDays, &s.FolioPrefix, &s.Conditions, &s.BankDetails,
		&s.Cut.KerfMM, &s.Cut.TrimMM, &s.Cut.MinOffcutMM, &s.SalesSeeAllQuotes, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultCompanySettings(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("db: company settings: %w", err)
	}
	s.Rates.Profit, s.Rates.Indirect, s.Rates.IVA, s.Rates.Deposit = parseDec(profit), parseDec(indirect), parseDec(iva), parseDec(deposit)
	s.Rates.ProfileWaste = parseDec(waste)
	if labour != "" {
		l := parseDec(labour)
		s.LabourRateM2 = &l
	}
	s.PricingMode = pricing.Mode(mode)
	s.UpdatedAt, _ = app.ParseTime(updated)
	if s.PaymentPlans, err = db.readPaymentPlans(ctx); err != nil {
		return nil, err
	}
	db.memo.putCompanySettings(&s, db.Clock.Now())
	return &s, nil
}

// UpdateCompanySettings saves every setting but the logo. Before setup it
// creates the company row.
func (db *DB) UpdateCompanySettings(ctx context.Context, s *CompanySettings, actor app.Actor) error {
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := db.Clock.Now()
	ts := app.FormatTime(now)
	labour := ""
	if s.LabourRateM2 != nil {
		labour = s.LabourRateM2.String()
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO company (id, name, rfc, address, phone, email, profit_rate, indirect_rate, iva_rate, iva_exempt,
		deposit_rate, default_waste_factor, labor_rate_m2, pricing_mode, validity_days, folio_prefix, conditions, bank_details,
		kerf_mm, trim_mm, min_offcut_mm, sales_see_all_quotes, created_at, created_by, updated_at, updated_by)
		VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, rfc = excluded.rfc, address = excluded.address, phone = excluded.phone,
		email = excluded.email, profit_rate = excluded.profit_rate, indirect_rate = excluded.indirect_rate, iva_rate = excluded.iva_rate,
		iva_exempt = excluded.iva_exempt, deposit_rate = excluded.deposit_rate, default_waste_factor = excluded.default_waste_factor,
		labor_rate_m2 = excluded.labor_rate_m2, pricing_mode = excluded.pricing_mode, validity_days = excluded.validity_days,
		folio_prefix = excluded.folio_prefix, conditions = excluded.conditions, bank_details = excluded.bank_details,
		kerf_mm = excluded.kerf_mm, trim_mm = excluded.trim_mm, min_offcut_mm = excluded.min_offcut_mm,
		sales_see_all_quotes = excluded.sales_see_all_quotes, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		s.Name, s.RFC, s.Address, s.Phone, s.Email, s.Rates.Profit.String(), s.Rates.Indirect.String(), s.Rates.IVA.String(), s.Rates.IVAExempt,
		s.Rates.Deposit.String(), s.Rates.ProfileWaste.String(), labour, string(s.PricingMode), s.ValidityDays, s.FolioPrefix, s.Conditions, s.BankDetails,
		s.Cut.KerfMM, s.Cut.TrimMM, s.Cut.MinOffcutMM, s.SalesSeeAllQuotes, ts, actor, ts, actor)
	if err != nil {
		return fmt.Errorf("db: update company settings: %w", err)
	}
	if err := writePaymentPlans(ctx, tx, s.PaymentPlans); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	db.memo.forgetCompanySettings()
	s.UpdatedAt = now
	return nil
}

// CompanyLogo returns the logo (PNG) and its ETag; ENOTFOUND when there is
// none.
func (db *DB) CompanyLogo(ctx context.Context) ([]byte, string, error) {
	var png []byte
	var etag string
	err := db.Reader.QueryRowContext(ctx, `SELECT logo_png, logo_etag FROM company WHERE id = 1 AND logo_png IS NOT NULL`).Scan(&png, &etag)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", app.Errorf(app.ENOTFOUND, "settings.no_logo")
	}
	if err != nil {
		return nil, "", err
	}
	return png, etag, nil
}

// SetCompanyLogo stores a logo the caller has already decoded, checked and
// re-encoded as PNG, and returns its ETag; nil removes the logo. The
// company must exist (after setup).
func (db *DB) SetCompanyLogo(ctx context.Context, png []byte, actor app.Actor) (string, error) {
	etag := ""
	var blob any // NULL removes
	if png != nil {
		sum := sha256.Sum256(png)
		etag, blob = hex.EncodeToString(sum[:8]), png
	}
	ts := app.FormatTime(db.Clock.Now())
	res, err := db.Writer.ExecContext(ctx, `UPDATE company SET logo_png = ?, logo_etag = ?, updated_at = ?, updated_by = ? WHERE id = 1`,
		blob, etag, ts, actor)
	if err != nil {
		return "", fmt.Errorf("db: set company logo: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return "", app.Errorf(app.ECONFLICT, "settings.setup_first")
	}
	db.memo.forgetCompanySettings()
	return etag, nil
}
