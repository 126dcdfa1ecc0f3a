package db

import "context"

// SetImportStaging stages every import of more than limit writes and runs
// hook (if not nil) after each staging transaction; restore puts both back.
func SetImportStaging(limit int, hook func(step string) error) (restore func()) {
	oldLimit, oldHook := importDirectLimit, stageHook
	importDirectLimit, stageHook = limit, hook
	return func() { importDirectLimit, stageHook = oldLimit, oldHook }
}

// SchemaObjects lists the schema's tables, indexes and triggers as
// "type name: sql", to compare two databases' schemas.
func SchemaObjects(ctx context.Context, d *DB) ([]string, error) {
	rows, err := d.Reader.QueryContext(ctx, `SELECT type, name, coalesce(sql, '') FROM sqlite_schema
		WHERE name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY type, name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var typ, name, def string
		if err := rows.Scan(&typ, &name, &def); err != nil {
			return nil, err
		}
		out = append(out, typ+" "+name+": "+def)
	}
	return out, rows.Err()
}

// SetPendingBatch changes how many pending audit entries a drain
// transaction chains.
func SetPendingBatch(n int) func() { return setForTest(&pendingBatch, n) }

// SetTopCustomersBudget changes how many candidates the Tablero's top
// customers check before grouping the range's counters instead.
func SetTopCustomersBudget(n int) func() { return setForTest(&topCustomersBudget, n) }

// GroupedTopCustomers is the Tablero's top customers worked out by
// grouping the range's counter rows.
func GroupedTopCustomers(ctx context.Context, d *DB, f DashboardFilter) ([]NamedFigures, error) {
	tx, err := d.Reader.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return groupedTopCustomers(ctx, tx, f)
}
