/* A block-device root (the iSCSI LUN as /dev/nbd0pN, or any local disk):
 * find it — root=UUID=/LABEL=/PARTUUID=/PARTLABEL= resolved with libblkid
 * as devices appear, bounded by rootwait — check it with the e2fsck the
 * builder put in the image (initramfs-tools' fsck.mode/fsck.repair rules
 * and exit-code handling), and mount it. */
#include "init.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/sysmacros.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <blkid/blkid.h>

#include "log.h"
#include "text.h"

#define E2FSCK "/sbin/e2fsck"
#define FSCK_LOG "/run/initramfs/fsck.log"
#define FSCK_STAMP "/run/initramfs/fsck-root"
#define ROOTWAIT_DEFAULT 180    /* plain `rootwait`: initramfs-tools' ROOTDELAY */
#define ROOT_SETTLE 10          /* without rootwait: devices still get this long */

struct blkinfo {
	char dev[64];
	char type[32], uuid[64], label[64], partuuid[64], partlabel[64];
};

static void copy_value(blkid_probe pr, const char *name, char *out, size_t n)
{
	const char *v = NULL;
	size_t len = 0;

	out[0] = '\0';
	if (blkid_probe_lookup_value(pr, name, &v, &len) == 0 && v)
		text_copy(out, n, v);
}

static int probe(const char *dev, struct blkinfo *bi)
{
	blkid_probe pr = blkid_new_probe_from_filename(dev);
	int r;

	memset(bi, 0, sizeof(*bi));
	text_copy(bi->dev, sizeof(bi->dev), dev);
	if (!pr)
		return -ENODEV;
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_UUID | BLKID_SUBLKS_LABEL);
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_ENTRY_DETAILS);
	r = blkid_do_safeprobe(pr);
	if (r == 0) {
		copy_value(pr, "TYPE", bi->type, sizeof(bi->type));
		copy_value(pr, "UUID", bi->uuid, sizeof(bi->uuid));
		copy_value(pr, "LABEL", bi->label, sizeof(bi->label));
	}
	copy_value(pr, "PART_ENTRY_UUID", bi->partuuid, sizeof(bi->partuuid));
	copy_value(pr, "PART_ENTRY_NAME", bi->partlabel, sizeof(bi->partlabel));
	blkid_free_probe(pr);
	return 0;
}

static bool matches(const struct boot_config *cfg, const struct blkinfo *bi)
{
	unsigned maj, min;
	struct stat st;

	switch (cfg->root_kind) {
	case ROOT_MAJMIN:
		return sscanf(cfg->root, "%u:%u", &maj, &min) == 2 && stat(bi->dev, &st) == 0 &&
		       S_ISBLK(st.st_mode) && major(st.st_rdev) == maj && minor(st.st_rdev) == min;
	case ROOT_UUID:
		return bi->uuid[0] && !strcasecmp(bi->uuid, cfg->root);
	case ROOT_LABEL:
		return bi->label[0] && !strcmp(bi->label, cfg->root);
	case ROOT_PARTUUID:
		return bi->partuuid[0] && !strcasecmp(bi->partuuid, cfg->root);
	case ROOT_PARTLABEL:
		return bi->partlabel[0] && !strcmp(bi->partlabel, cfg->root);
	default:
		return false;
	}
}

static bool mountable(const char *type)
{
	static const char *const ok[] = { "ext4", "ext3", "ext2", "xfs", "btrfs", "f2fs" };
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(type, ok[i]))
			return true;
	return false;
}

/* root=iscsi: with nothing else: the first partition of the LUN (then the
 * whole disk) whose filesystem has an init — as open-iscsi's initramfs
 * picks it by trial mounts. */
static int pick_on_disk(const char *disk, struct blkinfo *bi, unsigned long flags)
{
	char dev[64], init[PATH_LEN + 16];
	int part;

	for (part = 1; part <= 16; part++) {
		struct stat st;

		if (part < 16)
			snprintf(dev, sizeof(dev), "%sp%d", disk, part);
		else
			text_copy(dev, sizeof(dev), disk);
		if (stat(dev, &st) != 0 || probe(dev, bi) < 0 || !mountable(bi->type))
			continue;
		if (mount(dev, NEWROOT, bi->type, flags | MS_RDONLY, NULL) != 0)
			continue;
		snprintf(init, sizeof(init), "%s/sbin/init", NEWROOT);
		if (lstat(init, &st) == 0) {
			umount(NEWROOT);
			log_info("root: %s (%s) has /sbin/init: using it", dev, bi->type);
			return 0;
		}
		umount(NEWROOT);
	}
	return -ENOENT;
}

/* Every block device the kernel has now (/sys/class/block), probed. With
 * the iSCSI disk known, that disk and its partitions are probed first (pass
 * 0) and the rest only if none matches: a local disk cloned from the same
 * image (an SD card with the same UUID) must not win by readdir order. */
static int scan(const struct boot_config *cfg, const char *disk, struct blkinfo *bi)
{
	int pass, found = -ENOENT;

	for (pass = disk ? 0 : 1; pass < 2 && found < 0; pass++) {
		DIR *d = opendir("/sys/class/block");
		struct dirent *e;

		if (!d)
			return -errno;
		while ((e = readdir(d)) != NULL && found < 0) {
			char dev[64];

			if (e->d_name[0] == '.' || !strncmp(e->d_name, "loop", 4) || !strncmp(e->d_name, "ram", 3))
				continue;
			if (disk && block_on_disk(e->d_name, disk) != (pass == 0))
				continue;
			snprintf(dev, sizeof(dev), "/dev/%.50s", e->d_name);
			if (probe(dev, bi) == 0 && matches(cfg, bi))
				found = 0;
		}
		closedir(d);
	}
	if (found == 0 && disk && !block_on_disk(bi->dev + strlen("/dev/"), disk))
		log_warn("root: %s=%s is not on the iSCSI disk %s; using %s", root_kind_name(cfg->root_kind),
			 cfg->root, disk, bi->dev);
	return found;
}

static int find_root(const struct boot_config *cfg, const char *disk, struct blkinfo *bi)
{
	int wait = !cfg->rootwait ? ROOT_SETTLE : cfg->rootwait_secs > 0 ? cfg->rootwait_secs : ROOTWAIT_DEFAULT;
	double deadline = log_uptime() + wait, next_note = log_uptime() + 5;
	struct stat st;
	int r = -ENOENT;

	for (;;) {
		if (cfg->root_kind == ROOT_DEVPATH) {
			if (stat(cfg->root, &st) == 0 && S_ISBLK(st.st_mode))
				r = probe(cfg->root, bi);
		} else if (cfg->root_kind == ROOT_ISCSI && disk) {
			r = pick_on_disk(disk, bi, 0);
		} else {
			r = scan(cfg, disk, bi);
		}
		if (r == 0)
			return 0;
		if (log_uptime() > deadline)
			break;
		if (log_uptime() > next_note) {
			log_info("root: still waiting for %s=%s (up to %d s)", root_kind_name(cfg->root_kind),
				 cfg->root[0] ? cfg->root : disk, wait);
			next_note = log_uptime() + 5;
		}
		sleep_ms(100);
	}
	if (cfg->root_kind == ROOT_ISCSI)
		return fail(ENOENT, "the LUN needs a partition (or whole disk) with an ext4/xfs/btrfs root that has "
			    "/sbin/init; or name it with root=UUID=...",
			    "no root filesystem with /sbin/init on %s", disk);
	return fail(ENODEV, disk ? "compare root= with `blkid` on the disk image (UUID= is the filesystem's, PARTUUID= "
			    "the partition table's)" : "is the disk's driver in the initramfs? add rootwait=N for slow disks",
		    "root device %s%s%s not found after %d s%s%s", cfg->root_kind == ROOT_DEVPATH ? "" :
		    root_kind_name(cfg->root_kind), cfg->root_kind == ROOT_DEVPATH ? "" : "=", cfg->root, wait,
		    disk ? " on " : "", disk ? disk : "");
}

/* fsck, initramfs-tools style. 0: go on; <0: the boot must stop. */
static int check_fs(const struct boot_plan *plan, const struct blkinfo *bi)
{
	char name[] = "e2fsck", mode[4], force[] = "-f", dev[sizeof(bi->dev)];
	char *argv[6];
	int argc = 0, status, fd;
	pid_t pid;
	double t0 = log_uptime();

	if (!plan->fsck_args) {
		log_info("fsck: skipped (fsck.mode=skip or fastboot)");
		return 0;
	}
	if (strncmp(bi->type, "ext", 3) != 0) {
		log_info("fsck: no checker for %s in the initramfs; skipped", bi->type);
		return 0;
	}
	if (access(E2FSCK, X_OK) != 0) {
		log_warn("fsck: %s is not in the initramfs; %s not checked", E2FSCK, bi->dev);
		return 0;
	}
	text_copy(mode, sizeof(mode), plan->fsck_args);
	text_copy(dev, sizeof(dev), bi->dev);
	argv[argc++] = name;
	argv[argc++] = mode;
	if (plan->fsck_force)
		argv[argc++] = force;
	argv[argc++] = dev;
	argv[argc] = NULL;
	log_info("fsck: e2fsck %s%s %s", plan->fsck_args, plan->fsck_force ? " -f" : "", bi->dev);
	mkdir("/run/initramfs", 0755);
	fd = open(FSCK_LOG, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	pid = fork();
	if (pid == 0) {
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(E2FSCK, argv);
		_exit(8);
	}
	if (fd >= 0)
		close(fd);
	if (pid < 0)
		return fail(errno, "", "fsck: cannot start e2fsck: %s", strerror(errno));
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return fail(errno, "", "fsck: lost e2fsck: %s", strerror(errno));
	status = WIFEXITED(status) ? WEXITSTATUS(status) : 8;
	log_info("fsck: e2fsck exited %d after %.2f s (log: %s)", status, log_uptime() - t0, FSCK_LOG);
	if (status & 4)
		return fail(EUCLEAN, plan->fsck_args[1] == 'n' ?
			    "fsck.repair=no: run e2fsck on the disk by hand, or boot once with fsck.repair=yes" :
			    "run e2fsck on the disk by hand (e.g. on the server: e2fsck -f <image partition>)",
			    "the root filesystem %s has errors that were left uncorrected (e2fsck exit %d; see %s)",
			    bi->dev, status, FSCK_LOG);
	if (status == 32)
		log_warn("fsck: canceled");
	else if (status & 8)
		log_warn("fsck: e2fsck failed to run properly (exit %d); booting unchecked", status);
	else {
		if (status & 3)
			log_info("fsck: errors on %s were corrected", bi->dev);
		fd = open(FSCK_STAMP, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd >= 0)
			close(fd);
	}
	return 0;
}

static int mount_root(const struct boot_config *cfg, const struct boot_plan *plan, const struct blkinfo *bi)
{
	char types[ROOTFSTYPE_LEN], *t, *save = NULL;
	unsigned long flags = plan->ro ? MS_RDONLY : 0;
	int err = ENODEV;

	text_copy(types, sizeof(types), cfg->rootfstype[0] ? cfg->rootfstype : bi->type);
	for (t = strtok_r(types, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (mount(bi->dev, NEWROOT, t, flags, cfg->rootflags[0] ? cfg->rootflags : NULL) == 0) {
			log_info("mount: %s (%s) on %s, %s", bi->dev, t, NEWROOT, plan->ro ? "ro" : "rw");
			return 0;
		}
		err = errno;
		/* the kernel retries a failed rw mount read-only; so do we */
		if (!plan->ro && (err == EROFS || err == EACCES) &&
		    mount(bi->dev, NEWROOT, t, MS_RDONLY, cfg->rootflags[0] ? cfg->rootflags : NULL) == 0) {
			log_warn("mount: %s is read-only; mounted ro", bi->dev);
			return 0;
		}
	}
	return fail(err, "check rootfstype= (the filesystem is %s) and that its module is in the initramfs",
		    "cannot mount %s (%s) on %s: %s", bi->dev, bi->type[0] ? bi->type : "unknown filesystem",
		    NEWROOT, strerror(err));
}

int blockroot_mount(const struct boot_config *cfg, const struct boot_plan *plan, const char *disk)
{
	struct blkinfo bi;
	int r;

	if (cfg->rootdelay > 0) {
		log_info("rootdelay=%d: waiting", cfg->rootdelay);
		sleep((unsigned)cfg->rootdelay);
	}
	r = find_root(cfg, disk, &bi);
	if (r < 0)
		return r;
	log_info("root: %s is %s%s%s%s%s", bi.dev, bi.type[0] ? bi.type : "(no filesystem)",
		 bi.uuid[0] ? " UUID=" : "", bi.uuid, bi.label[0] ? " LABEL=" : "", bi.label);
	r = check_fs(plan, &bi);
	if (r < 0)
		return r;
	return mount_root(cfg, plan, &bi);
}
