-- 0002_change_counters (PostgreSQL): a counter per table that moves whenever the table changes,
-- as ../0002_change_counters.sql does with row triggers in SQLite; a list read under the counter
-- is cached until it moves (query_cache.c). Triggers rather than application code, so that no
-- write path - CLI, import, another server - can forget it.
--
-- Here the trigger fires once per statement and moves the counter once per transaction per
-- table: a transaction that writes many rows would otherwise update the same counter row once
-- per row, and PostgreSQL keeps every one of those row versions until the transaction ends,
-- each update walking past the ones before (quadratic in a large import). Once per transaction
-- is enough: the cache only ever sees committed states, and each commit that changed the table
-- moves its counter. The counter row is locked from the first write to commit, so concurrent
-- writers of one table take turns there, and the counter read by a list is always one that
-- a committed state of the table had.

CREATE TABLE change_counters (
  tbl TEXT COLLATE "C" PRIMARY KEY,
  n BIGINT NOT NULL
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

-- TG_TABLE_NAME names the counter; a transaction-local setting remembers it moved already
-- (set_config(..., true) ends with the transaction, and a rolled-back savepoint undoes both).
CREATE FUNCTION change_counter_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('shequ.moved_' || TG_TABLE_NAME, true) IS DISTINCT FROM '1' THEN
    UPDATE change_counters SET n = n + 1 WHERE tbl = TG_TABLE_NAME;
    PERFORM set_config('shequ.moved_' || TG_TABLE_NAME, '1', true);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER org_units_count AFTER INSERT OR UPDATE OR DELETE ON org_units FOR EACH STATEMENT EXECUTE FUNCTION change_counter_bump();
CREATE TRIGGER buildings_count AFTER INSERT OR UPDATE OR DELETE ON buildings FOR EACH STATEMENT EXECUTE FUNCTION change_counter_bump();
CREATE TRIGGER persons_count AFTER INSERT OR UPDATE OR DELETE ON persons FOR EACH STATEMENT EXECUTE FUNCTION change_counter_bump();
CREATE TRIGGER households_count AFTER INSERT OR UPDATE OR DELETE ON households FOR EACH STATEMENT EXECUTE FUNCTION change_counter_bump();
CREATE TRIGGER household_members_count AFTER INSERT OR UPDATE OR DELETE ON household_members FOR EACH STATEMENT EXECUTE FUNCTION change_counter_bump();
CREATE TRIGGER users_count AFTER INSERT OR UPDATE OR DELETE ON users FOR EACH STATEMENT EXECUTE FUNCTION change_counter_bump();
CREATE TRIGGER roles_count AFTER INSERT OR UPDATE OR DELETE ON roles FOR EACH STATEMENT EXECUTE FUNCTION change_counter_bump();
CREATE TRIGGER dict_items_count AFTER INSERT OR UPDATE OR DELETE ON dict_items FOR EACH STATEMENT EXECUTE FUNCTION change_counter_bump();
CREATE TRIGGER audit_log_count AFTER INSERT OR UPDATE OR DELETE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION change_counter_bump();
CREATE TRIGGER record_tags_count AFTER INSERT OR UPDATE OR DELETE ON record_tags FOR EACH STATEMENT EXECUTE FUNCTION change_counter_bump();
