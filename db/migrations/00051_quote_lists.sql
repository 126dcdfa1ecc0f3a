-- +goose Up
-- Quote lists, search and the dashboard at a million quotes.
--
-- Lists show the current quotes (not deleted, not superseded by a
-- revision), newest first by id, a page at a time after the last id shown
-- (keyset), and count the matches up to 10,001 (db/quote_list.go). Every
-- filter has an index whose entries are in id order after its own columns,
-- partial on the current quotes, so a page and the bounded count read a
-- range of one index; a date range becomes a range of ids (through
-- quotes_created) that any of them can take.

DROP INDEX quotes_status;
DROP INDEX quotes_customer;
DROP INDEX quotes_salesperson;
DROP INDEX quotes_customer_name;
-- A customer's quotes: every one (ARCO exports and anonymisation ask for
-- deleted ones too); lists check the rest on those few rows.
CREATE INDEX quotes_customer ON quotes (customer_id);
CREATE INDEX quotes_current ON quotes (id) WHERE deleted_at IS NULL AND superseded_by IS NULL;
CREATE INDEX quotes_current_status ON quotes (status) WHERE deleted_at IS NULL AND superseded_by IS NULL;
CREATE INDEX quotes_current_salesperson ON quotes (salesperson_id) WHERE deleted_at IS NULL AND superseded_by IS NULL;
CREATE INDEX quotes_current_salesperson_status ON quotes (salesperson_id, status) WHERE deleted_at IS NULL AND superseded_by IS NULL;
-- Open quotes (borrador, enviada) by id with their validity: vencida walks
-- it newest first past the few still valid.
CREATE INDEX quotes_current_open ON quotes (id, valid_until, salesperson_id)
    WHERE deleted_at IS NULL AND superseded_by IS NULL AND status IN ('borrador', 'enviada');
-- Open quotes still valid: a short range from today on (borrador and
-- enviada that are not vencida; the dashboard's awaiting answer).
CREATE INDEX quotes_current_valid ON quotes (status, valid_until, salesperson_id)
    WHERE deleted_at IS NULL AND superseded_by IS NULL AND status IN ('borrador', 'enviada');

-- How many quotes were created with an earlier created_at than the quote
-- before them (a clock set back). While there are none, ids and creation
-- times go up together and a date range is exactly a range of ids; after
-- one, date filters also check created_at on each row.
CREATE TABLE quote_list_state (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    backsteps   INTEGER NOT NULL DEFAULT 0
) STRICT;
INSERT INTO quote_list_state (id, backsteps) VALUES (1, 0);

-- The search index (db/quote_search.go): one row per term of each current
-- quote, with its salesperson, status, validity and all its terms, so a
-- search checks the other words and those filters without reading the
-- quote. Derived, like customer_terms: rows are deleted, not soft deleted,
-- and not audited.
CREATE TABLE quote_terms (
    term            TEXT    NOT NULL,
    quote_id        INTEGER NOT NULL,
    salesperson_id  INTEGER NOT NULL,
    status          TEXT    NOT NULL,
    valid_until     TEXT    NOT NULL,
    words           TEXT    NOT NULL,
    PRIMARY KEY (term, quote_id)
) STRICT, WITHOUT ROWID;

-- The dashboard's counters, kept by the triggers below from every write to
-- quotes and quote_items. A quote counts while it is current and not
-- cancelled, in the month (Mexico City) its current revision was created:
-- quoted (its total, as the quote shows it, optional lines excluded), and
-- won when aceptada. Amounts in centavos.
CREATE TABLE quote_month_stats (
    month           TEXT    NOT NULL,
    salesperson_id  INTEGER NOT NULL,
    quoted          INTEGER NOT NULL DEFAULT 0,
    quoted_cents    INTEGER NOT NULL DEFAULT 0,
    won             INTEGER NOT NULL DEFAULT 0,
    won_cents       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (month, salesperson_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE quote_customer_stats (
    month           TEXT    NOT NULL,
    salesperson_id  INTEGER NOT NULL,
    customer_id     INTEGER NOT NULL,
    quoted          INTEGER NOT NULL DEFAULT 0,
    quoted_cents    INTEGER NOT NULL DEFAULT 0,
    won             INTEGER NOT NULL DEFAULT 0,
    won_cents       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (month, salesperson_id, customer_id)
) STRICT, WITHOUT ROWID;
-- Top customers read only the customers who bought.
CREATE INDEX quote_customer_stats_won ON quote_customer_stats (month, salesperson_id, customer_id, won_cents, won) WHERE won > 0;

-- Windows and doors (product lines that are not optional): how many and
-- their amount as the quote shows it (with IVA when it says IVA incluido).
CREATE TABLE quote_product_stats (
    month           TEXT    NOT NULL,
    salesperson_id  INTEGER NOT NULL,
    product_code    TEXT    NOT NULL,
    quoted          INTEGER NOT NULL DEFAULT 0,
    quoted_cents    INTEGER NOT NULL DEFAULT 0,
    won             INTEGER NOT NULL DEFAULT 0,
    won_cents       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (month, salesperson_id, product_code)
) STRICT, WITHOUT ROWID;

-- The counters' expressions are plain SQL, so a write pays for no call
-- into Go: amounts in centavos (stored amounts have two decimals, which a
-- double holds exactly enough to round back), a line as its quote shows it
-- (pricing.WithIVA: with IVA added and rounded half up when the quote says
-- IVA incluido and is not exempt), and the month in Mexico City, which has
-- kept UTC−6 since daylight saving time ended on 30 October 2022 (older
-- times ask Go's zone database through mx_month). TestStatsExpressions
-- checks them against the Go rules.
-- +goose StatementBegin
CREATE TRIGGER quote_index_insert AFTER INSERT ON quotes
BEGIN
    UPDATE quote_list_state SET backsteps = backsteps + 1
        WHERE NEW.created_at < (SELECT p.created_at FROM quotes p WHERE p.id < NEW.id ORDER BY p.id DESC LIMIT 1);
    INSERT INTO quote_terms (term, quote_id, salesperson_id, status, valid_until, words)
        SELECT j.value, NEW.id, NEW.salesperson_id, NEW.status, NEW.valid_until,
               quote_search_words(NEW.folio, NEW.revision, NEW.customer_name, NEW.customer_business, NEW.customer_rfc)
        FROM json_each(quote_search_terms(NEW.folio, NEW.revision, NEW.customer_name, NEW.customer_business, NEW.customer_rfc)) j
        WHERE NEW.deleted_at IS NULL AND NEW.superseded_by IS NULL;
    INSERT INTO quote_month_stats (month, salesperson_id, quoted, quoted_cents, won, won_cents)
        SELECT CASE WHEN NEW.created_at >= '2022-10-30T07' THEN strftime('%Y-%m', NEW.created_at, '-6 hours') ELSE mx_month(NEW.created_at) END, NEW.salesperson_id,
               1, CAST(round(CAST(NEW.total AS REAL) * 100) AS INTEGER), (NEW.status = 'aceptada'), iif(NEW.status = 'aceptada', CAST(round(CAST(NEW.total AS REAL) * 100) AS INTEGER), 0)
        WHERE NEW.deleted_at IS NULL AND NEW.superseded_by IS NULL AND NEW.status <> 'cancelada'
        ON CONFLICT DO UPDATE SET quoted = quoted + excluded.quoted, quoted_cents = quoted_cents + excluded.quoted_cents,
            won = won + excluded.won, won_cents = won_cents + excluded.won_cents;
    INSERT INTO quote_customer_stats (month, salesperson_id, customer_id, quoted, quoted_cents, won, won_cents)
        SELECT CASE WHEN NEW.created_at >= '2022-10-30T07' THEN strftime('%Y-%m', NEW.created_at, '-6 hours') ELSE mx_month(NEW.created_at) END, NEW.salesperson_id, coalesce(NEW.customer_id, 0),
               1, CAST(round(CAST(NEW.total AS REAL) * 100) AS INTEGER), (NEW.status = 'aceptada'), iif(NEW.status = 'aceptada', CAST(round(CAST(NEW.total AS REAL) * 100) AS INTEGER), 0)
        WHERE NEW.deleted_at IS NULL AND NEW.superseded_by IS NULL AND NEW.status <> 'cancelada'
        ON CONFLICT DO UPDATE SET quoted = quoted + excluded.quoted, quoted_cents = quoted_cents + excluded.quoted_cents,
            won = won + excluded.won, won_cents = won_cents + excluded.won_cents;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER quote_index_terms_update AFTER UPDATE OF folio, revision, customer_name, customer_business, customer_rfc,
    salesperson_id, deleted_at, superseded_by ON quotes
WHEN OLD.folio IS NOT NEW.folio OR OLD.revision IS NOT NEW.revision OR OLD.customer_name IS NOT NEW.customer_name
    OR OLD.customer_business IS NOT NEW.customer_business OR OLD.customer_rfc IS NOT NEW.customer_rfc
    OR OLD.salesperson_id IS NOT NEW.salesperson_id OR OLD.deleted_at IS NOT NEW.deleted_at OR OLD.superseded_by IS NOT NEW.superseded_by
BEGIN
    DELETE FROM quote_terms WHERE quote_id = OLD.id
        AND term IN (SELECT value FROM json_each(quote_search_terms(OLD.folio, OLD.revision, OLD.customer_name, OLD.customer_business, OLD.customer_rfc)));
    INSERT INTO quote_terms (term, quote_id, salesperson_id, status, valid_until, words)
        SELECT j.value, NEW.id, NEW.salesperson_id, NEW.status, NEW.valid_until,
               quote_search_words(NEW.folio, NEW.revision, NEW.customer_name, NEW.customer_business, NEW.customer_rfc)
        FROM json_each(quote_search_terms(NEW.folio, NEW.revision, NEW.customer_name, NEW.customer_business, NEW.customer_rfc)) j
        WHERE NEW.deleted_at IS NULL AND NEW.superseded_by IS NULL;
END;
-- +goose StatementEnd

-- A status or validity change reaches the quote's term rows.
-- +goose StatementBegin
CREATE TRIGGER quote_index_status_update AFTER UPDATE OF status, valid_until ON quotes
WHEN (OLD.status IS NOT NEW.status OR OLD.valid_until IS NOT NEW.valid_until)
    AND NEW.deleted_at IS NULL AND NEW.superseded_by IS NULL
BEGIN
    UPDATE quote_terms SET status = NEW.status, valid_until = NEW.valid_until WHERE quote_id = NEW.id
        AND term IN (SELECT value FROM json_each(quote_search_terms(NEW.folio, NEW.revision, NEW.customer_name, NEW.customer_business, NEW.customer_rfc)));
END;
-- +goose StatementEnd

-- A change to what a quote counts for (sending it changes nothing; accepting,
-- cancelling, deleting, restoring, revising, a new total do) takes its old
-- contribution (quote and product lines) out and puts the new one in.
-- +goose StatementBegin
CREATE TRIGGER quote_index_stats_update AFTER UPDATE OF status, deleted_at, superseded_by, total, salesperson_id, customer_id,
    created_at, price_display, iva_rate, iva_exempt ON quotes
WHEN (OLD.deleted_at IS NULL AND OLD.superseded_by IS NULL AND OLD.status <> 'cancelada') IS NOT (NEW.deleted_at IS NULL AND NEW.superseded_by IS NULL AND NEW.status <> 'cancelada')
    OR (OLD.status = 'aceptada') IS NOT (NEW.status = 'aceptada') OR OLD.total IS NOT NEW.total OR OLD.salesperson_id IS NOT NEW.salesperson_id
    OR OLD.customer_id IS NOT NEW.customer_id OR OLD.created_at IS NOT NEW.created_at OR OLD.price_display IS NOT NEW.price_display
    OR OLD.iva_rate IS NOT NEW.iva_rate OR OLD.iva_exempt IS NOT NEW.iva_exempt
BEGIN
    INSERT INTO quote_month_stats (month, salesperson_id, quoted, quoted_cents, won, won_cents)
        SELECT CASE WHEN OLD.created_at >= '2022-10-30T07' THEN strftime('%Y-%m', OLD.created_at, '-6 hours') ELSE mx_month(OLD.created_at) END, OLD.salesperson_id,
               -1, -CAST(round(CAST(OLD.total AS REAL) * 100) AS INTEGER), -(OLD.status = 'aceptada'), -iif(OLD.status = 'aceptada', CAST(round(CAST(OLD.total AS REAL) * 100) AS INTEGER), 0)
        WHERE OLD.deleted_at IS NULL AND OLD.superseded_by IS NULL AND OLD.status <> 'cancelada'
        ON CONFLICT DO UPDATE SET quoted = quoted + excluded.quoted, quoted_cents = quoted_cents + excluded.quoted_cents,
            won = won + excluded.won, won_cents = won_cents + excluded.won_cents;
    INSERT INTO quote_month_stats (month, salesperson_id, quoted, quoted_cents, won, won_cents)
        SELECT CASE WHEN NEW.created_at >= '2022-10-30T07' THEN strftime('%Y-%m', NEW.created_at, '-6 hours') ELSE mx_month(NEW.created_at) END, NEW.salesperson_id,
               1, CAST(round(CAST(NEW.total AS REAL) * 100) AS INTEGER), (NEW.status = 'aceptada'), iif(NEW.status = 'aceptada', CAST(round(CAST(NEW.total AS REAL) * 100) AS INTEGER), 0)
        WHERE NEW.deleted_at IS NULL AND NEW.superseded_by IS NULL AND NEW.status <> 'cancelada'
        ON CONFLICT DO UPDATE SET quoted = quoted + excluded.quoted, quoted_cents = quoted_cents + excluded.quoted_cents,
            won = won + excluded.won, won_cents = won_cents + excluded.won_cents;
    INSERT INTO quote_customer_stats (month, salesperson_id, customer_id, quoted, quoted_cents, won, won_cents)
        SELECT CASE WHEN OLD.created_at >= '2022-10-30T07' THEN strftime('%Y-%m', OLD.created_at, '-6 hours') ELSE mx_month(OLD.created_at) END, OLD.salesperson_id, coalesce(OLD.customer_id, 0),
               -1, -CAST(round(CAST(OLD.total AS REAL) * 100) AS INTEGER), -(OLD.status = 'aceptada'), -iif(OLD.status = 'aceptada', CAST(round(CAST(OLD.total AS REAL) * 100) AS INTEGER), 0)
        WHERE OLD.deleted_at IS NULL AND OLD.superseded_by IS NULL AND OLD.status <> 'cancelada'
        ON CONFLICT DO UPDATE SET quoted = quoted + excluded.quoted, quoted_cents = quoted_cents + excluded.quoted_cents,
            won = won + excluded.won, won_cents = won_cents + excluded.won_cents;
    INSERT INTO quote_customer_stats (month, salesperson_id, customer_id, quoted, quoted_cents, won, won_cents)
        SELECT CASE WHEN NEW.created_at >= '2022-10-30T07' THEN strftime('%Y-%m', NEW.created_at, '-6 hours') ELSE mx_month(NEW.created_at) END, NEW.salesperson_id, coalesce(NEW.customer_id, 0),
               1, CAST(round(CAST(NEW.total AS REAL) * 100) AS INTEGER), (NEW.status = 'aceptada'), iif(NEW.status = 'aceptada', CAST(round(CAST(NEW.total AS REAL) * 100) AS INTEGER), 0)
        WHERE NEW.deleted_at IS NULL AND NEW.superseded_by IS NULL AND NEW.status <> 'cancelada'
        ON CONFLICT DO UPDATE SET quoted = quoted + excluded.quoted, quoted_cents = quoted_cents + excluded.quoted_cents,
            won = won + excluded.won, won_cents = won_cents + excluded.won_cents;
    INSERT INTO quote_product_stats (month, salesperson_id, product_code, quoted, quoted_cents, won, won_cents)
        SELECT CASE WHEN OLD.created_at >= '2022-10-30T07' THEN strftime('%Y-%m', OLD.created_at, '-6 hours') ELSE mx_month(OLD.created_at) END, OLD.salesperson_id, i.product_code,
               -sum(CAST(i.quantity AS INTEGER)), -sum(CASE WHEN OLD.price_display = 'iva_incluido' AND OLD.iva_exempt = 0
                   THEN (CAST(round(CAST(i.amount AS REAL) * 100) AS INTEGER) * (10000 + CAST(round(CAST(OLD.iva_rate AS REAL) * 10000) AS INTEGER)) + 5000) / 10000
                   ELSE CAST(round(CAST(i.amount AS REAL) * 100) AS INTEGER) END),
               -iif(OLD.status = 'aceptada', sum(CAST(i.quantity AS INTEGER)), 0), -iif(OLD.status = 'aceptada', sum(CASE WHEN OLD.price_display = 'iva_incluido' AND OLD.iva_exempt = 0
                   THEN (CAST(round(CAST(i.amount AS REAL) * 100) AS INTEGER) * (10000 + CAST(round(CAST(OLD.iva_rate AS REAL) * 10000) AS INTEGER)) + 5000) / 10000
                   ELSE CAST(round(CAST(i.amount AS REAL) * 100) AS INTEGER) END), 0)
        FROM quote_items i
        WHERE i.quote_id = OLD.id AND i.deleted_at IS NULL AND i.optional = 0 AND i.kind = 'producto' AND OLD.deleted_at IS NULL AND OLD.superseded_by IS NULL AND OLD.status <> 'cancelada'
        GROUP BY i.product_code
        ON CONFLICT DO UPDATE SET quoted = quoted + excluded.quoted, quoted_cents = quoted_cents + excluded.quoted_cents,
            won = won + excluded.won, won_cents = won_cents + excluded.won_cents;
    INSERT INTO quote_product_stats (month, salesperson_id, product_code, quoted, quoted_cents, won, won_cents)
        SELECT CASE WHEN NEW.created_at >= '2022-10-30T07' THEN strftime('%Y-%m', NEW.created_at, '-6 hours') ELSE mx_month(NEW.created_at) END, NEW.salesperson_id, i.product_code,
               sum(CAST(i.quantity AS INTEGER)), sum(CASE WHEN NEW.price_display = 'iva_incluido' AND NEW.iva_exempt = 0
                   THEN (CAST(round(CAST(i.amount AS REAL) * 100) AS INTEGER) * (10000 + CAST(round(CAST(NEW.iva_rate AS REAL) * 10000) AS INTEGER)) + 5000) / 10000
                   ELSE CAST(round(CAST(i.amount AS REAL) * 100) AS INTEGER) END),
               iif(NEW.status = 'aceptada', sum(CAST(i.quantity AS INTEGER)), 0), iif(NEW.status = 'aceptada', sum(CASE WHEN NEW.price_display = 'iva_incluido' AND NEW.iva_exempt = 0
                   THEN (CAST(round(CAST(i.amount AS REAL) * 100) AS INTEGER) * (10000 + CAST(round(CAST(NEW.iva_rate AS REAL) * 10000) AS INTEGER)) + 5000) / 10000
                   ELSE CAST(round(CAST(i.amount AS REAL) * 100) AS INTEGER) END), 0)
        FROM quote_items i
        WHERE i.quote_id = NEW.id AND i.deleted_at IS NULL AND i.optional = 0 AND i.kind = 'producto' AND NEW.deleted_at IS NULL AND NEW.superseded_by IS NULL AND NEW.status <> 'cancelada'
        GROUP BY i.product_code
        ON CONFLICT DO UPDATE SET quoted = quoted + excluded.quoted, quoted_cents = quoted_cents + excluded.quoted_cents,
            won = won + excluded.won, won_cents = won_cents + excluded.won_cents;
END;
-- +goose StatementEnd

-- Only the retention job deletes quotes (the audit trail's guard refuses
-- anyone else): what they counted goes, and their terms.
-- +goose StatementBegin
CREATE TRIGGER quote_index_delete AFTER DELETE ON quotes
BEGIN
    DELETE FROM quote_terms WHERE quote_id = OLD.id
        AND term IN (SELECT value FROM json_each(quote_search_terms(OLD.folio, OLD.revision, OLD.customer_name, OLD.customer_business, OLD.customer_rfc)));
    INSERT INTO quote_month_stats (month, salesperson_id, quoted, quoted_cents, won, won_cents)
        SELECT CASE WHEN OLD.created_at >= '2022-10-30T07' THEN strftime('%Y-%m', OLD.created_at, '-6 hours') ELSE mx_month(OLD.created_at) END, OLD.salesperson_id,
               -1, -CAST(round(CAST(OLD.total AS REAL) * 100) AS INTEGER), -(OLD.status = 'aceptada'), -iif(OLD.status = 'aceptada', CAST(round(CAST(OLD.total AS REAL) * 100) AS INTEGER), 0)
        WHERE OLD.deleted_at IS NULL AND OLD.superseded_by IS NULL AND OLD.status <> 'cancelada'
        ON CONFLICT DO UPDATE SET quoted = quoted + excluded.quoted, quoted_cents = quoted_cents + excluded.quoted_cents,
            won = won + excluded.won, won_cents = won_cents + excluded.won_cents;
    INSERT INTO quote_customer_stats (month, salesperson_id, customer_id, quoted, quoted_cents, won, won_cents)
        SELECT CASE WHEN OLD.created_at >= '2022-10-30T07' THEN strftime('%Y-%m', OLD.created_at, '-6 hours') ELSE mx_month(OLD.created_at) END, OLD.salesperson_id, coalesce(OLD.customer_id, 0),
               -1, -CAST(round(CAST(OLD.total AS REAL) * 100) AS INTEGER), -(OLD.status = 'aceptada'), -iif(OLD.status = 'aceptada', CAST(round(CAST(OLD.total AS REAL) * 100) AS INTEGER), 0)
        WHERE OLD.deleted_at IS NULL AND OLD.superseded_by IS NULL AND OLD.status <> 'cancelada'
        ON CONFLICT DO UPDATE SET quoted = quoted + excluded.quoted, quoted_cents = quoted_cents + excluded.quoted_cents,
            won = won + excluded.won, won_cents = won_cents + excluded.won_cents;
    INSERT INTO quote_product_stats (month, salesperson_id, product_code, quoted, quoted_cents, won, won_cents)
        SELECT CASE WHEN OLD.created_at >= '2022-10-30T07' THEN strftime('%Y-%m', OLD.created_at, '-6 hours') ELSE mx_month(OLD.created_at) END, OLD.salesperson_id, i.product_code,
               -sum(CAST(i.quantity AS INTEGER)), -sum(CASE WHEN OLD.price_display = 'iva_incluido' AND OLD.iva_exempt = 0
                   THEN (CAST(round(CAST(i.amount AS REAL) * 100) AS INTEGER) * (10000 + CAST(round(CAST(OLD.iva_rate AS REAL) * 10000) AS INTEGER)) + 5000) / 10000
                   ELSE CAST(round(CAST(i.amount AS REAL) * 100) AS INTEGER) END),
               -iif(OLD.status = 'aceptada', sum(CAST(i.quantity AS INTEGER)), 0), -iif(OLD.status = 'aceptada', sum(CASE WHEN OLD.price_display = 'iva_incluido' AND OLD.iva_exempt = 0
                   THEN (CAST(round(CAST(i.amount AS REAL) * 100) AS INTEGER) * (10000 + CAST(round(CAST(OLD.iva_rate AS REAL) * 10000) AS INTEGER)) + 5000) / 10000
                   ELSE CAST(round(CAST(i.amount AS REAL) * 100) AS INTEGER) END), 0)
        FROM quote_items i
        WHERE i.quote_id = OLD.id AND i.deleted_at IS NULL AND i.optional = 0 AND i.kind = 'producto' AND OLD.deleted_at IS NULL AND OLD.superseded_by IS NULL AND OLD.status <> 'cancelada'
        GROUP BY i.product_code
        ON CONFLICT DO UPDATE SET quoted = quoted + excluded.quoted, quoted_cents = quoted_cents + excluded.quoted_cents,
            won = won + excluded.won, won_cents = won_cents + excluded.won_cents;
END;
-- +goose StatementEnd

-- A window or door line counts while it is not deleted or optional and its
-- quote counts.
-- +goose StatementBegin
CREATE TRIGGER quote_item_stats_insert AFTER INSERT ON quote_items
WHEN NEW.deleted_at IS NULL AND NEW.optional = 0 AND NEW.kind = 'producto'
BEGIN
    INSERT INTO quote_product_stats (month, salesperson_id, product_code, quoted, quoted_cents, won, won_cents)
        SELECT CASE WHEN q.created_at >= '2022-10-30T07' THEN strftime('%Y-%m', q.created_at, '-6 hours') ELSE mx_month(q.created_at) END, q.salesperson_id, NEW.product_code,
               CAST(NEW.quantity AS INTEGER), (CASE WHEN q.price_display = 'iva_incluido' AND q.iva_exempt = 0
                   THEN (CAST(round(CAST(NEW.amount AS REAL) * 100) AS INTEGER) * (10000 + CAST(round(CAST(q.iva_rate AS REAL) * 10000) AS INTEGER)) + 5000) / 10000
                   ELSE CAST(round(CAST(NEW.amount AS REAL) * 100) AS INTEGER) END),
               iif(q.status = 'aceptada', CAST(NEW.quantity AS INTEGER), 0), iif(q.status = 'aceptada', CASE WHEN q.price_display = 'iva_incluido' AND q.iva_exempt = 0
                   THEN (CAST(round(CAST(NEW.amount AS REAL) * 100) AS INTEGER) * (10000 + CAST(round(CAST(q.iva_rate AS REAL) * 10000) AS INTEGER)) + 5000) / 10000
                   ELSE CAST(round(CAST(NEW.amount AS REAL) * 100) AS INTEGER) END, 0)
        FROM quotes q
        WHERE q.id = NEW.quote_id AND q.deleted_at IS NULL AND q.superseded_by IS NULL AND q.status <> 'cancelada'
        ON CONFLICT DO UPDATE SET quoted = quoted + excluded.quoted, quoted_cents = quoted_cents + excluded.quoted_cents,
            won = won + excluded.won, won_cents = won_cents + excluded.won_cents;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER quote_item_stats_update AFTER UPDATE OF deleted_at, optional, kind, quantity, amount, product_code, quote_id ON quote_items
WHEN OLD.deleted_at IS NOT NEW.deleted_at OR OLD.optional IS NOT NEW.optional OR OLD.kind IS NOT NEW.kind
    OR OLD.quantity IS NOT NEW.quantity OR OLD.amount IS NOT NEW.amount OR OLD.product_code IS NOT NEW.product_code
    OR OLD.quote_id IS NOT NEW.quote_id
BEGIN
    INSERT INTO quote_product_stats (month, salesperson_id, product_code, quoted, quoted_cents, won, won_cents)
        SELECT CASE WHEN q.created_at >= '2022-10-30T07' THEN strftime('%Y-%m', q.created_at, '-6 hours') ELSE mx_month(q.created_at) END, q.salesperson_id, OLD.product_code,
               -CAST(OLD.quantity AS INTEGER), -(CASE WHEN q.price_display = 'iva_incluido' AND q.iva_exempt = 0
                   THEN (CAST(round(CAST(OLD.amount AS REAL) * 100) AS INTEGER) * (10000 + CAST(round(CAST(q.iva_rate AS REAL) * 10000) AS INTEGER)) + 5000) / 10000
                   ELSE CAST(round(CAST(OLD.amount AS REAL) * 100) AS INTEGER) END),
               -iif(q.status = 'aceptada', CAST(OLD.quantity AS INTEGER), 0), -iif(q.status = 'aceptada', CASE WHEN q.price_display = 'iva_incluido' AND q.iva_exempt = 0
                   THEN (CAST(round(CAST(OLD.amount AS REAL) * 100) AS INTEGER) * (10000 + CAST(round(CAST(q.iva_rate AS REAL) * 10000) AS INTEGER)) + 5000) / 10000
                   ELSE CAST(round(CAST(OLD.amount AS REAL) * 100) AS INTEGER) END, 0)
        FROM quotes q
        WHERE q.id = OLD.quote_id AND q.deleted_at IS NULL AND q.superseded_by IS NULL AND q.status <> 'cancelada'
            AND OLD.deleted_at IS NULL AND OLD.optional = 0 AND OLD.kind = 'producto'
        ON CONFLICT DO UPDATE SET quoted = quoted + excluded.quoted, quoted_cents = quoted_cents + excluded.quoted_cents,
            won = won + excluded.won, won_cents = won_cents + excluded.won_cents;
    INSERT INTO quote_product_stats (month, salesperson_id, product_code, quoted, quoted_cents, won, won_cents)
        SELECT CASE WHEN q.created_at >= '2022-10-30T07' THEN strftime('%Y-%m', q.created_at, '-6 hours') ELSE mx_month(q.created_at) END, q.salesperson_id, NEW.product_code,
               CAST(NEW.quantity AS INTEGER), (CASE WHEN q.price_display = 'iva_incluido' AND q.iva_exempt = 0
                   THEN (CAST(round(CAST(NEW.amount AS REAL) * 100) AS INTEGER) * (10000 + CAST(round(CAST(q.iva_rate AS REAL) * 10000) AS INTEGER)) + 5000) / 10000
                   ELSE CAST(round(CAST(NEW.amount AS REAL) * 100) AS INTEGER) END),
               iif(q.status = 'aceptada', CAST(NEW.quantity AS INTEGER), 0), iif(q.status = 'aceptada', CASE WHEN q.price_display = 'iva_incluido' AND q.iva_exempt = 0
                   THEN (CAST(round(CAST(NEW.amount AS REAL) * 100) AS INTEGER) * (10000 + CAST(round(CAST(q.iva_rate AS REAL) * 10000) AS INTEGER)) + 5000) / 10000
                   ELSE CAST(round(CAST(NEW.amount AS REAL) * 100) AS INTEGER) END, 0)
        FROM quotes q
        WHERE q.id = NEW.quote_id AND q.deleted_at IS NULL AND q.superseded_by IS NULL AND q.status <> 'cancelada'
            AND NEW.deleted_at IS NULL AND NEW.optional = 0 AND NEW.kind = 'producto'
        ON CONFLICT DO UPDATE SET quoted = quoted + excluded.quoted, quoted_cents = quoted_cents + excluded.quoted_cents,
            won = won + excluded.won, won_cents = won_cents + excluded.won_cents;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER quote_item_stats_delete AFTER DELETE ON quote_items
WHEN OLD.deleted_at IS NULL AND OLD.optional = 0 AND OLD.kind = 'producto'
BEGIN
    INSERT INTO quote_product_stats (month, salesperson_id, product_code, quoted, quoted_cents, won, won_cents)
        SELECT CASE WHEN q.created_at >= '2022-10-30T07' THEN strftime('%Y-%m', q.created_at, '-6 hours') ELSE mx_month(q.created_at) END, q.salesperson_id, OLD.product_code,
               -CAST(OLD.quantity AS INTEGER), -(CASE WHEN q.price_display = 'iva_incluido' AND q.iva_exempt = 0
                   THEN (CAST(round(CAST(OLD.amount AS REAL) * 100) AS INTEGER) * (10000 + CAST(round(CAST(q.iva_rate AS REAL) * 10000) AS INTEGER)) + 5000) / 10000
                   ELSE CAST(round(CAST(OLD.amount AS REAL) * 100) AS INTEGER) END),
               -iif(q.status = 'aceptada', CAST(OLD.quantity AS INTEGER), 0), -iif(q.status = 'aceptada', CASE WHEN q.price_display = 'iva_incluido' AND q.iva_exempt = 0
                   THEN (CAST(round(CAST(OLD.amount AS REAL) * 100) AS INTEGER) * (10000 + CAST(round(CAST(q.iva_rate AS REAL) * 10000) AS INTEGER)) + 5000) / 10000
                   ELSE CAST(round(CAST(OLD.amount AS REAL) * 100) AS INTEGER) END, 0)
        FROM quotes q
        WHERE q.id = OLD.quote_id AND q.deleted_at IS NULL AND q.superseded_by IS NULL AND q.status <> 'cancelada'
        ON CONFLICT DO UPDATE SET quoted = quoted + excluded.quoted, quoted_cents = quoted_cents + excluded.quoted_cents,
            won = won + excluded.won, won_cents = won_cents + excluded.won_cents;
END;
-- +goose StatementEnd

-- Existing quotes are indexed and counted after this migration, in batches
-- of ids up to the newest one now (db/quote_index.go); newer ones by the
-- triggers.
INSERT INTO data_migrations (version, next_id, upto) SELECT 51, 0, coalesce(max(id), 0) FROM quotes;

-- +goose Down
DELETE FROM data_migrations WHERE version = 51;
DROP TRIGGER quote_item_stats_delete;
DROP TRIGGER quote_item_stats_update;
DROP TRIGGER quote_item_stats_insert;
DROP TRIGGER quote_index_delete;
DROP TRIGGER quote_index_stats_update;
DROP TRIGGER quote_index_status_update;
DROP TRIGGER quote_index_terms_update;
DROP TRIGGER quote_index_insert;
DROP TABLE quote_product_stats;
DROP TABLE quote_customer_stats;
DROP TABLE quote_month_stats;
DROP TABLE quote_terms;
DROP TABLE quote_list_state;
DROP INDEX quotes_current_valid;
DROP INDEX quotes_current_open;
DROP INDEX quotes_current_salesperson_status;
DROP INDEX quotes_current_salesperson;
DROP INDEX quotes_current_status;
DROP INDEX quotes_current;
DROP INDEX quotes_customer;
CREATE INDEX quotes_status ON quotes (status, created_at) WHERE deleted_at IS NULL;
CREATE INDEX quotes_customer ON quotes (customer_id, created_at) WHERE deleted_at IS NULL;
CREATE INDEX quotes_salesperson ON quotes (salesperson_id, created_at) WHERE deleted_at IS NULL;
CREATE INDEX quotes_customer_name ON quotes (customer_name COLLATE NOCASE) WHERE deleted_at IS NULL;
