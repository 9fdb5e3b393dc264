-- 0006_visits_sos (PostgreSQL): the same columns as ../0006_visits_sos.sql (test_schema keeps
-- the two in step). where an elder lives, the visit a caregiver makes and the emergencies (issue 5,
-- points 5 and 6). An elder's home is a point (WGS-84 micro-degrees, as orders and caregivers
-- have); orders take it as their place of service. A visit is checked in and out on its order by
-- scanning the QR code printed for the elder's home (service_order_visit.c): times, places, the
-- distance from the home and flags (too far, two places at once) stay on the order, one visit an
-- order. An SOS (助急, sos.c) is an order with its clock (due times fixed when raised) and, once
-- closed, its outcome.

ALTER TABLE elders ADD COLUMN home_lat_e6 BIGINT;
ALTER TABLE elders ADD COLUMN home_lng_e6 BIGINT;

ALTER TABLE service_orders ADD COLUMN check_in_at TEXT COLLATE "C";
ALTER TABLE service_orders ADD COLUMN check_in_lat_e6 BIGINT;
ALTER TABLE service_orders ADD COLUMN check_in_lng_e6 BIGINT;
ALTER TABLE service_orders ADD COLUMN check_in_distance_m BIGINT;
ALTER TABLE service_orders ADD COLUMN check_out_at TEXT COLLATE "C";
ALTER TABLE service_orders ADD COLUMN check_out_lat_e6 BIGINT;
ALTER TABLE service_orders ADD COLUMN check_out_lng_e6 BIGINT;
ALTER TABLE service_orders ADD COLUMN check_out_distance_m BIGINT;
ALTER TABLE service_orders ADD COLUMN actual_minutes BIGINT;
ALTER TABLE service_orders ADD COLUMN visit_flags TEXT COLLATE "C";          -- visit_flag codes, comma-separated
ALTER TABLE service_orders ADD COLUMN flagged BIGINT NOT NULL DEFAULT 0;
CREATE INDEX service_orders_visits ON service_orders(caregiver_id, check_in_at);
CREATE INDEX service_orders_flagged ON service_orders(flagged) WHERE flagged = 1;

ALTER TABLE service_orders ADD COLUMN sos_channel TEXT COLLATE "C";          -- sos_channel; NULL: not an SOS
ALTER TABLE service_orders ADD COLUMN sos_accept_due TEXT COLLATE "C";       -- a caregiver takes it by then
ALTER TABLE service_orders ADD COLUMN sos_on_site_due TEXT COLLATE "C";      -- checked in at the home by then
ALTER TABLE service_orders ADD COLUMN sos_outcome TEXT COLLATE "C";          -- sos_outcome, on closing
ALTER TABLE service_orders ADD COLUMN sos_closed_at TEXT COLLATE "C";
ALTER TABLE service_orders ADD COLUMN sos_closed_by BIGINT;
CREATE INDEX service_orders_sos ON service_orders(sos_closed_at, id) WHERE sos_channel IS NOT NULL;
