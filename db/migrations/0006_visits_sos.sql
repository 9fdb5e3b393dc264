-- 0006_visits_sos: where an elder lives, the visit a caregiver makes and the emergencies (issue 5,
-- points 5 and 6). An elder's home is a point (WGS-84 micro-degrees, as orders and caregivers
-- have); orders take it as their place of service. A visit is checked in and out on its order by
-- scanning the QR code printed for the elder's home (service_order_visit.c): times, places, the
-- distance from the home and flags (too far, two places at once) stay on the order, one visit an
-- order. An SOS (助急, sos.c) is an order with its clock (due times fixed when raised) and, once
-- closed, its outcome.

ALTER TABLE elders ADD COLUMN home_lat_e6 INTEGER;
ALTER TABLE elders ADD COLUMN home_lng_e6 INTEGER;

ALTER TABLE service_orders ADD COLUMN check_in_at TEXT;
ALTER TABLE service_orders ADD COLUMN check_in_lat_e6 INTEGER;
ALTER TABLE service_orders ADD COLUMN check_in_lng_e6 INTEGER;
ALTER TABLE service_orders ADD COLUMN check_in_distance_m INTEGER;
ALTER TABLE service_orders ADD COLUMN check_out_at TEXT;
ALTER TABLE service_orders ADD COLUMN check_out_lat_e6 INTEGER;
ALTER TABLE service_orders ADD COLUMN check_out_lng_e6 INTEGER;
ALTER TABLE service_orders ADD COLUMN check_out_distance_m INTEGER;
ALTER TABLE service_orders ADD COLUMN actual_minutes INTEGER;
ALTER TABLE service_orders ADD COLUMN visit_flags TEXT;          -- visit_flag codes, comma-separated
ALTER TABLE service_orders ADD COLUMN flagged INTEGER NOT NULL DEFAULT 0;
CREATE INDEX service_orders_visits ON service_orders(caregiver_id, check_in_at);
CREATE INDEX service_orders_flagged ON service_orders(flagged) WHERE flagged = 1;

ALTER TABLE service_orders ADD COLUMN sos_channel TEXT;          -- sos_channel; NULL: not an SOS
ALTER TABLE service_orders ADD COLUMN sos_accept_due TEXT;       -- a caregiver takes it by then
ALTER TABLE service_orders ADD COLUMN sos_on_site_due TEXT;      -- checked in at the home by then
ALTER TABLE service_orders ADD COLUMN sos_outcome TEXT;          -- sos_outcome, on closing
ALTER TABLE service_orders ADD COLUMN sos_closed_at TEXT;
ALTER TABLE service_orders ADD COLUMN sos_closed_by INTEGER;
CREATE INDEX service_orders_sos ON service_orders(sos_closed_at, id) WHERE sos_channel IS NOT NULL;
