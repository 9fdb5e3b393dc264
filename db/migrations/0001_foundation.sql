-- 0001_foundation: organisation tree, buildings, persons, households, dictionaries, accounts,
-- sessions, audit log. Portable SQL (SQLite and PostgreSQL). Every scoped table carries its
-- organisation unit, that unit's path (for scope) and its district code (for distribution).

CREATE TABLE org_units (
  id INTEGER PRIMARY KEY,
  parent_id INTEGER REFERENCES org_units(id),
  level TEXT NOT NULL,                 -- city | district | street | community | grid
  code TEXT NOT NULL,                  -- GB/T 2260 (4/6 digits) or statistical code (9/12 digits)
  code12 TEXT,                         -- 12-digit statistical code where one exists
  name TEXT NOT NULL,
  unit_type TEXT,                      -- 街道 / 镇 / 乡 / 居委会 / 村委会 / 网格
  community_class TEXT,                -- 1 | 2 | 3 (一类/二类/三类社区)
  service_area_m2 INTEGER,             -- community service-centre floor area
  service_centre TEXT,                 -- none | city | district
  address TEXT,
  phone TEXT,
  note TEXT,
  org_id INTEGER, org_path TEXT NOT NULL, district_code TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, created_by INTEGER, updated_at TEXT NOT NULL, updated_by INTEGER,
  deleted_at TEXT, deleted_by INTEGER, delete_reason TEXT
);
CREATE UNIQUE INDEX org_units_code ON org_units(code) WHERE deleted_at IS NULL;
CREATE INDEX org_units_parent ON org_units(parent_id);
CREATE INDEX org_units_path ON org_units(org_path);

CREATE TABLE buildings (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,                  -- residential | commercial | mixed | public
  address TEXT,
  floors INTEGER,
  unit_count INTEGER,
  note TEXT,
  org_id INTEGER NOT NULL REFERENCES org_units(id), org_path TEXT NOT NULL, district_code TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, created_by INTEGER, updated_at TEXT NOT NULL, updated_by INTEGER,
  deleted_at TEXT, deleted_by INTEGER, delete_reason TEXT
);
CREATE INDEX buildings_path ON buildings(org_path, id) WHERE deleted_at IS NULL;

CREATE TABLE persons (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  id_type TEXT NOT NULL,               -- resident_id | passport | hk_macao_permit | taiwan_permit | foreign_permanent | other
  id_number_enc BLOB, id_number_hash BLOB, id_number_masked TEXT,
  phone_enc BLOB, phone_hash BLOB, phone_masked TEXT,
  gender TEXT,                         -- 1 male | 2 female (GB/T 2261.1)
  birth_date TEXT,
  ethnicity TEXT,
  address TEXT,
  tags TEXT,                           -- comma-separated dictionary codes; record_tags indexes them
  status TEXT NOT NULL,                -- active | moved_out | deceased
  status_date TEXT,
  note TEXT,
  org_id INTEGER NOT NULL REFERENCES org_units(id), org_path TEXT NOT NULL, district_code TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, created_by INTEGER, updated_at TEXT NOT NULL, updated_by INTEGER,
  deleted_at TEXT, deleted_by INTEGER, delete_reason TEXT
);
CREATE UNIQUE INDEX persons_id_number ON persons(id_number_hash) WHERE deleted_at IS NULL;
CREATE INDEX persons_phone ON persons(phone_hash);
CREATE INDEX persons_path ON persons(org_path, id) WHERE deleted_at IS NULL;
CREATE INDEX persons_name ON persons(name);
CREATE INDEX persons_birth ON persons(birth_date);

CREATE TABLE record_tags (
  res TEXT NOT NULL,
  tag TEXT NOT NULL,
  record_id INTEGER NOT NULL,
  PRIMARY KEY (res, tag, record_id)
);
CREATE INDEX record_tags_record ON record_tags(res, record_id);

CREATE TABLE households (
  id INTEGER PRIMARY KEY,
  hh_number TEXT,                      -- 户号
  kind TEXT NOT NULL,                  -- family | collective
  address TEXT,
  building_id INTEGER REFERENCES buildings(id),
  head_person_id INTEGER REFERENCES persons(id),
  member_count INTEGER NOT NULL DEFAULT 0,
  note TEXT,
  org_id INTEGER NOT NULL REFERENCES org_units(id), org_path TEXT NOT NULL, district_code TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, created_by INTEGER, updated_at TEXT NOT NULL, updated_by INTEGER,
  deleted_at TEXT, deleted_by INTEGER, delete_reason TEXT
);
CREATE INDEX households_path ON households(org_path, id) WHERE deleted_at IS NULL;
CREATE INDEX households_building ON households(building_id);

CREATE TABLE household_members (
  id INTEGER PRIMARY KEY,
  household_id INTEGER NOT NULL REFERENCES households(id),
  person_id INTEGER NOT NULL REFERENCES persons(id),
  relation TEXT NOT NULL,              -- self (户主) | spouse | child | parent | ...
  start_date TEXT NOT NULL,
  end_date TEXT,
  end_reason TEXT,                     -- moved_out | deceased | moved_household | other
  note TEXT,
  org_id INTEGER NOT NULL, org_path TEXT NOT NULL, district_code TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, created_by INTEGER, updated_at TEXT NOT NULL, updated_by INTEGER,
  deleted_at TEXT, deleted_by INTEGER, delete_reason TEXT
);
CREATE UNIQUE INDEX household_members_live ON household_members(person_id) WHERE end_date IS NULL AND deleted_at IS NULL;
CREATE UNIQUE INDEX household_members_head ON household_members(household_id) WHERE relation = 'self' AND end_date IS NULL AND deleted_at IS NULL;
CREATE INDEX household_members_hh ON household_members(household_id);

CREATE TABLE dict_items (
  id INTEGER PRIMARY KEY,
  dict TEXT NOT NULL,
  code TEXT NOT NULL,
  label_zh TEXT NOT NULL,
  label_en TEXT NOT NULL,
  sort INTEGER NOT NULL DEFAULT 0,
  active INTEGER NOT NULL DEFAULT 1,
  builtin INTEGER NOT NULL DEFAULT 0,
  org_id INTEGER, org_path TEXT NOT NULL DEFAULT '/', district_code TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, created_by INTEGER, updated_at TEXT NOT NULL, updated_by INTEGER,
  deleted_at TEXT, deleted_by INTEGER, delete_reason TEXT
);
CREATE UNIQUE INDEX dict_items_code ON dict_items(dict, code);

CREATE TABLE roles (
  id INTEGER PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,
  name_zh TEXT NOT NULL,
  name_en TEXT NOT NULL,
  scope TEXT NOT NULL,                 -- all | subtree | unit | self
  permissions TEXT NOT NULL,           -- space-separated
  builtin INTEGER NOT NULL DEFAULT 0,
  org_id INTEGER, org_path TEXT NOT NULL DEFAULT '/', district_code TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, created_by INTEGER, updated_at TEXT NOT NULL, updated_by INTEGER,
  deleted_at TEXT, deleted_by INTEGER, delete_reason TEXT
);

CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  name TEXT NOT NULL,
  phone TEXT,
  roles TEXT NOT NULL,                 -- comma-separated role codes
  status TEXT NOT NULL DEFAULT 'active',
  last_login_at TEXT,
  password_changed_at TEXT,
  org_id INTEGER NOT NULL REFERENCES org_units(id), org_path TEXT NOT NULL, district_code TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, created_by INTEGER, updated_at TEXT NOT NULL, updated_by INTEGER,
  deleted_at TEXT, deleted_by INTEGER, delete_reason TEXT
);
CREATE UNIQUE INDEX users_username ON users(username) WHERE deleted_at IS NULL;

CREATE TABLE sessions (
  id INTEGER PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  user_id INTEGER NOT NULL REFERENCES users(id),
  kind TEXT NOT NULL,                  -- session | token
  label TEXT,
  csrf TEXT NOT NULL,
  ip TEXT,
  created_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE login_attempts (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL,
  ip TEXT NOT NULL,
  at TEXT NOT NULL,
  ok INTEGER NOT NULL
);
CREATE INDEX login_attempts_user_ip ON login_attempts(username, ip, at);

CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  user_id INTEGER,
  username TEXT,
  ip TEXT,
  action TEXT NOT NULL,                -- create | update | delete | login | login_failed | logout | export | import | unmask | ...
  resource TEXT,
  record_id INTEGER,
  org_id INTEGER,
  org_path TEXT NOT NULL DEFAULT '/',
  summary TEXT,
  detail TEXT,                         -- JSON: before/after diff, filters, counts
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_log_record ON audit_log(resource, record_id);
CREATE INDEX audit_log_path ON audit_log(org_path, id);

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
