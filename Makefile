# Cotizador — the two commands of the README: `make run` and `make test`.
SHELL := /bin/bash
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
BUILT   ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.buildTime=$(BUILT)
export COTIZADOR_DB ?= ./data/cotizador.db
export COTIZADOR_ADDR ?= 127.0.0.1:3000

.PHONY: run run-replicated litestream build test test-short lint bench htmx clean

## build: the cotizador binary
build:
	go build -ldflags '$(LDFLAGS)' -o cotizador .

## run: migrate, load the demo catalogue into an empty catalogue, then serve on :3000 (no S3 needed)
run: build
	./cotizador migrate up
	./cotizador catalog load-demo --if-empty
	./cotizador serve

## run-replicated: like run, under Litestream replicating to a local in-memory S3 (try-out; see README, Respaldos)
run-replicated: build
	./scripts/run-replicated.sh

## litestream: the pinned Litestream CLI in bin/ (built from tools/ when missing)
litestream:
	./scripts/litestream.sh

## test: every test (installs Chromium when missing), vet and gofmt
test:
	./scripts/test-deps.sh
	./scripts/litestream.sh >/dev/null
	@unformatted=$$(gofmt -l $$(git ls-files '*.go') 2>/dev/null); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	go vet ./...
	go test -race -count=1 -timeout 20m ./...

## test-short: the fast tests only (no browser)
test-short:
	go test -short ./...

## bench: the benchmarks whose figures the README records
bench:
	go test -run '^$$' -bench . -benchmem ./...

## htmx: re-fetch the pinned htmx from npm and verify its checksum
htmx:
	./scripts/fetch-htmx.sh

clean:
	rm -f cotizador
