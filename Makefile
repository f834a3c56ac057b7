# SPDX-License-Identifier: GPL-2.0
# synfin: build, test and demo. Outputs go to build/; V=1 shows commands.

.DELETE_ON_ERROR:
# Keep the objects tests link against between runs.
.SECONDARY:
.SUFFIXES:

BUILD    ?= build
CLANG    ?= clang
BPFTOOL  ?= bpftool
CC       ?= gcc
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
	    procps iputils-ping util-linux python3-scapy curl

CFLAGS   ?= -O2 -g
CFLAGS   += -D_GNU_SOURCE -Wall -Wextra -Werror -std=gnu11 -Iinclude -I$(BUILD) -MMD -MP
LDLIBS   := -lbpf -lelf -lz -ljson-c -linih -lmicrohttpd
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	      -Iinclude -Ibpf -I$(BUILD) -MMD -MP

BPF_SRCS := bpf/xdp_ingress.bpf.c bpf/tc_ingress.bpf.c bpf/tc_egress.bpf.c
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
SKEL     := $(BUILD)/synfin.skel.h
# Stand-alone objects for the testbed, not part of synfin.
AUX_BPF  := $(BUILD)/bpf/xdp_pass.bpf.o $(BUILD)/bpf/tc_drop_fin.bpf.o \
	    $(BUILD)/bpf/bench_xdp.bpf.o

DAEMON_SRCS := daemon/synfind.c daemon/loader.c daemon/attach.c \
	       daemon/ports.c daemon/secrets.c daemon/stats.c daemon/log.c \
	       daemon/expiry.c daemon/ct_format.c daemon/control.c daemon/config.c \
	       daemon/pins.c daemon/metrics.c daemon/events.c daemon/ct_walk.c \
	       daemon/ct_filter.c
DAEMON_OBJS := $(patsubst daemon/%.c,$(BUILD)/daemon/%.o,$(DAEMON_SRCS))
# The daemon's pieces that tests link against (all but main).
LIB_OBJS    := $(filter-out $(BUILD)/daemon/synfind.o,$(DAEMON_OBJS))
CTL_OBJS    := $(BUILD)/daemon/synfinctl.o

TESTLIB_SRCS := tests/lib/pktbuild.c tests/lib/refsum.c
TESTLIB_OBJS := $(patsubst tests/lib/%.c,$(BUILD)/tests/lib/%.o,$(TESTLIB_SRCS))
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(wildcard tests/unit/test_*.c))
BPF_TESTS  := $(patsubst tests/bpf/%.c,$(BUILD)/tests/bpf/%,$(wildcard tests/bpf/test_*.c))

.PHONY: all deps test test-unit test-bpf test-e2e demo bench profile clean

all: $(BUILD)/synfind $(BUILD)/synfinctl $(AUX_BPF)

$(BUILD) $(BUILD)/bpf $(BUILD)/daemon $(BUILD)/tests/lib $(BUILD)/tests/unit $(BUILD)/tests/bpf:
	$(Q)mkdir -p $@

$(BUILD)/vmlinux.h: | $(BUILD)
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(BUILD)/vmlinux.h | $(BUILD)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# One object, one skeleton: the static linker merges the shared maps.
$(BUILD)/synfin.bpf.o: $(BPF_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(SKEL): $(BUILD)/synfin.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name synfin > $@

$(BUILD)/daemon/%.o: daemon/%.c $(SKEL) | $(BUILD)/daemon
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Idaemon -c $< -o $@

$(BUILD)/synfind: $(DAEMON_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

# synfind again with AddressSanitizer (and LeakSanitizer), for one e2e run.
ASAN_OBJS := $(patsubst daemon/%.c,$(BUILD)/asan/%.o,$(DAEMON_SRCS))
ASAN_FLAGS := -O1 -g -fsanitize=address -fno-omit-frame-pointer

$(BUILD)/asan:
	$(Q)mkdir -p $@

$(BUILD)/asan/%.o: daemon/%.c $(SKEL) | $(BUILD)/asan
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(ASAN_FLAGS) -Idaemon -c $< -o $@

$(BUILD)/asan/synfind: $(ASAN_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(ASAN_FLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/synfinctl: $(CTL_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ -ljson-c -o $@

$(BUILD)/tests/lib/%.o: tests/lib/%.c | $(BUILD)/tests/lib
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/lib -c $< -o $@

$(BUILD)/tests/unit/%: tests/unit/%.c $(TESTLIB_OBJS) $(LIB_OBJS) | $(BUILD)/tests/unit
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Idaemon -Itests/lib $^ $(LDLIBS) -lcmocka -o $@

$(BUILD)/tests/bpf/%: tests/bpf/%.c $(SKEL) $(TESTLIB_OBJS) $(LIB_OBJS) | $(BUILD)/tests/bpf
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Idaemon -Itests/lib $(filter %.c %.o,$^) $(LDLIBS) -lcmocka -o $@

$(BUILD)/benchctl: tests/bench/benchctl.c | $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< $(LDLIBS) -o $@

$(BUILD)/prog_bench: tests/bench/prog_bench.c $(LIB_OBJS) $(TESTLIB_OBJS) | $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Idaemon -Itests/lib $^ $(LDLIBS) -o $@

$(BUILD)/jit_lines: tests/bench/jit_lines.c | $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -lbpf -o $@

$(BUILD)/sweep_bench: tests/bench/sweep_bench.c $(LIB_OBJS) | $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Idaemon $^ $(LDLIBS) -o $@

# Installs from Debian only what is missing.
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
	$(Q)$(MAKE) --no-print-directory all $(UNIT_TESTS) $(BPF_TESTS) $(BUILD)/asan/synfind
	$(Q)tests/run.sh $(BUILD)

test-unit: $(UNIT_TESTS)
	$(Q)tests/run.sh $(BUILD) unit

test-bpf: $(BPF_TESTS)
	$(Q)tests/run.sh $(BUILD) bpf

test-e2e: all $(BUILD)/asan/synfind
	$(Q)tests/run.sh $(BUILD) e2e

bench: deps
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/benchctl $(BUILD)/sweep_bench $(BUILD)/prog_bench
	$(Q)tests/bench/bench.sh $(BUILD)

# Where xdp_synfin spends its time (perf, cpu-clock): no packets sent.
profile: deps
	$(Q)$(MAKE) --no-print-directory $(BUILD)/prog_bench $(BUILD)/jit_lines
	$(Q)tests/bench/profile.sh $(BUILD)

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/testbed.sh demo $(BUILD)

clean:
	$(Q)rm -rf $(BUILD)

# synfin-flood, the packet generator: its own BPF object and skeleton.
FLOOD_SKEL := $(BUILD)/flood.skel.h
FLOOD_OBJS := $(patsubst daemon/%.c,$(BUILD)/daemon/%.o,$(wildcard daemon/flood*.c))

all: $(BUILD)/synfin-flood

$(FLOOD_SKEL): $(BUILD)/bpf/flood.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name flood > $@

# A static pattern rule wins over daemon/%.o: no wait for synfin's skeleton.
$(FLOOD_OBJS): $(BUILD)/daemon/%.o: daemon/%.c $(FLOOD_SKEL) | $(BUILD)/daemon
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Idaemon -c $< -o $@

$(BUILD)/synfin-flood: $(FLOOD_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -lpthread -o $@

-include $(wildcard $(BUILD)/bpf/*.d $(BUILD)/daemon/*.d $(BUILD)/tests/*/*.d)
