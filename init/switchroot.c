/* switch_root the way klibc's run-init does it: check everything before
 * destroying anything, delete the initramfs without crossing mount points,
 * move /dev /proc /sys /run into the new root, make it / and exec its init. */
#include "init.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "text.h"

#ifndef RAMFS_MAGIC
#define RAMFS_MAGIC 0x858458f6
#endif
#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

static const char *const default_inits[] = { "/sbin/init", "/etc/init", "/bin/init", "/bin/sh" };

/* Is `path` an executable regular file inside `newroot`? Checked in a child
 * chrooted there, so absolute symlinks (/sbin/init -> /lib/systemd/systemd)
 * resolve as they will after the switch. */
static int executable_in(const char *newroot, const char *path)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		struct stat st;

		if (chroot(newroot) != 0 || chdir("/") != 0)
			_exit(2);
		if (stat(path, &st) != 0)
			_exit(1);
		_exit(S_ISREG(st.st_mode) && access(path, X_OK) == 0 ? 0 : 1);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ENOENT;
}

int find_init(const char *newroot, const char *wanted, char *out, size_t n)
{
	size_t i;

	if (wanted && wanted[0]) {
		if (executable_in(newroot, wanted) == 0) {
			text_copy(out, n, wanted);
			return 0;
		}
		log_warn("switch_root: init=%s is not an executable file in the new root; trying the defaults", wanted);
	}
	for (i = 0; i < sizeof(default_inits) / sizeof(default_inits[0]); i++) {
		if (executable_in(newroot, default_inits[i]) == 0) {
			text_copy(out, n, default_inits[i]);
			return 0;
		}
	}
	return fail(ENOENT, "is this really the root filesystem (the right export/partition)? Is it complete?",
		    "no init in the new root: tried %s/sbin/init, /etc/init, /bin/init, /bin/sh",
		    wanted && wanted[0] ? "init=, " : "");
}

/* Delete the initramfs' own files. Never descends into another filesystem:
 * the new root and anything else mounted is left alone. */
static void nuke_dir(int dirfd, dev_t rootdev)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *e;

	if (!d) {
		close(dirfd);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || st.st_dev != rootdev)
			continue;
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub >= 0)
				nuke_dir(sub, rootdev);
			unlinkat(dirfd, e->d_name, AT_REMOVEDIR);
		} else {
			unlinkat(dirfd, e->d_name, 0);
		}
	}
	closedir(d);
}

int switch_root(const char *newroot, const char *init, char *const argv[])
{
	static const char *const moves[] = { "/dev", "/proc", "/sys", "/run" };
	struct stat rootst, newst;
	struct statfs sfs;
	char target[PATH_LEN + 8];
	size_t i;
	int fd, console;

	/* Safety checks (run-init): we are on a ramfs/tmpfs, and the new root
	 * is a different filesystem; otherwise deleting would be a disaster. */
	if (stat("/", &rootst) != 0 || stat(newroot, &newst) != 0)
		return fail(errno, "", "switch_root: cannot stat / or %s: %s", newroot, strerror(errno));
	if (rootst.st_dev == newst.st_dev)
		return fail(EINVAL, "the root was not mounted", "switch_root: %s is not a mount point", newroot);
	if (statfs("/", &sfs) != 0 ||
	    ((unsigned long)sfs.f_type != RAMFS_MAGIC && (unsigned long)sfs.f_type != TMPFS_MAGIC))
		return fail(EINVAL, "netroot-init must run as /init of an initramfs",
			    "switch_root: / is not a ramfs/tmpfs; refusing to delete it");

	for (i = 0; i < sizeof(moves) / sizeof(moves[0]); i++) {
		snprintf(target, sizeof(target), "%s%s", newroot, moves[i]);
		if (mount(moves[i], target, NULL, MS_MOVE, NULL) != 0) {
			/* No mount point in the new root (a read-only root without
			 * /run, say): detach it instead of leaving it hidden. */
			log_warn("switch_root: cannot move %s to %s: %s; detaching it", moves[i], target,
				 strerror(errno));
			umount2(moves[i], MNT_DETACH);
		}
	}

	/* From here on there is no going back: the initramfs (and this
	 * program's own files) are being deleted, and the root's daemon is
	 * serving the root we are about to run on. */
	failure.final = true;
	fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		nuke_dir(fd, rootst.st_dev);

	if (chdir(newroot) != 0 || mount(".", "/", NULL, MS_MOVE, NULL) != 0 || chroot(".") != 0 ||
	    chdir("/") != 0)
		return fail(errno, "", "switch_root: cannot make %s the root: %s", newroot, strerror(errno));

	/* The console of the new root, as fds 0-2 for the real init. */
	console = open("/dev/console", O_RDWR | O_NOCTTY);
	if (console >= 0) {
		dup2(console, 0);
		dup2(console, 1);
		dup2(console, 2);
		if (console > 2)
			close(console);
	}
	phase_end();
	phase_summary();
	log_info("switch_root: exec %s", init);
	execv(init, argv);
	return fail(errno, "the root filesystem may be for another architecture, or broken",
		    "switch_root: exec %s failed: %s", init, strerror(errno));
}
