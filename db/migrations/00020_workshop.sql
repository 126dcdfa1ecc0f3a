-- +goose Up
-- The workshop: orders (orden de taller) that cut one or several accepted
-- quotes together, and the offcuts in stock (retazos).

-- One counter per year for OT-AAAA-NNNN, incremented inside the order's
-- write transaction (as quote folios): concurrent orders never share or
-- skip a number. Apart from folio_counters, so no quote prefix a company
-- may choose can collide with it.
CREATE TABLE workshop_counters (
    year  INTEGER PRIMARY KEY,
    last  INTEGER NOT NULL
) STRICT;

CREATE TABLE workshop_orders (
    id             INTEGER PRIMARY KEY,
    folio          TEXT    NOT NULL UNIQUE,
    status         TEXT    NOT NULL DEFAULT 'pendiente' CHECK (status IN ('pendiente', 'en_corte', 'terminada')),
    -- The saw it was planned with (the company's settings at the time).
    kerf_mm        INTEGER NOT NULL CHECK (kerf_mm >= 0),
    trim_mm        INTEGER NOT NULL CHECK (trim_mm >= 0),
    min_offcut_mm  INTEGER NOT NULL CHECK (min_offcut_mm >= 0),
    -- The plan as made (JSON): bars per profile and colour with their
    -- pieces and the offcuts they come from, glass, hardware. Fixed when
    -- the order is created, so the sheet printed is what gets cut.
    plan           TEXT    NOT NULL,
    started_at     TEXT,
    finished_at    TEXT,
    created_at     TEXT    NOT NULL,
    created_by     TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL,
    updated_by     TEXT    NOT NULL,
    deleted_at     TEXT,
    deleted_by     TEXT
) STRICT;
CREATE INDEX workshop_orders_created ON workshop_orders (created_at) WHERE deleted_at IS NULL;

-- The quotes an order cuts. A quote (any revision of its folio) is cut by
-- one order at most: the store checks it in the order's transaction.
CREATE TABLE workshop_order_quotes (
    id          INTEGER PRIMARY KEY,
    order_id    INTEGER NOT NULL REFERENCES workshop_orders (id),
    quote_id    INTEGER NOT NULL REFERENCES quotes (id),
    folio       TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    created_by  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    updated_by  TEXT    NOT NULL,
    deleted_at  TEXT,
    deleted_by  TEXT
) STRICT;
CREATE INDEX workshop_order_quotes_order ON workshop_order_quotes (order_id) WHERE deleted_at IS NULL;
CREATE INDEX workshop_order_quotes_folio ON workshop_order_quotes (folio) WHERE deleted_at IS NULL;

-- Offcuts in stock. disponible: any plan may use it; reservado: a pending
-- or running order's plan cuts it (reserved_order_id); usado: that order
-- was finished. Discarding one is a soft delete. length_mm is usable
-- length, both ends clean.
CREATE TABLE offcuts (
    id                 INTEGER PRIMARY KEY,
    material_code      TEXT    NOT NULL,
    colour_code        TEXT    NOT NULL DEFAULT '',
    length_mm          INTEGER NOT NULL CHECK (length_mm BETWEEN 1 AND 100000),
    status             TEXT    NOT NULL DEFAULT 'disponible' CHECK (status IN ('disponible', 'reservado', 'usado')),
    -- The order whose cutting left it; NULL when entered by hand.
    source_order_id    INTEGER REFERENCES workshop_orders (id),
    reserved_order_id  INTEGER REFERENCES workshop_orders (id),
    notes              TEXT    NOT NULL DEFAULT '' CHECK (length(notes) <= 200),
    created_at         TEXT    NOT NULL,
    created_by         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL,
    updated_by         TEXT    NOT NULL,
    deleted_at         TEXT,
    deleted_by         TEXT,
    CHECK ((status = 'disponible') = (reserved_order_id IS NULL))
) STRICT;
CREATE INDEX offcuts_stock ON offcuts (material_code, colour_code, status) WHERE deleted_at IS NULL;
CREATE INDEX offcuts_reserved ON offcuts (reserved_order_id) WHERE reserved_order_id IS NOT NULL;

-- The plan is derived from the quotes and large: the audit trail keeps its
-- digest rather than a copy.
INSERT INTO audit_tables (table_name, audited, omit_columns, digest_columns, ignore_columns, note) VALUES
    ('workshop_orders', 1, '', 'plan', '', 'the cut plan is derived from the quotes and large');

-- +goose Down
DELETE FROM audit_tables WHERE table_name = 'workshop_orders';
DROP TABLE offcuts;
DROP TABLE workshop_order_quotes;
DROP TABLE workshop_orders;
DROP TABLE workshop_counters;
