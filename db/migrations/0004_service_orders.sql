-- 0004_service_orders: home care's providers, caregivers and service orders (issue 5, points 4
-- and 5). A provider is an organisation the district contracts, filed under the contracting unit;
-- a caregiver works for one provider and lives in its unit; an order lives in its elder's unit and
-- names the provider and caregiver serving it, which is how their people see it (scope.c). Every
-- change of an order's state is appended to service_order_events, never edited.

CREATE TABLE providers (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  credit_code TEXT NOT NULL,           -- 统一社会信用代码, GB 32100-2015
  contact_name TEXT,
  phone TEXT,
  address TEXT,
  contract_start TEXT NOT NULL,
  contract_end TEXT,
  service_area TEXT,                   -- org_units ids, comma-separated
  status TEXT NOT NULL,                -- provider_status
  note TEXT,
  org_id INTEGER NOT NULL REFERENCES org_units(id), org_path TEXT NOT NULL, district_code TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, created_by INTEGER, updated_at TEXT NOT NULL, updated_by INTEGER,
  deleted_at TEXT, deleted_by INTEGER, delete_reason TEXT
);
CREATE UNIQUE INDEX providers_credit_code ON providers(credit_code) WHERE deleted_at IS NULL;
CREATE INDEX providers_path ON providers(org_path, id) WHERE deleted_at IS NULL;

CREATE TABLE caregivers (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  gender TEXT,
  phone_enc BLOB, phone_hash BLOB, phone_masked TEXT,
  provider_id INTEGER NOT NULL REFERENCES providers(id),
  cert_level TEXT,                     -- caregiver_cert_level: 养老护理员 5 (初级) .. 1 (高级技师)
  cert_no TEXT,
  cert_expiry TEXT,
  skills TEXT,                         -- caregiver_skill codes, comma-separated; record_tags indexes them
  home_lat_e6 INTEGER, home_lng_e6 INTEGER,   -- home, WGS-84 micro-degrees
  availability TEXT,                   -- JSON: weekday -> ["08:00-12:00", ...], Beijing time
  status TEXT NOT NULL,                -- caregiver_status
  note TEXT,
  org_id INTEGER NOT NULL REFERENCES org_units(id), org_path TEXT NOT NULL, district_code TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, created_by INTEGER, updated_at TEXT NOT NULL, updated_by INTEGER,
  deleted_at TEXT, deleted_by INTEGER, delete_reason TEXT
);
CREATE INDEX caregivers_provider ON caregivers(provider_id) WHERE deleted_at IS NULL;
CREATE INDEX caregivers_path ON caregivers(org_path, id) WHERE deleted_at IS NULL;
CREATE INDEX caregivers_phone ON caregivers(phone_hash);

CREATE TABLE service_orders (
  id INTEGER PRIMARY KEY,
  elder_id INTEGER NOT NULL REFERENCES elders(id),
  elder_name TEXT NOT NULL,            -- the elder's, copied so lists and search need no join
  service_item_id INTEGER NOT NULL REFERENCES service_items(id),
  channel TEXT NOT NULL,               -- order_channel
  priority TEXT NOT NULL,              -- order_priority
  window_start TEXT NOT NULL,          -- requested time window, UTC
  window_end TEXT NOT NULL,
  address TEXT,
  lat_e6 INTEGER, lng_e6 INTEGER,      -- where the service takes place, WGS-84 micro-degrees
  status TEXT NOT NULL,                -- order_status; changed only by a transition
  provider_id INTEGER REFERENCES providers(id),
  caregiver_id INTEGER REFERENCES caregivers(id),
  rating INTEGER,                      -- 1-5, at the follow-up call
  follow_up_result TEXT,
  note TEXT,
  org_id INTEGER NOT NULL REFERENCES org_units(id), org_path TEXT NOT NULL, district_code TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, created_by INTEGER, updated_at TEXT NOT NULL, updated_by INTEGER,
  deleted_at TEXT, deleted_by INTEGER, delete_reason TEXT
);
CREATE INDEX service_orders_path ON service_orders(org_path, id) WHERE deleted_at IS NULL;
CREATE INDEX service_orders_elder ON service_orders(elder_id);
CREATE INDEX service_orders_provider ON service_orders(provider_id, status);
CREATE INDEX service_orders_caregiver ON service_orders(caregiver_id, status);
CREATE INDEX service_orders_status ON service_orders(status, window_start);

CREATE TABLE service_order_events (
  id INTEGER PRIMARY KEY,
  order_id INTEGER NOT NULL REFERENCES service_orders(id),
  from_status TEXT,                    -- NULL: the order's creation
  to_status TEXT NOT NULL,
  reason TEXT,
  caregiver_id INTEGER,                -- dispatched to, or rejected by
  org_id INTEGER NOT NULL REFERENCES org_units(id), org_path TEXT NOT NULL, district_code TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, created_by INTEGER, updated_at TEXT NOT NULL, updated_by INTEGER
);
CREATE INDEX service_order_events_order ON service_order_events(order_id, id);
CREATE INDEX service_order_events_path ON service_order_events(org_path, id);

-- accounts of a provider's people: the provider a provider_admin manages, a caregiver's record
ALTER TABLE users ADD COLUMN provider_id INTEGER REFERENCES providers(id);
ALTER TABLE users ADD COLUMN caregiver_id INTEGER REFERENCES caregivers(id);

INSERT INTO change_counters (tbl, n) VALUES ('providers', 0);
INSERT INTO change_counters (tbl, n) VALUES ('caregivers', 0);
INSERT INTO change_counters (tbl, n) VALUES ('service_orders', 0);
INSERT INTO change_counters (tbl, n) VALUES ('service_order_events', 0);
CREATE TRIGGER providers_count_i AFTER INSERT ON providers BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'providers'; END;
CREATE TRIGGER providers_count_u AFTER UPDATE ON providers BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'providers'; END;
CREATE TRIGGER providers_count_d AFTER DELETE ON providers BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'providers'; END;
CREATE TRIGGER caregivers_count_i AFTER INSERT ON caregivers BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'caregivers'; END;
CREATE TRIGGER caregivers_count_u AFTER UPDATE ON caregivers BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'caregivers'; END;
CREATE TRIGGER caregivers_count_d AFTER DELETE ON caregivers BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'caregivers'; END;
CREATE TRIGGER service_orders_count_i AFTER INSERT ON service_orders BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'service_orders'; END;
CREATE TRIGGER service_orders_count_u AFTER UPDATE ON service_orders BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'service_orders'; END;
CREATE TRIGGER service_orders_count_d AFTER DELETE ON service_orders BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'service_orders'; END;
CREATE TRIGGER service_order_events_count_i AFTER INSERT ON service_order_events BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'service_order_events'; END;
CREATE TRIGGER service_order_events_count_u AFTER UPDATE ON service_order_events BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'service_order_events'; END;
CREATE TRIGGER service_order_events_count_d AFTER DELETE ON service_order_events BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'service_order_events'; END;
