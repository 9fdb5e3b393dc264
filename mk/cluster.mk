# cluster.mk — several servers on one PostgreSQL (included by the top-level Makefile).
#   make cluster-demo    a private PostgreSQL with the demo district, two `shequ serve` behind
#                        haproxy on 127.0.0.1:8080 (scripts/cluster-demo.sh); Ctrl-C stops all

.PHONY: cluster-demo

cluster-demo: .deps-ok
	@$(MAKE) --no-print-directory build
	@bash scripts/cluster-demo.sh build/release
