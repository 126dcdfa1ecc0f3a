-- +goose Up
-- Meses sin intereses: the plans the company offers on its quotes (the PDF
-- and the share page), one column per term the card issuers run. Each holds
-- the plan's surcharge as an exact decimal fraction in TEXT ("0.05" is 5 %,
-- "0" a plan without surcharge); '' means the plan is not offered.
ALTER TABLE company ADD COLUMN msi_3_surcharge TEXT NOT NULL DEFAULT ''
    CHECK (msi_3_surcharge = '' OR (msi_3_surcharge GLOB '[0-9]*' AND CAST(msi_3_surcharge AS REAL) BETWEEN 0 AND 1));
ALTER TABLE company ADD COLUMN msi_6_surcharge TEXT NOT NULL DEFAULT ''
    CHECK (msi_6_surcharge = '' OR (msi_6_surcharge GLOB '[0-9]*' AND CAST(msi_6_surcharge AS REAL) BETWEEN 0 AND 1));
ALTER TABLE company ADD COLUMN msi_9_surcharge TEXT NOT NULL DEFAULT ''
    CHECK (msi_9_surcharge = '' OR (msi_9_surcharge GLOB '[0-9]*' AND CAST(msi_9_surcharge AS REAL) BETWEEN 0 AND 1));
ALTER TABLE company ADD COLUMN msi_12_surcharge TEXT NOT NULL DEFAULT ''
    CHECK (msi_12_surcharge = '' OR (msi_12_surcharge GLOB '[0-9]*' AND CAST(msi_12_surcharge AS REAL) BETWEEN 0 AND 1));

-- +goose Down
ALTER TABLE company DROP COLUMN msi_12_surcharge;
ALTER TABLE company DROP COLUMN msi_9_surcharge;
ALTER TABLE company DROP COLUMN msi_6_surcharge;
ALTER TABLE company DROP COLUMN msi_3_surcharge;
