/* `netroot-init --explain [CMDLINE] [--json]`: the boot plan for a command
 * line, for a person checking cmdline.txt before rebooting a board, and for
 * tests that check the parser through the real binary. Exit status: 0 the
 * plan is bootable, 1 it is not (errors), 2 usage. */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"
#include "text.h"

static struct boot_config cfg;
static struct boot_plan plan;

static const char *level_name(enum diag_level l)
{
	return l == DIAG_ERROR ? "error" : l == DIAG_WARN ? "warning" : "note";
}

static const char *net_name(enum net_method m)
{
	return m == NET_STATIC ? "static" : m == NET_DHCP ? "dhcp" : "none";
}

/* The plan's NFS details as they will be used (before DHCP may change them);
 * the options of the first try when the version is negotiated. */
static void nfs_now(char *path, size_t pn, char *data, size_t dn)
{
	char node[HOSTNAME_LEN], a[16];
	/* no vers=: init negotiates, 4.2 first (init/nfsroot.c version_order) */
	int vmaj = plan.nfs.vers_major ? plan.nfs.vers_major : 4;
	int vmin = plan.nfs.vers_major ? plan.nfs.vers_minor : 2;

	text_copy(node, sizeof(node), plan.ip.hostname[0] ? plan.ip.hostname :
		 plan.ip.client ? in4_str(plan.ip.client, a) : "%s");
	if (nfs_path_expand(plan.nfs.path, node, path, pn) < 0)
		text_copy(path, pn, plan.nfs.path);
	if (nfs_mount_data(&plan.nfs, vmaj, vmin, plan.nfs.server, plan.ip.client, data, dn) < 0)
		snprintf(data, dn, "(too long)");
}

/* vers= as given: "3", "4", "4.1". */
static const char *nfs_version(char buf[16])
{
	if (plan.nfs.vers_minor >= 0)
		snprintf(buf, 16, "%d.%d", plan.nfs.vers_major, plan.nfs.vers_minor);
	else
		snprintf(buf, 16, "%d", plan.nfs.vers_major);
	return buf;
}

/* The command line as shown: secrets masked (cmdline_mask() splits words as
 * the parser does, so quoted values go whole), control bytes escaped. */
static const char *shown(const char *text, size_t len)
{
	static char masked[CMDLINE_MASKED_MAX], out[4 * CMDLINE_MASKED_MAX];
	size_t n = cmdline_mask(text, len, masked, sizeof(masked));

	return text_escape(out, sizeof(out), masked, n);
}

/* An argument for init as shown: KEY=value with a secret key masked. */
static const char *init_arg(const char *arg)
{
	static char buf[CMDLINE_MASKED_MAX];
	const char *eq = strchr(arg, '=');

	if (!eq || !eq[1] || !cmdline_secret_key(arg, (size_t)(eq - arg)))
		return arg;
	snprintf(buf, sizeof(buf), "%.*s=%s", (int)(eq - arg), arg, CMDLINE_MASK);
	return buf;
}

static const char *mac_str(const uint8_t m[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

/* The NIC picked by MAC: BOOTIF= (or hwaddr=) when ip= names no device. */
static bool by_bootif(void)
{
	return cfg.has_bootif && (!plan.ip.device[0] || !strcmp(plan.ip.device, "all"));
}

static void print_human(const char *text, size_t len)
{
	char a[16], b[16], c[16], m[18], path[PATH_LEN], data[MOUNT_DATA_LEN];
	int i;

	printf("command line: %s\n\n", shown(text, len));
	printf("network:  ");
	if (plan.net == NET_NONE) {
		printf("none\n");
	} else {
		if (by_bootif())
			printf("the NIC with MAC %s (BOOTIF=)", mac_str(cfg.bootif, m));
		else
			printf("%s", plan.ip.device[0] ? plan.ip.device : "(first Ethernet device)");
		if (plan.net == NET_STATIC) {
			printf(", static %s/%d", in4_str(plan.ip.client, a), plan.prefix);
			if (plan.ip.gateway)
				printf(", gateway %s", in4_str(plan.ip.gateway, b));
		} else {
			printf(", DHCP");
		}
		if (plan.ip.hostname[0])
			printf(", hostname %s", plan.ip.hostname);
		if (plan.ip.mtu)
			printf(", mtu %u", plan.ip.mtu);
		if (plan.ip.dns[0])
			printf(", dns %s", in4_str(plan.ip.dns[0], c));
		if (cfg.has_bootif && !by_bootif())
			printf("\n          (the MAC %s of BOOTIF= is not used: ip= names the device)",
			       mac_str(cfg.bootif, m));
		printf("\n          (kept as is if the kernel already configured it; written to /run/net-<dev>.conf)\n");
		printf("          waits: device %ds, carrier %ds\n", cfg.nr.device_timeout, cfg.nr.carrier_timeout);
	}

	printf("root:     %s", root_kind_name(plan.root_kind));
	if (plan.root_kind == ROOT_NFS) {
		nfs_now(path, sizeof(path), data, sizeof(data));
		printf(", server %s, path %s\n", plan.nfs.server ? in4_str(plan.nfs.server, a) : "(from DHCP)", path);
		if (plan.nfs.vers_major)
			printf("          NFS version %s, as given\n", nfs_version(b));
		else
			printf("          NFS version negotiated: 4.2 -> 4.1 -> 4.0 -> 3, the first the server "
			       "accepts (vers= in nfsroot= pins one)\n");
		printf("          mount -t nfs %s:%s /root -o %s%s\n", plan.nfs.server ? a : "<server>", path, data,
		       plan.ro ? ",ro" : ",rw");
		if (!plan.nfs.vers_major)
			printf("          (later tries change vers=; NFSv3 adds nolock and has no clientaddr=)\n");
		printf("          retries until %ds\n", cfg.nr.mount_timeout);
	} else if (plan.root_kind != ROOT_NONE) {
		printf(" %s (%s)%s\n", cfg.root, plan.ro ? "ro" : "rw",
		       plan.iscsi_disk_first ? ", looked for on the iSCSI disk first, then on other disks" : "");
	} else {
		printf("\n");
	}
	if (cfg.iscsi.any) {
		printf("iscsi:    target %s, initiator %s", cfg.iscsi.target[0] ? cfg.iscsi.target : "(none)",
		       cfg.iscsi.initiator[0] ? cfg.iscsi.initiator : "(from /etc/initiatorname.iscsi)");
		for (i = 0; i < cfg.iscsi.nportals; i++)
			printf(", portal %s:%u", cfg.iscsi.portal[i].host,
			       cfg.iscsi.portal[i].port ? cfg.iscsi.portal[i].port : 3260);
		printf(", lun %u%s\n", cfg.iscsi.lun, cfg.iscsi.username[0] ? ", CHAP" : "");
	}
	printf("fsck:     %s\n", plan.root_kind == ROOT_NFS ? "not for NFS" : !plan.fsck_args ? "skipped" :
	       plan.fsck_force ? (plan.fsck_args[1] == 'y' ? "forced, repair (-f -y)" : plan.fsck_args[1] == 'n' ?
				  "forced, check only (-f -n)" : "forced, preen (-f -a)") :
	       plan.fsck_args[1] == 'y' ? "repair (-y)" : plan.fsck_args[1] == 'n' ? "check only (-n)" : "preen (-a)");
	printf("init:     %s", plan.init[0] ? plan.init : "/sbin/init (then /etc/init, /bin/init, /bin/sh)");
	for (i = 0; i < cfg.init_argc; i++)
		printf(" %s", init_arg(cfg.init_argv[i]));
	printf("\non error: %s\n",
	       cfg.nr.rescue == RESCUE_SHELL ? "shell" : cfg.nr.rescue == RESCUE_HALT ? "stop and wait" :
	       cfg.has_panic && cfg.panic > 0 ? "reboot after panic= seconds" :
	       cfg.has_panic && cfg.panic < 0 ? "reboot at once" : "shell if the image has one, else wait");
	if (cfg.has_panic && cfg.panic > 0)
		printf("          (panic=%d)\n", cfg.panic);

	if (plan.ndiag) {
		printf("\n");
		for (i = 0; i < plan.ndiag; i++)
			printf("%s: %s\n", level_name(plan.diag[i].level), plan.diag[i].msg);
	}
	printf("\n%s\n", plan.fatal ? "NOT BOOTABLE: fix the errors above." : "ok: this command line is bootable.");
}

/* JSON string, escaped. */
static void js(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void jip(const char *key, in4_t a, bool comma)
{
	char b[16];

	printf("\"%s\": ", key);
	if (a)
		js(in4_str(a, b));
	else
		printf("null");
	if (comma)
		printf(", ");
}

static void print_json(const char *text, size_t len)
{
	char path[PATH_LEN], data[MOUNT_DATA_LEN], m[18], v[16];
	int i;

	printf("{\"cmdline\": ");
	js(shown(text, len));
	printf(", \"bootable\": %s,\n", plan.fatal ? "false" : "true");
	printf(" \"network\": {\"method\": \"%s\", \"device\": ", net_name(plan.net));
	js(plan.ip.device);
	printf(", \"bootif\": ");
	if (cfg.has_bootif)
		js(mac_str(cfg.bootif, m));
	else
		printf("null");
	printf(", \"by_bootif\": %s, ", by_bootif() ? "true" : "false");
	jip("address", plan.net == NET_STATIC ? plan.ip.client : 0, true);
	printf("\"prefix\": %d, ", plan.net == NET_STATIC ? plan.prefix : -1);
	jip("gateway", plan.ip.gateway, true);
	jip("server", plan.ip.server, true);
	printf("\"hostname\": ");
	js(plan.ip.hostname);
	printf(", \"mtu\": %u, \"dns\": [", plan.ip.mtu);
	for (i = 0; i < 2; i++) {
		char b[16];

		if (plan.ip.dns[i]) {
			printf("%s", i && plan.ip.dns[0] ? ", " : "");
			js(in4_str(plan.ip.dns[i], b));
		}
	}
	printf("], \"ignored_specs\": %d, \"device_timeout\": %d, \"carrier_timeout\": %d},\n",
	       plan.nip_ignored, cfg.nr.device_timeout, cfg.nr.carrier_timeout);

	printf(" \"root\": {\"type\": \"%s\", \"ro\": %s", root_kind_name(plan.root_kind), plan.ro ? "true" : "false");
	if (plan.root_kind == ROOT_NFS) {
		nfs_now(path, sizeof(path), data, sizeof(data));
		printf(", ");
		jip("server", plan.nfs.server, true);
		printf("\"path\": ");
		js(path);
		printf(", \"options\": ");
		js(data);
		printf(", \"version\": ");
		if (plan.nfs.vers_major)
			js(nfs_version(v));
		else
			printf("\"negotiated\", \"versions\": [\"4.2\", \"4.1\", \"4.0\", \"3\"]");
		printf(", \"mount_timeout\": %d", cfg.nr.mount_timeout);
	} else if (plan.root_kind != ROOT_NONE) {
		printf(", \"device\": ");
		js(cfg.root);
		printf(", \"fstype\": ");
		js(cfg.rootfstype);
		printf(", \"flags\": ");
		js(cfg.rootflags);
		printf(", \"iscsi_disk_first\": %s", plan.iscsi_disk_first ? "true" : "false");
	}
	printf("},\n \"iscsi\": ");
	if (cfg.iscsi.any) {
		printf("{\"target\": ");
		js(cfg.iscsi.target);
		printf(", \"initiator\": ");
		js(cfg.iscsi.initiator);
		printf(", \"portals\": [");
		for (i = 0; i < cfg.iscsi.nportals; i++) {
			printf("%s{\"host\": ", i ? ", " : "");
			js(cfg.iscsi.portal[i].host);
			printf(", \"port\": %u}", cfg.iscsi.portal[i].port ? cfg.iscsi.portal[i].port : 3260);
		}
		printf("], \"lun\": %u, \"chap\": %s, \"mutual_chap\": %s}", cfg.iscsi.lun,
		       cfg.iscsi.username[0] ? "true" : "false", cfg.iscsi.in_username[0] ? "true" : "false");
	} else {
		printf("null");
	}
	printf(",\n \"fsck\": {\"run\": %s, \"args\": ", plan.fsck_args ? "true" : "false");
	js(plan.fsck_args ? plan.fsck_args : "");
	printf(", \"force\": %s},\n \"init\": ", plan.fsck_force ? "true" : "false");
	js(plan.init[0] ? plan.init : "/sbin/init");
	printf(", \"init_args\": [");
	for (i = 0; i < cfg.init_argc; i++) {
		printf("%s", i ? ", " : "");
		js(init_arg(cfg.init_argv[i]));
	}
	printf("], \"panic\": %d,\n \"diagnostics\": [", cfg.has_panic ? cfg.panic : 0);
	for (i = 0; i < plan.ndiag; i++) {
		printf("%s\n  {\"level\": \"%s\", \"message\": ", i ? "," : "", level_name(plan.diag[i].level));
		js(plan.diag[i].msg);
		printf("}");
	}
	printf("]}\n");
}

int explain_main(int argc, char **argv)
{
	static char text[CMDLINE_MAX_LEN + 2];
	bool json = false;
	const char *given = NULL;
	size_t len;
	int i, fd;
	ssize_t n;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!given)
			given = argv[i];
		else {
			fprintf(stderr, "netroot-init --explain: give the command line as one argument (quote it)\n");
			return 2;
		}
	}
	if (given) {
		len = strlen(given);
		if (len > CMDLINE_MAX_LEN) {
			fprintf(stderr, "netroot-init --explain: command line longer than %d bytes\n", CMDLINE_MAX_LEN);
			return 1;
		}
		memcpy(text, given, len + 1);
	} else {
		fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "netroot-init --explain: cannot read /proc/cmdline: %s\n", strerror(errno));
			return 1;
		}
		n = read(fd, text, sizeof(text) - 1);
		close(fd);
		if (n < 0)
			n = 0;
		if ((size_t)n > CMDLINE_MAX_LEN) {
			fprintf(stderr, "netroot-init --explain: /proc/cmdline longer than %d bytes\n", CMDLINE_MAX_LEN);
			return 1;
		}
		len = (size_t)n;
		while (len && (text[len - 1] == '\n' || text[len - 1] == '\0'))
			len--;
		text[len] = '\0';
	}
	if (cmdline_parse(text, len, &cfg) < 0) {
		fprintf(stderr, "netroot-init --explain: command line too long\n");
		return 1;
	}
	bootplan_build(&cfg, &plan);
	if (json)
		print_json(text, len);
	else
		print_human(text, len);
	return plan.fatal ? 1 : 0;
}
