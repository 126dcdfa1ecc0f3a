package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"cotizador/pricing"
)

// The company's meses sin intereses plans live in one column per term
// (migration 00030): the surcharge as a decimal fraction, '' when the plan
// is not offered. They are part of CompanySettings (PaymentPlans), read and
// written with the rest of the settings.

// readPaymentPlans returns the plans offered, by number of months.
func (db *DB) readPaymentPlans(ctx context.Context) ([]pricing.PaymentPlan, error) {
	var cols [4]string
	err := db.Reader.QueryRowContext(ctx, `SELECT msi_3_surcharge, msi_6_surcharge, msi_9_surcharge, msi_12_surcharge
		FROM company WHERE id = 1`).Scan(&cols[0], &cols[1], &cols[2], &cols[3])
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("db: payment plans: %w", err)
	}
	var plans []pricing.PaymentPlan
	for i, months := range pricing.PaymentPlanMonths {
		if cols[i] == "" {
			continue
		}
		plans = append(plans, pricing.PaymentPlan{Months: months, Surcharge: parseDec(cols[i])})
	}
	return plans, nil
}

// writePaymentPlans stores the plans offered inside the settings'
// transaction; a term not among plans is no longer offered. A plan of a
// term no column holds is refused.
func writePaymentPlans(ctx context.Context, tx *sql.Tx, plans []pricing.PaymentPlan) error {
	var cols [4]string
	for _, p := range plans {
		i := -1
		for j, months := range pricing.PaymentPlanMonths {
			if months == p.Months {
				i = j
			}
		}
		if i < 0 || !p.Valid() {
			return fmt.Errorf("db: payment plan of %d months with surcharge %s is not one a company may offer", p.Months, p.Surcharge)
		}
		cols[i] = p.Surcharge.String()
	}
	_, err := tx.ExecContext(ctx, `UPDATE company SET msi_3_surcharge = ?, msi_6_surcharge = ?, msi_9_surcharge = ?,
		msi_12_surcharge = ? WHERE id = 1`, cols[0], cols[1], cols[2], cols[3])
	if err != nil {
		return fmt.Errorf("db: payment plans: %w", err)
	}
	return nil
}
