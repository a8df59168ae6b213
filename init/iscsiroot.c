/* The iSCSI disk for the root: the configuration from every place
 * open-iscsi's initramfs reads it (the command line wins over
 * /etc/iscsi/iscsi.initramfs; the initiator name may come from
 * /etc/initiatorname.iscsi), the root-storage daemon started, and
 * /dev/nbd0 with its partitions ready for the block-root step. */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "rootstore.h"
#include "text.h"

#define INITIATORNAME "/etc/initiatorname.iscsi"
#define NBD_DEV "/dev/nbd0"
/* From <linux/fs.h>, which clashes with musl's <sys/ioctl.h>. */
#ifndef BLKRRPART
#define BLKRRPART _IO(0x12, 95)
#endif
#ifndef BLKGETSIZE64
#define BLKGETSIZE64 _IOR(0x12, 114, size_t)
#endif
#define ATTEMPT_TIMEOUT 10      /* seconds for one login attempt */
#define LOGIN_DEADLINE 120      /* seconds for the whole login */

/* iscsi.initramfs is a sourced shell file of ISCSI_*=value lines; the
 * command-line parser reads exactly those keys, so it parses the file too
 * (comments dropped, one assignment per line). Lowercase iscsi_* keys are
 * taken as well (the --secrets file of --attach-iscsi). text is modified. */
int iscsi_conf_from_text(char *text, struct iscsi_conf *out)
{
	static char line[CMDLINE_MAX_LEN + 1];
	static struct boot_config fcfg;
	size_t o = 0;
	char *p, *save = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	for (p = strtok_r(text, "\n", &save); p; p = strtok_r(NULL, "\n", &save)) {
		size_t l;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '#' || strncasecmp(p, "ISCSI_", 6) != 0)
			continue;
		l = strlen(p);
		if (o + l + 2 > sizeof(line))
			return -E2BIG;
		memcpy(line + o, p, l);
		o += l;
		line[o++] = ' ';
	}
	r = cmdline_parse(line, o, &fcfg);
	if (r == 0)
		*out = fcfg.iscsi;
	explicit_bzero(line, sizeof(line));
	explicit_bzero(&fcfg, sizeof(fcfg));
	return r;
}

static void read_iscsi_initramfs(struct iscsi_conf *out)
{
	static char text[CMDLINE_MAX_LEN + 1];

	memset(out, 0, sizeof(*out));
	if (read_small(ISCSI_INITRAMFS, text, sizeof(text)) <= 0)
		return;
	iscsi_conf_from_text(text, out);
	explicit_bzero(text, sizeof(text));
	log_info("iscsi: read %s", ISCSI_INITRAMFS);
}

/* The command line wins, key by key (open-iscsi's README.Debian). */
static void merge(struct iscsi_conf *c, const struct iscsi_conf *file)
{
#define TAKE(f) if (!c->f[0]) memcpy(c->f, file->f, sizeof(c->f))
	TAKE(initiator);
	TAKE(target);
	TAKE(username);
	TAKE(password);
	TAKE(in_username);
	TAKE(in_password);
#undef TAKE
	if (c->nportals == 0) {
		memcpy(c->portal, file->portal, sizeof(c->portal));
		c->nportals = file->nportals;
	}
	if (!c->group)
		c->group = file->group;
	if (!c->lun)
		c->lun = file->lun;
}

static void read_initiatorname(struct iscsi_conf *c)
{
	char text[512], *p, *e;

	if (c->initiator[0] || read_small(INITIATORNAME, text, sizeof(text)) <= 0)
		return;
	for (p = strtok_r(text, "\n", &e); p; p = strtok_r(NULL, "\n", &e))
		if (!strncmp(p, "InitiatorName=", 14)) {
			text_copy(c->initiator, sizeof(c->initiator), p + 14);
			log_info("iscsi: initiator name from %s", INITIATORNAME);
			return;
		}
}

/* Wait until the kernel sees the disk (the size appears when NBD_DO_IT has
 * started), then ask for the partition table to be read. */
static int wait_disk(const char *dev, double timeout)
{
	double deadline = log_uptime() + timeout;
	uint64_t bytes = 0;
	int fd;

	while (log_uptime() < deadline) {
		fd = open(dev, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (ioctl(fd, BLKGETSIZE64, &bytes) == 0 && bytes > 0) {
				if (ioctl(fd, BLKRRPART) != 0)
					log_debug("iscsi: BLKRRPART: %s", strerror(errno));
				close(fd);
				return 0;
			}
			close(fd);
		}
		sleep_ms(20);
	}
	return -ETIMEDOUT;
}

/* The nbd driver caps requests at 128 KiB by default (max_sectors_kb),
 * while the queue allows 32 MiB: large sequential I/O then takes many round
 * trips. Raise the cap to what the daemon wants per request — what one
 * command to the target carries (VPD B0) and what the board's memory
 * affords (every buffer is locked) — never above the queue's limit. */
static void tune_queue(const char *dev, uint32_t max_request)
{
	char path[96], val[32];
	const char *name = strrchr(dev, '/') ? strrchr(dev, '/') + 1 : dev;
	unsigned long hw, want = max_request >> 10;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/block/%s/queue/max_hw_sectors_kb", name);
	if (read_small(path, val, sizeof(val)) <= 0 || (hw = strtoul(val, NULL, 10)) == 0)
		return;
	if (want == 0 || want > hw)
		want = hw;
	n = snprintf(val, sizeof(val), "%lu", want);
	snprintf(path, sizeof(path), "/sys/block/%s/queue/max_sectors_kb", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, val, (size_t)n) < 0)
		log_debug("iscsi: cannot set %s: %s", path, strerror(errno));
	close(fd);
}

/* Start the daemon for the iSCSI keys in cfg; on success the LUN is dev. */
int iscsi_attach(const struct boot_config *cfg, const char *dev, bool from_pid1, pid_t *pid)
{
	struct rootstore_conf rc;
	struct rootstore_status st;
	struct iscsi_conf file;
	int r;

	memset(&rc, 0, sizeof(rc));
	rc.iscsi = cfg->iscsi;
	read_iscsi_initramfs(&file);
	merge(&rc.iscsi, &file);
	read_initiatorname(&rc.iscsi);
	explicit_bzero(&file, sizeof(file));
	/* LUN 0 is also "not given": then the first disk LUN is used, which
	 * is LUN 0 on most targets and LUN 1 on tgt. */
	rc.lun = rc.iscsi.lun ? (int)rc.iscsi.lun : -1;
	rc.login_deadline = LOGIN_DEADLINE;
	rc.attempt_timeout = ATTEMPT_TIMEOUT;
	rc.kmsg = from_pid1;
	rc.standby = from_pid1;
	rc.debug = cfg->debug;
	text_copy(rc.nbd_dev, sizeof(rc.nbd_dev), dev);
	if (rc.iscsi.group > 1)
		log_info("iscsi: target portal group %d noted; libiscsi logs in through the portal given", rc.iscsi.group);

	r = rootstore_start(&rc, log_uptime() + rc.login_deadline, pid, &st);
	explicit_bzero(&rc, sizeof(rc));
	if (r == -ETIMEDOUT)
		return fail(ETIMEDOUT, iscsi_err_check(ISCSI_ERR_UNREACHABLE),
			    "iSCSI login to %s did not finish within %d s", cfg->iscsi.target, LOGIN_DEADLINE);
	if (r < 0 && st.kind != ISCSI_OK)
		return fail(r, iscsi_err_check((enum iscsi_err_kind)st.kind), "iSCSI: %s at %s: %s",
			    iscsi_err_name((enum iscsi_err_kind)st.kind), st.portal[0] ? st.portal : "(no portal)", st.msg);
	if (r < 0)
		return fail(r, "see the rootstore lines above", "the root-storage daemon failed to start: %s",
			    strerror(-r));
	log_info("iscsi: %s is LUN %d at %s (%.1f MiB), served by @netroot-nbd (pid %d)", dev, st.lun, st.portal,
		 (double)st.bytes / 1048576.0, (int)*pid);
	r = wait_disk(dev, 10);
	if (r < 0)
		return fail(r, "the nbd module must be in the initramfs, loaded with max_part=8 for partitions",
			    "%s did not come up after the daemon attached it", dev);
	tune_queue(dev, st.max_request);
	return 0;
}

/* Mark the root's interface for the booted system, as open-iscsi's
 * initramfs does: ifupdown (udev net-interface-handler) and networkd users
 * read it to leave the interface alone. */
void iscsi_mark_interface(const char *ifname)
{
	int fd;

	if (!ifname || !ifname[0])
		return;
	mkdir("/run/initramfs", 0755);
	fd = open("/run/initramfs/open-iscsi.interface", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, ifname, strlen(ifname)) < 0 || write(fd, "\n", 1) < 0)
		log_warn("iscsi: cannot write /run/initramfs/open-iscsi.interface");
	close(fd);
}

/* netroot-init --attach-iscsi CMDLINE: attach a LUN as the next free
 * /dev/nbdN outside of a boot (benchmarks, recovery). */
int attach_main(int argc, char **argv)
{
	static struct boot_config cfg;
	char dev[32], path[64];
	pid_t pid;
	int i;

	if (!(argc == 1 || (argc == 3 && !strcmp(argv[1], "--secrets")))) {
		fprintf(stderr, "usage: netroot-init --attach-iscsi \"<iSCSI keys as on the kernel command line>\" "
			"[--secrets FILE|-]\n");
		return 2;
	}
	if (cmdline_parse(argv[0], strlen(argv[0]), &cfg) < 0)
		return 2;
	if (cfg.iscsi.password[0] || cfg.iscsi.in_password[0]) {
		/* Anyone can read a process's arguments (ps, /proc/PID/cmdline). */
		explicit_bzero(&cfg, sizeof(cfg));
		fprintf(stderr, "netroot-init: --attach-iscsi takes no password in its arguments (anyone can read them "
			"with ps); put the ISCSI_PASSWORD=/ISCSI_IN_PASSWORD= lines in a file readable only by root "
			"and give --secrets FILE, or --secrets - to read them from standard input\n");
		return 2;
	}
	if (argc == 3) {
		static char text[CMDLINE_MAX_LEN + 1];
		struct iscsi_conf sec;
		ssize_t n;
		int fd = strcmp(argv[2], "-") ? open(argv[2], O_RDONLY | O_CLOEXEC) : 0;

		n = fd >= 0 ? read(fd, text, sizeof(text) - 1) : -1;
		if (n < 0) {
			fprintf(stderr, "netroot-init: cannot read the secrets from %s: %s\n",
				strcmp(argv[2], "-") ? argv[2] : "standard input", strerror(errno));
			return 2;
		}
		if (fd > 0)
			close(fd);
		text[n] = 0;
		if (iscsi_conf_from_text(text, &sec) < 0) {
			fprintf(stderr, "netroot-init: the secrets in %s are not ISCSI_*=value lines\n", argv[2]);
			return 2;
		}
		explicit_bzero(text, sizeof(text));
		memcpy(cfg.iscsi.password, sec.password, sizeof(sec.password));
		memcpy(cfg.iscsi.in_password, sec.in_password, sizeof(sec.in_password));
		if (!cfg.iscsi.username[0])
			memcpy(cfg.iscsi.username, sec.username, sizeof(sec.username));
		if (!cfg.iscsi.in_username[0])
			memcpy(cfg.iscsi.in_username, sec.in_username, sizeof(sec.in_username));
		explicit_bzero(&sec, sizeof(sec));
	}
	log_setup(LOG_TO_CONSOLE, cfg.debug, 0);
	log_set_console(2);
	for (i = 0; i < 16; i++) {
		struct stat sb;

		snprintf(path, sizeof(path), "/sys/block/nbd%d/pid", i);
		snprintf(dev, sizeof(dev), "/dev/nbd%d", i);
		if (stat(dev, &sb) == 0 && stat(path, &sb) != 0)
			break;
	}
	if (i == 16) {
		fprintf(stderr, "netroot-init: no free /dev/nbdN (is the nbd module loaded?)\n");
		return 1;
	}
	if (iscsi_attach(&cfg, dev, false, &pid) < 0) {
		log_err("FAILED: %s", failure.what);
		log_err("check: %s", failure.check);
		return 1;
	}
	printf("%s\n", dev);
	return 0;
}
