/* Kernel modules, in the order the initramfs builder resolved at build time
 * (hooks/netroot-mkinitramfs writes /lib/netroot/modules: one module per
 * line, "<path of the .ko> [parameters]", dependencies first). No modprobe,
 * no modules.dep parsing at boot: just finit_module() in order. */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"

static int load_one(const char *path, const char *params)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	long r;

	if (fd < 0)
		return -errno;
	r = syscall(SYS_finit_module, fd, params, 0);
	close(fd);
	if (r != 0 && errno != EEXIST)   /* EEXIST: built in or already loaded */
		return -errno;
	return r == 0 ? 1 : 0;
}

int modules_load(const char *list, const char *extra)
{
	static char text[MODULE_LIST_LEN + 1];
	char *line, *save = NULL;
	int fd, loaded = 0, failed = 0, lineno = 0;
	ssize_t n;

	(void)extra;
	fd = open(list, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT) {
			log_info("modules: %s not in the image, nothing to load", list);
			return 0;
		}
		return fail(errno, "rebuild the initramfs with hooks/netroot-mkinitramfs",
			    "cannot open %s: %s", list, strerror(errno));
	}
	n = read(fd, text, MODULE_LIST_LEN);
	close(fd);
	if (n < 0)
		return fail(errno, "rebuild the initramfs", "cannot read %s: %s", list, strerror(errno));
	if (n == MODULE_LIST_LEN)
		return fail(EFBIG, "rebuild the initramfs with fewer modules",
			    "%s is larger than %d bytes", list, MODULE_LIST_LEN);
	text[n] = '\0';

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *params = strchr(line, ' ');
		int r;

		if (++lineno > MODULES_MAX)
			return fail(E2BIG, "rebuild the initramfs with fewer modules",
				    "%s lists more than %d modules", list, MODULES_MAX);
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (params)
			*params++ = '\0';
		r = load_one(line, params ? params : "");
		if (r < 0) {
			/* A NIC driver for hardware that is not there fails with
			 * ENODEV and is harmless; say so and go on. The network or
			 * mount step reports what is really missing. */
			log_warn("modules: %s: %s", line, strerror(-r));
			failed++;
		} else {
			loaded += r;
			log_debug("modules: loaded %s", line);
		}
	}
	log_info("modules: %d loaded, %d failed", loaded, failed);
	return loaded;
}
