# The test command the README gives and .ci/run calls is `go test -race ./...`; integration tests that
# need PostgreSQL or MariaDB run inside it and skip (outside CI) when a server is not reachable.
GO ?= go

.PHONY: test test-integration lint bench bench-sqlite build quickstart

build:
	$(GO) build -o bin/oneway ./cmd/oneway

test:
	$(GO) test -race ./...

# CI=true turns a missing database server into a failure instead of a skip.
test-integration:
	CI=true $(GO) test -race -count=1 ./connector/postgres/... ./connector/mysql/... ./internal/dbtest/... \
		./internal/crashtest/... ./internal/faulttest/... ./internal/scenariotest/...

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

quickstart:
	$(GO) run ./cmd/oneway -c examples/quickstart/oneway.yaml run

bench: bench-sqlite

# 1M rows SQLite -> SQLite: first sync, no-change run, 1% updates + 0.1% deletes; rows/s and peak RSS.
bench-sqlite:
	$(GO) run ./bench/sqlitebench -rows 1000000

.PHONY: bench-pg bench-mysql

# 1M rows PostgreSQL -> PostgreSQL (another database) against psql \copy | psql \copy: full copy, cursor
# and snapshot runs, each ratio with its goal. Add ARGS="-rss-rows 10000000" for the peak-RSS phase.
bench-pg:
	$(GO) run ./bench/pgbench -rows 1000000 $(ARGS)

# The same for MariaDB/MySQL against mysqldump --no-create-info | mysql.
bench-mysql:
	$(GO) run ./bench/mysqlbench -rows 1000000 $(ARGS)
