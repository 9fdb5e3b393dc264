-- 0003_eldercare: home elderly care, first slice (issue 5): elders enrolled for services at home,
-- their capability assessments (GB/T 42195-2022 or the Barthel index; appended, never edited),
-- the subsidy rules that turn an elder's categories into a monthly entitlement, and the catalogue
-- of home-care services (GB/T 43153-2023), seeded here. Scoped like
-- persons; an elder and their assessments live in the person's unit (elder.c keeps them there).

CREATE TABLE elders (
  id INTEGER PRIMARY KEY,
  person_id INTEGER NOT NULL REFERENCES persons(id),
  name TEXT NOT NULL,                  -- name, gender, birth date: the person's, kept in step by elder.c
  gender TEXT,
  birth_date TEXT,
  enrolled_on TEXT NOT NULL,
  status TEXT NOT NULL,                -- active | suspended | ended
  status_date TEXT,
  categories TEXT,                     -- elder_category codes, comma-separated; record_tags indexes them
  living_situation TEXT,
  contact1_name TEXT, contact1_relation TEXT,
  contact1_phone_enc BLOB, contact1_phone_hash BLOB, contact1_phone_masked TEXT,
  contact2_name TEXT, contact2_relation TEXT,
  contact2_phone_enc BLOB, contact2_phone_hash BLOB, contact2_phone_masked TEXT,
  care_level TEXT,                     -- 0-4, from the latest GB/T 42195 assessment
  last_assessment_id INTEGER,
  last_assessed_on TEXT,
  next_assessment_due TEXT,            -- the enrolment date until the first assessment
  note TEXT,
  org_id INTEGER NOT NULL REFERENCES org_units(id), org_path TEXT NOT NULL, district_code TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, created_by INTEGER, updated_at TEXT NOT NULL, updated_by INTEGER,
  deleted_at TEXT, deleted_by INTEGER, delete_reason TEXT
);
CREATE UNIQUE INDEX elders_person ON elders(person_id) WHERE deleted_at IS NULL;
CREATE INDEX elders_path ON elders(org_path, id) WHERE deleted_at IS NULL;
CREATE INDEX elders_due ON elders(next_assessment_due) WHERE deleted_at IS NULL;
CREATE INDEX elders_name ON elders(name);
CREATE INDEX elders_contact1_phone ON elders(contact1_phone_hash);
CREATE INDEX elders_contact2_phone ON elders(contact2_phone_hash);

CREATE TABLE assessments (
  id INTEGER PRIMARY KEY,
  elder_id INTEGER NOT NULL REFERENCES elders(id),
  standard TEXT NOT NULL,              -- GB/T 42195-2022 | Barthel
  reason TEXT NOT NULL,                -- first | routine | immediate | reassessment
  assessed_on TEXT NOT NULL,
  assessors TEXT NOT NULL,             -- user ids, comma-separated
  items TEXT NOT NULL,                 -- JSON: item code -> score
  coma INTEGER NOT NULL DEFAULT 0,
  diagnoses TEXT,                      -- ICD-10 codes, comma-separated
  risk_events_30d INTEGER NOT NULL DEFAULT 0,
  total INTEGER NOT NULL,
  group_totals TEXT,                   -- JSON: B1..B4 (GB/T 42195 only)
  base_level INTEGER NOT NULL,
  level INTEGER NOT NULL,
  level_label TEXT NOT NULL,
  level_label_en TEXT NOT NULL,
  adjustments TEXT,                    -- coma | mental_disorder | care_risk, comma-separated
  next_due TEXT NOT NULL,
  note TEXT,
  org_id INTEGER NOT NULL REFERENCES org_units(id), org_path TEXT NOT NULL, district_code TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, created_by INTEGER, updated_at TEXT NOT NULL, updated_by INTEGER,
  deleted_at TEXT, deleted_by INTEGER, delete_reason TEXT
);
CREATE INDEX assessments_elder ON assessments(elder_id, assessed_on);
CREATE INDEX assessments_path ON assessments(org_path, id) WHERE deleted_at IS NULL;

CREATE TABLE subsidy_rules (
  id INTEGER PRIMARY KEY,
  category TEXT NOT NULL,              -- elder_category code
  kind TEXT NOT NULL,                  -- amount (fen a month) | hours (a month)
  value INTEGER NOT NULL,
  combine TEXT NOT NULL,               -- max | add
  valid_from TEXT NOT NULL,
  valid_to TEXT,
  note TEXT,
  org_id INTEGER NOT NULL REFERENCES org_units(id), org_path TEXT NOT NULL, district_code TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, created_by INTEGER, updated_at TEXT NOT NULL, updated_by INTEGER,
  deleted_at TEXT, deleted_by INTEGER, delete_reason TEXT
);
CREATE INDEX subsidy_rules_path ON subsidy_rules(org_path, id) WHERE deleted_at IS NULL;

CREATE TABLE service_items (
  id INTEGER PRIMARY KEY,
  code TEXT NOT NULL,
  name TEXT NOT NULL,
  category TEXT NOT NULL,              -- service_category: the twelve of GB/T 43153-2023
  unit TEXT NOT NULL,                  -- visit | hour
  price INTEGER NOT NULL,              -- fen a unit
  subsidy_kind TEXT,                   -- amount | hours: what of the elder's subsidy pays; NULL: the elder
  required_skill TEXT,                 -- caregiver_skill
  standard_minutes INTEGER NOT NULL,
  active INTEGER NOT NULL DEFAULT 1,
  description TEXT,
  org_id INTEGER, org_path TEXT NOT NULL DEFAULT '/', district_code TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, created_by INTEGER, updated_at TEXT NOT NULL, updated_by INTEGER,
  deleted_at TEXT, deleted_by INTEGER, delete_reason TEXT
);
CREATE UNIQUE INDEX service_items_code ON service_items(code) WHERE deleted_at IS NULL;

-- the catalogue as the standard names it, one item each; prices are a district's to set
INSERT INTO service_items (code, name, category, unit, price, subsidy_kind, required_skill, standard_minutes, description, created_at, updated_at) VALUES ('ZC01', '上门送餐', 'meal', 'visit', 1500, 'amount', 'cooking', 30, '按老人饮食禁忌配餐，11:30前送达并确认进食', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
INSERT INTO service_items (code, name, category, unit, price, subsidy_kind, required_skill, standard_minutes, description, created_at, updated_at) VALUES ('ZY01', '上门助浴', 'bathing', 'visit', 8000, 'hours', 'bathing', 60, '评估身体状况后协助洗浴、更衣，防滑防跌', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
INSERT INTO service_items (code, name, category, unit, price, subsidy_kind, required_skill, standard_minutes, description, created_at, updated_at) VALUES ('ZJ01', '居家保洁', 'cleaning', 'hour', 4000, 'hours', 'housekeeping', 60, '居室、厨房、卫生间清洁，整理衣物', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
INSERT INTO service_items (code, name, category, unit, price, subsidy_kind, required_skill, standard_minutes, description, created_at, updated_at) VALUES ('ZX01', '陪同出行', 'mobility', 'hour', 4000, 'hours', 'general_care', 60, '陪同散步、购物、办事，协助上下楼', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
INSERT INTO service_items (code, name, category, unit, price, subsidy_kind, required_skill, standard_minutes, description, created_at, updated_at) VALUES ('ZI01', '陪同就医', 'medical_escort', 'visit', 6000, 'hours', 'medical_escort', 120, '陪同挂号、就诊、取药，告知家属结果', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
INSERT INTO service_items (code, name, category, unit, price, subsidy_kind, required_skill, standard_minutes, description, created_at, updated_at) VALUES ('ZJ02', '紧急援助', 'emergency', 'visit', 0, NULL, 'general_care', 30, '接报后上门处置，联系紧急联系人或120', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
INSERT INTO service_items (code, name, category, unit, price, subsidy_kind, required_skill, standard_minutes, description, created_at, updated_at) VALUES ('JC01', '基础照护', 'basic_care', 'hour', 5000, 'hours', 'nursing', 60, '协助进食、如厕、翻身、体位转移', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
INSERT INTO service_items (code, name, category, unit, price, subsidy_kind, required_skill, standard_minutes, description, created_at, updated_at) VALUES ('JK01', '健康监测', 'health', 'visit', 3000, 'amount', 'nursing', 30, '测量血压、血糖，用药提醒，建立健康记录', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
INSERT INTO service_items (code, name, category, unit, price, subsidy_kind, required_skill, standard_minutes, description, created_at, updated_at) VALUES ('TF01', '探访关爱', 'visiting', 'visit', 0, 'hours', 'general_care', 30, '定期上门探视，了解生活状况，发现风险及时报告', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
INSERT INTO service_items (code, name, category, unit, price, subsidy_kind, required_skill, standard_minutes, description, created_at, updated_at) VALUES ('JS01', '精神慰藉', 'emotional', 'hour', 3000, 'hours', 'psychological', 60, '聊天陪伴、读报、心理疏导', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
INSERT INTO service_items (code, name, category, unit, price, subsidy_kind, required_skill, standard_minutes, description, created_at, updated_at) VALUES ('WT01', '委托代办', 'errands', 'visit', 2000, 'amount', 'general_care', 30, '代购物品、代缴费用、代办证件', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
INSERT INTO service_items (code, name, category, unit, price, subsidy_kind, required_skill, standard_minutes, description, created_at, updated_at) VALUES ('SL01', '适老化改造评估与施工', 'adaptation', 'visit', 150000, 'amount', 'home_adaptation', 240, '加装扶手、防滑处理、无障碍改造', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');

INSERT INTO change_counters (tbl, n) VALUES ('elders', 0);
INSERT INTO change_counters (tbl, n) VALUES ('assessments', 0);
INSERT INTO change_counters (tbl, n) VALUES ('subsidy_rules', 0);
INSERT INTO change_counters (tbl, n) VALUES ('service_items', 0);
CREATE TRIGGER elders_count_i AFTER INSERT ON elders BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'elders'; END;
CREATE TRIGGER elders_count_u AFTER UPDATE ON elders BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'elders'; END;
CREATE TRIGGER elders_count_d AFTER DELETE ON elders BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'elders'; END;
CREATE TRIGGER assessments_count_i AFTER INSERT ON assessments BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'assessments'; END;
CREATE TRIGGER assessments_count_u AFTER UPDATE ON assessments BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'assessments'; END;
CREATE TRIGGER assessments_count_d AFTER DELETE ON assessments BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'assessments'; END;
CREATE TRIGGER subsidy_rules_count_i AFTER INSERT ON subsidy_rules BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'subsidy_rules'; END;
CREATE TRIGGER subsidy_rules_count_u AFTER UPDATE ON subsidy_rules BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'subsidy_rules'; END;
CREATE TRIGGER subsidy_rules_count_d AFTER DELETE ON subsidy_rules BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'subsidy_rules'; END;
CREATE TRIGGER service_items_count_i AFTER INSERT ON service_items BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'service_items'; END;
CREATE TRIGGER service_items_count_u AFTER UPDATE ON service_items BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'service_items'; END;
CREATE TRIGGER service_items_count_d AFTER DELETE ON service_items BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'service_items'; END;
