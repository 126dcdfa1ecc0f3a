-- +goose Up
-- The catalogue: materials, colours with explicit prices, products with their
-- bill of materials. Money and factors are exact decimals stored as TEXT
-- (never REAL); lengths of cuts and product ranges are whole millimetres.

ALTER TABLE company ADD COLUMN default_waste_factor TEXT NOT NULL DEFAULT '1.10';

CREATE TABLE materials (
    id            INTEGER PRIMARY KEY,
    code          TEXT    NOT NULL CHECK (length(code) BETWEEN 1 AND 40),
    name          TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 160),
    category      TEXT    NOT NULL CHECK (category IN ('Perfiles', 'Vidrio', 'Herrajes', 'Consumibles', 'Mano de obra', 'Otros')),
    unit          TEXT    NOT NULL CHECK (unit IN ('ML', 'M2', 'PZA', 'CARTUCHO', 'LTS', 'KG')),
    cost          TEXT    NOT NULL,
    -- Bar length (tramo) in metres for profiles sold by the bar; '' if none.
    bar_length_m  TEXT    NOT NULL DEFAULT '',
    -- Aluminium line as data (Línea 2", Línea 3", Serie 35, …); '' if none.
    line          TEXT    NOT NULL DEFAULT '' CHECK (length(line) <= 60),
    -- Waste factor ≥ 1; '' means the company default.
    waste_factor  TEXT    NOT NULL DEFAULT '',
    description   TEXT    NOT NULL DEFAULT '' CHECK (length(description) <= 1000),
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at    TEXT    NOT NULL,
    created_by    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL,
    updated_by    TEXT    NOT NULL,
    deleted_at    TEXT,
    deleted_by    TEXT
) STRICT;
CREATE UNIQUE INDEX materials_code ON materials (code) WHERE deleted_at IS NULL;
CREATE INDEX materials_category ON materials (category, line) WHERE deleted_at IS NULL;

CREATE TABLE colours (
    id          INTEGER PRIMARY KEY,
    code        TEXT    NOT NULL CHECK (length(code) BETWEEN 1 AND 20),
    name        TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    factor      TEXT    NOT NULL DEFAULT '1',
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at  TEXT    NOT NULL,
    created_by  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    updated_by  TEXT    NOT NULL,
    deleted_at  TEXT,
    deleted_by  TEXT
) STRICT;
CREATE UNIQUE INDEX colours_code ON colours (code) WHERE deleted_at IS NULL;

-- An explicit price of a material in a colour; it overrides cost × factor.
CREATE TABLE colour_prices (
    id           INTEGER PRIMARY KEY,
    material_id  INTEGER NOT NULL REFERENCES materials (id),
    colour_id    INTEGER NOT NULL REFERENCES colours (id),
    price        TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    created_by   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL,
    updated_by   TEXT    NOT NULL,
    deleted_at   TEXT,
    deleted_by   TEXT
) STRICT;
CREATE UNIQUE INDEX colour_prices_pair ON colour_prices (material_id, colour_id) WHERE deleted_at IS NULL;

CREATE TABLE products (
    id                 INTEGER PRIMARY KEY,
    code               TEXT    NOT NULL CHECK (length(code) BETWEEN 1 AND 40),
    name               TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 160),
    category           TEXT    NOT NULL CHECK (category IN ('ventana', 'puerta', 'cancel_bano', 'barandal', 'domo', 'material_suelto')),
    type               TEXT    NOT NULL CHECK (length(type) BETWEEN 1 AND 40),
    line               TEXT    NOT NULL DEFAULT '' CHECK (length(line) <= 60),
    hojas              INTEGER NOT NULL DEFAULT 1 CHECK (hojas BETWEEN 0 AND 8),
    min_width_mm       INTEGER NOT NULL DEFAULT 0 CHECK (min_width_mm >= 0),
    max_width_mm       INTEGER NOT NULL DEFAULT 0 CHECK (max_width_mm >= 0),
    min_height_mm      INTEGER NOT NULL DEFAULT 0 CHECK (min_height_mm >= 0),
    max_height_mm      INTEGER NOT NULL DEFAULT 0 CHECK (max_height_mm >= 0),
    labor_rate_m2      TEXT    NOT NULL DEFAULT '0',
    complexity         TEXT    NOT NULL DEFAULT '1',
    glass_deduct_w_mm  INTEGER NOT NULL DEFAULT 0,
    glass_deduct_h_mm  INTEGER NOT NULL DEFAULT 0,
    description        TEXT    NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    active             INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at         TEXT    NOT NULL,
    created_by         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL,
    updated_by         TEXT    NOT NULL,
    deleted_at         TEXT,
    deleted_by         TEXT
) STRICT;
CREATE UNIQUE INDEX products_code ON products (code) WHERE deleted_at IS NULL;

CREATE TABLE bom_lines (
    id                  INTEGER PRIMARY KEY,
    product_id          INTEGER NOT NULL REFERENCES products (id),
    material_id         INTEGER NOT NULL REFERENCES materials (id),
    role                TEXT    NOT NULL CHECK (role IN ('perfil', 'vidrio', 'herraje', 'consumible', 'mano_de_obra')),
    quantity_formula    TEXT    NOT NULL DEFAULT '' CHECK (length(quantity_formula) <= 500),
    cut_count_formula   TEXT    NOT NULL DEFAULT '' CHECK (length(cut_count_formula) <= 500),
    cut_length_formula  TEXT    NOT NULL DEFAULT '' CHECK (length(cut_length_formula) <= 500),
    waste_factor        TEXT    NOT NULL DEFAULT '',
    description         TEXT    NOT NULL DEFAULT '' CHECK (length(description) <= 200),
    sort_order          INTEGER NOT NULL DEFAULT 0,
    created_at          TEXT    NOT NULL,
    created_by          TEXT    NOT NULL,
    updated_at          TEXT    NOT NULL,
    updated_by          TEXT    NOT NULL,
    deleted_at          TEXT,
    deleted_by          TEXT
) STRICT;
CREATE INDEX bom_lines_product ON bom_lines (product_id, sort_order) WHERE deleted_at IS NULL;
CREATE INDEX bom_lines_material ON bom_lines (material_id) WHERE deleted_at IS NULL;

-- One counter for the whole catalogue, bumped by triggers on every change:
-- the pricer's in-memory copy is reloaded when it moves, and quotes compare
-- it to warn that their prices are older than the catalogue.
CREATE TABLE catalog_meta (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    version     INTEGER NOT NULL,
    changed_at  TEXT    NOT NULL
) STRICT;
INSERT INTO catalog_meta (id, version, changed_at) VALUES (1, 0, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

-- +goose StatementBegin
CREATE TRIGGER materials_changed AFTER UPDATE ON materials BEGIN
    UPDATE catalog_meta SET version = version + 1, changed_at = NEW.updated_at WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER materials_added AFTER INSERT ON materials BEGIN
    UPDATE catalog_meta SET version = version + 1, changed_at = NEW.updated_at WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER colours_changed AFTER UPDATE ON colours BEGIN
    UPDATE catalog_meta SET version = version + 1, changed_at = NEW.updated_at WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER colours_added AFTER INSERT ON colours BEGIN
    UPDATE catalog_meta SET version = version + 1, changed_at = NEW.updated_at WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER colour_prices_changed AFTER UPDATE ON colour_prices BEGIN
    UPDATE catalog_meta SET version = version + 1, changed_at = NEW.updated_at WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER colour_prices_added AFTER INSERT ON colour_prices BEGIN
    UPDATE catalog_meta SET version = version + 1, changed_at = NEW.updated_at WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER products_changed AFTER UPDATE ON products BEGIN
    UPDATE catalog_meta SET version = version + 1, changed_at = NEW.updated_at WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER products_added AFTER INSERT ON products BEGIN
    UPDATE catalog_meta SET version = version + 1, changed_at = NEW.updated_at WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER bom_lines_changed AFTER UPDATE ON bom_lines BEGIN
    UPDATE catalog_meta SET version = version + 1, changed_at = NEW.updated_at WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER bom_lines_added AFTER INSERT ON bom_lines BEGIN
    UPDATE catalog_meta SET version = version + 1, changed_at = NEW.updated_at WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE catalog_meta;
DROP TABLE bom_lines;
DROP TABLE products;
DROP TABLE colour_prices;
DROP TABLE colours;
DROP TABLE materials;
ALTER TABLE company DROP COLUMN default_waste_factor;
