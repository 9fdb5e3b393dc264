-- 0005_institutions_allowances: care institutions (issue 5, points 8-10): day-care centres, nursing
-- homes and private institutions with their placed residents and day-care attendance; elder
-- allowances (敬老补助) by age band: rates, monthly cycles and their frozen payment lines;
-- centenarian verification (百岁老人调查复核); safety inspections of the institutions. Scoped
-- like persons: each row lives in a unit (an institution's, or the person's for lines and checks).

CREATE TABLE institutions (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,                  -- institution_kind: day_care | care_station | nursing_home | private
  address TEXT,
  beds INTEGER NOT NULL,               -- beds (residential) or places (day care)
  operator TEXT,
  license_no TEXT,
  contact_phone TEXT,
  opened_on TEXT,
  status TEXT NOT NULL,                -- operating | suspended | closed
  note TEXT,
  org_id INTEGER NOT NULL REFERENCES org_units(id), org_path TEXT NOT NULL, district_code TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, created_by INTEGER, updated_at TEXT NOT NULL, updated_by INTEGER,
  deleted_at TEXT, deleted_by INTEGER, delete_reason TEXT
);
CREATE INDEX institutions_path ON institutions(org_path, id) WHERE deleted_at IS NULL;

CREATE TABLE placements (
  id INTEGER PRIMARY KEY,
  institution_id INTEGER NOT NULL REFERENCES institutions(id),
  elder_id INTEGER NOT NULL REFERENCES elders(id),
  placed_on TEXT NOT NULL,
  ended_on TEXT,
  end_reason TEXT,                     -- placement_end
  note TEXT,
  org_id INTEGER NOT NULL REFERENCES org_units(id), org_path TEXT NOT NULL, district_code TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, created_by INTEGER, updated_at TEXT NOT NULL, updated_by INTEGER,
  deleted_at TEXT, deleted_by INTEGER, delete_reason TEXT
);
CREATE UNIQUE INDEX placements_active ON placements(elder_id) WHERE ended_on IS NULL AND deleted_at IS NULL;
CREATE INDEX placements_institution ON placements(institution_id, ended_on);
CREATE INDEX placements_path ON placements(org_path, id) WHERE deleted_at IS NULL;

CREATE TABLE attendance (
  id INTEGER PRIMARY KEY,
  institution_id INTEGER NOT NULL REFERENCES institutions(id),
  elder_id INTEGER NOT NULL REFERENCES elders(id),
  day TEXT NOT NULL,
  present INTEGER NOT NULL,
  note TEXT,
  org_id INTEGER NOT NULL REFERENCES org_units(id), org_path TEXT NOT NULL, district_code TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, created_by INTEGER, updated_at TEXT NOT NULL, updated_by INTEGER,
  deleted_at TEXT, deleted_by INTEGER, delete_reason TEXT
);
CREATE UNIQUE INDEX attendance_day ON attendance(institution_id, day, elder_id) WHERE deleted_at IS NULL;
CREATE INDEX attendance_path ON attendance(org_path, id) WHERE deleted_at IS NULL;

CREATE TABLE allowance_rates (
  id INTEGER PRIMARY KEY,
  band TEXT NOT NULL,                  -- allowance_band: 80_89 | 90_99 | 100_plus
  amount INTEGER NOT NULL,             -- fen a month
  valid_from TEXT NOT NULL,
  valid_to TEXT,
  note TEXT,
  org_id INTEGER NOT NULL REFERENCES org_units(id), org_path TEXT NOT NULL, district_code TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, created_by INTEGER, updated_at TEXT NOT NULL, updated_by INTEGER,
  deleted_at TEXT, deleted_by INTEGER, delete_reason TEXT
);
CREATE INDEX allowance_rates_path ON allowance_rates(org_path, id) WHERE deleted_at IS NULL;

CREATE TABLE allowance_cycles (
  id INTEGER PRIMARY KEY,
  month TEXT NOT NULL,                 -- YYYY-MM
  status TEXT NOT NULL,                -- draft | approved
  run_at TEXT, run_by INTEGER,
  approved_at TEXT, approved_by INTEGER,
  line_count INTEGER NOT NULL DEFAULT 0,
  payable_count INTEGER NOT NULL DEFAULT 0,
  suspended_count INTEGER NOT NULL DEFAULT 0,
  total_amount INTEGER NOT NULL DEFAULT 0,
  note TEXT,
  org_id INTEGER NOT NULL REFERENCES org_units(id), org_path TEXT NOT NULL, district_code TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, created_by INTEGER, updated_at TEXT NOT NULL, updated_by INTEGER,
  deleted_at TEXT, deleted_by INTEGER, delete_reason TEXT
);
CREATE UNIQUE INDEX allowance_cycles_month ON allowance_cycles(org_id, month) WHERE deleted_at IS NULL;
CREATE INDEX allowance_cycles_path ON allowance_cycles(org_path, id) WHERE deleted_at IS NULL;

-- a cycle's payment list: copies of what the registry said when the cycle ran, never re-read
CREATE TABLE allowance_lines (
  id INTEGER PRIMARY KEY,
  cycle_id INTEGER NOT NULL REFERENCES allowance_cycles(id),
  person_id INTEGER NOT NULL REFERENCES persons(id),
  name TEXT NOT NULL,
  gender TEXT,
  birth_date TEXT NOT NULL,
  id_number_enc BLOB, id_number_hash BLOB, id_number_masked TEXT,
  age INTEGER NOT NULL,
  band TEXT NOT NULL,
  amount INTEGER NOT NULL,             -- fen; 0 while suspended
  status TEXT NOT NULL,                -- payable | suspended
  reason TEXT,                         -- allowance_reason, why suspended
  change_kind TEXT NOT NULL,           -- new | continued | resumed | suspended | still_suspended
  org_id INTEGER NOT NULL REFERENCES org_units(id), org_path TEXT NOT NULL, district_code TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, created_by INTEGER, updated_at TEXT NOT NULL, updated_by INTEGER
);
CREATE INDEX allowance_lines_cycle ON allowance_lines(cycle_id, id);
CREATE INDEX allowance_lines_path ON allowance_lines(org_path, id);
CREATE INDEX allowance_lines_person ON allowance_lines(person_id);

CREATE TABLE centenarian_verifications (
  id INTEGER PRIMARY KEY,
  person_id INTEGER NOT NULL REFERENCES persons(id),
  name TEXT NOT NULL,
  verified_on TEXT NOT NULL,
  method TEXT NOT NULL,                -- verification_method
  result TEXT NOT NULL,                -- verification_result: alive | deceased | moved_out
  evidence TEXT NOT NULL,
  attachment TEXT,                     -- reference to the photo or document kept elsewhere
  reviewers TEXT NOT NULL,             -- two user ids, comma-separated
  note TEXT,
  org_id INTEGER NOT NULL REFERENCES org_units(id), org_path TEXT NOT NULL, district_code TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, created_by INTEGER, updated_at TEXT NOT NULL, updated_by INTEGER,
  deleted_at TEXT, deleted_by INTEGER, delete_reason TEXT
);
CREATE INDEX centenarian_verifications_person ON centenarian_verifications(person_id, verified_on);
CREATE INDEX centenarian_verifications_path ON centenarian_verifications(org_path, id) WHERE deleted_at IS NULL;

CREATE TABLE inspections (
  id INTEGER PRIMARY KEY,
  institution_id INTEGER NOT NULL REFERENCES institutions(id),
  reinspection_of INTEGER REFERENCES inspections(id),
  inspected_on TEXT NOT NULL,
  inspectors TEXT NOT NULL,            -- user ids, comma-separated
  items TEXT NOT NULL,                 -- JSON: inspection_item code -> pass | fail | na
  failed_items TEXT,                   -- the items still failing, comma-separated
  findings TEXT,
  rectify_by TEXT,
  status TEXT NOT NULL,                -- passed | rectifying | rectified | closed | recorded
  closed_on TEXT,
  note TEXT,
  org_id INTEGER NOT NULL REFERENCES org_units(id), org_path TEXT NOT NULL, district_code TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, created_by INTEGER, updated_at TEXT NOT NULL, updated_by INTEGER,
  deleted_at TEXT, deleted_by INTEGER, delete_reason TEXT
);
CREATE INDEX inspections_institution ON inspections(institution_id, inspected_on);
CREATE INDEX inspections_open ON inspections(status, rectify_by) WHERE deleted_at IS NULL;
CREATE INDEX inspections_path ON inspections(org_path, id) WHERE deleted_at IS NULL;

INSERT INTO change_counters (tbl, n) VALUES ('institutions', 0);
INSERT INTO change_counters (tbl, n) VALUES ('placements', 0);
INSERT INTO change_counters (tbl, n) VALUES ('attendance', 0);
INSERT INTO change_counters (tbl, n) VALUES ('allowance_rates', 0);
INSERT INTO change_counters (tbl, n) VALUES ('allowance_cycles', 0);
INSERT INTO change_counters (tbl, n) VALUES ('allowance_lines', 0);
INSERT INTO change_counters (tbl, n) VALUES ('centenarian_verifications', 0);
INSERT INTO change_counters (tbl, n) VALUES ('inspections', 0);
CREATE TRIGGER institutions_count_i AFTER INSERT ON institutions BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'institutions'; END;
CREATE TRIGGER institutions_count_u AFTER UPDATE ON institutions BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'institutions'; END;
CREATE TRIGGER institutions_count_d AFTER DELETE ON institutions BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'institutions'; END;
CREATE TRIGGER placements_count_i AFTER INSERT ON placements BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'placements'; END;
CREATE TRIGGER placements_count_u AFTER UPDATE ON placements BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'placements'; END;
CREATE TRIGGER placements_count_d AFTER DELETE ON placements BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'placements'; END;
CREATE TRIGGER attendance_count_i AFTER INSERT ON attendance BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'attendance'; END;
CREATE TRIGGER attendance_count_u AFTER UPDATE ON attendance BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'attendance'; END;
CREATE TRIGGER attendance_count_d AFTER DELETE ON attendance BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'attendance'; END;
CREATE TRIGGER allowance_rates_count_i AFTER INSERT ON allowance_rates BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'allowance_rates'; END;
CREATE TRIGGER allowance_rates_count_u AFTER UPDATE ON allowance_rates BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'allowance_rates'; END;
CREATE TRIGGER allowance_rates_count_d AFTER DELETE ON allowance_rates BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'allowance_rates'; END;
CREATE TRIGGER allowance_cycles_count_i AFTER INSERT ON allowance_cycles BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'allowance_cycles'; END;
CREATE TRIGGER allowance_cycles_count_u AFTER UPDATE ON allowance_cycles BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'allowance_cycles'; END;
CREATE TRIGGER allowance_cycles_count_d AFTER DELETE ON allowance_cycles BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'allowance_cycles'; END;
CREATE TRIGGER allowance_lines_count_i AFTER INSERT ON allowance_lines BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'allowance_lines'; END;
CREATE TRIGGER allowance_lines_count_u AFTER UPDATE ON allowance_lines BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'allowance_lines'; END;
CREATE TRIGGER allowance_lines_count_d AFTER DELETE ON allowance_lines BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'allowance_lines'; END;
CREATE TRIGGER centenarian_verifications_count_i AFTER INSERT ON centenarian_verifications BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'centenarian_verifications'; END;
CREATE TRIGGER centenarian_verifications_count_u AFTER UPDATE ON centenarian_verifications BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'centenarian_verifications'; END;
CREATE TRIGGER centenarian_verifications_count_d AFTER DELETE ON centenarian_verifications BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'centenarian_verifications'; END;
CREATE TRIGGER inspections_count_i AFTER INSERT ON inspections BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'inspections'; END;
CREATE TRIGGER inspections_count_u AFTER UPDATE ON inspections BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'inspections'; END;
CREATE TRIGGER inspections_count_d AFTER DELETE ON inspections BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'inspections'; END;
