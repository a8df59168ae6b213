/* Unit tests for lib/cmdline*.c: the kernel command-line grammar of
 * docs/cmdline.md and research note (a), the user's own cmdline.txt lines,
 * quoting, limits and diagnostics. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cmdline.h"

static struct boot_config cfg;

static int parse(const char *s)
{
	return cmdline_parse(s, strlen(s), &cfg);
}

static const char *ip4s(in4_t a)
{
	static char b[4][16];
	static int i;

	i = (i + 1) % 4;
	return in4_str(a, b[i]);
}

/* The first diagnostic of that level containing sub, or NULL. */
static const char *diag_has(enum diag_level lvl, const char *sub)
{
	int i;

	for (i = 0; i < cfg.ndiag; i++)
		if (cfg.diag[i].level == lvl && strstr(cfg.diag[i].msg, sub))
			return cfg.diag[i].msg;
	return NULL;
}

static int count_level(enum diag_level lvl)
{
	int i, n = 0;

	for (i = 0; i < cfg.ndiag; i++)
		n += cfg.diag[i].level == lvl;
	return n;
}

static void dump_diags(void)
{
	int i;

	for (i = 0; i < cfg.ndiag; i++)
		printf("#   diag %d: %s\n", cfg.diag[i].level, cfg.diag[i].msg);
}

static bool all_printable(void)
{
	int i;
	size_t j;

	for (i = 0; i < cfg.ndiag; i++)
		for (j = 0; cfg.diag[i].msg[j]; j++)
			if ((unsigned char)cfg.diag[i].msg[j] < 0x20 || (unsigned char)cfg.diag[i].msg[j] > 0x7e)
				return false;
	return true;
}

/* ---- helpers ---------------------------------------------------------- */

static void test_in4(void)
{
	static const struct { const char *s; int ok; } t[] = {
		{ "192.168.1.1", 1 }, { "0.0.0.0", 1 }, { "255.255.255.255", 1 },
		{ "010.1.1.1", 1 }, { "256.1.1.1", 0 }, { "1.2.3", 0 }, { "1.2.3.4.5", 0 },
		{ "1.2.3.", 0 }, { ".1.2.3", 0 }, { " 1.2.3.4", 0 }, { "1.2.3.4 ", 0 },
		{ "1.2.3.4a", 0 }, { "1234.1.1.1", 0 }, { "", 0 }, { "a.b.c.d", 0 },
		{ "1..2.3", 0 }, { "+1.2.3.4", 0 },
	};
	char b[16];
	size_t i;
	in4_t a;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CHECK((parse_in4(t[i].s, strlen(t[i].s), &a) == 0) == t[i].ok, "parse_in4(\"%s\") %s",
		      t[i].s, t[i].ok ? "accepted" : "rejected");
	CHECK(parse_in4("10.1.2.3", 8, &a) == 0 && memcmp(&a, "\x0a\x01\x02\x03", 4) == 0,
	      "parse_in4 gives network byte order");
	CHECK(parse_in4("10.1.2.3:/x", 8, &a) == 0, "parse_in4 honours the length, not the NUL");
	CHECK_INT(parse_in4("10.1.2.3", 7, &a), -EINVAL, "parse_in4 with a short length");
	parse_in4("172.16.254.1", 12, &a);
	CHECK_STR(in4_str(a, b), "172.16.254.1", "in4_str round trip");
}

static void test_mac(void)
{
	uint8_t m[6];

	CHECK(parse_mac("aa:bb:cc:dd:ee:ff", ':', m) == 0 && m[0] == 0xaa && m[5] == 0xff, "parse_mac colon");
	CHECK(parse_mac("AA-0b-CC-dd-EE-01", '-', m) == 0 && m[1] == 0x0b && m[5] == 0x01, "parse_mac dash, mixed case");
	CHECK(parse_mac("aa:bb:cc:dd:ee:ff", '-', m) < 0, "parse_mac wrong separator");
	CHECK(parse_mac("aa:bb:cc:dd:ee", ':', m) < 0, "parse_mac too short");
	CHECK(parse_mac("aa:bb:cc:dd:ee:ff:00", ':', m) < 0, "parse_mac too long");
	CHECK(parse_mac("aa:bb:cc:dd:ee:fg", ':', m) < 0, "parse_mac bad hex");
	CHECK(parse_mac("", ':', m) < 0, "parse_mac empty");
}

static void test_names(void)
{
	CHECK_STR(autoconf_name(AUTOCONF_UNSET), "(default)", "autoconf_name unset");
	CHECK_STR(autoconf_name(AUTOCONF_OFF), "off", "autoconf_name off");
	CHECK_STR(autoconf_name(AUTOCONF_DHCP), "dhcp", "autoconf_name dhcp");
	CHECK_STR(autoconf_name(AUTOCONF_BOOTP), "bootp", "autoconf_name bootp");
	CHECK_STR(autoconf_name(AUTOCONF_RARP), "rarp", "autoconf_name rarp");
	CHECK_STR(autoconf_name(AUTOCONF_ANY), "any", "autoconf_name any");
	CHECK_STR(autoconf_name(AUTOCONF_DHCP6), "dhcp6", "autoconf_name dhcp6");
	CHECK_STR(root_kind_name(ROOT_NONE), "none", "root_kind_name none");
	CHECK_STR(root_kind_name(ROOT_NFS), "nfs", "root_kind_name nfs");
	CHECK_STR(root_kind_name(ROOT_PARTLABEL), "partlabel", "root_kind_name partlabel");
	CHECK_STR(root_kind_name(ROOT_DEVPATH), "device", "root_kind_name device");
	CHECK_STR(root_kind_name(ROOT_MAJMIN), "majmin", "root_kind_name majmin");
	CHECK_STR(root_kind_name(ROOT_ISCSI), "iscsi", "root_kind_name iscsi");
	CHECK_STR(root_kind_name(ROOT_NFS_DIRECT), "nfs", "root_kind_name nfs direct");
}

/* ---- defaults, empty input, limits ------------------------------------- */

static void test_defaults_and_limits(void)
{
	static char big[5000], exact[CMDLINE_MAX_LEN], many[CMDLINE_MAX_ARGS * 2 + 100];
	size_t i;

	CHECK_INT(cmdline_parse("", 0, &cfg), 0, "empty input parses");
	CHECK_INT(cfg.ndiag, 0, "empty input: no diagnostics");
	CHECK_INT(cfg.nr.device_timeout, 180, "default device_timeout");
	CHECK_INT(cfg.nr.carrier_timeout, 120, "default carrier_timeout");
	CHECK_INT(cfg.nr.dhcp_timeout, 90, "default dhcp_timeout");
	CHECK_INT(cfg.nr.mount_timeout, 120, "default mount_timeout");
	CHECK_INT(cfg.ro, -1, "default ro not given");
	CHECK(cfg.rootwait_secs == 0 && !cfg.rootwait, "default no rootwait");
	CHECK(cfg.panic == 0 && !cfg.has_panic, "default panic");
	CHECK(cfg.root_kind == ROOT_NONE && cfg.nip == 0 && !cfg.ip_off, "default root/ip");
	CHECK(cfg.init_argc == 0 && cfg.init_argv[0] == NULL, "default no init args");
	CHECK_INT(cmdline_parse(NULL, 0, &cfg), 0, "NULL, 0 parses");
	CHECK_INT(parse("   \t\n  "), 0, "whitespace only parses");
	CHECK_INT(cfg.ndiag, 0, "whitespace only: no diagnostics");

	memset(big, 'x', sizeof(big));
	CHECK_INT(cmdline_parse(big, sizeof(big), &cfg), -E2BIG, "5000-byte line -> -E2BIG");
	CHECK_INT(cmdline_parse(big, CMDLINE_MAX_LEN + 1, &cfg), -E2BIG, "4097-byte line -> -E2BIG");
	memset(exact, ' ', sizeof(exact));
	memcpy(exact, "quiet", 5);
	memcpy(exact + sizeof(exact) - 2, "ro", 2);
	CHECK_INT(cmdline_parse(exact, sizeof(exact), &cfg), 0, "4096-byte line parses");
	CHECK(cfg.quiet && cfg.ro == 1, "4096-byte line: first and last word read");
	memset(exact, 'y', sizeof(exact));
	CHECK_INT(cmdline_parse(exact, sizeof(exact), &cfg), 0, "one 4096-byte word parses");

	for (i = 0; i < CMDLINE_MAX_ARGS + 10; i++)
		memcpy(many + 2 * i, "x ", 2);
	memcpy(many + 2 * i, "ro", 3);
	parse(many);
	CHECK(diag_has(DIAG_ERROR, "more than 512 arguments") != NULL, "too many words -> error");
	CHECK_INT(cfg.ro, -1, "words past the limit are not read");
}

static void test_nul_and_length(void)
{
	static const char nul[] = "quiet\0debug";
	static const char rw[] = "rw";
	static const char ro[] = { 'r', 'o', ' ', 'r', 'w' };  /* not NUL-terminated */

	cmdline_parse(nul, sizeof(nul) - 1, &cfg);
	CHECK(cfg.quiet && cfg.debug, "NUL byte separates words");
	cmdline_parse(rw, 1, &cfg);
	CHECK_INT(cfg.ro, -1, "length 1 of \"rw\" reads only \"r\"");
	cmdline_parse(ro, 2, &cfg);
	CHECK_INT(cfg.ro, 1, "non-terminated input: reads only len bytes");
	cmdline_parse(ro, sizeof(ro), &cfg);
	CHECK_INT(cfg.ro, 0, "non-terminated input: last word at the very end");
	parse("ro\trw\r\nquiet\n");
	CHECK(cfg.ro == 0 && cfg.quiet, "tabs, CR and LF are whitespace");
}

/* ---- tokenising and "--" ------------------------------------------------- */

static void test_quoting(void)
{
	static const struct { const char *line; int argc; const char *argv[4]; } t[] = {
		{ "-- a b", 2, { "a", "b" } },
		{ "-- \"x y\" plain", 2, { "x y", "plain" } },
		{ "-- a=\"b c\" d", 2, { "a=b c", "d" } },
		{ "-- \"a=b c\"", 1, { "a=b c" } },
		{ "-- \"unterminated quote", 1, { "unterminated quote" } },
		{ "-- a\"b c\"d", 1, { "a\"b c\"d" } },   /* kernel keeps inner quotes */
		{ "--", 0, { NULL } },
		{ "quiet -- root=/dev/sda1 --", 2, { "root=/dev/sda1", "--" } },
		{ "-- single", 1, { "single" } },
		{ "\"--\" s", 1, { "s" } },
		{ "-- a=", 1, { "a=" } },
		{ "-- a=\"\"", 1, { "a=" } },
	};
	size_t i;
	int j;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		parse(t[i].line);
		CHECK_INT(cfg.init_argc, t[i].argc, "init argc for '%s'", t[i].line);
		for (j = 0; j < t[i].argc && j < cfg.init_argc; j++)
			CHECK_STR(cfg.init_argv[j], t[i].argv[j], "init argv[%d] for '%s'", j, t[i].line);
		CHECK(cfg.init_argv[cfg.init_argc] == NULL, "init_argv NULL-terminated for '%s'", t[i].line);
	}
	parse("quiet -- root=/dev/sda1");
	CHECK_INT(cfg.root_kind, ROOT_NONE, "root= after -- is for init, not for us");

	parse("ip=\"10.0.0.2::10.0.0.1:255.255.255.0:my host:eth0:off\"");
	CHECK(cfg.ip[0].hostname[0] == '\0' && strcmp(cfg.ip[0].device, "eth0") == 0 &&
	      diag_has(DIAG_ERROR, "'my host' holds a blank"), "quoted value keeps its space (a hostname may not)");
	parse("rootflags=\"a b\"");
	CHECK_STR(cfg.rootflags, "a b", "quoted value keeps its space");
	parse("\"ip=10.0.0.2:::::eth1:off\"");
	CHECK_STR(cfg.ip[0].device, "eth1", "quoted whole word");
	parse("root=\"/dev/sda1\"");
	CHECK_STR(cfg.root, "/dev/sda1", "quotes around a value are removed");
}

static void test_init_args_limit(void)
{
	char line[512] = "quiet --";
	int i;

	for (i = 0; i < INIT_MAX_ARGS + 8; i++)
		strcat(line, " a");
	parse(line);
	CHECK_INT(cfg.init_argc, INIT_MAX_ARGS, "init args capped at INIT_MAX_ARGS");
	CHECK(diag_has(DIAG_ERROR, "more than 32 arguments for init") != NULL, "too many init args -> error");
	CHECK(cfg.init_argv[INIT_MAX_ARGS] == NULL, "capped init_argv still NULL-terminated");
	for (i = 0; i < cfg.init_argc; i++)
		if (cfg.init_argv[i] < cfg.storage || cfg.init_argv[i] >= cfg.storage + sizeof(cfg.storage))
			break;
	CHECK_INT(i, cfg.init_argc, "init_argv points into storage");
}

/* ---- the user's own command lines (shared/seeds 000, 001) ---------------- */

static void test_seeds(void)
{
	const struct ip_spec *s = &cfg.ip[0];

	/* 000: NFS root, static address */
	parse("console=serial0,115200 console=tty1 ip=192.168.18.15::192.168.18.1:255.255.255.0:rpi4-1:eth0:off root=/dev/nfs nfsroot=192.168.18.14:/data/pxe/nfsroot1,tcp,rw rootfstype=nfs rootwait elevator=deadline cgroup_memory=1 cgroup_enable=memory cgroup_enable=cpuset");
	CHECK_INT(cfg.ndiag, 0, "seed 000 nfs: no diagnostics");
	dump_diags();
	CHECK_INT(cfg.nip, 1, "seed 000 nfs: one ip spec");
	CHECK_INT(s->form, IP_FORM_KERNEL, "seed 000 nfs: kernel form");
	CHECK_STR(ip4s(s->client), "192.168.18.15", "seed 000 nfs: client");
	CHECK_INT(s->server, 0, "seed 000 nfs: no server");
	CHECK_STR(ip4s(s->gateway), "192.168.18.1", "seed 000 nfs: gateway");
	CHECK_STR(ip4s(s->netmask), "255.255.255.0", "seed 000 nfs: netmask");
	CHECK_STR(s->hostname, "rpi4-1", "seed 000 nfs: hostname");
	CHECK_STR(s->device, "eth0", "seed 000 nfs: device");
	CHECK_INT(s->autoconf, AUTOCONF_OFF, "seed 000 nfs: autoconf off");
	CHECK_STR(s->arg, "ip", "seed 000 nfs: spec from ip=");
	CHECK_INT(cfg.root_kind, ROOT_NFS, "seed 000 nfs: root /dev/nfs");
	CHECK(cfg.has_nfsroot, "seed 000 nfs: has nfsroot");
	CHECK_STR(ip4s(cfg.nfs_server), "192.168.18.14", "seed 000 nfs: server");
	CHECK_STR(cfg.nfs_path, "/data/pxe/nfsroot1", "seed 000 nfs: path");
	CHECK_STR(cfg.nfs_options, "tcp,rw", "seed 000 nfs: options");
	CHECK_STR(cfg.rootfstype, "nfs", "seed 000 nfs: rootfstype");
	CHECK(cfg.rootwait && cfg.rootwait_secs == -1, "seed 000 nfs: rootwait forever");

	/* 000: iSCSI root, UPPERCASE keys on the command line */
	parse("console=serial0,115200 console=tty1 root=UUID=c48523b6-8262-416c-a5da-9dbe6656ac70 ip=192.168.18.15::192.168.18.1:255.255.255.0:rpi4-1:eth0:off ISCSI_INITIATOR=iqn.2016-04.com.open-iscsi:ca33685ee2a ISCSI_TARGET_NAME=iqn.cluster.tsic.top:rpi4.rootfs1 ISCSI_TARGET_IP=192.168.18.14 ISCSI_TARGET_PORT=3260 rw rootfstype=ext4 fsck.repair=yes rootwait elevator=deadline cgroup_memory=1 cgroup_enable=memory cgroup_enable=cpuset");
	CHECK_INT(cfg.ndiag, 0, "seed 000 iscsi: no diagnostics");
	dump_diags();
	CHECK_INT(cfg.root_kind, ROOT_UUID, "seed 000 iscsi: root UUID");
	CHECK_STR(cfg.root, "c48523b6-8262-416c-a5da-9dbe6656ac70", "seed 000 iscsi: uuid");
	CHECK(cfg.iscsi.any && !cfg.iscsi.auto_ibft, "seed 000 iscsi: iscsi given");
	CHECK_STR(cfg.iscsi.initiator, "iqn.2016-04.com.open-iscsi:ca33685ee2a", "seed 000 iscsi: initiator");
	CHECK_STR(cfg.iscsi.target, "iqn.cluster.tsic.top:rpi4.rootfs1", "seed 000 iscsi: target");
	CHECK_INT(cfg.iscsi.nportals, 1, "seed 000 iscsi: one portal");
	CHECK_STR(cfg.iscsi.portal[0].host, "192.168.18.14", "seed 000 iscsi: portal host");
	CHECK_INT(cfg.iscsi.portal[0].port, 3260, "seed 000 iscsi: portal port");
	CHECK_INT(cfg.ro, 0, "seed 000 iscsi: rw");
	CHECK_STR(cfg.rootfstype, "ext4", "seed 000 iscsi: rootfstype");
	CHECK_INT(cfg.fsck_repair, FSCK_YES, "seed 000 iscsi: fsck.repair=yes");
	CHECK_INT(cfg.nip, 1, "seed 000 iscsi: one ip spec");

	/* 000: the empty CHAP keys the post lists */
	parse("ISCSI_USERNAME= ISCSI_PASSWORD= ISCSI_TARGET_NAME=iqn.a:b ISCSI_TARGET_IP=10.0.0.1");
	CHECK(cfg.iscsi.username[0] == '\0' && cfg.iscsi.password[0] == '\0', "seed 000: empty CHAP keys");
	CHECK_INT(cfg.ndiag, 0, "seed 000: empty CHAP keys are fine");

	/* 001: NFS root over DHCP, and the line it replaced */
	parse("console=serial0,115200 console=tty1 root=/dev/nfs nfsroot=192.168.1.1:/mnt/cluster/system/000000008a4232c8/rootfs,vers=3,proto=tcp rw ip=dhcp rootwait elevator=deadline");
	CHECK_INT(cfg.ndiag, 0, "seed 001 nfs: no diagnostics");
	CHECK_INT(cfg.root_kind, ROOT_NFS, "seed 001 nfs: root nfs");
	CHECK_STR(ip4s(cfg.nfs_server), "192.168.1.1", "seed 001 nfs: server");
	CHECK_STR(cfg.nfs_path, "/mnt/cluster/system/000000008a4232c8/rootfs", "seed 001 nfs: path");
	CHECK_STR(cfg.nfs_options, "vers=3,proto=tcp", "seed 001 nfs: options");
	CHECK(cfg.nip == 1 && s->form == IP_FORM_SHORTHAND && s->autoconf == AUTOCONF_DHCP, "seed 001 nfs: ip=dhcp");
	CHECK_INT(cfg.ro, 0, "seed 001 nfs: rw");
	parse("console=serial0,115200 console=tty1 root=PARTUUID=907af7d0-02 rootfstype=ext4 elevator=deadline fsck.repair=yes rootwait quiet net.ifnames=0");
	CHECK_INT(cfg.ndiag, 0, "seed 001 local: no diagnostics");
	CHECK(cfg.root_kind == ROOT_PARTUUID && strcmp(cfg.root, "907af7d0-02") == 0, "seed 001 local: PARTUUID");
	CHECK(cfg.quiet, "seed 001 local: quiet");
}

/* ---- ip= -------------------------------------------------------------------- */

struct ip_case {
	const char *line;
	int nip;
	enum ip_form form;
	const char *client, *server, *gw, *mask, *host, *dev;
	enum ip_autoconf ac;
	enum diag_level lvl;
	const char *diag;        /* NULL: no diagnostic at all */
};

static void test_ip_table(void)
{
	static const struct ip_case t[] = {
		{ "ip=dhcp", 1, IP_FORM_SHORTHAND, "0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0", "", "", AUTOCONF_DHCP, 0, NULL },
		{ "ip=on", 1, IP_FORM_SHORTHAND, "0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0", "", "", AUTOCONF_ANY, 0, NULL },
		{ "ip=any", 1, IP_FORM_SHORTHAND, "0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0", "", "", AUTOCONF_ANY, 0, NULL },
		{ "ip=both", 1, IP_FORM_SHORTHAND, "0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0", "", "", AUTOCONF_ANY, 0, NULL },
		{ "ip=bootp", 1, IP_FORM_SHORTHAND, "0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0", "", "", AUTOCONF_BOOTP, 0, NULL },
		{ "ip=rarp", 1, IP_FORM_SHORTHAND, "0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0", "", "", AUTOCONF_RARP, 0, NULL },
		{ "ip=single-dhcp", 1, IP_FORM_SHORTHAND, "0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0", "", "", AUTOCONF_DHCP, 0, NULL },
		{ "ip=dhcp6", 1, IP_FORM_SHORTHAND, "0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0", "", "", AUTOCONF_DHCP6, DIAG_WARN, "not supported" },
		{ "ip=auto6", 1, IP_FORM_SHORTHAND, "0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0", "", "", AUTOCONF_DHCP6, DIAG_WARN, "IPv6" },
		{ "ip=dhcpv4", 1, IP_FORM_SHORTHAND, "0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0", "", "", AUTOCONF_DHCP, DIAG_WARN, "read as 'dhcp'" },
		{ "ip=eth0", 1, IP_FORM_SHORTHAND, "0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0", "", "", AUTOCONF_ANY, DIAG_WARN, "'eth0' is not a method" },
		{ "ip=", 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, NULL },
		{ "ip=off", 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, NULL },
		{ "ip=none", 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, NULL },
		{ "ip=static", 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, 0, DIAG_WARN, "full autoconfiguration" },
		{ "ip=10.0.0.2:10.0.0.1:10.0.0.254:255.255.255.0:node1:eth0:none", 1, IP_FORM_KERNEL,
		  "10.0.0.2", "10.0.0.1", "10.0.0.254", "255.255.255.0", "node1", "eth0", AUTOCONF_OFF, 0, NULL },
		{ "ip=:::::eth0:dhcp", 1, IP_FORM_KERNEL, "0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0", "", "eth0", AUTOCONF_DHCP, 0, NULL },
		{ "ip=::::", 1, IP_FORM_KERNEL, "0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0", "", "", AUTOCONF_UNSET, 0, NULL },
		{ "ip=0.0.0.0::::host::dhcp", 1, IP_FORM_KERNEL, "0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0", "host", "", AUTOCONF_DHCP, 0, NULL },
		{ "ip=10.0.0.2:::::all:off", 1, IP_FORM_KERNEL, "10.0.0.2", "0.0.0.0", "0.0.0.0", "0.0.0.0", "", "all", AUTOCONF_OFF, 0, NULL },
		{ "ip=10.0.0.2::::::static", 1, IP_FORM_KERNEL, "10.0.0.2", "0.0.0.0", "0.0.0.0", "0.0.0.0", "", "", AUTOCONF_OFF, 0, NULL },
		{ "ip=10.0.0.2::::::foo", 1, IP_FORM_KERNEL, "10.0.0.2", "0.0.0.0", "0.0.0.0", "0.0.0.0", "", "", AUTOCONF_OFF, DIAG_WARN, "field 7 (autoconf) 'foo' is not a method" },
		{ "ip=:::::eth0:off", 1, IP_FORM_KERNEL, "0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0", "", "eth0", AUTOCONF_OFF, DIAG_WARN, "no client address" },
		{ "ip=192.168.1.2::10.0.0.1:255.255.255.0::eth0:off", 1, IP_FORM_KERNEL, "192.168.1.2", "0.0.0.0", "10.0.0.1", "255.255.255.0", "", "eth0", AUTOCONF_OFF, DIAG_WARN, "gateway 10.0.0.1 is not on the subnet" },
		{ "ip=10.0.0.2:::255.255.0:::off", 1, IP_FORM_KERNEL, "10.0.0.2", "0.0.0.0", "0.0.0.0", "0.0.0.0", "", "", AUTOCONF_OFF, DIAG_ERROR, "ip=: field 4 (netmask) '255.255.0' is not an IPv4 address" },
		{ "ip=10.0.0.2:::255.0.255.0:::off", 1, IP_FORM_KERNEL, "10.0.0.2", "0.0.0.0", "0.0.0.0", "0.0.0.0", "", "", AUTOCONF_OFF, DIAG_ERROR, "not a contiguous netmask" },
		{ "ip=10.0.0.300::::::dhcp", 1, IP_FORM_KERNEL, "0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0", "", "", AUTOCONF_DHCP, DIAG_ERROR, "field 1 (client) '10.0.0.300'" },
		{ "ip=10.0.0.2:x::::::", 1, IP_FORM_KERNEL, "10.0.0.2", "0.0.0.0", "0.0.0.0", "0.0.0.0", "", "", AUTOCONF_UNSET, DIAG_ERROR, "field 2 (server) 'x'" },
		{ "ip=10.0.0.2:::::eth0:off:1.1.1.1:8.8.8.8:9.9.9.9:extra:more", 1, IP_FORM_KERNEL, "10.0.0.2", "0.0.0.0", "0.0.0.0", "0.0.0.0", "", "eth0", AUTOCONF_OFF, 0, NULL },
		{ "ip=:::::averyveryverylongname0:dhcp", 1, IP_FORM_KERNEL, "0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0", "", "", AUTOCONF_DHCP, DIAG_ERROR, "device 'averyveryverylongname0'" },
		{ "ip=:::::eth/0:dhcp", 1, IP_FORM_KERNEL, "0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0", "", "", AUTOCONF_DHCP, DIAG_ERROR, "not an interface name" },
		{ "ip=eth0:dhcp", 1, IP_FORM_DRACUT, "0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0", "", "eth0", AUTOCONF_DHCP, 0, NULL },
		{ "ip=enp1s0:any:9000", 1, IP_FORM_DRACUT, "0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0", "", "enp1s0", AUTOCONF_ANY, 0, NULL },
		{ "ip=eth0:", 1, IP_FORM_DRACUT, "0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0", "", "eth0", AUTOCONF_UNSET, 0, NULL },
		{ "ip=eth0:dhcp:12", 1, IP_FORM_DRACUT, "0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0", "", "eth0", AUTOCONF_DHCP, DIAG_ERROR, "MTU '12'" },
		{ "ip=10.0.0.300:::255.255.255.0", 1, IP_FORM_KERNEL, "0.0.0.0", "0.0.0.0", "0.0.0.0", "255.255.255.0", "", "", AUTOCONF_UNSET, DIAG_ERROR, "field 1 (client)" },
		{ "nfsaddrs=10.0.0.5:::255.0.0.0:::off", 1, IP_FORM_KERNEL, "10.0.0.5", "0.0.0.0", "0.0.0.0", "255.0.0.0", "", "", AUTOCONF_OFF, 0, NULL },
		{ "ip=dhcp ip=10.0.0.2:::::eth1:off", 2, IP_FORM_SHORTHAND, "0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0", "", "", AUTOCONF_DHCP, 0, NULL },
		{ "ip=dhcp ip=off", 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, 0, DIAG_WARN, "discarding 1 earlier ip=" },
		{ "ip=off ip=dhcp", 1, IP_FORM_SHORTHAND, "0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0", "", "", AUTOCONF_DHCP, DIAG_WARN, "overrides an earlier ip=off" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const struct ip_case *c = &t[i];
		const struct ip_spec *s = &cfg.ip[0];

		parse(c->line);
		CHECK_INT(cfg.nip, c->nip, "%s: nip", c->line);
		if (c->nip == 0) {
			CHECK(cfg.ip_off, "%s: ip_off", c->line);
		} else {
			CHECK(!cfg.ip_off, "%s: not ip_off", c->line);
			CHECK_INT(s->form, c->form, "%s: form", c->line);
			CHECK(strcmp(ip4s(s->client), c->client) == 0 && strcmp(ip4s(s->server), c->server) == 0 &&
			      strcmp(ip4s(s->gateway), c->gw) == 0 && strcmp(ip4s(s->netmask), c->mask) == 0,
			      "%s: addresses %s %s %s %s", c->line, ip4s(s->client), ip4s(s->server),
			      ip4s(s->gateway), ip4s(s->netmask));
			CHECK(strcmp(s->hostname, c->host) == 0 && strcmp(s->device, c->dev) == 0,
			      "%s: hostname '%s' device '%s'", c->line, s->hostname, s->device);
			CHECK_INT(s->autoconf, c->ac, "%s: autoconf %s", c->line, autoconf_name(s->autoconf));
		}
		if (c->diag) {
			CHECK(diag_has(c->lvl, c->diag) != NULL, "%s: diagnostic '%s'", c->line, c->diag);
		} else {
			CHECK_INT(cfg.ndiag, 0, "%s: no diagnostic", c->line);
		}
		if ((c->diag == NULL) != (cfg.ndiag == 0) || (c->diag && !diag_has(c->lvl, c->diag)))
			dump_diags();
	}
}

static void test_ip_details(void)
{
	const struct ip_spec *s = &cfg.ip[0];
	char line[256];
	int i;

	parse("ip=10.0.0.2:::::eth0:off:1.1.1.1:8.8.8.8:9.9.9.9");
	CHECK(strcmp(ip4s(s->dns[0]), "1.1.1.1") == 0 && strcmp(ip4s(s->dns[1]), "8.8.8.8") == 0 &&
	      strcmp(ip4s(s->ntp), "9.9.9.9") == 0, "ip= dns0 dns1 ntp0");
	parse("ip=10.0.0.2:::::eth0:off:1.1.1:::");
	CHECK(diag_has(DIAG_ERROR, "field 8 (dns0) '1.1.1'") != NULL, "bad dns0 names field 8");

	parse("ip=:::::eth0:dhcp,1,node-17");
	CHECK(s->has_client_id && s->client_id_type == 1 && strcmp(s->client_id, "node-17") == 0,
	      "field 7 dhcp,<type>,<client-id>");
	parse("ip=dhcp,0x01,aa:bb:cc");
	CHECK(s->form == IP_FORM_SHORTHAND && s->autoconf == AUTOCONF_DHCP && s->has_client_id &&
	      s->client_id_type == 1 && strcmp(s->client_id, "aa:bb:cc") == 0,
	      "shorthand dhcp,0x01,<id with colons>");
	parse("ip=dhcp,zz,abc");
	CHECK(!s->has_client_id && diag_has(DIAG_ERROR, "client id type 'zz'"), "bad client id type");
	parse("ip=dhcp,1");
	CHECK(!s->has_client_id && s->autoconf == AUTOCONF_DHCP && diag_has(DIAG_WARN, "dhcp,<type>,<client-id>"),
	      "dhcp,<type> without an id");
	parse("ip=dhcp,1,0123456789012345678901234567890123456789012345678901234567890123456789");
	CHECK(!s->has_client_id && diag_has(DIAG_ERROR, "client id must be 1 to 64 bytes"), "client id too long");

	parse("ip=eth0:dhcp:1500:52:54:00:12:34:56");
	CHECK(s->form == IP_FORM_DRACUT && s->mtu == 1500 && s->has_mac && s->mac[0] == 0x52 && s->mac[5] == 0x56,
	      "dracut iface:autoconf:mtu:mac (colon MAC)");
	parse("ip=eth0:dhcp::52-54-00-12-34-57");
	CHECK(s->mtu == 0 && s->has_mac && s->mac[5] == 0x57 && cfg.ndiag == 0, "dracut iface:autoconf::mac (dash MAC)");
	parse("ip=eth0:dhcp:1500:zz");
	CHECK(!s->has_mac && diag_has(DIAG_ERROR, "'zz' is not a MAC address"), "dracut bad MAC");
	parse("ip=10.0.0.2::10.0.0.1:255.255.255.0:h:eth0:none:9000:52:54:00:12:34:56");
	CHECK(s->form == IP_FORM_KERNEL && s->mtu == 9000 && s->has_mac && s->mac[4] == 0x34 && s->dns[0] == 0 &&
	      cfg.ndiag == 0, "dracut full form with <mtu>:<macaddr>");
	parse("nfsaddrs=dhcp");
	CHECK_STR(s->arg, "nfsaddrs", "spec remembers nfsaddrs=");

	snprintf(line, sizeof(line), "ip=::::%.65s::dhcp",
		 "hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh");
	parse(line);
	CHECK(s->hostname[0] == '\0' && diag_has(DIAG_ERROR, "field 5 (hostname)") && diag_has(DIAG_ERROR, "longer than 64"),
	      "hostname of 65 bytes -> error");
	snprintf(line, sizeof(line), "ip=::::%.64s::dhcp",
		 "hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh");
	parse(line);
	CHECK(strlen(s->hostname) == 64 && cfg.ndiag == 0, "hostname of 64 bytes fits");
	parse("ip=\x1b[31m:dhcp");
	CHECK(s->device[0] == '\0' && diag_has(DIAG_ERROR, "device '\\x1b[31m'"), "control bytes in a device name -> error");
	parse("ip=:::::eth0123456789ab:dhcp");
	CHECK(strcmp(s->device, "eth0123456789ab") == 0 && cfg.ndiag == 0, "device of 15 bytes fits");

	line[0] = '\0';
	for (i = 0; i < IP_MAX_SPECS + 1; i++)
		strcat(line, "ip=dhcp ");
	parse(line);
	CHECK_INT(cfg.nip, IP_MAX_SPECS, "ip= specs capped at IP_MAX_SPECS");
	CHECK(diag_has(DIAG_ERROR, "more than 8 ip= arguments") != NULL, "too many ip= -> error");
}

/* ---- BOOTIF=, hwaddr=, dhcpclass= ----------------------------------------- */

static void test_hwaddr(void)
{
	static char line[400];

	parse("BOOTIF=01-AA-bb-cc-dd-ee-0f");
	CHECK(cfg.has_bootif && cfg.bootif[0] == 0xaa && cfg.bootif[5] == 0x0f, "BOOTIF=01-...");
	parse("BOOTIF=aa-bb-cc-dd-ee-01");
	CHECK(cfg.has_bootif && cfg.bootif[5] == 0x01, "BOOTIF without type prefix");
	parse("BOOTIF=06-aa-bb-cc-dd-ee-ff");
	CHECK(!cfg.has_bootif && diag_has(DIAG_ERROR, "not Ethernet"), "BOOTIF type 06 -> error");
	parse("hwaddr=aa:bb:cc:dd:ee:02");
	CHECK(cfg.has_bootif && cfg.bootif[5] == 0x02, "hwaddr=");
	parse("hwaddr=aa:bb:cc");
	CHECK(!cfg.has_bootif && diag_has(DIAG_ERROR, "hwaddr=: 'aa:bb:cc' is not a MAC address"), "bad hwaddr names the argument");
	parse("dhcpclass=netroot-pi4");
	CHECK_STR(cfg.dhcpclass, "netroot-pi4", "dhcpclass=");
	strcpy(line, "dhcpclass=");
	memset(line + 10, 'c', 253);
	parse(line);
	CHECK(cfg.dhcpclass[0] == '\0' && diag_has(DIAG_ERROR, "dhcpclass=: value is 253 bytes"), "dhcpclass of 253 -> error");
	line[10 + 252] = '\0';
	parse(line);
	CHECK(strlen(cfg.dhcpclass) == 252 && cfg.ndiag == 0, "dhcpclass of 252 fits");
}

/* ---- root= and nfsroot= ----------------------------------------------------- */

struct root_case {
	const char *line;
	enum root_kind kind;
	const char *root;        /* NULL: don't check */
	const char *server, *path, *opts;   /* NULL: don't check */
	enum diag_level lvl;
	const char *diag;        /* NULL: no diagnostic at all */
};

static void test_root_table(void)
{
	static const struct root_case t[] = {
		{ "root=/dev/nfs", ROOT_NFS, NULL, "0.0.0.0", "", "", 0, NULL },
		{ "root=UUID=c48523b6-8262", ROOT_UUID, "c48523b6-8262", NULL, NULL, NULL, 0, NULL },
		{ "root=LABEL=rootfs", ROOT_LABEL, "rootfs", NULL, NULL, NULL, 0, NULL },
		{ "root=PARTUUID=907af7d0-02", ROOT_PARTUUID, "907af7d0-02", NULL, NULL, NULL, 0, NULL },
		{ "root=PARTUUID=abcd/PARTNROFF=1", ROOT_PARTUUID, "abcd/PARTNROFF=1", NULL, NULL, NULL, 0, NULL },
		{ "root=PARTLABEL=root", ROOT_PARTLABEL, "root", NULL, NULL, NULL, 0, NULL },
		{ "root=/dev/mmcblk0p2", ROOT_DEVPATH, "/dev/mmcblk0p2", NULL, NULL, NULL, 0, NULL },
		{ "root=259:2", ROOT_MAJMIN, "259:2", NULL, NULL, NULL, 0, NULL },
		{ "root=801", ROOT_NONE, "", NULL, NULL, NULL, DIAG_ERROR, "root=: '801' is not understood" },
		{ "root=sda2", ROOT_NONE, "", NULL, NULL, NULL, DIAG_ERROR, "'sda2' is not understood" },
		{ "root=", ROOT_NONE, "", NULL, NULL, NULL, DIAG_ERROR, "root=: empty value" },
		{ "root=UUID=", ROOT_NONE, "", NULL, NULL, NULL, DIAG_ERROR, "UUID= has no value" },
		{ "root=LABEL=a root=UUID=b", ROOT_UUID, "b", NULL, NULL, NULL, DIAG_WARN, "overrides an earlier root= (label)" },
		{ "root=/dev/sda1 root=/dev/sda2", ROOT_DEVPATH, "/dev/sda2", NULL, NULL, NULL, 0, NULL },
		{ "nfsroot=/export/root", ROOT_NFS, NULL, "0.0.0.0", "/export/root", "", 0, NULL },
		{ "nfsroot=foo", ROOT_NFS, NULL, "0.0.0.0", "/tftpboot/foo", "", 0, NULL },
		{ "nfsroot=foo,vers=4,tcp", ROOT_NFS, NULL, "0.0.0.0", "/tftpboot/foo", "vers=4,tcp", 0, NULL },
		{ "nfsroot=,vers=4", ROOT_NFS, NULL, "0.0.0.0", "", "vers=4", 0, NULL },
		{ "nfsroot=10.0.0.1:default,nolock", ROOT_NFS, NULL, "10.0.0.1", "", "nolock", 0, NULL },
		{ "nfsroot=default", ROOT_NFS, NULL, "0.0.0.0", "", "", 0, NULL },
		{ "nfsroot=10.0.0.1", ROOT_NFS, NULL, "10.0.0.1", "", "", 0, NULL },
		{ "nfsroot=10.0.0.1:/srv/%s,ro", ROOT_NFS, NULL, "10.0.0.1", "/srv/%s", "ro", 0, NULL },
		{ "nfsroot=/srv/nfs/%s", ROOT_NFS, NULL, "0.0.0.0", "/srv/nfs/%s", "", 0, NULL },
		{ "nfsroot=300.0.0.1:/srv", ROOT_NFS, NULL, "0.0.0.0", "/srv", "", DIAG_ERROR, "nfsroot=: server '300.0.0.1'" },
		{ "nfsroot=10.0.0.1:srv", ROOT_NFS, NULL, "10.0.0.1", "srv", "", DIAG_WARN, "not absolute" },
		{ "nfsroot=fileserver:/export", ROOT_NFS, NULL, "0.0.0.0", "/tftpboot/fileserver:/export", "", DIAG_WARN, "'fileserver' is not an IPv4 address" },
		{ "nfsroot=10.0.0.1.5:/x", ROOT_NFS, NULL, "0.0.0.0", "10.0.0.1.5:/x", "", DIAG_WARN, "not absolute" },
		{ "root=/dev/nfs nfsroot=10.0.0.1:/a nfsroot=10.0.0.2:/b", ROOT_NFS, NULL, "10.0.0.2", "/b", "", 0, NULL },
		{ "nfsroot=10.0.0.1:/a root=/dev/sda1", ROOT_DEVPATH, "/dev/sda1", NULL, NULL, NULL, DIAG_WARN, "nfsroot=: ignored" },
		{ "root=nfs:10.0.0.1:/srv/root", ROOT_NFS_DIRECT, NULL, "10.0.0.1", "/srv/root", "", 0, NULL },
		{ "root=nfs:10.0.0.1:/srv/root:vers=3,tcp", ROOT_NFS_DIRECT, NULL, "10.0.0.1", "/srv/root", "vers=3,tcp", 0, NULL },
		{ "root=nfs:10.0.0.1:/srv/root:ro:nolock", ROOT_NFS_DIRECT, NULL, "10.0.0.1", "/srv/root", "ro,nolock", 0, NULL },
		{ "root=nfs:10.0.0.1:/srv/root,tcp", ROOT_NFS_DIRECT, NULL, "10.0.0.1", "/srv/root", "tcp", 0, NULL },
		{ "root=nfs:/srv/root", ROOT_NFS_DIRECT, NULL, "0.0.0.0", "/srv/root", "", 0, NULL },
		{ "root=nfs4:10.0.0.1:/srv", ROOT_NFS_DIRECT, NULL, "10.0.0.1", "/srv", "vers=4", 0, NULL },
		{ "root=nfs4:10.0.0.1:/srv:rw", ROOT_NFS_DIRECT, NULL, "10.0.0.1", "/srv", "vers=4,rw", 0, NULL },
		{ "root=nfs4:10.0.0.1:/srv:vers=4.2", ROOT_NFS_DIRECT, NULL, "10.0.0.1", "/srv", "vers=4.2", 0, NULL },
		{ "root=10.0.0.1:/srv/root", ROOT_NFS_DIRECT, NULL, "10.0.0.1", "/srv/root", "", 0, NULL },
		{ "root=nfs:fileserver:/srv", ROOT_NONE, "", NULL, NULL, NULL, DIAG_ERROR, "NFS server 'fileserver' is not an IPv4 address" },
		{ "root=nfs://10.0.0.1/srv", ROOT_NONE, "", NULL, NULL, NULL, DIAG_ERROR, "nfs:// URLs" },
		{ "root=nfs:10.0.0.1:srv", ROOT_NONE, "", NULL, NULL, NULL, DIAG_ERROR, "not absolute" },
		{ "root=[fd00::1]:/srv", ROOT_NONE, "", NULL, NULL, NULL, DIAG_ERROR, "IPv6 NFS" },
		{ "nfsroot=10.0.0.9:/old root=nfs:10.0.0.1:/new", ROOT_NFS_DIRECT, NULL, "10.0.0.1", "/new", "", DIAG_WARN, "already names the NFS export" },
		{ "root=nfs:10.0.0.1:/a root=/dev/sda1", ROOT_DEVPATH, "/dev/sda1", "0.0.0.0", "", "", DIAG_WARN, "overrides an earlier root= (nfs)" },
		{ "root=user:secret@host", ROOT_NONE, "", NULL, NULL, NULL, DIAG_ERROR, "'...@host' is not understood" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const struct root_case *c = &t[i];

		parse(c->line);
		CHECK_INT(cfg.root_kind, c->kind, "%s: kind %s", c->line, root_kind_name(cfg.root_kind));
		if (c->root)
			CHECK_STR(cfg.root, c->root, "%s: root text", c->line);
		if (c->server)
			CHECK_STR(ip4s(cfg.nfs_server), c->server, "%s: nfs server", c->line);
		if (c->path)
			CHECK_STR(cfg.nfs_path, c->path, "%s: nfs path", c->line);
		if (c->opts)
			CHECK_STR(cfg.nfs_options, c->opts, "%s: nfs options", c->line);
		if (c->diag)
			CHECK(diag_has(c->lvl, c->diag) != NULL, "%s: diagnostic '%s'", c->line, c->diag);
		else
			CHECK_INT(cfg.ndiag, 0, "%s: no diagnostic", c->line);
		if ((c->diag == NULL) != (cfg.ndiag == 0))
			dump_diags();
	}
	parse("root=user:secret@host");
	CHECK(!diag_has(DIAG_ERROR, "secret"), "unknown root= does not echo what precedes '@'");
}

static void test_root_limits(void)
{
	static char line[CMDLINE_MAX_LEN];

	strcpy(line, "nfsroot=10.0.0.1:/");
	memset(line + 18, 'p', 300);
	line[318] = '\0';
	parse(line);
	CHECK(cfg.nfs_path[0] == '\0' && diag_has(DIAG_ERROR, "nfsroot=: path is 301 bytes"), "nfsroot= path too long");
	strcpy(line, "nfsroot=/x,");
	memset(line + 11, 'o', 600);
	line[611] = '\0';
	parse(line);
	CHECK(cfg.nfs_options[0] == '\0' && strcmp(cfg.nfs_path, "/x") == 0 && diag_has(DIAG_ERROR, "nfsroot=: options"),
	      "nfsroot= options too long");
	strcpy(line, "root=/dev/");
	memset(line + 10, 'd', 300);
	line[310] = '\0';
	parse(line);
	CHECK(cfg.root_kind == ROOT_NONE && diag_has(DIAG_ERROR, "root=: value is 305 bytes"), "root= path too long");
}

/* ---- block-root options, fsck, panic ---------------------------------------- */

static void test_misc(void)
{
	static const struct { const char *line; int *field; int want; const char *diag; } t[] = {
		{ "ro", &cfg.ro, 1, NULL }, { "rw", &cfg.ro, 0, NULL }, { "ro rw", &cfg.ro, 0, NULL },
		{ "rw ro", &cfg.ro, 1, NULL }, { "ro=1", &cfg.ro, -1, NULL },
		{ "rootwait", &cfg.rootwait_secs, -1, NULL }, { "rootwait=10", &cfg.rootwait_secs, 10, NULL },
		{ "rootwait=0", &cfg.rootwait_secs, 0, NULL },
		{ "rootwait=abc", &cfg.rootwait_secs, -1, "rootwait=: 'abc' is not a whole number" },
		{ "rootwait=99999999999", &cfg.rootwait_secs, -1, "rootwait=:" },
		{ "rootdelay=5", &cfg.rootdelay, 5, NULL },
		{ "rootdelay=-1", &cfg.rootdelay, 0, "rootdelay=: '-1'" },
		{ "rootdelay=5s", &cfg.rootdelay, 0, "rootdelay=: '5s'" },
		{ "rootdelay=", &cfg.rootdelay, 0, "rootdelay=: ''" },
		{ "panic=10", &cfg.panic, 10, NULL }, { "panic=-1", &cfg.panic, -1, NULL },
		{ "panic=+5", &cfg.panic, 0, "panic=: '+5'" },
		{ "carrier_timeout=30", &cfg.nr.carrier_timeout, 30, NULL },
		{ "carrier_timeout=forever", &cfg.nr.carrier_timeout, -1, NULL },
		{ "netroot.carrier_timeout=7 carrier_timeout=8", &cfg.nr.carrier_timeout, 8, NULL },
		{ "netroot.device_timeout=30", &cfg.nr.device_timeout, 30, NULL },
		{ "netroot.device_timeout=forever", &cfg.nr.device_timeout, -1, NULL },
		{ "netroot.dhcp_timeout=-1", &cfg.nr.dhcp_timeout, -1, NULL },
		{ "netroot.dhcp_timeout=0", &cfg.nr.dhcp_timeout, 0, NULL },
		{ "netroot.mount_timeout=5000", &cfg.nr.mount_timeout, 120, "netroot.mount_timeout=: '5000'" },
		{ "netroot.mount_timeout", &cfg.nr.mount_timeout, 120, "needs a value" },
		{ "netroot.rescue=shell", &cfg.nr.rescue, RESCUE_SHELL, NULL },
		{ "netroot.rescue=reboot", &cfg.nr.rescue, RESCUE_REBOOT, NULL },
		{ "netroot.rescue=halt", &cfg.nr.rescue, RESCUE_HALT, NULL },
		{ "netroot.rescue=panic", &cfg.nr.rescue, RESCUE_DEFAULT, "netroot.rescue=: 'panic' is not one of" },
		{ "fsck.mode=skip", (int *)&cfg.fsck_mode, FSCK_SKIP, NULL },
		{ "fsck.mode=force", (int *)&cfg.fsck_mode, FSCK_FORCE, NULL },
		{ "fastboot", (int *)&cfg.fsck_mode, FSCK_SKIP, NULL },
		{ "forcefsck", (int *)&cfg.fsck_mode, FSCK_FORCE, NULL },
		{ "forcefsck fsck.mode=auto", (int *)&cfg.fsck_mode, FSCK_AUTO, NULL },
		{ "fsck.mode=never", (int *)&cfg.fsck_mode, FSCK_AUTO, "fsck.mode=: 'never'" },
		{ "fsckfix", (int *)&cfg.fsck_repair, FSCK_YES, NULL },
		{ "fsck.repair=no", (int *)&cfg.fsck_repair, FSCK_NO, NULL },
		{ "fsck.repair=preen", (int *)&cfg.fsck_repair, FSCK_PREEN, NULL },
		{ "fsck.repair=maybe", (int *)&cfg.fsck_repair, FSCK_PREEN, "fsck.repair=: 'maybe'" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		parse(t[i].line);
		CHECK_INT(*t[i].field, t[i].want, "%s: value", t[i].line);
		if (t[i].diag)
			CHECK(diag_has(DIAG_ERROR, t[i].diag) != NULL, "%s: error '%s'", t[i].line, t[i].diag);
		else
			CHECK_INT(cfg.ndiag, 0, "%s: no diagnostic", t[i].line);
	}
	parse("rootwait=0");
	CHECK(!cfg.rootwait, "rootwait=0 does not wait");
	parse("panic=3");
	CHECK(cfg.has_panic, "panic= sets has_panic");
	parse("quiet debug=1");
	CHECK(cfg.quiet && cfg.debug, "quiet, debug=value");
	parse("init=/sbin/runit-init rootfstype=ext4,xfs rootflags=noatime,data=ordered");
	CHECK_STR(cfg.init, "/sbin/runit-init", "init=");
	CHECK_STR(cfg.rootfstype, "ext4,xfs", "rootfstype= comma list");
	CHECK_STR(cfg.rootflags, "noatime,data=ordered", "rootflags= keeps '='");
	parse("init=bin/sh");
	CHECK(diag_has(DIAG_WARN, "init=: path is not absolute") != NULL, "relative init= warns");
	parse("netroot.dry_run");
	CHECK(cfg.nr.dry_run, "netroot.dry_run flag");
	parse("netroot.dry_run netroot.dry_run=0");
	CHECK(!cfg.nr.dry_run, "netroot.dry_run=0");
	parse("netroot.modules=genet,lan78xx netroot.modules=iscsi_tcp");
	CHECK_STR(cfg.nr.modules, "genet,lan78xx,iscsi_tcp", "netroot.modules accumulate");
	parse("netroot.modules=../evil");
	CHECK(cfg.nr.modules[0] == '\0' && diag_has(DIAG_ERROR, "netroot.modules=: '../evil'"), "bad module name");
	parse("netroot.frobnicate=1");
	CHECK(diag_has(DIAG_WARN, "netroot.frobnicate: unknown netroot option") != NULL, "unknown netroot.* warns");
	parse("console=serial0,115200 console=tty1 elevator=deadline cgroup_enable=memory net.ifnames=0 splash plymouth.enable=0 nfsrootdebug ISCSI_FOO=1 iscsi_bar netroot=iscsi:x break=premount rd.shell");
	CHECK_INT(cfg.ndiag, 0, "arguments for others are ignored silently");
}

/* ---- iSCSI ------------------------------------------------------------------ */

static void test_iscsi(void)
{
	const struct iscsi_conf *c = &cfg.iscsi;
	char line[600];
	const char *d;
	int i;

	parse("quiet");
	CHECK(!c->any, "no iSCSI key: iscsi.any false");

	parse("iscsi_initiator=iqn.2024-01.org.example:pi iscsi_target_name=iqn.2024-01.org.example:root iscsi_target_ip=10.0.0.1 iscsi_target_port=3261 iscsi_target_group=2 iscsi_username=u iscsi_password=p iscsi_in_username=iu iscsi_in_password=ip");
	CHECK(c->any && cfg.ndiag == 0, "lowercase keys: no diagnostics");
	CHECK_STR(c->initiator, "iqn.2024-01.org.example:pi", "iscsi_initiator=");
	CHECK_STR(c->target, "iqn.2024-01.org.example:root", "iscsi_target_name=");
	CHECK(c->nportals == 1 && c->portal[0].port == 3261, "iscsi_target_port= applies");
	CHECK_INT(c->group, 2, "iscsi_target_group=");
	CHECK(!strcmp(c->username, "u") && !strcmp(c->password, "p") && !strcmp(c->in_username, "iu") &&
	      !strcmp(c->in_password, "ip"), "CHAP and mutual CHAP");

	parse("iscsi_target_ip=10.0.0.1,10.0.0.2:3262 iscsi_target_ip=10.0.0.3 iscsi_target_port=3300 iscsi_target_name=iqn.x:y");
	CHECK_INT(c->nportals, 3, "portal list with commas and repeated key");
	CHECK(c->portal[0].port == 3300 && c->portal[1].port == 3262 && c->portal[2].port == 3300,
	      "iscsi_target_port= fills only portals without their own port");
	parse("ISCSI_TARGET_IP=\"10.0.0.1 10.0.0.2\" ISCSI_TARGET_NAME=iqn.x:y");
	CHECK(c->nportals == 2 && !strcmp(c->portal[1].host, "10.0.0.2") && c->portal[1].port == 0,
	      "quoted space-separated portal list; port 0 = default");
	parse("iscsi_target_ip=10.0.0.1 ISCSI_TARGET_IP=10.0.0.1 iscsi_target_name=iqn.x:y");
	CHECK_INT(c->nportals, 1, "the same portal twice is kept once");
	parse("iscsi_target_ip=[fd00::1]:3261,fd00::2 iscsi_target_name=iqn.x:y");
	CHECK(c->nportals == 2 && !strcmp(c->portal[0].host, "fd00::1") && c->portal[0].port == 3261 &&
	      !strcmp(c->portal[1].host, "fd00::2"), "IPv6 portals");
	parse("iscsi_target_ip=[fd00::1 iscsi_target_name=iqn.x:y");
	CHECK(c->nportals == 0 && diag_has(DIAG_ERROR, "'[fd00::1' is not an IP address"), "unclosed [ -> error");
	parse("iscsi_target_ip=storage.lan iscsi_target_name=iqn.x:y");
	CHECK(c->nportals == 0 && diag_has(DIAG_ERROR, "iscsi_target_ip=: 'storage.lan' is not an IP address"),
	      "host name portal -> error");
	parse("iscsi_target_ip=10.0.0.1:0 iscsi_target_name=iqn.x:y");
	CHECK(c->nportals == 0 && diag_has(DIAG_ERROR, "port '0'"), "portal port 0 -> error");

	line[0] = '\0';
	strcat(line, "iscsi_target_name=iqn.x:y iscsi_target_ip=");
	for (i = 1; i <= ISCSI_MAX_PORTALS + 1; i++)
		snprintf(line + strlen(line), sizeof(line) - strlen(line), "10.0.0.%d,", i);
	parse(line);
	CHECK_INT(c->nportals, ISCSI_MAX_PORTALS, "portals capped at ISCSI_MAX_PORTALS");
	CHECK(diag_has(DIAG_ERROR, "more than 8 iSCSI portals; '10.0.0.9'") != NULL, "too many portals -> error");

	/* precedence: lowercase beats UPPERCASE in either order (open-iscsi) */
	parse("ISCSI_TARGET_NAME=iqn.upper:a iscsi_target_name=iqn.lower:b");
	CHECK_STR(c->target, "iqn.lower:b", "lowercase after UPPERCASE wins");
	parse("iscsi_target_name=iqn.lower:b ISCSI_TARGET_NAME=iqn.upper:a");
	CHECK_STR(c->target, "iqn.lower:b", "UPPERCASE after lowercase is ignored");
	CHECK(diag_has(DIAG_INFO, "ISCSI_TARGET_NAME= ignored") != NULL, "ignored UPPERCASE key is explained");
	parse("iscsi_target_name=iqn.a:1 iscsi_target_name=iqn.b:2");
	CHECK_STR(c->target, "iqn.b:2", "same spelling: last wins");
	parse("ISCSI_AUTO=true");
	CHECK(c->any && c->auto_ibft && cfg.ndiag == 0, "ISCSI_AUTO=true: iBFT, no missing-target warning");
	parse("iscsi_auto");
	CHECK(c->auto_ibft, "iscsi_auto flag");
	parse("ISCSI_AUTO=maybe iscsi_target_name=iqn.x:y iscsi_target_ip=1.2.3.4");
	CHECK(!c->auto_ibft && diag_has(DIAG_ERROR, "ISCSI_AUTO=: 'maybe'"), "bad ISCSI_AUTO");
	parse("ISCSI_ROOT_LUN=3 iscsi_target_name=iqn.x:y iscsi_target_ip=1.2.3.4");
	CHECK_INT(c->lun, 3, "ISCSI_ROOT_LUN=");
	parse("iscsi_target_group=0 iscsi_target_port=70000 iscsi_target_name=iqn.x:y iscsi_target_ip=1.2.3.4");
	CHECK(c->group == 0 && diag_has(DIAG_ERROR, "iscsi_target_group=: '0'") &&
	      diag_has(DIAG_ERROR, "iscsi_target_port=: port '70000'"), "bad group and port");
	parse("iscsi_target_ip=1.2.3.4");
	CHECK(diag_has(DIAG_WARN, "no target name") != NULL, "portal without target warns");
	parse("iscsi_target_name=iqn.x:y");
	CHECK(diag_has(DIAG_WARN, "no target address") != NULL, "target without portal warns");
	parse("iscsi_target_name=mytarget iscsi_target_ip=1.2.3.4");
	CHECK(diag_has(DIAG_WARN, "does not look like an iSCSI name") != NULL, "odd target name warns");
	parse("iscsi_target_name");
	CHECK(!c->any && diag_has(DIAG_WARN, "needs a value"), "key without value");

	/* passwords never reach a diagnostic */
	strcpy(line, "iscsi_target_name=iqn.x:y iscsi_target_ip=1.2.3.4 iscsi_password=SECRETPW");
	memset(line + strlen(line), 'Z', 300);
	line[strlen("iscsi_target_name=iqn.x:y iscsi_target_ip=1.2.3.4 iscsi_password=SECRETPW") + 300] = '\0';
	parse(line);
	d = diag_has(DIAG_ERROR, "iscsi_password=");
	CHECK(d && !strstr(d, "SECRET") && c->password[0] == '\0', "long password: error without the value");
	parse("ISCSI_IN_PASSWORD=\"a\x01secret\" root=iscsi:u:hunter2:x@10.0.0.1::::iqn.x:y");
	for (i = 0; i < cfg.ndiag; i++)
		if (strstr(cfg.diag[i].msg, "hunter2") || strstr(cfg.diag[i].msg, "secret"))
			break;
	CHECK(i == cfg.ndiag && cfg.ndiag > 0, "bad root=iscsi: credentials: no password in diagnostics");
}

struct rfc4173_case {
	const char *line;
	enum root_kind kind;
	const char *host;
	unsigned port, lun;
	const char *target, *user, *pass, *inuser, *inpass;
	enum diag_level lvl;
	const char *diag;
};

static void test_rfc4173(void)
{
	static const struct rfc4173_case t[] = {
		{ "root=iscsi:192.168.1.1::::iqn.2009-06.dracut:target0", ROOT_ISCSI, "192.168.1.1", 0, 0,
		  "iqn.2009-06.dracut:target0", "", "", "", "", 0, NULL },
		{ "root=iscsi:10.0.0.1:6:3261:2:iqn.2024-01.org.example:a:b", ROOT_ISCSI, "10.0.0.1", 3261, 2,
		  "iqn.2024-01.org.example:a:b", "", "", "", "", 0, NULL },
		{ "root=iscsi:user:pa@ss@10.0.0.1:6:3260:0:iqn.x:y", ROOT_ISCSI, "10.0.0.1", 3260, 0,
		  "iqn.x:y", "user", "pa@ss", "", "", 0, NULL },
		{ "root=iscsi:u:p:iu:ip@10.0.0.1::::iqn.x:y", ROOT_ISCSI, "10.0.0.1", 0, 0,
		  "iqn.x:y", "u", "p", "iu", "ip", 0, NULL },
		{ "root=iscsi:[fd00::5]:6:3260:1:iqn.x:y", ROOT_ISCSI, "fd00::5", 3260, 1,
		  "iqn.x:y", "", "", "", "", 0, NULL },
		{ "root=iscsi:10.0.0.1:17:::iqn.x:y", ROOT_ISCSI, "10.0.0.1", 0, 0,
		  "iqn.x:y", "", "", "", "", DIAG_WARN, "protocol '17' is not 6" },
		{ "root=iscsi:u:p:x@10.0.0.1::::iqn.x:y", ROOT_ISCSI, "10.0.0.1", 0, 0,
		  "iqn.x:y", "", "", "", "", DIAG_ERROR, "credentials ignored" },
		{ "root=iscsi:::::iqn.x:y", ROOT_ISCSI, NULL, 0, 0,
		  "", "", "", "", "", DIAG_ERROR, "the address is empty" },
		{ "root=iscsi:10.0.0.1::::", ROOT_ISCSI, NULL, 0, 0,
		  "", "", "", "", "", DIAG_ERROR, "the target name is empty" },
		{ "root=iscsi:10.0.0.1:iqn.x", ROOT_ISCSI, NULL, 0, 0,
		  "", "", "", "", "", DIAG_ERROR, "expected [<user>:<password>@]<host>" },
		{ "root=iscsi:10.0.0.1::99999::iqn.x:y", ROOT_ISCSI, NULL, 0, 0,
		  "", "", "", "", "", DIAG_ERROR, "port '99999'" },
		{ "root=iscsi:10.0.0.1:::0x1:iqn.x:y", ROOT_ISCSI, NULL, 0, 0,
		  "", "", "", "", "", DIAG_ERROR, "LUN '0x1'" },
		{ "root=iscsi:target.lan::::iqn.x:y", ROOT_ISCSI, NULL, 0, 0,
		  "iqn.x:y", "", "", "", "", DIAG_ERROR, "'target.lan' is not an IP address" },
		{ "root=iscsi:10.0.0.1::::iqn.x:y root=UUID=abc", ROOT_UUID, "10.0.0.1", 0, 0,
		  "iqn.x:y", "", "", "", "", DIAG_INFO, "the filesystem on it" },
		{ "root=iscsi:10.0.0.1::::iqn.x:y ISCSI_TARGET_NAME=iqn.other:z", ROOT_ISCSI, "10.0.0.1", 0, 0,
		  "iqn.x:y", "", "", "", "", DIAG_INFO, "takes precedence" },
		{ "iscsi_target_port=3299 root=iscsi:10.0.0.1::::iqn.x:y", ROOT_ISCSI, "10.0.0.1", 3299, 0,
		  "iqn.x:y", "", "", "", "", 0, NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const struct rfc4173_case *x = &t[i];
		const struct iscsi_conf *c = &cfg.iscsi;

		parse(x->line);
		CHECK_INT(cfg.root_kind, x->kind, "%s: kind", x->line);
		CHECK(c->any, "%s: iscsi.any", x->line);
		if (x->host) {
			CHECK(c->nportals == 1 && strcmp(c->portal[0].host, x->host) == 0 && c->portal[0].port == x->port,
			      "%s: portal %s:%u", x->line, c->nportals ? c->portal[0].host : "-",
			      c->nportals ? c->portal[0].port : 0);
			CHECK_INT(c->lun, x->lun, "%s: lun", x->line);
		} else {
			CHECK_INT(c->nportals, 0, "%s: no portal", x->line);
		}
		CHECK_STR(c->target, x->target, "%s: target", x->line);
		CHECK(!strcmp(c->username, x->user) && !strcmp(c->password, x->pass) &&
		      !strcmp(c->in_username, x->inuser) && !strcmp(c->in_password, x->inpass),
		      "%s: credentials", x->line);
		if (x->diag)
			CHECK(diag_has(x->lvl, x->diag) != NULL, "%s: diagnostic '%s'", x->line, x->diag);
		else
			CHECK_INT(cfg.ndiag, 0, "%s: no diagnostic", x->line);
		if ((x->diag == NULL) != (cfg.ndiag == 0))
			dump_diags();
	}
	parse("root=iscsi:user:pw@10.0.0.1:6:3260:0:iqn.x:y");
	CHECK_STR(cfg.root, "10.0.0.1:6:3260:0:iqn.x:y", "root text drops the credentials");
}

/* ---- diagnostics ------------------------------------------------------------ */

static void test_diagnostics(void)
{
	static char line[CMDLINE_MAX_LEN];
	int i;

	parse("rootdelay=\x01\xff\\x");
	CHECK(diag_has(DIAG_ERROR, "'\\x01\\xff\\\\x'") != NULL, "non-printable bytes escaped as \\xNN");
	CHECK(all_printable(), "escaped diagnostic is printable");

	strcpy(line, "rootdelay=");
	memset(line + 10, '7', 300);
	line[310] = '\0';
	parse(line);
	CHECK(cfg.ndiag == 1 && strstr(cfg.diag[0].msg, "...") && strlen(cfg.diag[0].msg) < CMDLINE_DIAG_LEN,
	      "long value is shortened with ...");

	line[0] = '\0';
	for (i = 0; i < CMDLINE_MAX_DIAG + 8; i++)
		strcat(line, "rootdelay=x ");
	parse(line);
	CHECK_INT(cfg.ndiag, CMDLINE_MAX_DIAG, "diagnostics capped");
	CHECK_INT(cfg.ndiag_dropped, 8, "dropped diagnostics counted");

	parse("ip=10.0.0.2:::255.255.0:::off");
	CHECK_STR(cfg.diag[0].msg, "ip=: field 4 (netmask) '255.255.0' is not an IPv4 address", "exact netmask message");
	parse("ip=a:b:c:d:e");
	CHECK(count_level(DIAG_ERROR) >= 3 && all_printable(), "kernel form with bad addresses: an error per field");
}

int main(void)
{
	test_in4();
	test_mac();
	test_names();
	test_defaults_and_limits();
	test_nul_and_length();
	test_quoting();
	test_init_args_limit();
	test_seeds();
	test_ip_table();
	test_ip_details();
	test_hwaddr();
	test_root_table();
	test_root_limits();
	test_misc();
	test_iscsi();
	test_rfc4173();
	test_diagnostics();
	return check_done();
}
