-- pgbench script: the engine's own reference for GET /api/v1/persons/{id} on PostgreSQL - the
-- statement shequ runs for it (crud.c: the record's columns, its unit's name, the caller's
-- scope as an org_path range), prepared (-M prepared), for a random resident.
-- usage: pgbench -n -M prepared -f bench/pgbench-person.sql -D maxid=N -D lo=/1/5/ -D hi=/1/50 ...
\set id random(1, :maxid)
SELECT t.id, t.version, t.created_at, t.updated_at, t.created_by, t.updated_by, t.org_path, t.org_id,
       (SELECT o.name FROM org_units o WHERE o.id = t.org_id), t.name, t.id_type, t.id_number_masked,
       t.id_number_enc, t.phone_masked, t.phone_enc, t.gender, t.birth_date, t.ethnicity, t.org_id,
       t.address, t.tags, t.status, t.status_date, t.note
  FROM persons t WHERE t.id = :id AND t.deleted_at IS NULL AND t.org_path >= :lo AND t.org_path < :hi;
