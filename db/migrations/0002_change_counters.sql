-- 0002_change_counters: a counter per table, moved by triggers on every insert, update and delete.
-- A list reads its table's counter in the same snapshot as its rows; a count cached under that
-- counter is exact until the next change (crud.c, count_cache.c). Triggers rather than
-- application code, so that no write path - CLI, import, another server - can forget it.

CREATE TABLE change_counters (
  tbl TEXT PRIMARY KEY,
  n INTEGER NOT NULL
);
INSERT INTO change_counters (tbl, n) VALUES ('org_units', 0);
INSERT INTO change_counters (tbl, n) VALUES ('buildings', 0);
INSERT INTO change_counters (tbl, n) VALUES ('persons', 0);
INSERT INTO change_counters (tbl, n) VALUES ('households', 0);
INSERT INTO change_counters (tbl, n) VALUES ('household_members', 0);
INSERT INTO change_counters (tbl, n) VALUES ('users', 0);
INSERT INTO change_counters (tbl, n) VALUES ('roles', 0);
INSERT INTO change_counters (tbl, n) VALUES ('dict_items', 0);
INSERT INTO change_counters (tbl, n) VALUES ('audit_log', 0);
INSERT INTO change_counters (tbl, n) VALUES ('record_tags', 0);
CREATE TRIGGER org_units_count_i AFTER INSERT ON org_units BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'org_units'; END;
CREATE TRIGGER org_units_count_u AFTER UPDATE ON org_units BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'org_units'; END;
CREATE TRIGGER org_units_count_d AFTER DELETE ON org_units BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'org_units'; END;
CREATE TRIGGER buildings_count_i AFTER INSERT ON buildings BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'buildings'; END;
CREATE TRIGGER buildings_count_u AFTER UPDATE ON buildings BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'buildings'; END;
CREATE TRIGGER buildings_count_d AFTER DELETE ON buildings BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'buildings'; END;
CREATE TRIGGER persons_count_i AFTER INSERT ON persons BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'persons'; END;
CREATE TRIGGER persons_count_u AFTER UPDATE ON persons BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'persons'; END;
CREATE TRIGGER persons_count_d AFTER DELETE ON persons BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'persons'; END;
CREATE TRIGGER households_count_i AFTER INSERT ON households BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'households'; END;
CREATE TRIGGER households_count_u AFTER UPDATE ON households BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'households'; END;
CREATE TRIGGER households_count_d AFTER DELETE ON households BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'households'; END;
CREATE TRIGGER household_members_count_i AFTER INSERT ON household_members BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'household_members'; END;
CREATE TRIGGER household_members_count_u AFTER UPDATE ON household_members BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'household_members'; END;
CREATE TRIGGER household_members_count_d AFTER DELETE ON household_members BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'household_members'; END;
CREATE TRIGGER users_count_i AFTER INSERT ON users BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'users'; END;
CREATE TRIGGER users_count_u AFTER UPDATE ON users BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'users'; END;
CREATE TRIGGER users_count_d AFTER DELETE ON users BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'users'; END;
CREATE TRIGGER roles_count_i AFTER INSERT ON roles BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'roles'; END;
CREATE TRIGGER roles_count_u AFTER UPDATE ON roles BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'roles'; END;
CREATE TRIGGER roles_count_d AFTER DELETE ON roles BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'roles'; END;
CREATE TRIGGER dict_items_count_i AFTER INSERT ON dict_items BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'dict_items'; END;
CREATE TRIGGER dict_items_count_u AFTER UPDATE ON dict_items BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'dict_items'; END;
CREATE TRIGGER dict_items_count_d AFTER DELETE ON dict_items BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'dict_items'; END;
CREATE TRIGGER audit_log_count_i AFTER INSERT ON audit_log BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'audit_log'; END;
CREATE TRIGGER audit_log_count_u AFTER UPDATE ON audit_log BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'audit_log'; END;
CREATE TRIGGER audit_log_count_d AFTER DELETE ON audit_log BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'audit_log'; END;
CREATE TRIGGER record_tags_count_i AFTER INSERT ON record_tags BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'record_tags'; END;
CREATE TRIGGER record_tags_count_u AFTER UPDATE ON record_tags BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'record_tags'; END;
CREATE TRIGGER record_tags_count_d AFTER DELETE ON record_tags BEGIN UPDATE change_counters SET n = n + 1 WHERE tbl = 'record_tags'; END;
