-- +goose Up
-- Quotes. A quote keeps everything it was priced with (rates, the
-- customer's data, each line's figures and breakdown) so it re-renders
-- identically years later, whatever happens to the catalogue or customer.

-- One counter per folio prefix and year; incremented inside the quote's
-- write transaction, so concurrent creations never share or skip a number.
CREATE TABLE folio_counters (
    prefix  TEXT    NOT NULL,
    year    INTEGER NOT NULL,
    last    INTEGER NOT NULL,
    PRIMARY KEY (prefix, year)
) STRICT, WITHOUT ROWID;

CREATE TABLE quotes (
    id                 INTEGER PRIMARY KEY,
    folio              TEXT    NOT NULL,
    revision           INTEGER NOT NULL DEFAULT 1 CHECK (revision >= 1),
    -- The revision that replaced this one; the earlier one stays readable.
    superseded_by      INTEGER REFERENCES quotes (id),
    -- A soft reference: the snapshot below is what the quote shows.
    customer_id        INTEGER,
    customer_name      TEXT    NOT NULL CHECK (length(customer_name) BETWEEN 1 AND 200),
    customer_business  TEXT    NOT NULL DEFAULT '',
    customer_rfc       TEXT    NOT NULL DEFAULT '',
    customer_email     TEXT    NOT NULL DEFAULT '',
    customer_phone     TEXT    NOT NULL DEFAULT '',
    customer_address   TEXT    NOT NULL DEFAULT '',
    salesperson_id     INTEGER NOT NULL REFERENCES users (id),
    status             TEXT    NOT NULL DEFAULT 'borrador' CHECK (status IN ('borrador', 'enviada', 'aceptada', 'rechazada', 'cancelada')),
    pricing_mode       TEXT    NOT NULL CHECK (pricing_mode IN ('por_metro', 'optimizado', 'compatible')),
    profit_rate        TEXT    NOT NULL,
    indirect_rate      TEXT    NOT NULL,
    iva_rate           TEXT    NOT NULL,
    iva_exempt         INTEGER NOT NULL DEFAULT 0 CHECK (iva_exempt IN (0, 1)),
    deposit_rate       TEXT    NOT NULL,
    labor_rate_m2      TEXT    NOT NULL DEFAULT '',
    profile_waste      TEXT    NOT NULL DEFAULT '',
    discount_rate      TEXT    NOT NULL DEFAULT '',
    discount_amount    TEXT    NOT NULL DEFAULT '',
    price_display      TEXT    NOT NULL DEFAULT 'mas_iva' CHECK (price_display IN ('mas_iva', 'iva_incluido')),
    dimension_unit     TEXT    NOT NULL DEFAULT 'cm' CHECK (dimension_unit IN ('cm', 'mm')),
    kerf_mm            INTEGER NOT NULL DEFAULT 4,
    trim_mm            INTEGER NOT NULL DEFAULT 10,
    min_offcut_mm      INTEGER NOT NULL DEFAULT 500,
    -- Last day the prices hold, a date in Mexico City (YYYY-MM-DD).
    valid_until        TEXT    NOT NULL,
    notes              TEXT    NOT NULL DEFAULT '' CHECK (length(notes) <= 4000),
    conditions         TEXT    NOT NULL DEFAULT '' CHECK (length(conditions) <= 8000),
    catalog_version    INTEGER NOT NULL,
    priced_at          TEXT    NOT NULL,
    materials          TEXT    NOT NULL,
    labour             TEXT    NOT NULL,
    cost               TEXT    NOT NULL,
    profit             TEXT    NOT NULL,
    indirect           TEXT    NOT NULL,
    subtotal           TEXT    NOT NULL,
    discount           TEXT    NOT NULL,
    iva                TEXT    NOT NULL,
    total              TEXT    NOT NULL,
    deposit            TEXT    NOT NULL,
    balance            TEXT    NOT NULL,
    optional_amount    TEXT    NOT NULL DEFAULT '0',
    sent_at            TEXT,
    decided_at         TEXT,
    created_at         TEXT    NOT NULL,
    created_by         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL,
    updated_by         TEXT    NOT NULL,
    deleted_at         TEXT,
    deleted_by         TEXT,
    UNIQUE (folio, revision)
) STRICT;
CREATE INDEX quotes_status ON quotes (status, created_at) WHERE deleted_at IS NULL;
CREATE INDEX quotes_customer ON quotes (customer_id, created_at) WHERE deleted_at IS NULL;
CREATE INDEX quotes_salesperson ON quotes (salesperson_id, created_at) WHERE deleted_at IS NULL;
CREATE INDEX quotes_created ON quotes (created_at) WHERE deleted_at IS NULL;
CREATE INDEX quotes_customer_name ON quotes (customer_name COLLATE NOCASE) WHERE deleted_at IS NULL;

CREATE TABLE quote_items (
    id                INTEGER PRIMARY KEY,
    quote_id          INTEGER NOT NULL REFERENCES quotes (id),
    position          INTEGER NOT NULL,
    kind              TEXT    NOT NULL CHECK (kind IN ('producto', 'material')),
    product_code      TEXT    NOT NULL DEFAULT '',
    product_name      TEXT    NOT NULL DEFAULT '',
    product_type      TEXT    NOT NULL DEFAULT '',
    hojas             INTEGER NOT NULL DEFAULT 0,
    colour_code       TEXT    NOT NULL DEFAULT '',
    glass_code        TEXT    NOT NULL DEFAULT '',
    width_mm          TEXT    NOT NULL DEFAULT '',
    height_mm         TEXT    NOT NULL DEFAULT '',
    material_code     TEXT    NOT NULL DEFAULT '',
    material_name     TEXT    NOT NULL DEFAULT '',
    quantity          TEXT    NOT NULL,
    location          TEXT    NOT NULL DEFAULT '' CHECK (length(location) <= 120),
    notes             TEXT    NOT NULL DEFAULT '' CHECK (length(notes) <= 1000),
    optional          INTEGER NOT NULL DEFAULT 0 CHECK (optional IN (0, 1)),
    profiles          TEXT    NOT NULL DEFAULT '0',
    glass             TEXT    NOT NULL DEFAULT '0',
    hardware          TEXT    NOT NULL DEFAULT '0',
    consumables       TEXT    NOT NULL DEFAULT '0',
    labour            TEXT    NOT NULL DEFAULT '0',
    cost              TEXT    NOT NULL,
    amount            TEXT    NOT NULL,
    unit_price        TEXT    NOT NULL,
    -- The line's cost breakdown as priced (JSON), shown when expanded.
    breakdown         TEXT    NOT NULL DEFAULT '[]',
    created_at        TEXT    NOT NULL,
    created_by        TEXT    NOT NULL,
    updated_at        TEXT    NOT NULL,
    updated_by        TEXT    NOT NULL,
    deleted_at        TEXT,
    deleted_by        TEXT
) STRICT;
CREATE INDEX quote_items_quote ON quote_items (quote_id, position) WHERE deleted_at IS NULL;

-- +goose Down
DROP TABLE quote_items;
DROP TABLE quotes;
DROP TABLE folio_counters;
