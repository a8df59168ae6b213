# netroot — plain GNU make.
#   make                      host build (build/x86_64/)
#   make ARCH=aarch64         cross build (build/aarch64/)
#   make check                install deps, build both arches, run every test
#   make demo [FLEET=1]       install deps, build, provision and boot a U-Boot board (or four) in qemu
#   make bench [QUICK=1]      install deps, build, run every benchmark against its anchors:
#                             bench/report.md with charts in bench/report/ (not part of check)
# Variables: ARCH=x86_64|aarch64, WERROR=1 (set by CI), V=1 (verbose).

ARCH    ?= $(shell uname -m)
BUILD   := build/$(ARCH)
Q       := $(if $(V),,@)

ifeq ($(ARCH),x86_64)
TRIPLET := x86_64-linux-gnu
MUSLCC  := musl-gcc
ASMDIR  := /usr/include/x86_64-linux-gnu/asm
STRIP   := strip
else ifeq ($(ARCH),aarch64)
TRIPLET := aarch64-linux-gnu
MUSLCC  := aarch64-linux-gnu-gcc -specs /usr/lib/aarch64-linux-musl/musl-gcc.specs
ASMDIR  := /usr/aarch64-linux-gnu/include/asm
STRIP   := aarch64-linux-gnu-strip
# Segments aligned for 16 KiB pages (Raspberry Pi 5 kernels) instead of the
# linker's 64 KiB default: runs on 4 and 16 KiB page kernels, ~50 KB smaller.
ARCH_LDFLAGS := -Wl,-z,max-page-size=16384
else
$(error ARCH must be x86_64 or aarch64, not '$(ARCH)')
endif

WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wpointer-arith -Wcast-qual $(if $(WERROR),-Werror)
CSTD    := -std=c11 -D_GNU_SOURCE
# musl ships no kernel headers: $(BUILD)/kinc links the kernel's UAPI headers
# and the libraries' own header dirs, never /usr/include itself (glibc).
KINC    := $(BUILD)/kinc
INCS    := -Ilib -Iinit -I$(KINC) -I$(KINC)/libnl3
CFLAGS_MUSL := $(CSTD) $(WARN) -Os -g -static -ffunction-sections -fdata-sections \
           -fno-asynchronous-unwind-tables $(INCS)
LDFLAGS_MUSL := -static -Wl,--gc-sections $(ARCH_LDFLAGS)

# Debian's static archives, linked by full path so musl's libc is the only libc.
libpath = $(firstword $(wildcard /usr/lib/$(TRIPLET)/$(1) /lib/$(TRIPLET)/$(1)))
INIT_LIBS := $(call libpath,libnl-route-3.a) $(call libpath,libnl-genl-3.a) $(call libpath,libnl-3.a) $(call libpath,libnfs.a) \
             $(call libpath,libiscsi.a) $(call libpath,libblkid.a)

# netrootd: nettle for CHAP's MD5 and the initramfs cache's SHA-256 (its CPU
# dispatch wants the glibc fortify symbols lib/glibc_compat.c supplies).
SERVER_LIBS := $(call libpath,libnettle.a)

LIB_SRCS  := $(filter-out lib/glibc_compat.c,$(wildcard lib/*.c))
INIT_SRCS := $(wildcard init/*.c) $(LIB_SRCS) lib/glibc_compat.c
INIT_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(INIT_SRCS))
HDRS      := $(wildcard lib/*.h init/*.h)
SERVER_SRCS := $(wildcard server/*.c) $(LIB_SRCS) lib/glibc_compat.c
SERVER_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(SERVER_SRCS))
SERVER_HDRS := $(wildcard server/*.h)

all: $(BUILD)/netroot-init $(BUILD)/netrootd

$(KINC)/.stamp:
	$(Q)mkdir -p $(KINC)
	$(Q)ln -sfn /usr/include/linux $(KINC)/linux
	$(Q)ln -sfn /usr/include/asm-generic $(KINC)/asm-generic
	$(Q)ln -sfn $(ASMDIR) $(KINC)/asm
	$(Q)ln -sfn /usr/include/libnl3 $(KINC)/libnl3
	$(Q)ln -sfn /usr/include/nfsc $(KINC)/nfsc
	$(Q)ln -sfn /usr/include/iscsi $(KINC)/iscsi
	$(Q)ln -sfn /usr/include/blkid $(KINC)/blkid
	$(Q)touch $@

$(KINC)/nettle: $(KINC)/.stamp
	$(Q)ln -sfn /usr/include/nettle $@

$(BUILD)/obj/%.o: %.c $(HDRS) $(KINC)/.stamp
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(MUSLCC) $(CFLAGS_MUSL) -c $< -o $@

# netrootd's own files see server/ (init/ never does).
$(BUILD)/obj/server/%.o: server/%.c $(HDRS) $(SERVER_HDRS) $(KINC)/.stamp $(KINC)/nettle
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(MUSLCC) $(CFLAGS_MUSL) -Iserver -c $< -o $@

$(BUILD)/netrootd.debug: $(SERVER_OBJS)
	@echo "  LD      $@"
	$(Q)$(MUSLCC) $(CFLAGS_MUSL) $(LDFLAGS_MUSL) -o $@ $(SERVER_OBJS) $(SERVER_LIBS)

$(BUILD)/netrootd: $(BUILD)/netrootd.debug
	$(Q)$(STRIP) -R .eh_frame -R .comment -o $@ $< 2>/dev/null
	@echo "  STRIP   $@ ($$(stat -c %s $@) bytes)"

$(BUILD)/netroot-init.debug: $(INIT_OBJS)
	@echo "  LD      $@"
	$(Q)$(MUSLCC) $(CFLAGS_MUSL) $(LDFLAGS_MUSL) -o $@ $(INIT_OBJS) $(INIT_LIBS)

# .eh_frame (unwind tables from Debian's archives, ~130 KB) is dropped: this
# is C with no exceptions, and musl's cancellation does not unwind.
$(BUILD)/netroot-init: $(BUILD)/netroot-init.debug
	$(Q)$(STRIP) -R .eh_frame -R .comment -o $@ $< 2>/dev/null
	@echo "  STRIP   $@ ($$(stat -c %s $@) bytes)"

# ---- host tests (glibc, sanitizers) -------------------------------------
HOSTCC    ?= gcc
TCFLAGS   := $(CSTD) $(WARN) -g -O1 -fsanitize=address,undefined \
             -fno-sanitize-recover=all -Ilib -Iinit -Itests/unit
TBUILD    := build/test
UNIT_TESTS := $(patsubst tests/unit/%.c,$(TBUILD)/%,$(wildcard tests/unit/test_*.c))

$(TBUILD)/test_%: tests/unit/test_%.c $(LIB_SRCS) $(HDRS) tests/unit/check.h
	@mkdir -p $(TBUILD)
	@echo "  TEST-CC $@"
	$(Q)$(HOSTCC) $(TCFLAGS) -o $@ $< $(LIB_SRCS)

# test_dhcpc runs the real DHCP client (init/dhcpc.c) over its own fake of
# the socket seam (init/dhcp_net.h), so it links that one init file too.
$(TBUILD)/test_dhcpc: tests/unit/test_dhcpc.c init/dhcpc.c $(LIB_SRCS) $(HDRS) tests/unit/check.h
	@mkdir -p $(TBUILD)
	@echo "  TEST-CC $@"
	$(Q)$(HOSTCC) $(TCFLAGS) -o $@ $< init/dhcpc.c $(LIB_SRCS)

# test_server_conf runs netrootd's configuration parser (server/conf.c).
SERVER_CONF_SRCS := server/conf.c server/conf_text.c server/conf_client.c
$(TBUILD)/test_server_conf: tests/unit/test_server_conf.c $(SERVER_CONF_SRCS) server/conf.h server/conf_int.h $(LIB_SRCS) $(HDRS) tests/unit/check.h
	@mkdir -p $(TBUILD)
	@echo "  TEST-CC $@"
	$(Q)$(HOSTCC) $(TCFLAGS) -Iserver -o $@ $< $(SERVER_CONF_SRCS) $(LIB_SRCS)

# test_server_lease runs netrootd's lease table and journal (server/lease.c).
$(TBUILD)/test_server_lease: tests/unit/test_server_lease.c server/lease.c server/lease.h $(LIB_SRCS) $(HDRS) tests/unit/check.h
	@mkdir -p $(TBUILD)
	@echo "  TEST-CC $@"
	$(Q)$(HOSTCC) $(TCFLAGS) -Iserver -o $@ $< server/lease.c $(LIB_SRCS)

# test_dhcp_server runs netrootd's DHCP handler with its configuration and
# lease table (server/dhcp_server.c, conf.c, lease.c).
SERVER_DHCP_SRCS := server/dhcp_server.c $(SERVER_CONF_SRCS) server/lease.c server/arp_probe.c
$(TBUILD)/test_dhcp_server: tests/unit/test_dhcp_server.c $(SERVER_DHCP_SRCS) $(wildcard server/*.h) $(LIB_SRCS) $(HDRS) tests/unit/check.h
	@mkdir -p $(TBUILD)
	@echo "  TEST-CC $@"
	$(Q)$(HOSTCC) $(TCFLAGS) -Iserver -o $@ $< $(SERVER_DHCP_SRCS) $(LIB_SRCS)

# test_tftp runs the TFTP server's pure parts: codec, transfer state
# machine, name rule (over a scratch tree) and shared chunk cache.
SERVER_TFTP_SRCS := server/tftp_proto.c server/tftp_xfer.c server/tftp_recv.c server/tftp_path.c server/tftp_file.c server/tftp_board.c server/fat.c
$(TBUILD)/test_tftp: tests/unit/test_tftp.c $(SERVER_TFTP_SRCS) $(wildcard server/tftp_*.h) $(LIB_SRCS) $(HDRS) tests/unit/check.h
	@mkdir -p $(TBUILD)
	@echo "  TEST-CC $@"
	$(Q)$(HOSTCC) $(TCFLAGS) -Iserver -o $@ $< $(SERVER_TFTP_SRCS) $(LIB_SRCS)

# test_scsi_cmd runs the iSCSI target's SCSI command table over a scratch
# image (server/scsi_cmd.c, bstore.c).
$(TBUILD)/test_scsi_cmd: tests/unit/test_scsi_cmd.c server/scsi_cmd.c server/scsi_spc.c server/scsi_sbc.c server/scsi_pr.c server/bstore.c server/scsi_cmd.h server/scsi_int.h server/scsi_pr.h server/bstore.h $(LIB_SRCS) $(HDRS) tests/unit/check.h
	@mkdir -p $(TBUILD)
	@echo "  TEST-CC $@"
	$(Q)$(HOSTCC) $(TCFLAGS) -Iserver -o $@ $< server/scsi_cmd.c server/scsi_spc.c server/scsi_sbc.c server/scsi_pr.c server/bstore.c $(LIB_SRCS) -lpthread

# test_crc32c checks the iSCSI digests' CRC32C (server/crc32c.c).
$(TBUILD)/test_crc32c: tests/unit/test_crc32c.c server/crc32c.c server/crc32c.h tests/unit/check.h
	@mkdir -p $(TBUILD)
	@echo "  TEST-CC $@"
	$(Q)$(HOSTCC) $(TCFLAGS) -Iserver -o $@ $< server/crc32c.c

# ... and its arm64 instruction path, run under qemu-aarch64 by tests/run.
$(TBUILD)/test_crc32c.aarch64: tests/unit/test_crc32c.c server/crc32c.c server/crc32c.h tests/unit/check.h
	@mkdir -p $(TBUILD)
	@echo "  TEST-CC $@"
	$(Q)aarch64-linux-gnu-gcc -specs /usr/lib/aarch64-linux-musl/musl-gcc.specs $(CSTD) $(WARN) -O2 -static -Iserver -o $@ $< server/crc32c.c

# test_fat reads FAT images made by mkfs.vfat, sfdisk and mtools (server/fat.c).
$(TBUILD)/test_fat: tests/unit/test_fat.c server/fat.c server/fat.h $(LIB_SRCS) $(HDRS) tests/unit/check.h
	@mkdir -p $(TBUILD)
	@echo "  TEST-CC $@"
	$(Q)$(HOSTCC) $(TCFLAGS) -Iserver -o $@ $< server/fat.c $(LIB_SRCS)

# test_status runs the fleet table and its JSON (server/status.c,
# status_json.c, json.c).
SERVER_STATUS_SRCS := server/status.c server/status_json.c server/json.c
$(TBUILD)/test_status: tests/unit/test_status.c $(SERVER_STATUS_SRCS) server/status.h server/json.h server/conf.h $(LIB_SRCS) $(HDRS) tests/unit/check.h
	@mkdir -p $(TBUILD)
	@echo "  TEST-CC $@"
	$(Q)$(HOSTCC) $(TCFLAGS) -Iserver -o $@ $< $(SERVER_STATUS_SRCS) $(LIB_SRCS) -lpthread

# test_provision runs provisioning's text edits and image checks
# (server/provision_text.c, provision_disk.c; the disk code links the
# tool runner and the FAT reader).
SERVER_PROV_SRCS := server/provision_text.c server/provision_disk.c server/provision_tool.c server/fat.c
$(TBUILD)/test_provision: tests/unit/test_provision.c $(SERVER_PROV_SRCS) $(wildcard server/provision*.h) server/fat.h server/conf.h $(LIB_SRCS) $(HDRS) tests/unit/check.h
	@mkdir -p $(TBUILD)
	@echo "  TEST-CC $@"
	$(Q)$(HOSTCC) $(TCFLAGS) -Iserver -o $@ $< $(SERVER_PROV_SRCS) $(LIB_SRCS)

# test_iopool runs the iSCSI target's I/O workers (server/iopool.c).
$(TBUILD)/test_iopool: tests/unit/test_iopool.c server/iopool.c server/iopool.h tests/unit/check.h
	@mkdir -p $(TBUILD)
	@echo "  TEST-CC $@"
	$(Q)$(HOSTCC) $(TCFLAGS) -Iserver -o $@ $< server/iopool.c -lpthread

# test_iscsi_chap runs the security stage of iSCSI logins (CHAP).
$(TBUILD)/test_iscsi_chap: tests/unit/test_iscsi_chap.c server/iscsi_chap.c server/iscsi_nego.c server/iscsi_chap.h server/iscsi_nego.h $(LIB_SRCS) $(HDRS) tests/unit/check.h
	@mkdir -p $(TBUILD)
	@echo "  TEST-CC $@"
	$(Q)$(HOSTCC) $(TCFLAGS) -Iserver -o $@ $< server/iscsi_chap.c server/iscsi_nego.c $(LIB_SRCS) -lnettle

# test_iscsi_ident checks the disk identity rule (init/scsi_vpd.c).
$(TBUILD)/test_iscsi_ident: tests/unit/test_iscsi_ident.c init/scsi_vpd.c $(LIB_SRCS) $(HDRS) tests/unit/check.h
	@mkdir -p $(TBUILD)
	@echo "  TEST-CC $@"
	$(Q)$(HOSTCC) $(TCFLAGS) -o $@ $< init/scsi_vpd.c $(LIB_SRCS)

# rs_drive runs the root-storage daemon's real loop and login
# (init/rootstore_io.c, init/iscsi_login.c) against tgtd in a namespace,
# speaking NBD itself in place of the kernel (tests/rootstore/run); it
# links the host's libiscsi.
RS_DRIVE_SRCS := tests/rootstore/rs_drive.c init/rootstore_io.c init/iscsi_login.c init/scsi_vpd.c init/util.c init/failure.c
$(TBUILD)/rs_drive: $(RS_DRIVE_SRCS) $(LIB_SRCS) $(HDRS) init/rootstore_int.h
	@mkdir -p $(TBUILD)
	@echo "  TEST-CC $@"
	$(Q)$(HOSTCC) $(TCFLAGS) -o $@ $(RS_DRIVE_SRCS) $(LIB_SRCS) -liscsi

# Fuzz targets: replayed over their corpora by `make check` (gcc + ASan/UBSan),
# run for real with `make fuzz` (clang + libFuzzer).
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_REPLAY  := $(patsubst %,$(TBUILD)/replay_%,$(FUZZ_TARGETS))

# fuzz_vpd83 reads what a target sends with init/scsi_vpd.c.
$(TBUILD)/replay_vpd83: tests/fuzz/fuzz_vpd83.c tests/fuzz/replay.c init/scsi_vpd.c $(LIB_SRCS) $(HDRS)
	@mkdir -p $(TBUILD)
	@echo "  REPLAY  $@"
	$(Q)$(HOSTCC) $(TCFLAGS) -o $@ $< tests/fuzz/replay.c init/scsi_vpd.c $(LIB_SRCS)

$(TBUILD)/fuzz_vpd83: tests/fuzz/fuzz_vpd83.c init/scsi_vpd.c $(LIB_SRCS) $(HDRS)
	@mkdir -p $(TBUILD)
	clang $(CSTD) -g -O1 -fsanitize=fuzzer,address,undefined -Ilib -Iinit -o $@ $< init/scsi_vpd.c $(LIB_SRCS)

# fuzz_server_conf parses any bytes as netrootd's configuration files.
$(TBUILD)/replay_server_conf: tests/fuzz/fuzz_server_conf.c tests/fuzz/replay.c $(SERVER_CONF_SRCS) server/conf.h server/conf_int.h $(LIB_SRCS) $(HDRS)
	@mkdir -p $(TBUILD)
	@echo "  REPLAY  $@"
	$(Q)$(HOSTCC) $(TCFLAGS) -Iserver -o $@ $< tests/fuzz/replay.c $(SERVER_CONF_SRCS) $(LIB_SRCS)

$(TBUILD)/fuzz_server_conf: tests/fuzz/fuzz_server_conf.c $(SERVER_CONF_SRCS) $(LIB_SRCS) $(HDRS)
	@mkdir -p $(TBUILD)
	clang $(CSTD) -g -O1 -fsanitize=fuzzer,address,undefined -Ilib -Iserver -o $@ $< $(SERVER_CONF_SRCS) $(LIB_SRCS)

# fuzz_dhcp_server sends any bytes to netrootd's DHCP handler.
$(TBUILD)/replay_dhcp_server: tests/fuzz/fuzz_dhcp_server.c tests/fuzz/replay.c $(SERVER_DHCP_SRCS) $(wildcard server/*.h) $(LIB_SRCS) $(HDRS)
	@mkdir -p $(TBUILD)
	@echo "  REPLAY  $@"
	$(Q)$(HOSTCC) $(TCFLAGS) -Iserver -o $@ $< tests/fuzz/replay.c $(SERVER_DHCP_SRCS) $(LIB_SRCS)

$(TBUILD)/fuzz_dhcp_server: tests/fuzz/fuzz_dhcp_server.c $(SERVER_DHCP_SRCS) $(LIB_SRCS) $(HDRS)
	@mkdir -p $(TBUILD)
	clang $(CSTD) -g -O1 -fsanitize=fuzzer,address,undefined -Ilib -Iserver -o $@ $< $(SERVER_DHCP_SRCS) $(LIB_SRCS)

# fuzz_tftp: any bytes as a TFTP request (codec, name rule), and as a
# run of ACKs and timeouts driving one transfer's state machine.
$(TBUILD)/replay_tftp: tests/fuzz/fuzz_tftp.c tests/fuzz/replay.c $(SERVER_TFTP_SRCS) $(wildcard server/tftp_*.h) $(LIB_SRCS) $(HDRS)
	@mkdir -p $(TBUILD)
	@echo "  REPLAY  $@"
	$(Q)$(HOSTCC) $(TCFLAGS) -Iserver -o $@ $< tests/fuzz/replay.c $(SERVER_TFTP_SRCS) $(LIB_SRCS)

$(TBUILD)/fuzz_tftp: tests/fuzz/fuzz_tftp.c $(SERVER_TFTP_SRCS) $(LIB_SRCS) $(HDRS)
	@mkdir -p $(TBUILD)
	clang $(CSTD) -g -O1 -fsanitize=fuzzer,address,undefined -Ilib -Iserver -o $@ $< $(SERVER_TFTP_SRCS) $(LIB_SRCS)

# fuzz_report: any bytes as a fleet report, then through netrootd's table
# and its JSON and back.
$(TBUILD)/replay_report: tests/fuzz/fuzz_report.c tests/fuzz/replay.c $(SERVER_STATUS_SRCS) server/status.h server/json.h $(LIB_SRCS) $(HDRS)
	@mkdir -p $(TBUILD)
	@echo "  REPLAY  $@"
	$(Q)$(HOSTCC) $(TCFLAGS) -Iserver -o $@ $< tests/fuzz/replay.c $(SERVER_STATUS_SRCS) $(LIB_SRCS) -lpthread

$(TBUILD)/fuzz_report: tests/fuzz/fuzz_report.c $(SERVER_STATUS_SRCS) $(LIB_SRCS) $(HDRS)
	@mkdir -p $(TBUILD)
	clang $(CSTD) -g -O1 -fsanitize=fuzzer,address,undefined -Ilib -Iserver -o $@ $< $(SERVER_STATUS_SRCS) $(LIB_SRCS) -lpthread

# fuzz_fat: any bytes as a disk image for the FAT reader.
$(TBUILD)/replay_fat: tests/fuzz/fuzz_fat.c tests/fuzz/replay.c server/fat.c server/fat.h $(LIB_SRCS) $(HDRS)
	@mkdir -p $(TBUILD)
	@echo "  REPLAY  $@"
	$(Q)$(HOSTCC) $(TCFLAGS) -Iserver -o $@ $< tests/fuzz/replay.c server/fat.c $(LIB_SRCS)

$(TBUILD)/fuzz_fat: tests/fuzz/fuzz_fat.c server/fat.c server/fat.h $(LIB_SRCS) $(HDRS)
	@mkdir -p $(TBUILD)
	clang $(CSTD) -g -O1 -fsanitize=fuzzer,address,undefined -Ilib -Iserver -o $@ $< server/fat.c $(LIB_SRCS)

# fuzz_provision_text: any bytes as the files client add edits (a re-run
# reads them out of the board's own disk).
$(TBUILD)/replay_provision_text: tests/fuzz/fuzz_provision_text.c tests/fuzz/replay.c server/provision_text.c server/provision.h $(LIB_SRCS) $(HDRS)
	@mkdir -p $(TBUILD)
	@echo "  REPLAY  $@"
	$(Q)$(HOSTCC) $(TCFLAGS) -Iserver -o $@ $< tests/fuzz/replay.c server/provision_text.c $(LIB_SRCS)

$(TBUILD)/fuzz_provision_text: tests/fuzz/fuzz_provision_text.c server/provision_text.c server/provision.h $(LIB_SRCS) $(HDRS)
	@mkdir -p $(TBUILD)
	clang $(CSTD) -g -O1 -fsanitize=fuzzer,address,undefined -Ilib -Iserver -o $@ $< server/provision_text.c $(LIB_SRCS)

# fuzz_iscsi: any bytes as an iSCSI PDU header, login keys and a SCSI
# command with its data over a store in memory.
SERVER_ISCSI_SRCS := server/iscsi_pdu.c server/iscsi_nego.c server/iscsi_chap.c server/scsi_cmd.c server/scsi_spc.c server/scsi_sbc.c server/scsi_pr.c
$(TBUILD)/replay_iscsi: tests/fuzz/fuzz_iscsi.c tests/fuzz/replay.c $(SERVER_ISCSI_SRCS) $(wildcard server/*.h) $(LIB_SRCS) $(HDRS)
	@mkdir -p $(TBUILD)
	@echo "  REPLAY  $@"
	$(Q)$(HOSTCC) $(TCFLAGS) -Iserver -o $@ $< tests/fuzz/replay.c $(SERVER_ISCSI_SRCS) $(LIB_SRCS) -lpthread -lnettle

$(TBUILD)/fuzz_iscsi: tests/fuzz/fuzz_iscsi.c $(SERVER_ISCSI_SRCS) $(LIB_SRCS) $(HDRS)
	@mkdir -p $(TBUILD)
	clang $(CSTD) -g -O1 -fsanitize=fuzzer,address,undefined -Ilib -Iserver -o $@ $< $(SERVER_ISCSI_SRCS) $(LIB_SRCS) -lpthread -lnettle

$(TBUILD)/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(LIB_SRCS) $(HDRS)
	@mkdir -p $(TBUILD)
	@echo "  REPLAY  $@"
	$(Q)$(HOSTCC) $(TCFLAGS) -o $@ $< tests/fuzz/replay.c $(LIB_SRCS)

$(TBUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(LIB_SRCS) $(HDRS)
	@mkdir -p $(TBUILD)
	clang $(CSTD) -g -O1 -fsanitize=fuzzer,address,undefined -Ilib -o $@ $< $(LIB_SRCS)

tests-build: $(UNIT_TESTS) $(TBUILD)/test_crc32c.aarch64 $(FUZZ_REPLAY) $(TBUILD)/rs_drive

FUZZ_TIME ?= 60
fuzz: $(patsubst %,$(TBUILD)/fuzz_%,$(FUZZ_TARGETS))
	for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(TBUILD)/corpus-$$t && \
	  $(TBUILD)/fuzz_$$t -max_total_time=$(FUZZ_TIME) $(TBUILD)/corpus-$$t tests/fuzz/corpus/$$t || exit 1; \
	done

# ---- the two commands of the README -------------------------------------
deps:
	scripts/install-deps all

check: deps
	$(MAKE) ARCH=x86_64 WERROR=1
	$(MAKE) ARCH=aarch64 WERROR=1
	$(MAKE) WERROR=1 tests-build e2e-fixtures build/x86_64/stormboard
	tests/run

# The whole chain on an embedded configuration: netrootd (DHCP, TFTP, iSCSI)
# provisions a board from a golden image and a U-Boot board boots from it;
# FLEET=1: three iSCSI boards at once and an NFS one (tests/e2e/fleet).
demo: deps
	$(MAKE) ARCH=aarch64
	$(MAKE) ARCH=x86_64
	tests/e2e/fleet --demo $(if $(FLEET),--fleet)

# Every benchmark in bench/ against its anchors, one report (bench/all).
# QUICK=1: a sanity pass in under 10 minutes. Never part of check.
bench:
	scripts/install-deps bench
	$(MAKE) ARCH=aarch64
	$(MAKE) ARCH=x86_64
	$(MAKE) bench-tools
	bench/all $(if $(QUICK),--quick)

# Debian packages: build/deb/{netroot-initramfs,netrootd}_<VERSION>_{arm64,amd64}.deb
deb:
	$(MAKE) ARCH=aarch64
	$(MAKE) ARCH=x86_64
	packaging/deb/build arm64 "$$(cat VERSION)" build/deb
	packaging/deb/build amd64 "$$(cat VERSION)" build/deb
	packaging/deb/build --package netrootd arm64 "$$(cat VERSION)" build/deb
	packaging/deb/build --package netrootd amd64 "$$(cat VERSION)" build/deb

clean:
	rm -rf build

.PHONY: all deps check demo bench clean fuzz tests-build deb
.SECONDARY:

# ---- benchmark tools: static aarch64 programs for the lab's guests ------
# bench/iscsi-root runs blkbench inside the arm64 guest, whatever ARCH is.
BENCH_CC := aarch64-linux-gnu-gcc -specs /usr/lib/aarch64-linux-musl/musl-gcc.specs

bench-tools: build/aarch64/blkbench build/x86_64/stormboard

# Small arm64 programs tests/e2e scenarios put into the initramfs or the
# root: a rescue shell which returns at once, a runner that sets argv[0].
e2e-fixtures: build/aarch64/e2e-exit0 build/aarch64/e2e-argv0

build/aarch64/e2e-%: tests/e2e/fixtures/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(BENCH_CC) -std=c11 $(WARN) -Os -static -o $@ $<
	$(Q)aarch64-linux-gnu-strip $@

build/aarch64/blkbench: bench/blkbench.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(BENCH_CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -static -o $@ $< -lpthread
	$(Q)aarch64-linux-gnu-strip $@

# bench/storm's simulated boards: glibc, libiscsi (shared), netroot's own
# DHCP codec and packet socket.
STORM_SRCS := bench/stormboard.c init/dhcp_net.c $(LIB_SRCS)
build/x86_64/stormboard: $(STORM_SRCS) $(HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(HOSTCC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -g -Ilib -Iinit -ffunction-sections -Wl,--gc-sections \
		-o $@ $(STORM_SRCS) -liscsi -lpthread

.PHONY: bench-tools e2e-fixtures
