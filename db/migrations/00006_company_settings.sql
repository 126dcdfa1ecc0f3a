-- +goose Up
-- Company settings: the business's own data printed on quotes, its logo,
-- the defaults every new quote starts from, and the saw settings of the cut
-- lists. Rates are exact decimal fractions as TEXT ("0.25" is 25 %); money
-- is TEXT decimal; lengths are whole millimetres. The defaults here are the
-- ones db.DefaultCompanySettings returns before setup (a test keeps the two
-- equal).

ALTER TABLE company ADD COLUMN rfc TEXT NOT NULL DEFAULT '' CHECK (length(rfc) IN (0, 12, 13));
ALTER TABLE company ADD COLUMN address TEXT NOT NULL DEFAULT '' CHECK (length(address) <= 500);
ALTER TABLE company ADD COLUMN phone TEXT NOT NULL DEFAULT '' CHECK (phone = '' OR length(phone) = 10);
ALTER TABLE company ADD COLUMN email TEXT NOT NULL DEFAULT '' CHECK (length(email) <= 254);
-- The logo as the app re-encoded it (PNG, scaled down), never the upload;
-- logo_etag is the first 16 hex digits of its SHA-256, the cache-busting
-- part of its URL ('' when there is no logo).
ALTER TABLE company ADD COLUMN logo_png BLOB;
ALTER TABLE company ADD COLUMN logo_etag TEXT NOT NULL DEFAULT '';
ALTER TABLE company ADD COLUMN profit_rate TEXT NOT NULL DEFAULT '0.25';
ALTER TABLE company ADD COLUMN indirect_rate TEXT NOT NULL DEFAULT '0.15';
-- IVA: 0.16, 0.08 (border region) or 0; iva_exempt = 1 is exento (no IVA at
-- all, which a CFDI tells apart from tasa 0 %).
ALTER TABLE company ADD COLUMN iva_rate TEXT NOT NULL DEFAULT '0.16' CHECK (iva_rate IN ('0.16', '0.08', '0'));
ALTER TABLE company ADD COLUMN iva_exempt INTEGER NOT NULL DEFAULT 0 CHECK (iva_exempt IN (0, 1));
ALTER TABLE company ADD COLUMN deposit_rate TEXT NOT NULL DEFAULT '0.5';
-- MXN per m² replacing each product's labour rate × complexity; '' means
-- no override.
ALTER TABLE company ADD COLUMN labor_rate_m2 TEXT NOT NULL DEFAULT '';
ALTER TABLE company ADD COLUMN pricing_mode TEXT NOT NULL DEFAULT 'por_metro' CHECK (pricing_mode IN ('por_metro', 'optimizado', 'compatible'));
ALTER TABLE company ADD COLUMN validity_days INTEGER NOT NULL DEFAULT 15 CHECK (validity_days BETWEEN 1 AND 365);
ALTER TABLE company ADD COLUMN folio_prefix TEXT NOT NULL DEFAULT 'COT' CHECK (length(folio_prefix) BETWEEN 1 AND 10);
ALTER TABLE company ADD COLUMN conditions TEXT NOT NULL DEFAULT 'Vigencia: los precios de esta cotización son válidos hasta la fecha indicada.
Forma de pago: anticipo para iniciar la fabricación y saldo contra entrega.
Tiempo de entrega: de 15 a 20 días hábiles a partir del anticipo.
Medidas: las medidas finales quedan sujetas a visita técnica; si cambian, el precio se ajusta.
Instalación: incluida, salvo que se indique lo contrario. No incluye obra civil, resanes ni retiro de cancelería existente.
Garantía: un año en fabricación e instalación; herrajes según su fabricante. No cubre golpes, mal uso ni vidrios rotos después de la entrega.' CHECK (length(conditions) <= 4000);
ALTER TABLE company ADD COLUMN bank_details TEXT NOT NULL DEFAULT '' CHECK (length(bank_details) <= 1000);
ALTER TABLE company ADD COLUMN kerf_mm INTEGER NOT NULL DEFAULT 4 CHECK (kerf_mm BETWEEN 0 AND 20);
ALTER TABLE company ADD COLUMN trim_mm INTEGER NOT NULL DEFAULT 10 CHECK (trim_mm BETWEEN 0 AND 200);
ALTER TABLE company ADD COLUMN min_offcut_mm INTEGER NOT NULL DEFAULT 500 CHECK (min_offcut_mm BETWEEN 0 AND 6000);

-- +goose Down
ALTER TABLE company DROP COLUMN min_offcut_mm;
ALTER TABLE company DROP COLUMN trim_mm;
ALTER TABLE company DROP COLUMN kerf_mm;
ALTER TABLE company DROP COLUMN bank_details;
ALTER TABLE company DROP COLUMN conditions;
ALTER TABLE company DROP COLUMN folio_prefix;
ALTER TABLE company DROP COLUMN validity_days;
ALTER TABLE company DROP COLUMN pricing_mode;
ALTER TABLE company DROP COLUMN labor_rate_m2;
ALTER TABLE company DROP COLUMN deposit_rate;
ALTER TABLE company DROP COLUMN iva_exempt;
ALTER TABLE company DROP COLUMN iva_rate;
ALTER TABLE company DROP COLUMN indirect_rate;
ALTER TABLE company DROP COLUMN profit_rate;
ALTER TABLE company DROP COLUMN logo_etag;
ALTER TABLE company DROP COLUMN logo_png;
ALTER TABLE company DROP COLUMN email;
ALTER TABLE company DROP COLUMN phone;
ALTER TABLE company DROP COLUMN address;
ALTER TABLE company DROP COLUMN rfc;
