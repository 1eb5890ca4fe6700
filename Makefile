# crftag - linear-chain CRF sequence tagger
#
#   make            libcrftag.a, libcrftag.so and the crftag program (build/)
#   make demo       installs missing dependencies, builds, tags a sentence
#   make check      installs missing dependencies, builds, runs unit (cmocka)
#                   and end-to-end tests
#   make asan       the tests again under AddressSanitizer + UBSan (build-asan/)
#   make hostile-full  tests/hostile.sh at full size (2 GB input, 2,000 labels)
#   make fuzz       libFuzzer harnesses (clang) into build-fuzz/, see fuzz/README.md
#   make models     retrain models/wikiser.crftag from corpora/
#   make clusters   relearn models/clusters-en.txt.gz from ../shared/corpora
#   make accuracy   the accuracy table (docs/ACCURACY.md): crftag and CRFsuite
#                   on every corpus of ../shared/corpora, when present
#   make bench      crftag vs CRFsuite side by side (bench/Makefile, bench/RESULTS.md);
#                   make bench-full adds CRFsuite on WikiSER (~10 minutes more)
#   make mpi        build/crftag-mpi, data-parallel training over MPI (mpicc)
#   make install    PREFIX=/usr/local DESTDIR=

CC       ?= cc
OBJCOPY  ?= objcopy
CORPORA  ?= ../shared/corpora
PREFIX   ?= /usr/local
BUILD    ?= build
OPT      ?= -O2 -g
CFLAGS   ?=
CPPFLAGS += -Iinclude -iquote src -D_POSIX_C_SOURCE=200809L
XCFLAGS   = -std=c11 $(OPT) -Wall -Wextra -Wshadow -Wstrict-prototypes -fPIC \
            -fvisibility=hidden -pthread $(CFLAGS)
LDLIBS   += -ldeflate -lz -lm -pthread

SONAME    = libcrftag.so.1
LIB_SRC   = $(wildcard src/*.c)
CLI_SRC   = $(filter-out src/cli/mpi.c,$(wildcard src/cli/*.c))
TEST_SRC  = $(wildcard tests/test_*.c)
LIB_OBJ   = $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ   = $(CLI_SRC:%.c=$(BUILD)/%.o)
TEST_BIN  = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)

all: $(BUILD)/libcrftag.a $(BUILD)/libcrftag.so $(BUILD)/crftag

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(XCFLAGS) -MMD -MP -c $< -o $@

# libcrftag.a (installed) defines only the public crftag_* symbols: the
# objects are linked into one (-r) and every hidden symbol made local, so the
# library's internal names (io_open, model_new, ...) cannot clash with a
# program's.  The unit tests, fuzz harnesses and benchmarks call internal
# functions: they link libcrftag-internal.a, the plain objects (not installed).
$(BUILD)/libcrftag.a: $(LIB_OBJ)
	@rm -f $@ $(BUILD)/libcrftag-all.o
	$(CC) -r -nostdlib -o $(BUILD)/libcrftag-all.o $^
	$(OBJCOPY) --localize-hidden $(BUILD)/libcrftag-all.o
	ar rcs $@ $(BUILD)/libcrftag-all.o

$(BUILD)/libcrftag-internal.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libcrftag.so: $(LIB_OBJ)
	$(CC) $(XCFLAGS) -shared -Wl,-soname,$(SONAME) -o $(BUILD)/$(SONAME) $^ $(LDFLAGS) $(LDLIBS)
	ln -sf $(SONAME) $@

$(BUILD)/crftag: $(CLI_OBJ) $(BUILD)/libcrftag.a
	$(CC) $(XCFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libcrftag.a $(LDFLAGS) $(LDLIBS)

# crftag-mpi: the crftag program with data-parallel training over MPI
# (src/cli/mpi.c instead of dist_none.c, built and linked by mpicc; the
# library links no MPI).  make check builds and tests it when mpicc exists.
MPICC    ?= mpicc
MPI_OBJ   = $(filter-out $(BUILD)/src/cli/dist_none.o,$(CLI_OBJ)) $(BUILD)/mpi/src/cli/mpi.o

mpi: $(BUILD)/crftag-mpi

$(BUILD)/mpi/src/cli/mpi.o: src/cli/mpi.c
	@mkdir -p $(dir $@)
	$(MPICC) $(CPPFLAGS) $(XCFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/crftag-mpi: $(MPI_OBJ) $(BUILD)/libcrftag.a
	$(MPICC) $(XCFLAGS) -o $@ $(MPI_OBJ) $(BUILD)/libcrftag.a $(LDFLAGS) $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(BUILD)/libcrftag-internal.a
	$(CC) $(XCFLAGS) -o $@ $< $(BUILD)/libcrftag-internal.a $(LDFLAGS) $(TEST_LDLIBS) $(LDLIBS) -lcmocka

# liblbfgs only for test_optimize, which compares src/optimize.c with it (the
# library and the program do not use it).
$(BUILD)/tests/test_optimize: TEST_LDLIBS = -llbfgs

# test_oom fails the library's allocations one by one through wrappers of
# malloc, calloc and realloc (the library is linked statically into it).
$(BUILD)/tests/test_oom: $(BUILD)/tests/test_oom.o $(BUILD)/libcrftag-internal.a
	$(CC) $(XCFLAGS) -o $@ $< $(BUILD)/libcrftag-internal.a $(LDFLAGS) $(LDLIBS) -lcmocka \
	    -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc

# Debian packages needed to build and test; installed when missing (apt-get
# as root, else through sudo).  liblbfgs-dev and libcmocka-dev are for the
# tests alone (liblbfgs: test_optimize); the library and the program link neither.
DEB_PKGS = liblbfgs-dev libdeflate-dev zlib1g-dev libcmocka-dev pkg-config

deps:
	@missing=""; \
	if command -v dpkg-query >/dev/null 2>&1; then \
	  for p in $(DEB_PKGS); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	  done; \
	fi; \
	if [ -n "$$missing" ]; then \
	  echo "installing$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

DEMO_TEXT = Azure Sphere runs a Linux kernel on ARM Cortex-A7 chips. It was announced by Microsoft in 2018 and supports Wi-Fi and TLS.

demo: deps
	@$(MAKE) --no-print-directory all >/dev/null
	@echo '$$ echo "$(DEMO_TEXT)" | build/crftag tag -m models/wikiser.crftag --format spans'
	@echo "$(DEMO_TEXT)" | $(BUILD)/crftag tag -m models/wikiser.crftag --format spans

tests: $(TEST_BIN) $(BUILD)/crftag

check: deps
	@$(MAKE) --no-print-directory check-only

# crftag-mpi too when mpicc is there (not under the sanitizers: MPI_CHECK=)
MPI_CHECK ?= $(shell command -v $(MPICC) >/dev/null 2>&1 && echo mpi)

check-only: tests examples $(MPI_CHECK)
	@BUILD=$(BUILD) sh tests/run.sh $(TEST_BIN)

# clang when there is one: its UBSan also refuses pointer arithmetic on NULL,
# which gcc's lets by.
ASAN_CC ?= $(shell command -v clang >/dev/null 2>&1 && echo clang || echo $(CC))
asan: deps
	$(MAKE) --no-print-directory BUILD=build-asan CC=$(ASAN_CC) \
	    OPT="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    LDFLAGS="-fsanitize=address,undefined" MPI_CHECK= check-only

# The hostile-input tests at full size (2 GB line-less input, 2,000 labels):
# a few minutes, so not part of `make check`.
hostile-full: all
	HOSTILE_FULL=1 BUILD=$(BUILD) sh tests/hostile.sh

# The shipped model: the default training (held-out lexicon folds, the label
# bias chosen on held-out sentences, the shipped word clusters) on all the
# labelled WikiSER text in corpora/, train and dev.  The dev report it gives
# is recorded: the e2e test checks that the model still tags exactly so.
models: $(BUILD)/crftag
	$(BUILD)/crftag train --quiet -o models/wikiser.crftag \
	    corpora/wikiser-train.txt.gz corpora/wikiser-dev.txt.gz
	gzip -dc corpora/wikiser-dev.txt.gz | \
	    $(BUILD)/crftag eval -m models/wikiser.crftag /dev/stdin > tests/data/shipped_model_dev.expected

# The word clusters that `crftag train` uses by default
# (models/clusters-en.txt.gz): learned by `crftag clusters` (256 clusters)
# from the training splits of every corpus in ../shared/corpora
# (scripts/clusters-text.sh), never from a dev or test split.
clusters: $(BUILD)/crftag
	CORPORA=$(CORPORA) sh scripts/clusters-text.sh > $(BUILD)/clusters-text.txt
	$(BUILD)/crftag clusters --quiet -o $(BUILD)/clusters-en.txt $(BUILD)/clusters-text.txt
	gzip -9n -c $(BUILD)/clusters-en.txt > models/clusters-en.txt.gz

# The accuracy table of docs/ACCURACY.md: crftag's defaults and CRFsuite on
# every corpus of ../shared/corpora (about 30 minutes; says so and succeeds
# when the corpora are absent).
accuracy: $(BUILD)/crftag
	CRFTAG=$(BUILD)/crftag CORPORA=$(CORPORA) sh scripts/accuracy.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include
	install -m 755 $(BUILD)/crftag $(DESTDIR)$(PREFIX)/bin/crftag
	install -m 644 include/crftag.h $(DESTDIR)$(PREFIX)/include/crftag.h
	install -m 644 $(BUILD)/libcrftag.a $(DESTDIR)$(PREFIX)/lib/libcrftag.a
	install -m 755 $(BUILD)/$(SONAME) $(DESTDIR)$(PREFIX)/lib/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(PREFIX)/lib/libcrftag.so
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/share/man/man1
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' crftag.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/crftag.pc
	install -m 644 docs/crftag.1 $(DESTDIR)$(PREFIX)/share/man/man1/crftag.1
	install -d $(DESTDIR)$(PREFIX)/share/crftag
	install -m 644 models/clusters-en.txt.gz models/wikiser.crftag $(DESTDIR)$(PREFIX)/share/crftag/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/crftag $(DESTDIR)$(PREFIX)/include/crftag.h \
	    $(DESTDIR)$(PREFIX)/lib/libcrftag.a $(DESTDIR)$(PREFIX)/lib/$(SONAME) \
	    $(DESTDIR)$(PREFIX)/lib/libcrftag.so \
	    $(DESTDIR)$(PREFIX)/lib/pkgconfig/crftag.pc $(DESTDIR)$(PREFIX)/share/man/man1/crftag.1 \
	    $(DESTDIR)$(PREFIX)/share/crftag/clusters-en.txt.gz $(DESTDIR)$(PREFIX)/share/crftag/wikiser.crftag
	rmdir $(DESTDIR)$(PREFIX)/share/crftag 2>/dev/null || true

# Embedding: examples/*.c built against a staged install ($(BUILD)/stage)
# through pkg-config, so the installed header, library and crftag.pc are what
# tests/e2e.sh runs (with an rpath to the staged library, so that they run as
# built, without LD_LIBRARY_PATH); tests/static_link.c, which defines functions named as
# the library's internal ones, linked with the installed libcrftag.a.  `make tsan`: test_api, test_optimize and tag --threads (tests/tag_threads.sh) under ThreadSanitizer.
VERSION  = $(shell sed -n 's/^\#define CRFTAG_VERSION_STRING "\(.*\)"/\1/p' include/crftag.h)
STAGE    = $(abspath $(BUILD))/stage
EX_SRC   = $(wildcard examples/*.c)

examples: all
	@rm -rf $(STAGE)
	@$(MAKE) --no-print-directory install DESTDIR=$(STAGE) PREFIX=/usr/local >/dev/null
	@mkdir -p $(BUILD)/examples
	@for f in $(EX_SRC); do \
	  b=$(BUILD)/examples/$$(basename $$f .c); \
	  flags=$$(PKG_CONFIG_PATH=$(STAGE)/usr/local/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$(STAGE) \
	           pkg-config --cflags --libs crftag) || exit 1; \
	  echo "$(CC) $$f $$flags -o $$b"; \
	  $(CC) -std=c11 $(OPT) -Wall -Wextra $(CFLAGS) $$f $$flags -pthread $(LDFLAGS) \
	      -Wl,-rpath,$(STAGE)/usr/local/lib -o $$b || exit 1; \
	done
	@echo "$(CC) tests/static_link.c $(STAGE)/usr/local/lib/libcrftag.a -o $(BUILD)/examples/static_link"
	@$(CC) -std=c11 $(OPT) -Wall -Wextra $(CFLAGS) -I$(STAGE)/usr/local/include tests/static_link.c \
	    $(STAGE)/usr/local/lib/libcrftag.a $(LDLIBS) $(LDFLAGS) -o $(BUILD)/examples/static_link

tsan:
	$(MAKE) --no-print-directory BUILD=build-tsan OPT="-O1 -g -fsanitize=thread" \
	    LDFLAGS=-fsanitize=thread build-tsan/tests/test_api build-tsan/tests/test_optimize \
	    build-tsan/crftag
	TSAN_OPTIONS="halt_on_error=1 exitcode=66" build-tsan/tests/test_api
	TSAN_OPTIONS="halt_on_error=1 exitcode=66" build-tsan/tests/test_optimize
	@d=$$(mktemp -d); TSAN_OPTIONS="halt_on_error=1 exitcode=66" \
	    sh tests/tag_threads.sh build-tsan/crftag models/wikiser.crftag $$d quick; \
	    rc=$$?; rm -rf $$d; exit $$rc

# libFuzzer harnesses (fuzz/*.c) built with clang into build-fuzz/; run e.g.
#   build-fuzz/fuzz_corpus -dict=fuzz/corpus.dict build-fuzz/corpus-fuzz_corpus fuzz/seeds/corpus
FUZZ_CC    = clang
FUZZ_FLAGS = -std=c11 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
             -fno-omit-frame-pointer -pthread
FUZZ_SRC   = $(wildcard fuzz/fuzz_*.c)
FUZZ_BIN   = $(FUZZ_SRC:fuzz/%.c=build-fuzz/%)
FUZZ_LOBJ  = $(LIB_SRC:%.c=build-fuzz/%.o)

build-fuzz/src/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

build-fuzz/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz_common.h $(FUZZ_LOBJ)
	@mkdir -p build-fuzz
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LOBJ) $(LDLIBS)

fuzz: $(FUZZ_BIN)

# Benchmarks (bench/): not tests, CI does not run them.
bench bench-full bench-scale bench-threads: all
	@$(MAKE) --no-print-directory -C bench BUILD=$(abspath $(BUILD)) $@

clean:
	rm -rf build build-asan build-fuzz build-tsan bench/out

.PHONY: all deps demo tests check check-only asan hostile-full models clusters accuracy install uninstall \
        clean fuzz examples tsan bench bench-full bench-scale bench-threads mpi
.SECONDARY:

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_BIN:=.d) $(BUILD)/mpi/src/cli/mpi.d
