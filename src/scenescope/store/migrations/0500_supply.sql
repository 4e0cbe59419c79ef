-- The disc supply chain a distributor records: its accounts and the street-dated shipments
-- they received. Re-import upserts accounts and adds shipments (ids are the natural key).

CREATE TABLE supply_accounts (
    account_id VARCHAR PRIMARY KEY,
    name VARCHAR,
    kind VARCHAR NOT NULL
        CHECK (kind IN ('retailer', 'rental', 'wholesale', 'press', 'other')),
    country VARCHAR,
    opened_at DATE,
    closed_at DATE,
    updated_at TIMESTAMPTZ NOT NULL
);

-- shipped_at is the day the discs left for the account (the distributor's record).
CREATE TABLE supply_shipments (
    shipment_id VARCHAR PRIMARY KEY,
    account_id VARCHAR NOT NULL,
    title_id VARCHAR NOT NULL,
    format VARCHAR NOT NULL CHECK (format IN ('dvd', 'bluray', 'uhd')),
    shipped_at DATE NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    distributor VARCHAR,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX supply_shipments_title_idx ON supply_shipments (title_id);
CREATE INDEX supply_shipments_account_idx ON supply_shipments (account_id);
