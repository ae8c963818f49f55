# The one test command: `make test`. It sets up what the tests need (a venv with the
# Python reference packages: cronsim for cron/DST semantics, the official Huawei Cloud
# SDK for the emulator), builds, and runs the Swift tests and the Python SDK tests.
VENV       ?= .venv
PYTHON     ?= python3
VENV_PY    := $(abspath $(VENV))/bin/python3
PY_PACKAGES = cronsim==2.8 icalendar==7.3.2 huaweicloudsdkcore==3.1.219 huaweicloudsdkgaussdbfornosql==3.1.219 huaweicloudsdkiam==3.1.219 pytest

export SYNCWINDOW_PYTHON := $(VENV_PY)

.PHONY: all build test rules-test deb deb-test venv bench bench-tick bench-abutting bench-pass bench-year bench-emulator bench-plan bench-audit demo fuzz clean ha-drill tsan soak

all: build

build:
	swift build

# Rebuilt when the Makefile (and so PY_PACKAGES) changes, so an existing .venv never lacks a package.
$(VENV)/.ready: Makefile
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check $(PY_PACKAGES)
	touch $@

venv: $(VENV)/.ready

# The shipped Prometheus alert rules: valid, and each alert's unit tests (firing and not) pass.
rules-test:
	promtool check rules deploy/prometheus/syncwindow-alerts.yaml
	cd deploy/prometheus && promtool test rules syncwindow-alerts.test.yaml

test: venv rules-test
	python3 scripts/check_config_docs.py
	swift build --build-tests
	# Separate runs: the end-to-end tests block on child processes, and on a 2-core machine
	# they would starve the in-process async tests (emulator, client) of the cooperative
	# thread pool, turning into spurious 5 s timeouts. Each run is parallel within itself.
	# All under one throwaway PostgreSQL server (or the one SYNCWINDOW_TEST_POSTGRES names);
	# the third run gives every end-to-end fixture a PostgreSQL store instead of SQLite.
	scripts/with-throwaway-postgres.sh sh -c '\
	    swift test --skip-build --skip SyncwindowEndToEndTests && \
	    swift test --skip-build --filter SyncwindowEndToEndTests && \
	    SYNCWINDOW_TEST_STORE=postgres swift test --skip-build --filter SyncwindowEndToEndTests \
	        --skip SharedStoreEndToEndTests'
	$(VENV_PY) -m pytest -q Tests/python-sdk

bench: venv
	swift build -c release --product syncwindow-bench
	.build/release/syncwindow-bench
	$(VENV_PY) scripts/bench_cronsim.py

# Reconcile passes at scale (200 pairs) against the emulator binary: time and peak memory.
bench-tick:
	swift build -c release --product syncwindow
	swift build -c release --product geminidb-emulator
	scripts/bench_tick.sh 200

# One pair under 4,000 back-to-back one-minute windows (and SHAPE=random: 10,000 overlapping daily
# 30-minute ones): passes and status inside and after the chain. WINDOWS=N changes the count.
bench-abutting:
	swift build -c release --product syncwindow
	swift build -c release --product geminidb-emulator
	scripts/bench_abutting.sh $(or $(WINDOWS),4000)

# Issue 10's pass targets, each with its figure and bound, on SQLite and on PostgreSQL: the mass edge
# (100, 1,000, 5,000 pairs; emulator --latency 20ms --job-delay 1s), the idle pass, 30 nights of history.
# BENCH_PASS_ARGS="--store sqlite --pairs 100,1000" narrows it.
bench-pass:
	swift build -c release --product syncwindow
	swift build -c release --product geminidb-emulator
	$(PYTHON) scripts/bench_pass.py $(BENCH_PASS_ARGS)

# History after a year (issue 10, target 3): the idle tick and `status` over 200 pairs on a 365-night trail
# (~1,000,000 events, built through the real append path) against a 1-night one, on SQLite and PostgreSQL.
# BENCH_YEAR_ARGS="--store postgres --trail DIR" narrows it or reuses a year's trail.
bench-year:
	swift build -c release --product syncwindow
	swift build -c release --product geminidb-emulator
	swift build -c release --product syncwindow-bench
	$(PYTHON) scripts/bench_year.py $(BENCH_YEAR_ARGS)

# plan through the release binary (100 random windows, a year, JSON) against cronsim on the same occurrences.
bench-plan: venv
	swift build -c release --product syncwindow
	$(VENV_PY) scripts/bench_plan.py

# A year of nights (200 pairs) through one emulator engine: µs per request on the last night vs the first.
bench-emulator:
	swift build -c release --product syncwindow-bench
	.build/release/syncwindow-bench emulator-year

# A year's audit trail (200 pairs, ~1,000,000 events) through AuditStore.append: verify per event, exports' memory.
bench-audit:
	swift build -c release --product syncwindow
	swift build -c release --product syncwindow-bench
	scripts/bench_audit.sh 200 365

demo:
	swift run syncwindow demo

# The Debian packages, into build/: syncwindow_<version>_<arch>.deb and syncwindow-emulator_….deb, from a
# static release build stamped with the version (debian/changelog) and the commit (docs/development.md).
deb:
	dpkg-checkbuilddeps
	rm -f build/*.deb
	debian/rules clean
	debian/rules binary
	lintian --fail-on error,warning build/*.deb

# The packages installed for real (root): install, check, tick against the emulator, upgrade, remove, purge.
deb-test:
	scripts/test_deb.sh

# The failover drill: PostgreSQL, the emulator and three hosts; kill -9 and SIGSTOP the acting host
# at a window's opening and closing; prints convergence, takeover time, POSTs, unaudited calls (README).
ha-drill:
	swift build --product syncwindow
	swift build --product geminidb-emulator
	python3 scripts/ha_drill.py

# ThreadSanitizer (issue 18, item 8): an instrumented build in .build-tsan, then the unit and in-memory tests
# (every suite but the end-to-end ones, which run uninstrumented child processes) under one throwaway
# PostgreSQL. Any data race report fails the run. Not run by CI: a second full build. Serial (--no-parallel):
# instrumented and all at once on 2 cores, the PostgreSQL tests missed the store's 10 s timeout (timing, not
# races). .tsan-suppressions: what TSan cannot see (Synchronization.Mutex on Linux), each entry saying why.
tsan:
	swift build --build-tests --sanitize=thread --build-path .build-tsan
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 print_suppressions=1 suppressions=$(CURDIR)/.tsan-suppressions" \
	    scripts/with-throwaway-postgres.sh \
	    swift test --skip-build --sanitize=thread --build-path .build-tsan --skip SyncwindowEndToEndTests --no-parallel

# The crash soak (issue 18, item 8): RUNS mass edges of PAIRS pairs on SQLite and PostgreSQL with core dumps
# on, counting processes that end on a signal (scripts/soak.py; docs/benchmarks.md). Not run by CI.
RUNS ?= 300
PAIRS ?= 5000
soak:
	swift build -c release --product syncwindow
	swift build -c release --product geminidb-emulator
	$(PYTHON) scripts/soak.py --runs $(RUNS) --pairs $(PAIRS) $(SOAK_ARGS)

# libFuzzer targets, each run FUZZ_SECONDS from the seeds in Fuzz/corpus (README "Fuzzing").
FUZZ_SECONDS ?= 180
export FUZZ_SECONDS
fuzz:
	scripts/fuzz.sh

clean:
	rm -rf .build $(VENV) build
