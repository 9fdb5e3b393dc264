-- 0007_plans_settlement: recurring care plans and monthly settlement of home-care orders (issue 5,
-- points 5 and 7). A care plan says which service an elder gets by which provider and when it
-- recurs; care_plan_orders records the order each plan made for each day, unique per plan and day,
-- which is what makes a second generation run for a day make nothing. A settlement is one
-- provider's month: its lines copy each order's amounts as computed (split into subsidy, vouchers
-- and self-pay), frozen on approval; corrections are further lines referencing the line they
-- correct, never edits.

CREATE TABLE care_plans (
  id INTEGER PRIMARY KEY,
  elder_id INTEGER NOT NULL REFERENCES elders(id),
  elder_name TEXT NOT NULL,            -- the elder's, copied so lists and search need no join
  service_item_id INTEGER NOT NULL REFERENCES service_items(id),
  provider_id INTEGER NOT NULL REFERENCES providers(id),
  caregiver_id INTEGER REFERENCES caregivers(id),    -- preferred: orders go to them dispatched
  recurrence TEXT NOT NULL,            -- care_recurrence: daily | weekly | interval
  weekdays TEXT,                       -- weekly: ISO weekdays 1 (Monday) .. 7, comma-separated
  interval_days INTEGER,               -- interval: every N days from start_date
  time_of_day TEXT NOT NULL,           -- HH:MM, Beijing time
  duration_minutes INTEGER NOT NULL,
  start_date TEXT NOT NULL,
  end_date TEXT,
  status TEXT NOT NULL,                -- care_plan_status
  note TEXT,
  org_id INTEGER NOT NULL REFERENCES org_units(id), org_path TEXT NOT NULL, district_code TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, created_by INTEGER, updated_at TEXT NOT NULL, updated_by INTEGER,
  deleted_at TEXT, deleted_by INTEGER, delete_reason TEXT
);
CREATE INDEX care_plans_path ON care_plans(org_path, id) WHERE deleted_at IS NULL;
CREATE INDEX care_plans_provider ON care_plans(provider_id) WHERE deleted_at IS NULL;
CREATE INDEX care_plans_status ON care_plans(status, start_date) WHERE deleted_at IS NULL;

CREATE TABLE care_plan_orders (
  id INTEGER PRIMARY KEY,
  plan_id INTEGER NOT NULL REFERENCES care_plans(id),
  plan_date TEXT NOT NULL,             -- YYYY-MM-DD the order is for
  order_id INTEGER NOT NULL REFERENCES service_orders(id),
  created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX care_plan_orders_day ON care_plan_orders(plan_id, plan_date);
CREATE INDEX care_plan_orders_order ON care_plan_orders(order_id);

CREATE TABLE settlements (
  id INTEGER PRIMARY KEY,
  provider_id INTEGER NOT NULL REFERENCES providers(id),
  month TEXT NOT NULL,                 -- YYYY-MM
  status TEXT NOT NULL,                -- settlement_status: draft | approved
  order_count INTEGER NOT NULL DEFAULT 0,
  visits INTEGER NOT NULL DEFAULT 0,
  minutes INTEGER NOT NULL DEFAULT 0,  -- billed minutes of hourly items
  total_amount INTEGER NOT NULL DEFAULT 0,     -- fen: subsidy + vouchers + self-pay
  subsidy_amount INTEGER NOT NULL DEFAULT 0,
  voucher_amount INTEGER NOT NULL DEFAULT 0,
  self_pay_amount INTEGER NOT NULL DEFAULT 0,
  computed_at TEXT, computed_by INTEGER,
  approved_at TEXT, approved_by INTEGER,
  note TEXT,
  org_id INTEGER NOT NULL REFERENCES org_units(id), org_path TEXT NOT NULL, district_code TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, created_by INTEGER, updated_at TEXT NOT NULL, updated_by INTEGER,
  deleted_at TEXT, deleted_by INTEGER, delete_reason TEXT
);
CREATE UNIQUE INDEX settlements_month ON settlements(provider_id, month) WHERE deleted_at IS NULL;
CREATE INDEX settlements_path ON settlements(org_path, id) WHERE deleted_at IS NULL;

CREATE TABLE settlement_lines (
  id INTEGER PRIMARY KEY,
  settlement_id INTEGER NOT NULL REFERENCES settlements(id),
  kind TEXT NOT NULL,                  -- settlement_line_kind: order | correction
  order_id INTEGER REFERENCES service_orders(id),
  corrects_line_id INTEGER REFERENCES settlement_lines(id),
  elder_id INTEGER REFERENCES elders(id),
  elder_name TEXT,
  service_item_id INTEGER REFERENCES service_items(id),
  unit TEXT,                           -- service_unit
  visits INTEGER NOT NULL DEFAULT 0,
  minutes INTEGER NOT NULL DEFAULT 0,
  price INTEGER NOT NULL DEFAULT 0,
  amount INTEGER NOT NULL DEFAULT 0,           -- fen; a correction's delta
  subsidy_amount INTEGER NOT NULL DEFAULT 0,
  voucher_amount INTEGER NOT NULL DEFAULT 0,
  self_pay_amount INTEGER NOT NULL DEFAULT 0,
  reason TEXT,
  provider_id INTEGER NOT NULL REFERENCES providers(id),
  org_id INTEGER NOT NULL REFERENCES org_units(id), org_path TEXT NOT NULL, district_code TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, created_by INTEGER, updated_at TEXT NOT NULL, updated_by INTEGER
);
CREATE INDEX settlement_lines_settlement ON settlement_lines(settlement_id, id);
CREATE INDEX settlement_lines_order ON settlement_lines(order_id);
CREATE INDEX settlement_lines_path ON settlement_lines(org_path, id);

INSERT INTO change_counters (tbl, n) VALUES ('care_plans', 0);
INSERT INTO change_counters (tbl, n) VALUES ('settlements', 0);
INSERT INTO change_counters (tbl, n) VALUES ('settlement_lines', 0);
CREATE TRIGGER care_plans_count_i AFTER INSERT ON care_plans BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'care_plans'; END;
CREATE TRIGGER care_plans_count_u AFTER UPDATE ON care_plans BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'care_plans'; END;
CREATE TRIGGER care_plans_count_d AFTER DELETE ON care_plans BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'care_plans'; END;
CREATE TRIGGER settlements_count_i AFTER INSERT ON settlements BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'settlements'; END;
CREATE TRIGGER settlements_count_u AFTER UPDATE ON settlements BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'settlements'; END;
CREATE TRIGGER settlements_count_d AFTER DELETE ON settlements BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'settlements'; END;
CREATE TRIGGER settlement_lines_count_i AFTER INSERT ON settlement_lines BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'settlement_lines'; END;
CREATE TRIGGER settlement_lines_count_u AFTER UPDATE ON settlement_lines BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'settlement_lines'; END;
CREATE TRIGGER settlement_lines_count_d AFTER DELETE ON settlement_lines BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'settlement_lines'; END;
