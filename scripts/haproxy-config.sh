#!/usr/bin/env bash
# haproxy-config.sh FRONT_PORT BACKEND_PORT...: prints the haproxy configuration that puts one
# 127.0.0.1:FRONT_PORT in front of `shequ serve` processes on 127.0.0.1:BACKEND_PORT each. Used by
# make cluster-demo, the cluster test (tests/api/cluster.test.mjs) and make bench, so all three
# run the same balancer.
#
# Round robin per request: the servers share everything through the database (sessions,
# versions, the audit chain), so no stickiness is needed. Each server is checked through
# GET /api/v1/health; a request whose connection to a server fails is sent to another
# (retry-on conn-failure + redispatch), so stopping one server loses no request. X-Served-By names
# the server that answered. `option forwardfor` appends the client's address to X-Forwarded-For:
# the servers are started with SHEQU_TRUSTED_PROXIES=127.0.0.1 so that their rate limits count
# each client, not the balancer.
set -euo pipefail
front=$1; shift
cat <<CFG
global
  maxconn 4096
defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  option httpchk GET /api/v1/health
  retries 2
  retry-on conn-failure
  option redispatch 1
frontend shequ
  bind 127.0.0.1:$front
  option forwardfor
  default_backend servers
backend servers
  balance roundrobin
  http-response set-header X-Served-By %s
CFG
i=0
for port in "$@"; do
  i=$((i + 1))
  echo "  server s$i 127.0.0.1:$port check inter 1s fall 1 rise 1"
done
