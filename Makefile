# Run `make` to list the targets.
GO      ?= go
PKGS    ?= ./...
FUZZTIME ?= 10s

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@awk 'BEGIN{FS=":.*## "} /^[a-z][a-z-]*:.*## /{printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: check
check: fmt-check vet lint test fuzz fault-short ## Everything CI runs (the README's test command)

.PHONY: fmt-check
fmt-check: ## Fail when gofmt would change a file
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

.PHONY: vet
vet: ## go vet
	$(GO) vet $(PKGS)

.PHONY: lint
lint: ## golangci-lint v2, pinned in go.mod
	$(GO) tool golangci-lint run $(PKGS)

.PHONY: test
test: ## Tests with the race detector
	$(GO) test -race -count=1 $(PKGS)

.PHONY: fuzz
fuzz: ## Short fuzz runs of the decoders (FUZZTIME each, default 10s)
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) ./internal/events/

.PHONY: fault-short
fault-short: ## Short fault proofs: every service a process, SIGKILLs, bad messages, failing judges (minutes)
	$(GO) test -count=1 -timeout 15m ./test/fault -fault -short -fault.bus kafka
	$(GO) test -count=1 -timeout 10m ./test/fault -fault -short -fault.bus postgres -run TestCrash

.PHONY: fault
fault: ## The full crash test on Kafka: 200-essay batches, a kill a second, until 10 kills (about a minute)
	$(GO) test -count=1 -timeout 40m ./test/fault -fault -v -run TestCrash -fault.bus kafka

.PHONY: bench
bench: ## Benchmarks recorded in docs/benchmarks.md
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

.PHONY: build
build: ## Build the hule binary into ./bin
	$(GO) build -o bin/hule ./cmd/hule

.PHONY: run
run: ## The README's first command: assess the example essays
	$(GO) run ./cmd/hule assess examples/essays --anchors examples/anchors

.PHONY: screenshots
screenshots: ## Screenshots of the dashboard into docs/screenshots (needs chromium)
	HULE_SCREENSHOTS=docs/screenshots $(GO) test -count=1 -run '^TestDashboard$$' ./internal/web/

.PHONY: bench-pipeline
bench-pipeline: build ## Pipeline load runs of docs/benchmarks.md (N = 100 and 1,000, both modes; minutes; needs PostgreSQL)
	./bin/hule bench pipeline --essays 100
	./bin/hule bench pipeline --essays 1000
	./bin/hule bench pipeline --essays 100 --mode distributed
	./bin/hule bench pipeline --essays 1000 --mode distributed
	./bin/hule bench pipeline --essays 100 --mode distributed --bus postgres
	./bin/hule bench pipeline --essays 1000 --mode distributed --bus postgres
