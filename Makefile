# SPDX-License-Identifier: GPL-2.0
# synfin: build, test and demo. Outputs go to build/; V=1 shows commands.
# One block per folder of the tree; every object's header dependencies come
# from its .d file.

.DELETE_ON_ERROR:
# Keep the objects tests link against between runs.
.SECONDARY:
.SUFFIXES:

BUILD    ?= build
CLANG    ?= clang
BPFTOOL  ?= bpftool
CC       ?= gcc
AR       ?= ar
ARCH     := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

ifeq ($(V),1)
Q :=
msg =
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# Debian packages that building, testing and the demo need.
DEB_PKGS := clang llvm gcc make pkg-config libbpf-dev libelf-dev zlib1g-dev \
	    libcmocka-dev libjson-c-dev libinih-dev libmicrohttpd-dev bpftool iproute2 python3 tcpdump \
	    procps iputils-ping util-linux python3-scapy curl systemd man-db groff-base ethtool \
	    libclang-rt-14-dev libssl-dev openssl

CFLAGS   ?= -O2 -g
CFLAGS   += -D_GNU_SOURCE -Wall -Wextra -Werror -std=gnu11 -Iinclude -I$(BUILD) -MMD -MP
LDLIBS   := -lbpf -lelf -lz -ljson-c -linih -lmicrohttpd -lcrypto
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	      -Iinclude -Ibpf -I$(BUILD) -MMD -MP
# AddressSanitizer (with LeakSanitizer) and UndefinedBehaviorSanitizer; UB
# stops the program, so no report goes unnoticed.
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	      -fno-omit-frame-pointer
# The userspace programs built with ASAN_FLAGS, for the e2e runs.
ASAN_PROGS := $(BUILD)/asan/synfind $(BUILD)/asan/synfinctl $(BUILD)/asan/synfin-flood

.PHONY: all deps test test-unit test-bpf test-e2e demo bench profile clean man install uninstall

all: $(BUILD)/synfind $(BUILD)/synfinctl $(BUILD)/synfin-flood

# Generic rules: userspace objects mirror the tree under $(BUILD) (and
# $(BUILD)/asan), BPF objects too. INC is set per folder below.
$(BUILD)/%.o: %.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(INC) -c $< -o $@

$(BUILD)/asan/%.o: %.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(ASAN_FLAGS) $(INC) -c $< -o $@

$(BUILD)/%.bpf.o: %.bpf.c $(BUILD)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

%.a:
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(BUILD)/vmlinux.h:
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@

# Objects that include a generated skeleton: found by name, so a new file
# that includes one gets the dependency without an edit here.
skel_users = $(patsubst %.c,$(BUILD)/%.o,$(shell grep -l '"$(1)"' $(2)))

# --- bpf/: synfin's programs, one per hook, linked into one object whose
# maps they share, and its skeleton.
BPF_OBJS := $(patsubst %.bpf.c,$(BUILD)/%.bpf.o,$(wildcard bpf/*.bpf.c))
SKEL     := $(BUILD)/synfin.skel.h

$(BUILD)/synfin.bpf.o: $(BPF_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(SKEL): $(BUILD)/synfin.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name synfin > $@

# --- bpf/flood/: the packet generator's program and skeleton.
FLOOD_SKEL := $(BUILD)/flood.skel.h

$(FLOOD_SKEL): $(BUILD)/bpf/flood/flood.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name flood > $@

# --- daemon/lib/: what more than one program uses, built once.
COMMON_SRCS := $(wildcard daemon/lib/*.c)
COMMON_A    := $(BUILD)/daemon/lib/libcommon.a

$(BUILD)/daemon/lib/%.o $(BUILD)/asan/daemon/lib/%.o: INC := -Idaemon/lib
$(COMMON_A): $(patsubst %.c,$(BUILD)/%.o,$(COMMON_SRCS))
$(BUILD)/asan/$(COMMON_A:$(BUILD)/%=%): $(patsubst %.c,$(BUILD)/asan/%.o,$(COMMON_SRCS))

# --- daemon/synfind/: the daemon. All but main.c in an archive that the
# tests link against.
SYNFIND_SRCS := $(wildcard daemon/synfind/*.c)
SYNFIND_A    := $(BUILD)/daemon/synfind/libsynfind.a
SYNFIND_MAIN := $(BUILD)/daemon/synfind/main.o

$(BUILD)/daemon/synfind/%.o $(BUILD)/asan/daemon/synfind/%.o: INC := -Idaemon/synfind -Idaemon/lib
$(call skel_users,synfin.skel.h,$(SYNFIND_SRCS)): $(SKEL)
$(patsubst $(BUILD)/%,$(BUILD)/asan/%,$(call skel_users,synfin.skel.h,$(SYNFIND_SRCS))): $(SKEL)
$(SYNFIND_A): $(filter-out $(SYNFIND_MAIN),$(patsubst %.c,$(BUILD)/%.o,$(SYNFIND_SRCS)))

$(BUILD)/synfind: $(SYNFIND_MAIN) $(SYNFIND_A) $(COMMON_A)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

# synfind again with the sanitizers, for one e2e run.
$(BUILD)/asan/synfind: $(patsubst %.c,$(BUILD)/asan/%.o,$(SYNFIND_SRCS)) \
		       $(BUILD)/asan/daemon/lib/libcommon.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(ASAN_FLAGS) $^ $(LDLIBS) -o $@

# --- daemon/synfinctl/: the CLI; no BPF.
$(BUILD)/daemon/synfinctl/%.o $(BUILD)/asan/daemon/synfinctl/%.o: INC := -Idaemon/lib

$(BUILD)/synfinctl: $(patsubst %.c,$(BUILD)/%.o,$(wildcard daemon/synfinctl/*.c)) $(COMMON_A)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ -ljson-c -lcrypto -o $@

$(BUILD)/asan/synfinctl: $(patsubst %.c,$(BUILD)/asan/%.o,$(wildcard daemon/synfinctl/*.c)) \
			 $(BUILD)/asan/daemon/lib/libcommon.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(ASAN_FLAGS) $^ -ljson-c -lcrypto -o $@

# --- daemon/flood/: synfin-flood, the packet generator.
FLOOD_SRCS := $(wildcard daemon/flood/*.c)

$(BUILD)/daemon/flood/%.o $(BUILD)/asan/daemon/flood/%.o: INC := -Idaemon/flood -Idaemon/lib
$(call skel_users,flood.skel.h,$(FLOOD_SRCS)): $(FLOOD_SKEL)
$(patsubst $(BUILD)/%,$(BUILD)/asan/%,$(call skel_users,flood.skel.h,$(FLOOD_SRCS))): $(FLOOD_SKEL)

$(BUILD)/synfin-flood: $(patsubst %.c,$(BUILD)/%.o,$(FLOOD_SRCS)) $(COMMON_A)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -lpthread -o $@

$(BUILD)/asan/synfin-flood: $(patsubst %.c,$(BUILD)/asan/%.o,$(FLOOD_SRCS)) \
			    $(BUILD)/asan/daemon/lib/libcommon.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(ASAN_FLAGS) $^ $(LDLIBS) -lpthread -o $@

# --- tests/progs/: BPF aids of the testbed and the benchmark.
TEST_PROGS := $(patsubst %.bpf.c,$(BUILD)/%.bpf.o,$(wildcard tests/progs/*.bpf.c))

all: $(TEST_PROGS)

# --- tests/lib/: packet builder, reference checksums, loaders, fixtures.
TESTLIB_SRCS := $(wildcard tests/lib/*.c)
TESTLIB_A    := $(BUILD)/tests/lib/libtest.a
TEST_INC     := -Itests/lib -Idaemon/synfind -Idaemon/lib

$(BUILD)/tests/%.o: INC := $(TEST_INC)
$(call skel_users,synfin.skel.h,$(TESTLIB_SRCS)): $(SKEL)
$(TESTLIB_A): $(patsubst %.c,$(BUILD)/%.o,$(TESTLIB_SRCS))

TEST_LIBS := $(TESTLIB_A) $(SYNFIND_A) $(COMMON_A)

# --- tests/unit/ (cmocka) and tests/bpf/ (BPF_PROG_TEST_RUN): a binary per
# test_*.c.
UNIT_TESTS := $(patsubst %.c,$(BUILD)/%,$(wildcard tests/unit/test_*.c))
BPF_TESTS  := $(patsubst %.c,$(BUILD)/%,$(wildcard tests/bpf/test_*.c))

$(call skel_users,synfin.skel.h,$(wildcard tests/bpf/*.c)): $(SKEL)

$(UNIT_TESTS): $(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(TEST_LIBS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -lcmocka -o $@

$(BPF_TESTS): $(BUILD)/tests/bpf/%: $(BUILD)/tests/bpf/%.o $(TEST_LIBS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -lcmocka -o $@

# --- tests/fuzz/parsers/: a libFuzzer target per parser (config file, port
# specs, listen address, numbers, control requests, synfinctl), built by
# make fuzz, not all. The parsers are built again, instrumented, into
# $(BUILD)/fuzz; synfinctl's main is renamed for its target to call.
FUZZ_CC        := clang
FUZZ_SAN       := address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS    := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,$(FUZZ_SAN)
PARSER_FUZZERS := $(patsubst %.c,$(BUILD)/%,$(wildcard tests/fuzz/parsers/fuzz_*.c))
FUZZ_COMMON_A  := $(BUILD)/fuzz/daemon/lib/libcommon.a
FUZZ_PARSERS_A := $(BUILD)/fuzz/libparsers.a
# The name make fuzz uses.
FUZZ_PARSERS   := $(PARSER_FUZZERS)

$(BUILD)/fuzz/%.o: %.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(CFLAGS) $(FUZZ_CFLAGS) $(INC) -c $< -o $@

$(BUILD)/fuzz/daemon/lib/%.o: INC := -Idaemon/lib
$(BUILD)/fuzz/daemon/synfind/%.o: INC := -Idaemon/synfind -Idaemon/lib
$(BUILD)/fuzz/daemon/synfinctl/%.o: INC := -Idaemon/lib -Dmain=synfinctl_main
$(BUILD)/fuzz/tests/fuzz/%.o: INC := -Idaemon/synfind -Idaemon/lib

$(FUZZ_COMMON_A): $(patsubst %.c,$(BUILD)/fuzz/%.o,$(COMMON_SRCS))
$(FUZZ_PARSERS_A): $(patsubst %.c,$(BUILD)/fuzz/%.o,daemon/synfind/config.c \
		    daemon/synfind/listen_addr.c daemon/synfind/control_req.c \
		    $(wildcard daemon/synfinctl/*.c))

$(PARSER_FUZZERS): $(BUILD)/tests/fuzz/parsers/%: $(BUILD)/fuzz/tests/fuzz/parsers/%.o \
		   $(FUZZ_PARSERS_A) $(FUZZ_COMMON_A)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) -g -fsanitize=fuzzer,$(FUZZ_SAN) $^ $(LDLIBS) -o $@

# --- tests/bench/: the benchmark's tools.
BENCH_TOOLS := $(BUILD)/benchctl $(BUILD)/prog_bench $(BUILD)/jit_lines $(BUILD)/sweep_bench

$(call skel_users,synfin.skel.h,$(wildcard tests/bench/*.c)): $(SKEL)

$(BENCH_TOOLS): $(BUILD)/%: $(BUILD)/tests/bench/%.o $(TEST_LIBS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

# --- tests/fuzz/: the fuzzer of the loaded programs (BPF_PROG_TEST_RUN),
# and its forged-ACK count. tests/fuzz/parsers/ has a block of its own.
FUZZ_SRCS := $(wildcard tests/fuzz/*.c)
FUZZ_BPF  := $(BUILD)/tests/fuzz/fuzz_bpf

$(call skel_users,synfin.skel.h,$(FUZZ_SRCS)): $(SKEL)

$(FUZZ_BPF): $(patsubst %.c,$(BUILD)/%.o,$(FUZZ_SRCS)) $(TEST_LIBS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -lcmocka -o $@

.PHONY: fuzz
# FUZZ_FRAMES frames a program (default 1,000,000), FUZZ_SECONDS to bound
# it, FUZZ_SEED to repeat a run; then every libFuzzer parser fuzzer.
fuzz: deps
	$(Q)$(MAKE) --no-print-directory $(FUZZ_BPF) $(FUZZ_PARSERS)
	$(Q)tests/fuzz/run.sh $(BUILD)

# --- manual pages, written by the programs from their own tables.
MANPAGES := $(BUILD)/man/synfind.8 $(BUILD)/man/synfin.conf.5 \
	    $(BUILD)/man/synfinctl.8 $(BUILD)/man/synfin-flood.8

$(BUILD)/man/synfind.8 $(BUILD)/man/synfinctl.8 $(BUILD)/man/synfin-flood.8: $(BUILD)/man/%.8: $(BUILD)/%
	$(call msg,MAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$< --man > $@

$(BUILD)/man/synfin.conf.5: $(BUILD)/synfind
	$(call msg,MAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$< --man-conf > $@

man: $(MANPAGES)

# --- install: PREFIX and DESTDIR as usual. An existing synfin.conf is kept.
PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR    ?= $(PREFIX)/lib/systemd/system
COMPDIR    ?= $(PREFIX)/share/bash-completion/completions
PROGRAMS   := synfind synfinctl synfin-flood

install: all man
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(SYSCONFDIR)/synfin $(DESTDIR)$(UNITDIR) $(DESTDIR)$(COMPDIR)
	$(Q)install -m 0755 $(addprefix $(BUILD)/,$(PROGRAMS)) $(DESTDIR)$(SBINDIR)/
	$(Q)install -m 0644 $(filter %.8,$(MANPAGES)) $(DESTDIR)$(MANDIR)/man8/
	$(Q)install -m 0644 $(filter %.5,$(MANPAGES)) $(DESTDIR)$(MANDIR)/man5/
	$(Q)sed 's#/usr/local/sbin/synfind#$(SBINDIR)/synfind#' configs/synfind.service \
		> $(DESTDIR)$(UNITDIR)/synfind.service
	$(Q)chmod 0644 $(DESTDIR)$(UNITDIR)/synfind.service
	$(Q)[ -e $(DESTDIR)$(SYSCONFDIR)/synfin/synfin.conf ] || \
		install -m 0644 configs/synfin.conf $(DESTDIR)$(SYSCONFDIR)/synfin/synfin.conf
	$(Q)install -m 0644 configs/synfin.bash-completion $(DESTDIR)$(COMPDIR)/synfind
	$(Q)ln -sf synfind $(DESTDIR)$(COMPDIR)/synfinctl

uninstall:
	$(call msg,UNINSTALL,$(DESTDIR)$(PREFIX))
	$(Q)rm -f $(addprefix $(DESTDIR)$(SBINDIR)/,$(PROGRAMS)) \
		$(addprefix $(DESTDIR)$(MANDIR)/man8/,synfind.8 synfinctl.8 synfin-flood.8) \
		$(DESTDIR)$(MANDIR)/man5/synfin.conf.5 $(DESTDIR)$(UNITDIR)/synfind.service \
		$(DESTDIR)$(COMPDIR)/synfind $(DESTDIR)$(COMPDIR)/synfinctl
	$(Q)echo "  kept $(DESTDIR)$(SYSCONFDIR)/synfin/synfin.conf (remove it by hand)"

# --- commands.
# Installs from Debian only what is missing: nothing runs apt-get when all
# is there.
deps:
	$(Q)missing=$$(for p in $(DEB_PKGS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "  DEPS     installing:" $$missing; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y --no-install-recommends $$missing || \
		{ apt-get update && apt-get install -y --no-install-recommends $$missing; }; \
	fi

test: deps
	$(Q)$(MAKE) --no-print-directory all man $(UNIT_TESTS) $(BPF_TESTS) $(ASAN_PROGS) $(FUZZ_BPF)
	$(Q)tests/run.sh $(BUILD)

test-unit: $(UNIT_TESTS)
	$(Q)tests/run.sh $(BUILD) unit

test-bpf: $(BPF_TESTS)
	$(Q)tests/run.sh $(BUILD) bpf

test-e2e: all $(ASAN_PROGS)
	$(Q)tests/run.sh $(BUILD) e2e

bench: deps
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/benchctl $(BUILD)/sweep_bench $(BUILD)/prog_bench
	$(Q)tests/bench/bench.sh $(BUILD)

# Where xdp_synfin spends its time (perf, cpu-clock): no packets sent.
profile: deps
	$(Q)$(MAKE) --no-print-directory $(BUILD)/prog_bench $(BUILD)/jit_lines $(TEST_PROGS)
	$(Q)tests/bench/profile.sh $(BUILD)

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/testbed.sh demo $(BUILD)

# --- tests/soak/: SOAK_MINUTES (30) of a mixed flood, a real client,
# synfinctl, SIGHUPs and --keep restarts at once; checks and a markdown
# summary ($(BUILD)/soak.md). Not part of make test.
.PHONY: soak
SOAK_MINUTES ?= 30
soak: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)SOAK_MINUTES=$(SOAK_MINUTES) tests/soak/soak.sh $(BUILD)

clean:
	$(Q)rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
