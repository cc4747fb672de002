# Zhijian (职鉴). `make run` starts the server on SQLite; `make test` runs the whole suite.
SHELL := /bin/bash
HOST ?= 127.0.0.1
PORT ?= 8080
# The first ministry user `admin` is created with this password on first start.
ZHIJIAN_ADMIN_PASSWORD ?= zhijian-admin
export ZHIJIAN_ADMIN_PASSWORD

.PHONY: deps build run demo cluster cluster-test format format-check test test-postgres browser-test crawl crash-test fuzz fuzz-postgres soak soak-postgres bench bench-postgres clean

deps:
	@scripts/deps.sh

build: deps
	swift build --product zhijian

run: build
	@echo "Zhijian on http://$(HOST):$(PORT)/ (admin / $$ZHIJIAN_ADMIN_PASSWORD unless the database already has admin)"
	.build/debug/zhijian serve --env development --hostname $(HOST) --port $(PORT)

# The Swift suite through HTTP on in-memory SQLite, then a real browser against a real server.
# Fills ./zhijian.sqlite (or DATABASE_URL) with deterministic demo data; then `make run`.
demo: build
	.build/debug/zhijian demo-data --scale $${SCALE:-1}

# PostgreSQL, three release processes and nginx on loopback, as deployed (deploy/); Ctrl-C stops it.
cluster: deps
	scripts/cluster.sh

# The same cluster under test: shared tokens, limits, allocations, payments, signing keys,
# republished bulletins, a process killed mid-import.
cluster-test: deps
	CLUSTER_PORT=$${CLUSTER_PORT:-18480} CLUSTER_RUN="python3 Tests/cluster/test_cluster.py" scripts/cluster.sh

# swift-format with the committed .swift-format; CI runs format-check.
format:
	scripts/format.sh

format-check:
	scripts/format.sh --check

test:
	@WITH_BROWSER=1 scripts/deps.sh
	python3 -c 'import yaml, openapi_spec_validator as v; v.validate(yaml.safe_load(open("openapi.yaml")))' && echo "openapi.yaml is valid OpenAPI 3.1"
	swift test
	swift build --product zhijian
	python3 Tests/browser/test_browser.py
	python3 Tests/browser/test_crawl.py
	python3 Tests/crash/test_crash.py

# The same suite on a throw-away PostgreSQL server (as CI runs it).
test-postgres: deps
	scripts/with-postgres.sh swift test

browser-test:
	@WITH_BROWSER=1 scripts/deps.sh
	swift build --product zhijian
	python3 Tests/browser/test_browser.py

# Every page as every role (public, unit, supervisor, ministry) in headless Chromium, on demo data:
# fails on a 5xx, a console error, a link answering 404, a raw code shown to a person, an axe-core
# violation (serious or critical), a public page scrolling sideways at 375 px. Screenshots in
# $$SCREENSHOTS_DIR (Tests/browser/screenshots/); CRAWL_REPORT_ONLY=1 reports without failing;
# ZHIJIAN_BIN=path runs another binary than the one built here.
crawl:
	@WITH_BROWSER=1 scripts/deps.sh
	@if [ -z "$$ZHIJIAN_BIN" ]; then swift build --product zhijian; fi
	python3 Tests/browser/test_crawl.py

crash-test: deps
	swift build --product zhijian
	python3 Tests/crash/test_crash.py

# schemathesis against openapi.yaml on a running server (ministry, unit, anonymous); fails on any 5xx.
fuzz: deps
	swift build --product zhijian
	scripts/fuzz.sh $${EXAMPLES:-25}

fuzz-postgres: deps
	swift build --product zhijian
	scripts/with-postgres.sh bash -c 'FUZZ_DATABASE_URL=$$TEST_DATABASE_URL scripts/fuzz.sh $${EXAMPLES:-25}'

# Mixed load on a release server: report saves, verification, complaints; fails on any 5xx.
soak: deps
	Benchmarks/soak.sh $${SOAK_SECONDS:-30} $${UNITS:-20}

soak-postgres: deps
	swift build -c release --product zhijian
	scripts/with-postgres.sh bash -c 'SOAK_DATABASE_URL=$$TEST_DATABASE_URL Benchmarks/soak.sh $${SOAK_SECONDS:-30} $${UNITS:-20}'

# Benchmarks on the release build, each against a baseline measured in the same run, printed as
# one table (ratios, aims, peak memory, core count): see Benchmarks/run.sh and the README.
bench: deps
	Benchmarks/run.sh

# Certificate import (baseline COPY) and verification on a throw-away PostgreSQL server.
bench-postgres: deps
	swift build -c release --product zhijian
	scripts/with-postgres.sh bash -c 'BENCH_DATABASE_URL=$$TEST_DATABASE_URL Benchmarks/run.sh --postgres'

clean:
	rm -rf .build
