#
# Makefile for ipc: libipc, ipcrun, ipccc, the sample apps and the tests.
#
# GNU make, one Makefile for the whole tree, -j safe. Sources are found by
# wildcard, so a new .c file needs no edit here. Everything is built under
# $(BUILD): build/ normally, build/san/ with SAN=1 (ASan + UBSan).
#
#   ./configure && make         build everything
#   make check                  install missing deps, configure, build, run all tests
#   make check SLURM=1          ... installing Slurm and munge too, for test_slurm
#   make demo                   ... then a short tour (scripts/tour): an MPI program,
#                               a speed-up, a crash, a hang, two simulated nodes
#   make bench                  ... then compare against Open MPI and MPICH, and time
#                               start-up and the sample workloads (build/bench/report.md,
#                               docs/benchmarks.md); QUICK=1: in under 2 minutes
#   make fuzz                   ... then run every libFuzzer target (clang) for FUZZ_S
#                               seconds (default 60) each (docs/fuzzing.md)
#   make install                PREFIX (default /usr/local) and DESTDIR honoured
#   make V=1                    show the full commands
#

# Defaults. config.mak, written by ./configure, overrides them; the command
# line overrides both.
CC = cc
# The compiler of ipcc++ (mpicxx): only the wrapper uses it.
CXX = c++
CFLAGS =
LDFLAGS =
AR = ar
INSTALL = install
PREFIX = /usr/local
SAN = 0
SLURM = 0
HWLOC_CFLAGS =
HWLOC_LIBS = -lhwloc
UUID_CFLAGS =
UUID_LIBS = -luuid
CMOCKA_CFLAGS =
CMOCKA_LIBS = -lcmocka
NETTLE_CFLAGS =
NETTLE_LIBS = -lnettle
DL_LIBS =
PMIX_CFLAGS =
CONFIGURE_ARGS =
FUZZ_CC = clang
FUZZ_S = 60
QUICK = 0

# Included only when present, so that a failing configure rerun (below) stops
# make instead of being silently ignored, as it would be with -include.
ifneq ($(wildcard config.mak),)
include config.mak
endif

BINDIR = $(PREFIX)/bin
LIBDIR = $(PREFIX)/lib
INCLUDEDIR = $(PREFIX)/include
PKGCONFIGDIR = $(LIBDIR)/pkgconfig
MANDIR = $(PREFIX)/share/man

ifeq ($(SAN),1)
BUILD = build/san
SAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer
# With clang the sanitizer runtime lives in the executable, so the library's
# references to it stay undefined until load time.
SO_DEFS =
# Tests run with these: a signal a test provokes (a rank that segfaults) must
# stay a signal, and undefined behaviour must fail the test, not scroll by.
# The user's own ASAN_OPTIONS/UBSAN_OPTIONS come last and win.
# Leaks inside libraries libipc loads but does not own are suppressed
# (scripts/lsan.supp says which and why).
SAN_ENV = ASAN_OPTIONS=handle_segv=0:handle_sigbus=0:handle_sigfpe=0$${ASAN_OPTIONS:+:$$ASAN_OPTIONS} \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1$${UBSAN_OPTIONS:+:$$UBSAN_OPTIONS} \
	LSAN_OPTIONS=suppressions=$(CURDIR)/scripts/lsan.supp$${LSAN_OPTIONS:+:$$LSAN_OPTIONS}
else
BUILD = build
SAN_FLAGS =
SAN_ENV =
# A shared library with an undefined symbol fails here, not in the first app.
SO_DEFS = -Wl,-z,defs
endif

ifeq ($(V),1)
Q =
E = @:
SILENT =
else
Q = @
E = @printf '  %-6s %s\n'
SILENT = -s
endif

# 'make' alone builds everything, not the config.mak rule defined below.
.DEFAULT_GOAL := all

MAKEFLAGS += --no-builtin-rules
.SUFFIXES:
.DELETE_ON_ERROR:

# 'make' alone builds everything, not the config.mak rule that comes first.
.DEFAULT_GOAL := all

# Goals that set themselves up (check, demo, bench) or need no configuration.
# Every other goal needs config.mak, and reruns configure when it changed.
NOCONFIG_GOALS = check demo bench fuzz clean uninstall
ifneq ($(filter-out $(NOCONFIG_GOALS),$(or $(MAKECMDGOALS),all)),)
ifeq ($(wildcard config.mak),)
$(error config.mak is missing: run ./configure first (make check and make demo run it for you))
endif
config.mak: configure
	./configure $(CONFIGURE_ARGS)
endif

# The shared library's version comes from the public header.
VERSION := $(shell sed -n 's/^.define IPC_VERSION_STRING "\(.*\)"/\1/p' include/ipc.h)
SOMAJOR := $(firstword $(subst ., ,$(VERSION)))

# Sources and what is built from them.

LIB_SRCS := $(sort $(wildcard runtime/*.c runtime/*/*.c runtime/*/*/*.c))
COMMON_SRCS := $(sort $(wildcard runtime/common/*.c))
LAUNCHER_SRCS := $(sort $(wildcard launcher/*.c))
APP_SRCS := $(sort $(wildcard apps/*.c))
# Helpers the sample workloads share (apps/common/workload.h), linked into every app.
APP_COMMON_SRCS := $(sort $(wildcard apps/common/*.c))
# MPI programs (mpi.h only): what a user builds with mpicc, built here with
# the same flags as the apps so that -Werror keeps them clean.
MPI_APP_SRCS := $(sort $(wildcard apps/mpi/*.c))
PROG_SRCS := $(sort $(wildcard tests/programs/*.c))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
# Fuzz targets (docs/fuzzing.md): each tests/fuzz/fuzz_<decoder>.c defines
# LLVMFuzzerTestOneInput. Every build links each with tests/fuzz/replay.c,
# which runs it over its seed corpus (tests/integration/test_fuzz_replay.sh);
# make fuzz links them with clang's libFuzzer instead, in build/fuzz/.
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))

OBJ = $(BUILD)/obj
LIB_OBJS := $(LIB_SRCS:%.c=$(OBJ)/%.o)
COMMON_OBJS := $(COMMON_SRCS:%.c=$(OBJ)/%.o)
LAUNCHER_OBJS := $(LAUNCHER_SRCS:%.c=$(OBJ)/%.o)
APP_OBJS := $(APP_SRCS:%.c=$(OBJ)/%.o)
APP_COMMON_OBJS := $(APP_COMMON_SRCS:%.c=$(OBJ)/%.o)
MPI_APP_OBJS := $(MPI_APP_SRCS:%.c=$(OBJ)/%.o)
PROG_OBJS := $(PROG_SRCS:%.c=$(OBJ)/%.o)
UNIT_OBJS := $(UNIT_SRCS:%.c=$(OBJ)/%.o)
FUZZ_OBJS := $(FUZZ_SRCS:%.c=$(OBJ)/%.o) $(OBJ)/tests/fuzz/replay.o
ALL_OBJS := $(LIB_OBJS) $(LAUNCHER_OBJS) $(APP_OBJS) $(APP_COMMON_OBJS) $(MPI_APP_OBJS) $(PROG_OBJS) \
	$(UNIT_OBJS) $(FUZZ_OBJS)

LIBIPC_A = $(BUILD)/lib/libipc.a
LIBIPC_SONAME = libipc.so.$(SOMAJOR)
LIBIPC_SO_FILE = $(BUILD)/lib/libipc.so.$(VERSION)
LIBIPC_SO_LINKS = $(BUILD)/lib/$(LIBIPC_SONAME) $(BUILD)/lib/libipc.so
LAUNCHER_A = $(OBJ)/launcher.a
IPCRUN = $(BUILD)/bin/ipcrun
IPCCC = $(BUILD)/bin/ipccc
MPICC = $(BUILD)/bin/mpicc
IPCCXX = $(BUILD)/bin/ipcc++
MPICXX_LINKS = $(BUILD)/bin/mpicxx $(BUILD)/bin/mpic++
APPS := $(APP_SRCS:apps/%.c=$(BUILD)/apps/%)
MPI_APPS := $(MPI_APP_SRCS:apps/mpi/%.c=$(BUILD)/apps/mpi/%)
PROGS := $(PROG_SRCS:tests/programs/%.c=$(BUILD)/tests/programs/%)
# forge_* programs play a hostile rank with libipc's internals: they are
# compiled with -Iruntime and link libipc.a, which has them (libipc.so
# exports only the contract).
FORGE_PROGS := $(filter $(BUILD)/tests/programs/forge_%,$(PROGS))
UNITS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)
# LD_PRELOAD shims that tests put under a rank (tests/preload/*.c).
PRELOADS := $(patsubst tests/preload/%.c,$(BUILD)/tests/preload/%.so,\
	$(sort $(wildcard tests/preload/*.c)))
FUZZ_REPLAYS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/tests/fuzz/%)

OUTPUTS = $(LIBIPC_A) $(LIBIPC_SO_FILE) $(LIBIPC_SO_LINKS) $(LAUNCHER_A) $(IPCRUN) \
	$(IPCCC) $(MPICC) $(IPCCXX) $(MPICXX_LINKS) $(APPS) $(MPI_APPS) $(PROGS) $(UNITS) $(FUZZ_REPLAYS) $(PRELOADS)

# Flags. The user's CFLAGS come last so that they can override ours.

# runtime/common/ holds what libipc and ipcrun share (the control channel,
# network interfaces, lists, the names both use); the launcher sees nothing
# else of runtime/.
IPC_CFLAGS = -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -pthread \
	-Iinclude -Iruntime/common
RUNTIME_INC = -Iruntime
ALL_CFLAGS = $(IPC_CFLAGS) $(HWLOC_CFLAGS) $(UUID_CFLAGS) $(NETTLE_CFLAGS) $(SAN_FLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SAN_FLAGS) $(LDFLAGS)

# The library is built with link-time optimization: a message goes through
# small functions in several files (MPI layer, checks, matching, the engine,
# the transport), and inlining across them made a stream of 1 KiB MPI
# messages 11% faster. Its own calls need not go through the PLT
# (-fno-semantic-interposition); fat objects keep libipc.a usable by any
# linker.
LIB_CFLAGS = -fPIC -flto=auto -ffat-lto-objects -fno-semantic-interposition
$(LIB_OBJS): EXTRA_CFLAGS = $(LIB_CFLAGS) $(RUNTIME_INC)
$(OBJ)/runtime/boot/pmix.o: EXTRA_CFLAGS = $(LIB_CFLAGS) $(RUNTIME_INC) $(PMIX_CFLAGS)
$(UNIT_OBJS): EXTRA_CFLAGS = $(CMOCKA_CFLAGS) $(RUNTIME_INC) -Ilauncher
$(FUZZ_OBJS): EXTRA_CFLAGS = $(RUNTIME_INC) -Ilauncher
$(FORGE_PROGS:$(BUILD)/%=$(OBJ)/%.o): EXTRA_CFLAGS = $(RUNTIME_INC)

# The MPI profiling interface: each file of runtime/mpi/ is compiled with a
# header, made by scripts/pmpi from its definitions, that exports each MPI_
# function it defines as PMPI_ too (MPI_ weak, PMPI_ a strong alias).
MPI_OBJS := $(filter $(OBJ)/runtime/mpi/%,$(LIB_OBJS))
$(MPI_OBJS): EXTRA_CFLAGS = $(LIB_CFLAGS) $(RUNTIME_INC) -include $(OBJ)/$*.pmpi.h
$(MPI_OBJS): $(OBJ)/runtime/mpi/%.o: $(OBJ)/runtime/mpi/%.pmpi.h
$(OBJ)/runtime/mpi/%.pmpi.h: runtime/mpi/%.c scripts/pmpi | $(OBJ)/runtime/mpi
	$(Q)scripts/pmpi aliases $< > $@.tmp && mv -f $@.tmp $@

# A unit test asks for extra link flags, such as -Wl,--wrap=write, with a
# comment in its source: /* IPC_TEST_LDFLAGS: -Wl,--wrap=write */
test_ldflags = $$(sed -n 's/.*IPC_TEST_LDFLAGS:\([^*]*\).*/\1/p' $(1))

# $(call generate,template,output,prefix,includedir,libdir[,more sed arguments]).
generate = sed -e 's|@VERSION@|$(VERSION)|g' -e 's|@PREFIX@|$(3)|g' \
	-e 's|@INCDIR@|$(4)|g' -e 's|@LIBDIR@|$(5)|g' $(6) $(1) > $(2).tmp && mv -f $(2).tmp $(2)
# $(call wrapper,output,includedir,libdir,C or CXX): ipccc or ipcc++ from
# scripts/ipccc.in. The compiler carries the sanitizer flags of a SAN=1
# build: a sanitized libipc needs sanitized programs (the runtime must come
# first).
wrapper_C = -e 's|@CC@|$(strip $(CC) $(SAN_FLAGS))|g' -e 's|@CC_ENV@|IPC_CC|g' \
	-e 's|@LANG@|cc|g' -e 's|@SUFFIX@|c|g'
wrapper_CXX = -e 's|@CC@|$(strip $(CXX) $(SAN_FLAGS))|g' -e 's|@CC_ENV@|IPC_CXX|g' \
	-e 's|@LANG@|c++|g' -e 's|@SUFFIX@|cpp|g'
wrapper = $(call generate,scripts/ipccc.in,$(1),$(PREFIX),$(2),$(3),$(wrapper_$(4))) && chmod 755 $(1)

# Build.

.PHONY: all check demo bench install uninstall clean

all: $(OUTPUTS)

DIRS := $(sort $(patsubst %/,%,$(dir $(ALL_OBJS) $(OUTPUTS))))
$(DIRS):
	$(Q)mkdir -p $@
$(ALL_OBJS) $(OUTPUTS): | $(DIRS)

# Objects follow their headers (-MMD -MP) and the configuration.
$(ALL_OBJS): $(wildcard config.mak)
$(OBJ)/%.o: %.c
	$(E) CC $<
	$(Q)$(CC) $(ALL_CFLAGS) $(EXTRA_CFLAGS) -MMD -MP -c -o $@ $<
-include $(ALL_OBJS:.o=.d)

$(LIBIPC_A): $(LIB_OBJS)
	$(E) AR $@
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(LIBIPC_SO_FILE): $(LIB_OBJS) runtime/libipc.map
	$(E) LD $@
	$(Q)$(CC) -shared -Wl,-soname,$(LIBIPC_SONAME) -Wl,--version-script=runtime/libipc.map \
		$(SO_DEFS) $(ALL_CFLAGS) $(LIB_CFLAGS) $(ALL_LDFLAGS) -o $@ $(LIB_OBJS) $(NETTLE_LIBS) $(DL_LIBS) -pthread -lm

$(LIBIPC_SO_LINKS): $(LIBIPC_SO_FILE)
	$(Q)ln -sf $(notdir $<) $@

# Unit tests link launcher modules from this archive; main.o would clash
# with the test's main.
$(LAUNCHER_A): $(filter-out $(OBJ)/launcher/main.o,$(LAUNCHER_OBJS))
	$(E) AR $@
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# The launcher links the shared objects of runtime/common/ (built once, as
# for the library) and nothing else of libipc.
$(IPCRUN): $(LAUNCHER_OBJS) $(COMMON_OBJS)
	$(E) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(UUID_LIBS) $(HWLOC_LIBS) -pthread -lm

$(IPCCC): scripts/ipccc.in $(wildcard config.mak)
	$(E) GEN $@
	$(Q)$(call wrapper,$@,$(abspath include),$(abspath $(BUILD)/lib),C)

$(IPCCXX): scripts/ipccc.in $(wildcard config.mak)
	$(E) GEN $@
	$(Q)$(call wrapper,$@,$(abspath include),$(abspath $(BUILD)/lib),CXX)

# mpicc is ipccc under the name MPI build scripts look for; mpicxx and
# mpic++ are ipcc++ under MPICH's and Open MPI's names.
$(MPICC): $(IPCCC)
	$(Q)ln -sf ipccc $@
$(MPICXX_LINKS): $(IPCCXX)
	$(Q)ln -sf ipcc++ $@

$(APPS): $(BUILD)/apps/%: $(OBJ)/apps/%.o $(APP_COMMON_OBJS) $(LIBIPC_SO_LINKS)
	$(E) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(APP_COMMON_OBJS) $(BUILD)/lib/libipc.so \
		-Wl,-rpath,'$$ORIGIN/../lib' -lm

$(MPI_APPS): $(BUILD)/apps/mpi/%: $(OBJ)/apps/mpi/%.o $(LIBIPC_SO_LINKS)
	$(E) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/lib/libipc.so -Wl,-rpath,'$$ORIGIN/../../lib' -lm

# forge_* programs: see PROGS.
$(filter-out $(FORGE_PROGS),$(PROGS)): $(BUILD)/tests/programs/%: $(OBJ)/tests/programs/%.o \
		$(LIBIPC_SO_LINKS)
	$(E) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/lib/libipc.so \
		-Wl,-rpath,'$$ORIGIN/../../lib' -lm

# Not instrumented even with SAN=1: a shim only passes calls on.
$(PRELOADS): $(BUILD)/tests/preload/%.so: tests/preload/%.c
	@mkdir -p $(@D)
	$(E) LD $@
	$(Q)$(CC) $(IPC_CFLAGS) $(CFLAGS) -fPIC -shared -o $@ $< $(DL_LIBS)

$(FORGE_PROGS): $(BUILD)/tests/programs/%: $(OBJ)/tests/programs/%.o $(LIBIPC_A)
	$(E) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBIPC_A) $(UUID_LIBS) $(HWLOC_LIBS) $(NETTLE_LIBS) $(DL_LIBS) \
		-pthread -lm

$(UNITS): $(BUILD)/tests/unit/%: $(OBJ)/tests/unit/%.o $(LAUNCHER_A) $(LIBIPC_A)
	$(E) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LAUNCHER_A) $(LIBIPC_A) $(CMOCKA_LIBS) \
		$(UUID_LIBS) $(HWLOC_LIBS) $(NETTLE_LIBS) $(DL_LIBS) -pthread -lm $(call test_ldflags,tests/unit/$*.c)

# A fuzz target with the replay driver: see FUZZ_SRCS.
$(FUZZ_REPLAYS): $(BUILD)/tests/fuzz/%: $(OBJ)/tests/fuzz/%.o $(OBJ)/tests/fuzz/replay.o \
		$(LAUNCHER_A) $(LIBIPC_A)
	$(E) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(OBJ)/tests/fuzz/replay.o $(LAUNCHER_A) $(LIBIPC_A) \
		$(UUID_LIBS) $(HWLOC_LIBS) $(NETTLE_LIBS) $(DL_LIBS) -pthread -lm

# make fuzz: the same targets, and what they decode (libipc and the launcher
# but main.c, without LTO), compiled by clang with libFuzzer's coverage and
# ASan + UBSan into build/fuzz/; scripts/fuzz runs each for FUZZ_S seconds.
# runtime/mpi/ decodes nothing from outside a process and is left out.
FUZZ_DIR = build/fuzz
FUZZ_OBJ = $(FUZZ_DIR)/obj
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS = $(IPC_CFLAGS) $(RUNTIME_INC) -Ilauncher $(HWLOC_CFLAGS) $(UUID_CFLAGS) \
	$(PMIX_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_SUBJECT_SRCS := $(filter-out runtime/mpi/%,$(LIB_SRCS)) \
	$(filter-out launcher/main.c,$(LAUNCHER_SRCS))
FUZZ_SUBJECT_OBJS := $(FUZZ_SUBJECT_SRCS:%.c=$(FUZZ_OBJ)/%.o)
FUZZ_TARGET_OBJS := $(FUZZ_SRCS:%.c=$(FUZZ_OBJ)/%.o)
FUZZ_SUBJECT_A = $(FUZZ_DIR)/libsubject.a
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(FUZZ_DIR)/%)

$(FUZZ_SUBJECT_OBJS) $(FUZZ_TARGET_OBJS): $(FUZZ_OBJ)/%.o: %.c $(wildcard config.mak)
	$(E) CLANG $<
	$(Q)mkdir -p $(@D) && $(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<
-include $(FUZZ_SUBJECT_OBJS:.o=.d) $(FUZZ_TARGET_OBJS:.o=.d)

$(FUZZ_SUBJECT_A): $(FUZZ_SUBJECT_OBJS)
	$(E) AR $@
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(FUZZ_BINS): $(FUZZ_DIR)/%: $(FUZZ_OBJ)/tests/fuzz/%.o $(FUZZ_SUBJECT_A)
	$(E) LD $@
	$(Q)$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $< $(FUZZ_SUBJECT_A) $(UUID_LIBS) \
		$(HWLOC_LIBS) $(NETTLE_LIBS) $(DL_LIBS) -pthread -lm

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS)

# Set up, build and run. scripts/setup installs missing Debian packages,
# (re)runs configure and builds everything in parallel, so that these work on
# a fresh machine, printing one line per stage (V=1: everything); the full
# output is in $(BUILD)/logs/setup.log. The '+' shares the jobserver.
# CONFIGURE_ARGS reaches it as it is, quotes and all, in the environment.

export CONFIGURE_ARGS
define setup
	+@V=$(V) MAKE='$(MAKE)' scripts/setup $@ $(BUILD)/logs/setup.log \
		$(if $(filter 1,$(SLURM)),slurm)
endef

check:
	$(setup)
	@IPC_BUILD_DIR=$(BUILD) TESTS="$(TESTS)" $(SAN_ENV) scripts/run-tests

# Not part of check: clang is installed only when this asks for it.
fuzz:
	@scripts/install-deps fuzz
	@test config.mak -nt configure || ./configure $(CONFIGURE_ARGS)
	+@$(MAKE) --no-print-directory $(SILENT) fuzz-build
	@FUZZ_DIR=$(FUZZ_DIR) FUZZ_S=$(FUZZ_S) scripts/fuzz

demo:
	$(setup)
	@IPC_BUILD_DIR=$(BUILD) scripts/tour

# scripts/bench builds apps/mpi/mpibench.c with Open MPI and MPICH too and runs
# the three side by side, then scripts/bench-startup (start-up) and
# scripts/bench-workloads (the sample workloads); build/bench/report.md has it
# all (docs/benchmarks.md). QUICK=1: a short run. The libraries and gnuplot
# are installed when missing; without them bench leaves them out.
bench:
	$(setup)
	@scripts/install-deps bench || echo "make bench: going on with what is installed; the rest: sudo apt-get install gnuplot-nox openmpi-bin libopenmpi-dev mpich libmpich-dev"
	@IPC_BUILD_DIR=$(BUILD) QUICK=$(QUICK) IPC_BENCH_COMMAND="make bench QUICK=$(QUICK)" scripts/bench

# Install. ipccc, ipcc++ and ipc.pc are generated for PREFIX at install
# time. One man page, docs/ipccc.1, serves every name of the wrappers.
WRAPPER_ALIASES = mpicc ipcc++ mpicxx mpic++

# ipc.pc gives pkg-config users an rpath to LIBDIR unless the dynamic linker
# searches it anyway (/usr/lib, /lib and their multiarch directories): a
# program built against /usr/local or /opt then runs without LD_LIBRARY_PATH,
# as one built with ipccc does.
PC_RPATH = $(if $(filter /usr/lib /usr/lib64 /lib /lib64 /usr/lib/%-linux-gnu,$(LIBDIR)),,-Wl$(comma)-rpath$(comma)$${libdir} )
comma := ,

install: $(IPCRUN) $(LIBIPC_A) $(LIBIPC_SO_FILE)
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR) \
		$(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 755 $(IPCRUN) $(DESTDIR)$(BINDIR)/ipcrun
	$(call wrapper,$(DESTDIR)$(BINDIR)/ipccc,$(INCLUDEDIR),$(LIBDIR),C)
	ln -sf ipccc $(DESTDIR)$(BINDIR)/mpicc
	$(call wrapper,$(DESTDIR)$(BINDIR)/ipcc++,$(INCLUDEDIR),$(LIBDIR),CXX)
	ln -sf ipcc++ $(DESTDIR)$(BINDIR)/mpicxx
	ln -sf ipcc++ $(DESTDIR)$(BINDIR)/mpic++
	$(INSTALL) -m 644 include/ipc.h $(DESTDIR)$(INCLUDEDIR)/ipc.h
	$(INSTALL) -m 644 include/mpi.h $(DESTDIR)$(INCLUDEDIR)/mpi.h
	$(INSTALL) -m 755 $(LIBIPC_SO_FILE) $(DESTDIR)$(LIBDIR)/libipc.so.$(VERSION)
	ln -sf libipc.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(LIBIPC_SONAME)
	ln -sf $(LIBIPC_SONAME) $(DESTDIR)$(LIBDIR)/libipc.so
	$(INSTALL) -m 644 $(LIBIPC_A) $(DESTDIR)$(LIBDIR)/libipc.a
	$(call generate,scripts/ipc.pc.in,$(DESTDIR)$(PKGCONFIGDIR)/ipc.pc,$(PREFIX),$(INCLUDEDIR),$(LIBDIR),-e 's|@RPATH@|$(PC_RPATH)|g')
	$(INSTALL) -m 644 docs/ipcrun.1 $(DESTDIR)$(MANDIR)/man1/ipcrun.1
	$(INSTALL) -m 644 docs/ipccc.1 $(DESTDIR)$(MANDIR)/man1/ipccc.1
	for name in $(WRAPPER_ALIASES) ; do \
		echo '.so man1/ipccc.1' > $(DESTDIR)$(MANDIR)/man1/$$name.1 || exit 1 ; done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/ipcrun $(DESTDIR)$(BINDIR)/ipccc \
		$(addprefix $(DESTDIR)$(BINDIR)/,$(WRAPPER_ALIASES)) \
		$(addprefix $(DESTDIR)$(MANDIR)/man1/,ipccc.1 $(WRAPPER_ALIASES:=.1)) \
		$(DESTDIR)$(INCLUDEDIR)/ipc.h $(DESTDIR)$(INCLUDEDIR)/mpi.h \
		$(DESTDIR)$(LIBDIR)/libipc.so.$(VERSION) \
		$(DESTDIR)$(LIBDIR)/$(LIBIPC_SONAME) $(DESTDIR)$(LIBDIR)/libipc.so \
		$(DESTDIR)$(LIBDIR)/libipc.a $(DESTDIR)$(PKGCONFIGDIR)/ipc.pc \
		$(DESTDIR)$(MANDIR)/man1/ipcrun.1

clean:
	rm -rf build config.mak
