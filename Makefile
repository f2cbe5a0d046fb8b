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
	CI=true $(GO) test -race -count=1 ./connector/postgres/... ./connector/mysql/...

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
