# qujat: plain GNU make. pkg-config for every library. The flags the build
# needs are in Q_CPPFLAGS/Q_CFLAGS; the caller's CPPFLAGS, CFLAGS and
# LDFLAGS (Debian's hardening flags arrive there) only add to them, so
# `make CFLAGS=-O0` builds too.

PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
BINDIR     ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec/qujat
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)/qujat
UNITDIR    ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
MANDIR     ?= $(PREFIX)/share/man
STATEDIR   ?= /var/lib/qujat
# One version: the package's (debian/changelog).
VERSION    ?= $(shell sed -n '1s/^qujat (\([^)-]*\).*/\1/p' debian/changelog)
DESTDIR    ?=
PKG_CONFIG ?= pkg-config
PYTHON     ?= /usr/bin/python3
B          ?= build

# Debian 12 packages: what building and running need (make run), what the
# tests add (make check), what the benchmark adds (make bench).
RUN_PACKAGES = build-essential pkg-config libuv1-dev libmagic-dev libmagic-mgc \
	libjpeg62-turbo-dev libpng-dev libtiff-dev libqpdf-dev libjansson-dev \
	libconfig-dev libseccomp-dev libsqlite3-dev libsystemd-dev \
	libunistring-dev nettle-dev zlib1g-dev libdeflate-dev libcurl4-openssl-dev \
	libpq-dev \
	libleptonica-dev systemd
TEST_PACKAGES = libcmocka-dev python3 python3-pil python3-numpy qpdf \
	postgresql-15 lintian dpkg-dev debhelper git man-db poppler-utils \
	ghostscript \
	imagemagick libimage-exiftool-perl libjpeg-turbo-progs img2pdf \
	libtiff-tools tesseract-ocr tesseract-ocr-rus tesseract-ocr-kaz \
	fonts-dejavu-core
LINT_PACKAGES = clang-format-14 cppcheck

WARN = -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wvla -Wclobbered
CFLAGS ?= -O2 -g
Q_CPPFLAGS = -Iinclude -I$(B)/gen -D_GNU_SOURCE
Q_CFLAGS = -std=gnu11 $(WARN) -MMD -MP
ifdef WERROR
Q_CFLAGS += -Werror
endif
QCC = $(CC) $(Q_CPPFLAGS) $(CPPFLAGS) $(Q_CFLAGS) $(CFLAGS)
QLD = $(CC) $(Q_CFLAGS) $(CFLAGS) $(LDFLAGS)
# C++ (pdf_lazy.cc) includes the C headers: no -Wshadow, which calls C's
# function exif_scrub() over struct exif_scrub a hidden constructor
CXXFLAGS ?= -O2 -g
QCXX = $(CXX) $(Q_CPPFLAGS) $(CPPFLAGS) -std=gnu++17 -Wall -Wextra \
	-Wformat=2 -MMD -MP $(if $(WERROR),-Werror) $(CXXFLAGS)

D_PKGS = libuv jansson libconfig sqlite3 libsystemd nettle libcurl libpq
F_PKGS = libmagic libjpeg libpng libtiff-4 libqpdf libseccomp nettle zlib \
	libdeflate lept
D_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(D_PKGS) 2>/dev/null)
# libunistring (UTF-8 checks, bundle.c) has no pkg-config file in Debian 12
D_LIBS   := $(shell $(PKG_CONFIG) --libs $(D_PKGS) 2>/dev/null) -lunistring
F_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(F_PKGS) 2>/dev/null)
F_LIBS   := $(shell $(PKG_CONFIG) --libs $(F_PKGS) 2>/dev/null) -lstdc++ -lm
T_LIBS   := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

LIB_SRC    = $(filter-out daemon/qujatd.c daemon/qujat.c,$(wildcard daemon/*.c))
LIB_OBJ    = $(LIB_SRC:%.c=$(B)/obj/%.o)
FILTER_SRC = $(wildcard filters/*.c)
# The worker protocol's one table (report.h) and the plumbing both sides
# need (digest.h, fdio.h) are built into both programs; QPDF's lazy stream data
# and output pipelines are C++ only (pdf_lazy.cc).
FILTER_CXX = $(wildcard filters/*.cc)
SHARED_OBJ = $(B)/obj/daemon/report_proto.o $(B)/obj/daemon/digest.o \
	$(B)/obj/daemon/fdio.o
FILTER_OBJ = $(FILTER_SRC:%.c=$(B)/obj/%.o) $(FILTER_CXX:%.cc=$(B)/obj/%.o) \
	$(SHARED_OBJ)
UNIT_SRC   = $(wildcard tests/unit/test_*.c)
UNIT_BIN   = $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
PROGS      = $(B)/qujatd $(B)/qujat $(B)/qujat-filter
TEST_PROGS = $(B)/tests/evil-filter

all: $(PROGS)

# The installed paths compiled in (conf.c, env.c, qujatd.c): rewritten only
# when a value changes, so `make install PREFIX=/usr` after a plain `make`
# rebuilds what depends on them and nothing else.
BUILDCONF = $(B)/gen/buildconf.h
$(BUILDCONF): FORCE
	@mkdir -p $(@D)
	@printf '#define VERSION "%s"\n#define SYSCONFDIR "%s"\n#define LIBEXECDIR "%s"\n' \
		'$(VERSION)' '$(SYSCONFDIR)' '$(LIBEXECDIR)' > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi
$(B)/obj/daemon/conf.o $(B)/obj/daemon/env.o $(B)/obj/daemon/qujatd.o \
	$(B)/obj/daemon/qujat.o: $(BUILDCONF)
FORCE:

$(B)/obj/daemon/%.o: daemon/%.c
	@mkdir -p $(@D)
	$(QCC) $(D_CFLAGS) -c -o $@ $<

$(B)/obj/filters/%.o: filters/%.c
	@mkdir -p $(@D)
	$(QCC) $(F_CFLAGS) -c -o $@ $<

$(B)/obj/filters/%.o: filters/%.cc
	@mkdir -p $(@D)
	$(QCXX) $(F_CFLAGS) -c -o $@ $<

# The pixel loops (rows of bytes into sums) are worth vectorising at
# every -O level; -O2 alone leaves them scalar.
VEC_OBJ = resample raster colour flatten
$(VEC_OBJ:%=$(B)/obj/filters/%.o): Q_CFLAGS += -ftree-vectorize

$(B)/obj/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	$(QCC) $(D_CFLAGS) $(F_CFLAGS) -c -o $@ $<

$(B)/libqujat.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(B)/qujatd: $(B)/obj/daemon/qujatd.o $(B)/libqujat.a
	$(QLD) -o $@ $^ $(D_LIBS)

$(B)/qujat: $(B)/obj/daemon/qujat.o $(B)/libqujat.a
	$(QLD) -o $@ $^ $(D_LIBS)

$(B)/qujat-filter: $(FILTER_OBJ)
	$(QLD) -o $@ $^ $(F_LIBS)

$(B)/tests/evil-filter: $(B)/obj/tests/evil_filter.o $(B)/obj/filters/sandbox.o \
		$(B)/obj/filters/landlock.o
	@mkdir -p $(@D)
	$(QLD) -o $@ $^ $(F_LIBS)

# Fuzz harnesses (tests/fuzz/): the daemon's parsers on libqujat.a, the
# filters' probes on the worker's objects but main.o. fuzz-* link libFuzzer
# (make fuzz, in build-fuzz/); replay-* link replay.c's main() instead and
# replay tests/regression/<harness>/ (make regression, part of make check).
FUZZ_DAEMON = manifest report conf
FUZZ_FILTER = jpeg png tiff pdf detect
FUZZ_NAMES  = $(FUZZ_DAEMON) $(FUZZ_FILTER)
REPLAY_BIN  = $(FUZZ_NAMES:%=$(B)/tests/replay-%)
FILTER_LIB_OBJ = $(filter-out $(B)/obj/filters/main.o,$(FILTER_OBJ))
fuzz_def_jpeg = -DFUZZ_FMT=fmt_jpeg
fuzz_def_png = -DFUZZ_FMT=fmt_png -DFUZZ_FIX_PNG_CRC
fuzz_def_tiff = -DFUZZ_FMT=fmt_tiff
fuzz_def_pdf = -DFUZZ_FMT=fmt_pdf
fuzz_def_detect = -DFUZZ_DETECT

$(B)/obj/tests/fuzz/%.o: CPPFLAGS += -DFUZZ_CONF_DIR='"$(CURDIR)/conf"'
# The -MMD files are made by the compiler, never by a rule (else make would
# try filter-%.o's recipe on filter-jpeg.d.o to remake them).
$(B)/obj/tests/fuzz/%.d: ;
$(B)/obj/tests/fuzz/filter-%.o: tests/fuzz/fuzz_filter.c
	@mkdir -p $(@D)
	$(QCC) $(F_CFLAGS) $(fuzz_def_$*) -c -o $@ $<

$(FUZZ_DAEMON:%=$(B)/tests/replay-%): $(B)/tests/replay-%: \
		$(B)/obj/tests/fuzz/fuzz_%.o $(B)/obj/tests/fuzz/replay.o $(B)/libqujat.a
	@mkdir -p $(@D)
	$(QLD) -o $@ $^ $(D_LIBS)
$(FUZZ_FILTER:%=$(B)/tests/replay-%): $(B)/tests/replay-%: \
		$(B)/obj/tests/fuzz/filter-%.o $(B)/obj/tests/fuzz/replay.o $(FILTER_LIB_OBJ)
	@mkdir -p $(@D)
	$(QLD) -o $@ $^ $(F_LIBS)
$(FUZZ_DAEMON:%=$(B)/fuzz/fuzz-%): $(B)/fuzz/fuzz-%: \
		$(B)/obj/tests/fuzz/fuzz_%.o $(B)/libqujat.a
	@mkdir -p $(@D)
	$(QLD) -fsanitize=fuzzer -o $@ $^ $(D_LIBS)
$(FUZZ_FILTER:%=$(B)/fuzz/fuzz-%): $(B)/fuzz/fuzz-%: \
		$(B)/obj/tests/fuzz/filter-%.o $(FILTER_LIB_OBJ)
	@mkdir -p $(@D)
	$(QLD) -fsanitize=fuzzer -o $@ $^ $(F_LIBS)

# The round trip of the worker protocol: the worker's formatter
# (filters/report_out.c), the daemon's parser (daemon/report_parse.c).
$(B)/tests/test_report: $(B)/obj/filters/report_out.o
$(B)/tests/test_%: $(B)/obj/tests/unit/test_%.o $(B)/libqujat.a
	@mkdir -p $(@D)
	$(QLD) -o $@ $^ $(D_LIBS) $(T_LIBS)

# The worker's pure parts (resampler, colour, EXIF, PDF placement, menu)
# on the worker's objects but main.o, as an archive so that each test
# links only the objects it uses.
FILTER_UNIT = colour exif menu pdf_place resample
$(B)/libqujat-filter.a: $(FILTER_LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^
$(FILTER_UNIT:%=$(B)/tests/test_%): $(B)/tests/test_%: \
		$(B)/obj/tests/unit/test_%.o $(B)/libqujat-filter.a
	@mkdir -p $(@D)
	$(QLD) -o $@ $^ $(F_LIBS) $(T_LIBS)

# make lint: the style (.clang-format) and cppcheck, over the C of daemon/,
# filters/, include/, tests/unit and tests/fuzz; lint-format and lint-code
# alone. Each tool's version decides what it reports, so they are Debian
# 12's: clang-format 14, cppcheck 2.10. CI runs both (.ci/run); the
# tree is formatted (clang-format-14 -i on LINT_SRC fixes a file).
# cppcheck's checks: its errors (always on: bounds, leaks, null pointers,
# use after free), warning (undefined behaviour, misuse of the library),
# portability and performance, with POSIX's functions known
# (--library=posix: fd leaks); not style, whose variableScope findings are
# KNF's declarations at the top of a block. tests/lint/cppcheck.cfg
# defines jansson's iteration macros, which cppcheck cannot see;
# tests/lint/cppcheck.supp lists what is reported on purpose, and why.
CLANG_FORMAT ?= clang-format-14
CPPCHECK     ?= cppcheck
LINT_DIRS = daemon filters tests/unit tests/fuzz
LINT_SRC  = $(wildcard $(LINT_DIRS:%=%/*.c) filters/*.cc include/*.h \
	tests/fuzz/*.h)
CPPCHECK_FLAGS = --quiet --error-exitcode=1 --std=c11 --inline-suppr \
	--enable=warning,portability,performance --library=posix \
	--library=tests/lint/cppcheck.cfg \
	--suppressions-list=tests/lint/cppcheck.supp \
	-Iinclude -I$(B)/gen -D_GNU_SOURCE \
	--template='{file}:{line}: {severity} ({id}): {message}'

lint:
	@fail=0; \
	$(MAKE) --no-print-directory lint-format || fail=1; \
	$(MAKE) --no-print-directory lint-code || fail=1; \
	exit $$fail

lint-format:
	$(CLANG_FORMAT) --dry-run --Werror $(LINT_SRC)

lint-code: $(BUILDCONF)
	$(CPPCHECK) $(CPPCHECK_FLAGS) $(LINT_DIRS)

# The peers and scorers `make bench` compares the engine with.
BENCH_PACKAGES = ghostscript imagemagick jpegoptim libvips-tools tesseract-ocr \
	tesseract-ocr-rus tesseract-ocr-kaz python3-numpy poppler-utils \
	fonts-dejavu-core

# Installs what is missing of a package list, as root or through sudo.
define install_missing
	@missing=$$(for p in $(1); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "qujat: installing missing packages: $$missing"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; \
		else echo "qujat: run as root or install sudo to install: $$missing" >&2; exit 1; fi; \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

deps: run-deps
	$(call install_missing,$(TEST_PACKAGES) $(LINT_PACKAGES))

run-deps:
	$(call install_missing,$(RUN_PACKAGES))

bench-deps: deps
	$(call install_missing,$(BENCH_PACKAGES))

RUN_SPOOL ?= $(CURDIR)/run/spool
run: run-deps
	@$(MAKE) --no-print-directory all
	@mkdir -p $(RUN_SPOOL)
	@echo "qujat: spool $(RUN_SPOOL); drop a bundle with: $(B)/qujat submit DIR --spool $(RUN_SPOOL)"
	@echo "qujat: results appear in $(RUN_SPOOL)/outbox and $(RUN_SPOOL)/rejected; Ctrl-C stops"
	exec $(B)/qujatd -c conf/qujat.conf --spool $(RUN_SPOOL)

unit: $(UNIT_BIN)
	@fail=0; for t in $(UNIT_BIN); do $$t || fail=1; done; exit $$fail

# The defaults conf/qujat.conf and man/qujat.conf.5 write out are the ones
# both programs are built with (include/defaults.h).
check-defaults:
	@$(PYTHON) tests/check_defaults.py

# The worker on files made by the tests (tests/filter/test_*.py, unittest):
# the report, each format's engine, the menu, the sandbox.
# FILTER_CASE=WORD runs only the tests whose names contain WORD (-k).
filter-tests: $(B)/qujat-filter $(B)/qujat $(TEST_PROGS)
	QUJAT_BUILD=$(CURDIR)/$(B) $(PYTHON) -m unittest discover -s tests/filter -t tests/filter $(if $(FILTER_CASE),-k '$(FILTER_CASE)') $(if $(V),-v)

integration: $(PROGS) $(TEST_PROGS)
	QUJAT_BUILD=$(CURDIR)/$(B) $(PYTHON) -m unittest discover -s tests/integration -t tests/integration $(if $(V),-v)

# make check = make deps (installs what is missing) + make test. make test
# runs every test on what is installed, never apt (packagers, offline).
check: deps
	@$(MAKE) --no-print-directory test

# The sanitizer flags go through the environment so that the Makefile's
# own flags (Q_CFLAGS) still apply. No vptr check in C++ (pdf_lazy.cc):
# UBSan probes an object's memory through a pipe(2) the worker's seccomp
# allowlist rightly refuses, and every PDF worker was killed.
check-asan: deps
	@CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
		CXXFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize=vptr -fno-omit-frame-pointer" \
		LDFLAGS="-fsanitize=address,undefined" QUJAT_ASAN=1 \
		$(MAKE) --no-print-directory B=build-asan check-built

check-built: test
test: all $(TEST_PROGS) $(UNIT_BIN) $(REPLAY_BIN)
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory check-defaults
	@$(MAKE) --no-print-directory regression
	@$(MAKE) --no-print-directory filter-tests
	@$(MAKE) --no-print-directory integration

# Every input under tests/regression/<harness>/ through its harness.
regression: $(REPLAY_BIN)
	@fail=0; for h in $(FUZZ_NAMES); do \
		[ -n "$$(ls tests/regression/$$h 2>/dev/null)" ] || continue; \
		ASAN_OPTIONS=allocator_may_return_null=1:max_allocation_size_mb=1024:$${ASAN_OPTIONS:-} \
		$(B)/tests/replay-$$h tests/regression/$$h 2>$(B)/tests/replay-$$h.log \
		&& echo "regression: $$h: $$(ls tests/regression/$$h | wc -l) inputs ok" \
		|| { fail=1; echo "regression: $$h FAILED:"; tail -30 $(B)/tests/replay-$$h.log; }; \
	done; exit $$fail

# libFuzzer under ASan and UBSan (clang), FUZZ_SECONDS per harness from the
# seeds tests/fuzz/seeds.py makes; crash inputs go to tests/regression/.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
fuzz: deps
	@CC=$(FUZZ_CC) CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined \
		-fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
		LDFLAGS="-fsanitize=address,undefined" \
		$(MAKE) --no-print-directory B=build-fuzz \
		WARN="$(WARN) -Wno-unknown-warning-option -Wno-format-nonliteral \
		-Wno-missing-field-initializers" \
		$(FUZZ_NAMES:%=build-fuzz/fuzz/fuzz-%)
	$(PYTHON) tests/fuzz/seeds.py build-fuzz/seeds
	tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS) $(FUZZ_NAMES)

# Throughput and memory of the daemon, and the engine against the tools a
# sysadmin would use instead; ratios, never assertions. BENCH_BEFORE: an
# earlier build folder bench_passes.py compares with.
BENCH_N ?= 500
bench: bench-deps
	@$(MAKE) --no-print-directory all
	QUJAT_BUILD=$(CURDIR)/$(B) $(PYTHON) tests/bench/bench_daemon.py $(BENCH_N)
	QUJAT_BUILD=$(CURDIR)/$(B) $(PYTHON) tests/bench/bench_engine.py
	QUJAT_BUILD=$(CURDIR)/$(B) $(PYTHON) tests/bench/bench_phone.py
	QUJAT_BUILD=$(CURDIR)/$(B) $(PYTHON) tests/bench/bench_take.py
	QUJAT_BUILD=$(CURDIR)/$(B) $(PYTHON) tests/bench/bench_passes.py $(if $(BENCH_BEFORE),--before $(BENCH_BEFORE))

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR) \
		$(DESTDIR)$(SYSCONFDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
		$(DESTDIR)$(TMPFILESDIR)
	install -m 755 $(B)/qujatd $(DESTDIR)$(SBINDIR)/qujatd
	install -m 755 $(B)/qujat $(DESTDIR)$(BINDIR)/qujat
	install -m 755 $(B)/qujat-filter $(DESTDIR)$(LIBEXECDIR)/qujat-filter
	install -m 644 conf/services.conf conf/messages.conf $(DESTDIR)$(SYSCONFDIR)/
	# The installed daemon keeps its state where the unit's StateDirectory= is.
	sed 's|^# state_dir = .*|state_dir = "$(STATEDIR)";|' conf/qujat.conf \
		> $(DESTDIR)$(SYSCONFDIR)/qujat.conf
	chmod 644 $(DESTDIR)$(SYSCONFDIR)/qujat.conf
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 644 man/qujat.1 $(DESTDIR)$(MANDIR)/man1/qujat.1
	install -m 644 man/qujat.conf.5 $(DESTDIR)$(MANDIR)/man5/qujat.conf.5
	install -m 644 man/qujatd.8 $(DESTDIR)$(MANDIR)/man8/qujatd.8
	sed 's|@SBINDIR@|$(SBINDIR)|g; s|@SYSCONFDIR@|$(SYSCONFDIR)|g' systemd/qujatd.service.in \
		> $(DESTDIR)$(UNITDIR)/qujatd.service
	install -m 644 systemd/qujat.sysusers $(DESTDIR)$(SYSUSERSDIR)/qujat.conf
	install -m 644 systemd/qujat.tmpfiles $(DESTDIR)$(TMPFILESDIR)/qujat.conf

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/qujatd $(DESTDIR)$(BINDIR)/qujat \
		$(DESTDIR)$(LIBEXECDIR)/qujat-filter \
		$(DESTDIR)$(MANDIR)/man1/qujat.1 $(DESTDIR)$(MANDIR)/man5/qujat.conf.5 \
		$(DESTDIR)$(MANDIR)/man8/qujatd.8 $(DESTDIR)$(UNITDIR)/qujatd.service \
		$(DESTDIR)$(SYSUSERSDIR)/qujat.conf $(DESTDIR)$(TMPFILESDIR)/qujat.conf
	-rmdir $(DESTDIR)$(LIBEXECDIR)
	@echo "qujat: kept $(DESTDIR)$(SYSCONFDIR) (the configuration), the spool and the state"

# The Debian package, by Debian's tooling (debian/: debhelper 13,
# dpkg-buildpackage -b), from a copy of the sources in $(B)/deb-src so that
# dpkg-buildpackage writes nothing beside the working tree; the .deb is
# copied to $(B). Rebuilt when any packaged source changes.
DEB = $(B)/qujat_$(VERSION)_amd64.deb
DEB_SRC = Makefile README.md $(shell find debian conf systemd daemon filters \
	include man -type f 2>/dev/null)
deb: $(DEB)
$(DEB): $(DEB_SRC)
	rm -rf $(B)/deb-src
	mkdir -p $(B)/deb-src/qujat-$(VERSION)
	tar cf - $(DEB_SRC) | tar xf - -C $(B)/deb-src/qujat-$(VERSION)
	cd $(B)/deb-src/qujat-$(VERSION) && dpkg-buildpackage -b -us -uc
	cp $(B)/deb-src/qujat_$(VERSION)_amd64.deb $@

clean:
	rm -rf build build-asan build-fuzz run

.PHONY: deb all deps run-deps run unit check-defaults filter-tests integration check test check-asan check-built bench bench-deps install uninstall clean \
	regression fuzz lint lint-format lint-code FORCE

-include $(shell find $(B) -name '*.d' -type f 2>/dev/null)
