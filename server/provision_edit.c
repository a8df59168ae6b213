/* The files a board's root and boot partition get: cmdline.txt, the
 * netroot initramfs, config.txt, /etc/fstab, /etc/hostname, /etc/hosts and
 * the network tools' files. Each is read, edited (provision_text.c), and
 * written back only when it differs, keeping its mode and owners: a re-run
 * leaves an up-to-date board's disk untouched. */
#include "provision.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nr_limits.h"

static void say(const char *what, const char *state)
{
	printf("  %-44s %s\n", what, state);
}

/* A root file to hold want: written when missing or different. mode/uid/gid
 * are the old file's, else def's. */
static int sync_root(const struct prov_target *t, const char *path, const char *want, const struct prov_meta *def,
		     int *changed, char *why, size_t wl)
{
	struct prov_meta m = *def;
	char *old = NULL;
	size_t len = 0;
	int r = prov_root_read(t, path, &old, &len, &m, why, wl);

	if (r < 0 && r != -ENOENT)
		return r;
	if (r == 0 && len == strlen(want) && !memcmp(old, want, len)) {
		free(old);
		say(path, "unchanged");
		return 0;
	}
	free(old);
	r = prov_root_write(t, path, want, strlen(want), &m, why, wl);
	if (r < 0)
		return r;
	(*changed)++;
	say(path, r == 0 && len ? "updated" : "written");
	return 0;
}

/* A root file edited by fn when it exists (absent: nothing to do). */
static int edit_root(const struct prov_target *t, const char *path, char *(*fn)(const char *, const char *),
		     const char *arg, int *changed, char *why, size_t wl)
{
	struct prov_meta m = { 0644, 0, 0 };
	char *old = NULL, *neu;
	size_t len;
	int r = prov_root_read(t, path, &old, &len, &m, why, wl);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	neu = fn(old, arg);
	free(old);
	if (!neu)
		return -ENOMEM;
	r = sync_root(t, path, neu, &m, changed, why, wl);
	free(neu);
	return r;
}

static int sync_boot(const struct prov_target *t, const char *name, const char *want, size_t wlen, int *changed,
		     char *why, size_t wl)
{
	char *old = NULL, label[80];
	size_t len = 0;
	int r = prov_boot_read(t, name, &old, &len, why, wl);

	snprintf(label, sizeof(label), "%s%s%s", t->image ? "boot partition: " : t->boot_dir, t->image ? "" : "/", name);
	if (r < 0 && r != -ENOENT)
		return r;
	if (r == 0 && len == wlen && !memcmp(old, want, len)) {
		free(old);
		say(label, "unchanged");
		return 0;
	}
	free(old);
	if ((r = prov_boot_write(t, name, want, wlen, why, wl)) < 0)
		return r;
	(*changed)++;
	say(label, r == 0 && len ? "updated" : "written");
	return 0;
}

static char *fstab_fn(const char *in, const char *boot_src) { return prov_fstab_edit(in, boot_src); }

/* ifupdown, NetworkManager, dhcpcd and systemd-networkd: each told to keep
 * off the root's link, when the root has it. */
static int network_tools(const struct prov_target *t, int *changed, char *why, size_t wl)
{
	static const struct prov_meta def = { 0644, 0, 0 };
	char *list = NULL;
	int r;

	if ((r = edit_root(t, "/etc/network/interfaces", prov_interfaces_edit, PROV_NETDEV, changed, why, wl)) < 0)
		return r;
	if (prov_root_list(t, "/etc/network/interfaces.d", &list, why, wl) == 0) {
		for (char *save = NULL, *f = strtok_r(list, "\n", &save); f && r == 0; f = strtok_r(NULL, "\n", &save)) {
			char p[PATH_LEN];

			if (f[0] == '.' || strlen(f) > 100 || strspn(f, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
								   "0123456789._-") != strlen(f))
				continue;       /* the board's own names: only plain ones reach debugfs */
			snprintf(p, sizeof(p), "/etc/network/interfaces.d/%s", f);
			r = edit_root(t, p, prov_interfaces_edit, PROV_NETDEV, changed, why, wl);
		}
		free(list);
		if (r < 0)
			return r;
	}
	if ((r = prov_root_exists(t, "/etc/NetworkManager", why, wl)) < 0)
		return r;
	if (r == 1) {
		if ((r = prov_root_exists(t, "/etc/NetworkManager/conf.d", why, wl)) == 0)
			r = prov_root_mkdir(t, "/etc/NetworkManager/conf.d", why, wl);
		if (r < 0 || (r = sync_root(t, "/etc/NetworkManager/conf.d/90-netroot.conf",
					    "# netroot: the root's link is up before the root is mounted; NetworkManager "
					    "must leave it alone\n[keyfile]\nunmanaged-devices=interface-name:" PROV_NETDEV "\n",
					    &def, changed, why, wl)) < 0)
			return r;
	}
	if ((r = edit_root(t, "/etc/dhcpcd.conf", prov_dhcpcd_edit, PROV_NETDEV, changed, why, wl)) < 0)
		return r;
	r = prov_root_exists(t, "/etc/systemd/system/multi-user.target.wants/systemd-networkd.service", why, wl);
	if (r == 1 && (r = prov_root_exists(t, "/etc/systemd/network", why, wl)) == 1)
		r = sync_root(t, "/etc/systemd/network/05-netroot-" PROV_NETDEV ".network",
			      "# netroot: the root's link is up before the root is mounted; networkd leaves it\n"
			      "[Match]\nName=" PROV_NETDEV "\n\n[Link]\nUnmanaged=yes\n", &def, changed, why, wl);
	return r < 0 ? r : 0;
}

int prov_edit_all(const struct prov_target *t, const struct prov_edit_in *in, int *changed, char *why, size_t wl)
{
	static const struct prov_meta def = { 0644, 0, 0 };
	static const char *const uboot_files[2] = { "extlinux/extlinux.conf", "pxelinux.cfg/default" };
	char *uboot[2] = { NULL, NULL };
	bool has_cmdline, pi;
	const char *all = NULL, *pi5 = NULL;
	struct prov_initrd ird;
	char line[CMDLINE_MAX_LEN + 2], dir[PATH_LEN + 16], *old = NULL, *neu;
	size_t len;
	int r;

	*changed = 0;
	/* A U-Boot board's command line file (extlinux.conf, pxelinux.cfg):
	 * the Pi's cmdline.txt and config.txt only where the image has them
	 * or has none of these. */
	for (int i = 0; i < 2; i++) {
		r = prov_boot_read(t, uboot_files[i], &old, &len, why, wl);
		if (r < 0 && r != -ENOENT)
			return r;
		if (r == 0)
			uboot[i] = old;
		old = NULL;
	}
	has_cmdline = prov_boot_read(t, "cmdline.txt", &old, &len, why, wl) == 0;
	free(old);
	old = NULL;
	pi = has_cmdline || (!uboot[0] && !uboot[1]);

	/* cmdline.txt: the line checked by the caller */
	snprintf(line, sizeof(line), "%s\n", in->cmdline);
	if (pi && (r = sync_boot(t, "cmdline.txt", line, strlen(line), changed, why, wl)) < 0)
		goto out;

	/* the initramfs for each kernel of the image */
	snprintf(dir, sizeof(dir), "%s/initrd", t->scratch);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(why, wl, "cannot make %s: %s", dir, strerror(errno));
		return -errno;
	}
	if ((r = prov_initrd_build(t, &in->initrd, dir, &ird, why, wl)) < 0)
		goto out;
	for (int i = 0; i < ird.n; i++) {
		char p[PATH_LEN + 80];

		printf("  the netroot initramfs for kernel %s (config.txt [%s]):\n", ird.kver[i], ird.pi5[i] ? "pi5" : "all");
		snprintf(p, sizeof(p), "%s/%s", dir, ird.file[i]);
		r = prov_read_whole(p, &old, &len, why, wl);
		if (r == 0)
			r = sync_boot(t, ird.file[i], old, len, changed, why, wl);
		free(old);
		old = NULL;
		if (r < 0)
			goto out;
		if (ird.pi5[i])
			pi5 = ird.file[i];
		else
			all = ird.file[i];
	}

	/* extlinux.conf / pxelinux.cfg: APPEND is the line, INITRD the
	 * initramfs of the (one) generic arm64 kernel */
	for (int i = 0; i < 2; i++) {
		if (!uboot[i])
			continue;
		neu = prov_extlinux_edit(uboot[i], in->cmdline, all);
		r = neu ? sync_boot(t, uboot_files[i], neu, strlen(neu), changed, why, wl) : -ENOMEM;
		free(neu);
		if (r < 0)
			goto out;
	}

	/* config.txt: load them */
	if (pi) {
		r = prov_boot_read(t, "config.txt", &old, &len, why, wl);
		if (r < 0 && r != -ENOENT)
			goto out;
		neu = prov_config_edit(old ? old : "", all, pi5);
		free(old);
		if (!neu) {
			r = -ENOMEM;
			goto out;
		}
		r = sync_boot(t, "config.txt", neu, strlen(neu), changed, why, wl);
		free(neu);
		if (r < 0)
			goto out;
	}
	free(uboot[0]);
	free(uboot[1]);

	/* the root: fstab, names, network tools */
	r = prov_root_read(t, "/etc/fstab", &old, &len, &(struct prov_meta){ 0 }, why, wl);
	if (r == -ENOENT) {
		neu = prov_fstab_edit("", in->boot_src);
		r = neu ? sync_root(t, "/etc/fstab", neu, &def, changed, why, wl) : -ENOMEM;
		free(neu);
	} else if (r == 0) {
		free(old);
		r = edit_root(t, "/etc/fstab", fstab_fn, in->boot_src, changed, why, wl);
	}
	if (r < 0)
		return r;
	snprintf(line, sizeof(line), "%s\n", in->hostname);
	if ((r = sync_root(t, "/etc/hostname", line, &def, changed, why, wl)) < 0)
		return r;
	if ((r = edit_root(t, "/etc/hosts", prov_hosts_edit, in->hostname, changed, why, wl)) < 0)
		return r;
	return network_tools(t, changed, why, wl);
out:
	free(uboot[0]);
	free(uboot[1]);
	return r;
}
