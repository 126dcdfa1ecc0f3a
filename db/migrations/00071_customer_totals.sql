-- +goose Up
-- The Tablero's top customers over a long range (36 months at a million
-- quotes: 100,000 counter rows grouped, ~60 ms) start from each customer's
-- amount won over all time, largest first: a customer's amount in any range
-- is at most that, so once the next customer's all-time amount is below the
-- fifth best found in the range, no later one can enter the list
-- (db/dashboard.go). salesperson_id 0 is every salesperson's. Kept by
-- triggers on quote_customer_stats, whoever writes it.
CREATE TABLE quote_customer_totals (
    salesperson_id  INTEGER NOT NULL,
    customer_id     INTEGER NOT NULL,
    won_cents       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (salesperson_id, customer_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX quote_customer_totals_won ON quote_customer_totals (salesperson_id, won_cents DESC, customer_id) WHERE won_cents > 0;
-- A customer's counters in a range of months.
CREATE INDEX quote_customer_stats_customer ON quote_customer_stats (customer_id, month, salesperson_id, won_cents, won) WHERE won > 0;

INSERT INTO quote_customer_totals (salesperson_id, customer_id, won_cents)
    SELECT salesperson_id, customer_id, sum(won_cents) FROM quote_customer_stats WHERE customer_id <> 0 GROUP BY 1, 2;
INSERT INTO quote_customer_totals (salesperson_id, customer_id, won_cents)
    SELECT 0, customer_id, sum(won_cents) FROM quote_customer_stats WHERE customer_id <> 0 GROUP BY 2;

-- +goose StatementBegin
CREATE TRIGGER quote_customer_totals_insert AFTER INSERT ON quote_customer_stats
WHEN NEW.customer_id <> 0 AND NEW.won_cents <> 0
BEGIN
    INSERT INTO quote_customer_totals (salesperson_id, customer_id, won_cents) VALUES (NEW.salesperson_id, NEW.customer_id, NEW.won_cents), (0, NEW.customer_id, NEW.won_cents)
        ON CONFLICT DO UPDATE SET won_cents = won_cents + excluded.won_cents;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER quote_customer_totals_update AFTER UPDATE OF won_cents, customer_id, salesperson_id ON quote_customer_stats
WHEN OLD.won_cents IS NOT NEW.won_cents OR OLD.customer_id IS NOT NEW.customer_id OR OLD.salesperson_id IS NOT NEW.salesperson_id
BEGIN
    INSERT INTO quote_customer_totals (salesperson_id, customer_id, won_cents)
        SELECT OLD.salesperson_id, OLD.customer_id, -OLD.won_cents WHERE OLD.customer_id <> 0
        UNION ALL SELECT 0, OLD.customer_id, -OLD.won_cents WHERE OLD.customer_id <> 0
        UNION ALL SELECT NEW.salesperson_id, NEW.customer_id, NEW.won_cents WHERE NEW.customer_id <> 0
        UNION ALL SELECT 0, NEW.customer_id, NEW.won_cents WHERE NEW.customer_id <> 0
        ON CONFLICT DO UPDATE SET won_cents = won_cents + excluded.won_cents;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER quote_customer_totals_delete AFTER DELETE ON quote_customer_stats
WHEN OLD.customer_id <> 0 AND OLD.won_cents <> 0
BEGIN
    UPDATE quote_customer_totals SET won_cents = won_cents - OLD.won_cents
        WHERE customer_id = OLD.customer_id AND salesperson_id IN (0, OLD.salesperson_id);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER quote_customer_totals_delete;
DROP TRIGGER quote_customer_totals_update;
DROP TRIGGER quote_customer_totals_insert;
DROP INDEX quote_customer_stats_customer;
DROP TABLE quote_customer_totals;
