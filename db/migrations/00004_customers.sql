-- +goose Up
-- Customers and their search index. Search as you type must stay fast at
-- 100,000 customers without FTS5 (mattn/go-sqlite3 only has it behind a build
-- tag every go command would then need), so the store keeps its own index:
-- customer_terms holds each customer's words (name and razón social folded to
-- lowercase without accents), RFC and phone, and a search is a range scan of
-- the terms starting with what was typed.

CREATE TABLE customers (
    id             INTEGER PRIMARY KEY,
    name           TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- Razón social, for a factura later; '' if none.
    business_name  TEXT    NOT NULL DEFAULT '' CHECK (length(business_name) <= 300),
    -- Uppercase, validated (format and date; generic RFCs accepted); '' if none.
    rfc            TEXT    NOT NULL DEFAULT '' CHECK (length(rfc) IN (0, 12, 13)),
    email          TEXT    NOT NULL DEFAULT '' CHECK (length(email) <= 254),
    -- Ten digits, no country code or separators; '' if none.
    phone          TEXT    NOT NULL DEFAULT '' CHECK (phone = '' OR (length(phone) = 10 AND phone NOT GLOB '*[^0-9]*')),
    address        TEXT    NOT NULL DEFAULT '' CHECK (length(address) <= 500),
    -- CFDI receptor data, optional: c_RegimenFiscal and c_UsoCFDI codes of
    -- the SAT catalogues and the fiscal address's postal code.
    tax_regime     TEXT    NOT NULL DEFAULT '' CHECK (tax_regime = '' OR length(tax_regime) = 3),
    postal_code    TEXT    NOT NULL DEFAULT '' CHECK (postal_code = '' OR (length(postal_code) = 5 AND postal_code NOT GLOB '*[^0-9]*')),
    cfdi_use       TEXT    NOT NULL DEFAULT '' CHECK (length(cfdi_use) <= 4),
    notes          TEXT    NOT NULL DEFAULT '' CHECK (length(notes) <= 2000),
    -- The name folded to lowercase without accents: lists sort on it, so
    -- "Núñez" and "Nunez" sit together.
    sort_name      TEXT    NOT NULL,
    -- The terms written to customer_terms for this row, space-separated: an
    -- update or delete removes exactly these, even after the way terms are
    -- made has changed.
    search_terms   TEXT    NOT NULL DEFAULT '',
    created_at     TEXT    NOT NULL,
    created_by     TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL,
    updated_by     TEXT    NOT NULL,
    deleted_at     TEXT,
    deleted_by     TEXT
) STRICT;
CREATE INDEX customers_sort_name ON customers (sort_name, id) WHERE deleted_at IS NULL;

-- Derived from customers by the store (rewritten on every create and update,
-- removed on delete, so only customers not deleted have terms): not business
-- data, so rows are deleted, not soft deleted. WITHOUT ROWID makes the
-- primary key the table itself, and sort_name rides along in it, so a search
-- counts, orders and pages its matches from b-tree ranges of this one index
-- without touching customers, then reads only the rows of the page. There is
-- deliberately no second index: a bulk import writes the terms in key order
-- (appends, not 800,000 random inserts), and a customer's own terms are
-- found through customers.search_terms. For the same reason customer_id is
-- not declared a foreign key: purging a customer would then scan this table
-- for children; the store keeps the two consistent in its transactions.
CREATE TABLE customer_terms (
    term         TEXT    NOT NULL,
    sort_name    TEXT    NOT NULL,
    customer_id  INTEGER NOT NULL,
    PRIMARY KEY (term, sort_name, customer_id)
) STRICT, WITHOUT ROWID;

-- +goose Down
DROP TABLE customer_terms;
DROP TABLE customers;
