/* First things PID 1 does: the pseudo-filesystems, the console, the command line. */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

struct early_mount {
	const char *src, *dir, *type;
	unsigned long flags;
	const char *data;
};

/* /run as systemd's INITRD_INTERFACE wants it; moved into the real root later. */
static const struct early_mount early_mounts_tab[] = {
	{ "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL },
	{ "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL },
	{ "devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755" },
	{ "tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV | MS_STRICTATIME, "mode=0755" },
};

int early_mounts(void)
{
	size_t i;

	umask(022);
	for (i = 0; i < sizeof(early_mounts_tab) / sizeof(early_mounts_tab[0]); i++) {
		const struct early_mount *m = &early_mounts_tab[i];

		mkdir(m->dir, 0755);
		if (mount(m->src, m->dir, m->type, m->flags, m->data) != 0 && errno != EBUSY)
			return fail(errno, "the kernel needs CONFIG_PROC_FS, CONFIG_SYSFS, CONFIG_DEVTMPFS and CONFIG_TMPFS",
				    "mount %s on %s: %s", m->type, m->dir, strerror(errno));
	}
	mkdir("/run/initramfs", 0755);
	mkdir(NEWROOT, 0755);
	return 0;
}

/* The kernel gives PID 1 /dev/console as fds 0-2 when the image has it;
 * make sure of it now that devtmpfs is mounted. */
int console_setup(void)
{
	int fd = open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fcntl(1, F_GETFD) < 0 || fcntl(2, F_GETFD) < 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
	}
	log_set_console(fd);
	return 0;
}

int read_cmdline(char *buf, size_t n)
{
	size_t len = 0;
	int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return fail(errno, "is /proc mounted?", "cannot read /proc/cmdline: %s", strerror(errno));
	while (len < n) {
		ssize_t r = read(fd, buf + len, n - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\0'))
		len--;
	return (int)len;
}
