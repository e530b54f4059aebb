# The appliance firmware: build, test, demo.
# Every target that needs system packages installs them first (Debian 12, as root).

SWIFT        ?= swift
CONFIG       ?= debug
BIN          := .build/$(CONFIG)
PKI          := firmware/pki
# Debian packages the build and the tests need (the tests start real daemons). swaks speaks
# IPv6 only with IO::Socket::INET6 and TLS (--tls, --tls-on-connect) only with Net::SSLeay,
# packages it merely recommends (today spamassassin happens to pull Net::SSLeay in).
APT_PACKAGES := pkg-config libpcap-dev libssl-dev libcurl4-openssl-dev openssl curl \
                python3 procps clamav clamav-daemon spamassassin spamd \
                postfix dovecot-pop3d swaks libio-socket-inet6-perl libnet-ssleay-perl fetchmail mpop nftables iproute2 iputils-ping kmod tcpdump util-linux socat
export DEBIAN_FRONTEND := noninteractive

.PHONY: all deps build test test-swift firmware-base webtest webtest-deps demo package firmware firmware-test firmware-deps soak hygiene cli-reference pki clean lab-up lab-down bench-deps bench bench-quick fuzz

all: build

# Debian packages only the benchmark needs (make bench / bench-quick), not the tests.
BENCH_PACKAGES := haproxy clamsmtp python3-matplotlib linux-perf util-linux
BENCH_OUT    ?= docs
BENCH_QUICK_OUT ?= .build/bench-quick

# $(call apt-install-missing,PACKAGES): installs those not yet installed; packaged daemons are
# not started by the install (policy-rc.d): the tests and the benchmark start private instances.
define apt-install-missing
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  guard=""; \
	  if [ ! -e /usr/sbin/policy-rc.d ]; then \
	    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; guard=1; \
	  fi; \
	  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections; \
	  apt-get update -qq && apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends $$missing >/dev/null; rc=$$?; \
	  [ -n "$$guard" ] && rm -f /usr/sbin/policy-rc.d; \
	  [ $$rc -eq 0 ] || exit $$rc; \
	fi
endef

## deps: install the Debian packages that are missing (apt-get update only when needed).
deps:
	$(call apt-install-missing,$(APT_PACKAGES))
	@command -v $(SWIFT) >/dev/null || { echo "Swift 6 toolchain not found on PATH" >&2; exit 1; }

## pki: the private CA and the scan service's server certificate (idempotent)
pki: deps
	@if [ -x firmware/make-pki.sh ]; then firmware/make-pki.sh $(PKI); fi

build: deps
	$(SWIFT) build -c $(CONFIG)

## test: everything the tests need, then every test: the Swift tests and the web console's
## browser test, then the firmware boot test on a development package of the debug binaries just
## built (FIRMWARE_CONFIG=debug: the release build takes 10-23 minutes more, too long for a test run;
## docs/firmware.md). The image's Debian base (mmdebstrap, mostly download and unpacking) is made
## while Swift compiles; a failure of either fails the run.
test: deps pki webtest-deps firmware-deps
	@$(MAKE) --no-print-directory -j2 test-swift firmware-base
	@$(MAKE) --no-print-directory firmware-test FIRMWARE_CONFIG=debug FIRMWARE_PREBUILT=1

## test-swift: the Swift tests, then the web console's browser test (make test without the firmware)
test-swift: deps pki webtest-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	webtests/run.sh $(BIN) $(WEBTEST_VENV)/bin/python

# The web console's browser test: Debian's Chromium and promtool (package prometheus), and
# Playwright for Python from PyPI in a venv under .build (it drives Debian's Chromium; its own
# browser download is never used). The Japanese font makes the Japanese pages legible in screenshots.
WEB_PACKAGES       := chromium prometheus python3-venv fonts-ipafont-gothic
WEBTEST_VENV       := .build/webtests-venv
PLAYWRIGHT_VERSION := 1.65.3

## webtest-deps: Chromium, promtool and the Playwright venv
webtest-deps: deps
	$(call apt-install-missing,$(WEB_PACKAGES))
	@[ -x $(WEBTEST_VENV)/bin/python ] || /usr/bin/python3 -m venv $(WEBTEST_VENV)
	@$(WEBTEST_VENV)/bin/pip show playwright 2>/dev/null | grep -qx "Version: $(PLAYWRIGHT_VERSION)" \
	  || $(WEBTEST_VENV)/bin/pip install -q "playwright==$(PLAYWRIGHT_VERSION)"

## webtest: the web console in the network lab (as root): log in, a GTUBE mail in the gadget,
## settings through the command table, CSRF and login limits, console == tiles == /metrics,
## promtool; screenshots into docs/ (webtests/run.sh, docs/web-console.md)
webtest: webtest-deps pki
	for product in mailsecd mailsec yscd; do $(SWIFT) build --product $$product || exit 1; done
	webtests/run.sh $(BIN) $(WEBTEST_VENV)/bin/python

# The firmware: the Debian package, the disk image and its boot test (docs/firmware.md).
FIRMWARE_OUT     := .build/firmware
FIRMWARE_VERSION ?= $(shell cat firmware/package/VERSION)
FIRMWARE_DEB     := $(FIRMWARE_OUT)/mailsec-appliance_$(FIRMWARE_VERSION)_amd64.deb
# What building the package and the image, and booting it, need on the build machine.
FIRMWARE_PACKAGES := dpkg-dev lintian mmdebstrap grub-pc-bin grub-common grub2-common fdisk e2fsprogs util-linux \
                     qemu-system-x86 python3 curl

## firmware-deps: the packaging, image and emulator tools
firmware-deps: deps
	$(call apt-install-missing,$(FIRMWARE_PACKAGES))

# FIRMWARE_CONFIG=debug packages the debug binaries with the toolchain's shared Swift runtime
# bundled (a development package: minutes to build instead of the release build's twenty;
# docs/firmware.md). The default, release, is what ships.
FIRMWARE_CONFIG  ?= release
ifeq ($(FIRMWARE_CONFIG),release)
FIRMWARE_BUILD   := $(SWIFT) build -c release --static-swift-stdlib
else
FIRMWARE_BUILD   := for product in mailsecd mailsec yscd; do $(SWIFT) build -c $(FIRMWARE_CONFIG) --product $$product || exit 1; done
endif

## package: .build/firmware/mailsec-appliance_VERSION_amd64.deb (release build, Swift runtime
## linked in; FIRMWARE_CONFIG=debug: a development package), then lintian's verdict (its
## remaining tags are explained in docs/firmware.md). FIRMWARE_PREBUILT=1 packages the binaries
## already in .build/FIRMWARE_CONFIG without running swift build (make test: its own build).
FIRMWARE_PREBUILT ?=
package: firmware-deps
	$(if $(FIRMWARE_PREBUILT),@echo "package: the binaries already built in .build/$(FIRMWARE_CONFIG)",$(FIRMWARE_BUILD))
	firmware/package/build-deb.sh .build/$(FIRMWARE_CONFIG) $(FIRMWARE_VERSION) $(FIRMWARE_OUT)
	-lintian --no-tag-display-limit $(FIRMWARE_DEB)

## firmware-base: only the image's Debian base, cached in .build/firmware/cache (as root)
firmware-base: firmware-deps
	firmware/image/build-image.sh --base $(FIRMWARE_OUT)

## firmware: .build/firmware/mailsec-appliance.img, the bootable disk image (as root; Debian
## base from mmdebstrap, cached in .build/firmware/cache), and mailsec-rootfs.ext4 for updates
firmware: package
	firmware/image/build-image.sh $(FIRMWARE_DEB) $(FIRMWARE_OUT)

## firmware-test: boots the image under qemu between a LAN1 and a LAN2 namespace and checks
## mail through it, the serial console, restart, an update and a fall-back (as root);
## FIRMWARE_TEST_ARGS=--skip-update leaves out the update and fall-back boots
FIRMWARE_TEST_ARGS ?=
firmware-test: firmware pki
	/usr/bin/python3 firmware/image-test/boot_test.py --image $(FIRMWARE_OUT)/mailsec-appliance.img \
	  --rootfs $(FIRMWARE_OUT)/mailsec-rootfs.ext4 --bin .build/$(FIRMWARE_CONFIG) --work $(FIRMWARE_OUT)/test $(FIRMWARE_TEST_ARGS)

## fuzz: build the libFuzzer targets (own scratch path .build-fuzz) and run each for
## FUZZ_SECONDS (default 60) from fuzz/seeds; FUZZ_TARGETS="fuzz-smtp-relay …" runs a subset;
## FUZZ_RUNS=N ends each target after N executions if that comes first.
FUZZ_SECONDS ?= 60
FUZZ_RUNS    ?= -1
FUZZ_TARGETS ?=
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_RUNS=$(FUZZ_RUNS) SWIFT=$(SWIFT) fuzz/run-fuzz.sh $(FUZZ_TARGETS)

## demo: the appliance in the network lab (namespaces, as root): the office PC sends mail to a
## real Postfix and fetches it back from a real Dovecot, through mailsecd; then everything is removed
demo: build pki
	firmware/demo.sh $(BIN)

## soak: the fault-injection soak in the network lab (as root; soak/soak.py, docs/reliability.md):
## SOAK_MESSAGES messages under faults, then the ledger by Message-ID; exits 0 only when nothing
## was lost, altered or let in and every duplicate is explained. Leaves nothing behind.
SOAK_MESSAGES ?= 10000
SOAK_ARGS     ?=
soak: deps pki
	$(SWIFT) build -c release
	/usr/bin/python3 soak/soak.py --bin .build/release --messages $(SOAK_MESSAGES) --report .build/release/soak-report.json \
	  --markdown .build/release/soak-report.md $(SOAK_ARGS)

## hygiene: mailsecd, yscd and mailsec built with AddressSanitizer (LeakSanitizer on; own scratch
## path .build-asan), then a bounded soak through them (HYGIENE_MESSAGES messages, resets mid-DATA,
## POP3 RETR/DELE, sessions reset at every SMTP and POP3 state) and a SIGTERM; exits non-zero on
## any sanitizer report, descriptor growth or spill file left (docs/reliability.md). As root.
HYGIENE_MESSAGES ?= 2000
HYGIENE_ARGS     ?=
ASAN_BIN     := .build-asan/release
hygiene: deps pki
	for product in mailsecd yscd mailsec; do \
	  $(SWIFT) build -c release --scratch-path .build-asan -Xswiftc -sanitize=address --product $$product || exit 1; \
	done
	/usr/bin/python3 soak/hygiene.py --bin $(ASAN_BIN) --messages $(HYGIENE_MESSAGES) \
	  --report $(ASAN_BIN)/hygiene-report.json --markdown $(ASAN_BIN)/hygiene-report.md $(HYGIENE_ARGS)

## cli-reference: regenerate cli-reference/ from the command table
cli-reference:
	$(SWIFT) build --product mailsec
	$(BIN)/mailsec --write-cli-reference cli-reference

## bench-deps: the benchmark's own packages (haproxy, clamsmtp, matplotlib, perf)
bench-deps: deps
	$(call apt-install-missing,$(BENCH_PACKAGES))

## bench: the whole matrix in the router-mode lab (release build, root); writes
## docs/benchmarks.md's results section and docs/benchmarks.png (docs/benchmarks.md)
bench: bench-deps pki
	$(SWIFT) build -c release
	/usr/bin/python3 bench/run_bench.py --binaries .build/release \
	  --out $(BENCH_OUT)/benchmarks.md --chart $(BENCH_OUT)/benchmarks.png --json .build/bench-results.json --profile

## bench-quick: a subset (50 KB; 1 and 100 sessions; 100 × 1 MB memory) in about two minutes
bench-quick: bench-deps pki
	$(SWIFT) build -c release
	@mkdir -p $(BENCH_QUICK_OUT)
	/usr/bin/python3 bench/run_bench.py --quick --binaries .build/release \
	  --out $(BENCH_QUICK_OUT)/benchmarks.md --chart $(BENCH_QUICK_OUT)/benchmarks.png \
	  --json $(BENCH_QUICK_OUT)/results.json

## lab-up MODE=router|bridge: the network lab in namespaces (firmware/lab/lab.sh; root, iproute2);
## firmware/lab/services.sh up .build/debug then starts its daemons (see firmware/lab/README.md)
MODE ?= router
lab-up:
	firmware/lab/lab.sh up $(MODE)

## lab-down: remove the lab (safe to run twice)
lab-down:
	firmware/lab/lab.sh down

clean:
	rm -rf .build .build-fuzz .build-asan $(PKI)
