/* Kernel modules, in the order the initramfs builder resolved at build time
 * (hooks/netroot-mkinitramfs writes /lib/netroot/modules: one module per
 * line, "<path of the .ko> [parameters]", dependencies first). No modprobe,
 * no modules.dep parsing at boot: just finit_module() in order. */
#include "init.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "text.h"

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

/* Find <name>.ko below dir (the image's own, small, module tree); '-' and
 * '_' compare equal, as the kernel's module names do. Depth-bounded. */
static bool same_name(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];

		if (x != y)
			return false;
	}
	return true;
}

static int find_ko(const char *dir, const char *name, char *out, size_t n, int depth)
{
	DIR *d;
	struct dirent *e;
	size_t nl = strlen(name);
	int found = -ENOENT;

	if (depth > 12 || !(d = opendir(dir)))
		return -ENOENT;
	while (found < 0 && (e = readdir(d)) != NULL) {
		char path[PATH_LEN];
		struct stat st;
		size_t el = strlen(e->d_name);

		if (e->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path) ||
		    lstat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			found = find_ko(path, name, out, n, depth + 1);
		else if (el == nl + 3 && same_name(e->d_name, name, nl) && !strcmp(e->d_name + nl, ".ko"))
			found = snprintf(out, n, "%s", path) < (int)n ? 0 : -ENAMETOOLONG;
	}
	closedir(d);
	return found;
}

/* netroot.modules=a,b: more modules from the image, after the list, in the
 * order given (their dependencies must already be loaded). */
static int load_extra(const char *extra)
{
	char names[ROOTFLAGS_LEN], path[PATH_LEN], *name, *save = NULL;
	int loaded = 0, r;

	text_copy(names, sizeof(names), extra);
	for (name = strtok_r(names, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		if (find_ko("/lib/modules", name, path, sizeof(path), 0) < 0) {
			log_warn("modules: netroot.modules=%s: no %s.ko in the initramfs (build it in with the "
				 "builder's --modules or NETROOT_MODULES)", name, name);
			continue;
		}
		r = load_one(path, "");
		if (r < 0) {
			log_warn("modules: netroot.modules=%s: %s", name, strerror(-r));
		} else {
			log_info("modules: netroot.modules=%s: %s %s", name, r ? "loaded" : "already there", path);
			loaded += r;
		}
	}
	return loaded;
}

int modules_load(const char *list, const char *extra)
{
	static char text[MODULE_LIST_LEN + 1];
	char *line, *save = NULL;
	int fd, loaded = 0, failed = 0, lineno = 0;
	ssize_t n;

	fd = open(list, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT) {
			log_info("modules: %s not in the image, nothing to load", list);
			return extra && extra[0] ? load_extra(extra) : 0;
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
	if (extra && extra[0])
		loaded += load_extra(extra);
	log_info("modules: %d loaded, %d failed", loaded, failed);
	return loaded;
}
