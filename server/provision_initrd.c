/* The netroot initramfs for the image's own kernels: their versions are
 * read from the root's /lib/modules, the modules needed (and what they
 * depend on, from the image's modules.dep) are copied out of the image into
 * a scratch tree — never the server's /lib/modules — and
 * hooks/netroot-mkinitramfs builds one image per kernel.
 *
 * Raspberry Pi OS carries two arm64 kernels: kernel8.img (Pi 3, 4, 400,
 * CM4: modules "-v8") and kernel_2712.img (Pi 5: "-2712"). Each gets its
 * own file, netroot8.img and netroot_2712.img, and config.txt loads the
 * first in [all] and the second in [pi5] (a later line wins, so the Pi 5
 * takes its own): one partition serves every model, as Pi OS's own
 * auto_initramfs does with initramfs8 / initramfs_2712. 32-bit kernels
 * (-v7, -v7l, -v6) are left alone: netroot-init is an arm64 program. */
#include "provision.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "text.h"

#define MAX_MODS   128                  /* modules in one initramfs, dependencies included */
#define ELF_AARCH64 183

/* Modules loaded when the kernel has them as modules; built in, or absent
 * (another board's driver), they are skipped. */
static const char *const nic_modules[] = { "genet", "bcmgenet", "lan78xx", "smsc95xx", "macb" };

static char def_init[PATH_LEN], def_mk[PATH_LEN], def_fsck[PATH_LEN];

static bool is_file(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* The ELF machine of path: 0 when it is not ELF (a script), -errno. */
static int elf_machine(const char *path)
{
	unsigned char h[20];
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = pread(fd, h, sizeof(h), 0) == (ssize_t)sizeof(h) ? 0 : -EIO;
	close(fd);
	if (r < 0 || memcmp(h, "\177ELF", 4))
		return 0;
	return h[18] | h[19] << 8;
}

static void first_of(char *dst, size_t n, const char *const *cands, int nc, bool arm64)
{
	dst[0] = '\0';
	for (int i = 0; i < nc; i++)
		if (cands[i][0] && is_file(cands[i]) && (!arm64 || elf_machine(cands[i]) == ELF_AARCH64)) {
			text_copy(dst, n, cands[i]);
			return;
		}
}

void prov_initrd_defaults(struct prov_initrd_opts *o)
{
	char exe[PATH_LEN] = "", a[PATH_LEN + 32], b[PATH_LEN + 32], c[PATH_LEN + 40];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	exe[n > 0 ? n : 0] = '\0';
	slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';          /* build/x86_64 in a tree, /usr/sbin installed */
	{
		const char *c1[] = { (snprintf(a, sizeof(a), "%s/../aarch64/netroot-init", exe), a),
				     "/usr/lib/netroot/aarch64/netroot-init", "/usr/sbin/netroot-init" };
		const char *c2[] = { (snprintf(b, sizeof(b), "%s/../../hooks/netroot-mkinitramfs", exe), b),
				     "/usr/sbin/netroot-mkinitramfs", "/usr/lib/netroot/netroot-mkinitramfs" };
		const char *c3[] = { "/usr/lib/netroot/aarch64/e2fsck.static",
				     (snprintf(c, sizeof(c), "%s/../../.cache/arm64/sbin/e2fsck.static", exe), c),
				     "/sbin/e2fsck.static" };

		first_of(def_init, sizeof(def_init), c1, 3, true);
		first_of(def_mk, sizeof(def_mk), c2, 3, false);
		first_of(def_fsck, sizeof(def_fsck), c3, 3, true);
	}
	o->init = def_init[0] ? def_init : NULL;
	o->mkinitramfs = def_mk[0] ? def_mk : NULL;
	o->e2fsck = def_fsck[0] ? def_fsck : NULL;
}

/* ---- which kernels ---------------------------------------------------------- */

static bool ends(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && !strcmp(s + a - b, suf);
}

enum slot { SLOT_SKIP = -1, SLOT_ALL = 0, SLOT_PI5 = 1 };

static enum slot kver_slot(const char *k)
{
	if (strstr(k, "2712"))
		return SLOT_PI5;
	if (ends(k, "-v7") || ends(k, "-v7+") || ends(k, "-v7l") || ends(k, "-v7l+") || ends(k, "-v6") ||
	    strstr(k, "rpi-v7") || strstr(k, "rpi-v6") || (ends(k, "+") && !ends(k, "v8+")))
		return SLOT_SKIP;       /* 32-bit Pi kernels */
	return SLOT_ALL;
}

/* ---- modules.dep ------------------------------------------------------------- */

/* The module name of a path ("kernel/fs/ext4/ext4.ko.xz" -> "ext4"), '-'
 * as '_', into out. */
static void mod_name(const char *path, size_t n, char *out, size_t on)
{
	const char *b = path;
	size_t k;

	for (size_t i = 0; i < n; i++)
		if (path[i] == '/')
			b = path + i + 1;
	k = (size_t)(path + n - b);
	for (const char *e = b; e + 3 <= path + n; e++)
		if (!memcmp(e, ".ko", 3)) {
			k = (size_t)(e - b);
			break;
		}
	if (k >= on)
		k = on - 1;
	for (size_t i = 0; i < k; i++)
		out[i] = b[i] == '-' ? '_' : b[i];
	out[k] = '\0';
}

/* [in, in + n) as a module name ('-' as '_') into out. */
static void norm_n(const char *in, size_t n, char *out, size_t on)
{
	size_t i = 0;

	for (; i < n && i + 1 < on; i++)
		out[i] = in[i] == '-' ? '_' : in[i];
	out[i] = '\0';
}

static void norm(const char *in, char *out, size_t on)
{
	size_t i = 0;

	for (; in[i] && i + 1 < on; i++)
		out[i] = in[i] == '-' ? '_' : in[i];
	out[i] = '\0';
}

/* The modules.dep line of module name: its start, or NULL. */
static const char *dep_line(const char *dep, const char *name)
{
	const char *p = dep;

	while (*p) {
		size_t n = strcspn(p, "\n"), c = strcspn(p, ":\n");
		char m[96];

		if (c < n) {
			mod_name(p, c, m, sizeof(m));
			if (!strcmp(m, name))
				return p;
		}
		p += n + (p[n] == '\n');
	}
	return NULL;
}

/* A name listed in modules.builtin ("kernel/fs/ext4/ext4.ko" lines). */
static bool builtin(const char *list, const char *name)
{
	const char *p = list ? list : "";

	while (*p) {
		size_t n = strcspn(p, "\n");
		char m[96];

		mod_name(p, n, m, sizeof(m));
		if (n && !strcmp(m, name))
			return true;
		p += n + (p[n] == '\n');
	}
	return false;
}

/* A name or path out of the image, safe to put in a debugfs request and
 * under the scratch tree: the board may have written it (a re-run reads
 * its own disk), so no quote, blank, newline or "..". */
static bool safe_path(const char *p, size_t n, bool slash)
{
	if (n == 0 || p[0] == '/' || p[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-' || c == '+' || c == ',' || (slash && c == '/')))
			return false;
		if (c == '.' && i + 1 < n && p[i + 1] == '.')
			return false;
	}
	return true;
}

struct modset {
	char *path[MAX_MODS];           /* relative to /lib/modules/<kver> */
	int n;
};

static int add_path(struct modset *s, const char *p, size_t n)
{
	if (!safe_path(p, n, true))
		return -EINVAL;
	for (int i = 0; i < s->n; i++)
		if (strlen(s->path[i]) == n && !memcmp(s->path[i], p, n))
			return 0;
	if (s->n == MAX_MODS)
		return -E2BIG;
	s->path[s->n] = strndup(p, n);
	return s->path[s->n] ? (s->n++, 0) : -ENOMEM;
}

/* The module's file and its dependencies' files (modules.dep lists the
 * whole closure on the module's own line). 1 added, 0 not a module. */
static int add_module(struct modset *s, const char *dep, const char *name)
{
	const char *l = dep_line(dep, name), *p;
	size_t n, c;
	int r;

	if (!l)
		return 0;
	n = strcspn(l, "\n");
	c = strcspn(l, ":");
	if ((r = add_path(s, l, c)) < 0)
		return r;
	for (p = l + c + 1; p < l + n;) {
		size_t k;

		while (p < l + n && (*p == ' ' || *p == '\t'))
			p++;
		k = strcspn(p, " \t\n");
		if (k && (r = add_path(s, p, k)) < 0)
			return r;
		p += k;
	}
	return 1;
}

/* The modules a module's softdeps name (modules.softdep: "softdep ext4
 * pre: crypto-crc32c"; a name may be an alias, resolved with
 * modules.alias: "alias crypto-crc32c crc32c_generic"): ext4 mounts
 * nothing without crc32c, which no modules.dep line names. Added with
 * their closures; a name not found is left (softdeps are optional). */
static int add_softdeps(struct modset *s, const char *dep, const char *soft, const char *alias, const char *name)
{
	const char *p = soft ? soft : "";

	while (*p) {
		size_t n = strcspn(p, "\n"), k;
		const char *l = p, *w, *e = p + n;
		char m[96];

		p += n + (p[n] == '\n');
		/* "softdep NAME pre: a b post: c" */
		if (n < 9 || memcmp(l, "softdep ", 8))
			continue;
		w = l + 8;
		k = strcspn(w, " \t\n");
		norm_n(w, k, m, sizeof(m));
		if (strcmp(m, name))
			continue;
		for (w += k; w < e;) {
			char d[96];
			int r;

			while (w < e && (*w == ' ' || *w == '\t'))
				w++;
			k = strcspn(w, " \t\n");
			if (!k || w[k - 1] == ':') {    /* pre: post: */
				w += k;
				continue;
			}
			norm_n(w, k, d, sizeof(d));
			w += k;
			r = add_module(s, dep, d);
			if (r < 0)
				return r;
			for (const char *a = alias ? alias : ""; r == 0 && *a;) {
				size_t an = strcspn(a, "\n"), x;
				const char *al = a;

				a += an + (a[an] == '\n');
				/* "alias NAME MODULE" */
				if (an < 7 || memcmp(al, "alias ", 6))
					continue;
				x = strcspn(al + 6, " \t\n");
				{
					char an_[96], mod[96];
					const char *mw = al + 6 + x;
					size_t mk;

					norm_n(al + 6, x, an_, sizeof(an_));
					if (strcmp(an_, d))
						continue;
					while (*mw == ' ' || *mw == '\t')
						mw++;
					mk = strcspn(mw, " \t\n");
					norm_n(mw, mk, mod, sizeof(mod));
					if (add_module(s, dep, mod) < 0)
						return -EINVAL;
				}
			}
		}
	}
	return 0;
}

static int mkdirs(char *path)
{
	for (char *p = path + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(path, 0755) < 0 && errno != EEXIST) {
				*p = '/';
				return -errno;
			}
			*p = '/';
		}
	return 0;
}

/* The cache key of one build: the builder's words but the scratch paths
 * (kernel dir, output), and the bytes of the builder, netroot-init, e2fsck
 * and every file it will read under work/lib/modules/<kver>/ (base). */
static int cache_key(const struct prov_initrd_opts *o, const char *work, const char *base, const struct modset *s,
		     const char *const *argv, int argc, char hex[65])
{
	static const char *const extra[] = { "modules.order", "modules.builtin", "modules.builtin.modinfo" };
	const char *words[MAX_MODS + 40], *files[MAX_MODS + 8];
	char *paths[MAX_MODS + 8];
	int nw = 0, nf = 0, np = 0, r = 0;

	words[nw++] = getenv("SOURCE_DATE_EPOCH");     /* the builder's mtimes */
	for (int i = 1; i < argc && nw < 36; i++)
		if (strcmp(argv[i], work) && (i + 1 >= argc || strcmp(argv[i - 1], "-o")))
			words[nw++] = argv[i][0] == '/' ? "" : argv[i];     /* paths: their bytes below */
	files[nf++] = o->mkinitramfs;
	files[nf++] = o->init;
	if (o->e2fsck && !o->nfs)
		files[nf++] = o->e2fsck;
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		char *p;
		struct stat st;

		if (asprintf(&p, "%s%s", base, extra[i]) < 0)
			goto nomem;
		paths[np++] = p;
		if (stat(p, &st) == 0)
			files[nf++] = p;
	}
	for (int i = 0; i < s->n; i++) {
		char *p;

		if (asprintf(&p, "%s%s", base, s->path[i]) < 0)
			goto nomem;
		paths[np++] = p;
		words[nw++] = s->path[i];       /* the names too (their places in the tree) */
		files[nf++] = p;
	}
	r = prov_cache_key(words, nw, files, nf, hex);
	goto done;
nomem:
	r = -ENOMEM;
done:
	for (int i = 0; i < np; i++)
		free(paths[i]);
	return r;
}

/* One initramfs for kernel kver into out_path. */
static int build_one(const struct prov_target *t, const struct prov_initrd_opts *o, const char *moddir,
		     const char *kver, const char *work, const char *out_path, char *why, size_t wl)
{
	static const char *const extra_files[] = { "modules.order", "modules.builtin", "modules.builtin.modinfo" };
	char src[PATH_LEN + 160], base[PATH_LEN + 160], *dep = NULL, *bi = NULL, *list = NULL, mods[2048] = "";
	char *soft = NULL, *alias = NULL, key[65];
	bool key_ok = false;
	char names[64][96], fsck[PATH_LEN + 16], err[2048];
	const char *want[64];
	bool required[64];
	struct modset s = { .n = 0 };
	size_t len, ml = 0;
	int nw = 0, r;

	snprintf(base, sizeof(base), "%s/lib/modules/%s/", work, kver);
	if ((r = mkdirs(base)) < 0) {
		snprintf(why, wl, "cannot make %s: %s", base, strerror(-r));
		return r;
	}
	snprintf(src, sizeof(src), "%s/%s", moddir, kver);
	if ((r = prov_root_list(t, src, &list, why, wl)) < 0)
		return r;
	for (size_t i = 0; i < sizeof(extra_files) / sizeof(extra_files[0]); i++) {
		char from[PATH_LEN + 200], to[PATH_LEN + 200];
		const char *f = from, *d = to;

		if (!strstr(list, extra_files[i]))
			continue;
		snprintf(from, sizeof(from), "%s/%s", src, extra_files[i]);
		snprintf(to, sizeof(to), "%s%s", base, extra_files[i]);
		if ((r = prov_root_dump_files(t, &f, &d, 1, why, wl)) < 0)
			goto out;
	}
	{
		char p[PATH_LEN + 200];
		struct prov_meta m;

		snprintf(p, sizeof(p), "%s/modules.dep", src);
		r = prov_root_read(t, p, &dep, &len, &m, why, wl);
		if (r < 0) {
			snprintf(why, wl, "the image has no %s (run depmod %s in it once): netroot cannot tell which "
				 "files a module needs", p, kver);
			goto out;
		}
		snprintf(p, sizeof(p), "%s/modules.builtin", src);
		if (prov_root_read(t, p, &bi, &len, &m, why, wl) < 0)
			bi = NULL;
		snprintf(p, sizeof(p), "%s/modules.softdep", src);
		if (prov_root_read(t, p, &soft, &len, &m, why, wl) < 0)
			soft = NULL;
		snprintf(p, sizeof(p), "%s/modules.alias", src);
		if (soft && prov_root_read(t, p, &alias, &len, &m, why, wl) < 0)
			alias = NULL;
	}

	/* the modules this root needs, then the boards' network drivers */
	if (o->nfs) {
		want[nw] = "nfs", required[nw++] = true;
		want[nw] = "nfsv3", required[nw++] = false;
		want[nw] = "nfsv4", required[nw++] = false;
	} else {
		want[nw] = "nbd", required[nw++] = true;
		want[nw] = "ext4", required[nw++] = true;
	}
	for (size_t i = 0; i < sizeof(nic_modules) / sizeof(nic_modules[0]); i++)
		want[nw] = nic_modules[i], required[nw++] = false;
	{
		char *copy = strdup(o->modules ? o->modules : ""), *save = NULL, *w;

		if (!copy) {
			r = -ENOMEM;
			goto out;
		}
		for (w = strtok_r(copy, " \t,", &save); w && nw < 64; w = strtok_r(NULL, " \t,", &save)) {
			norm(w, names[nw], sizeof(names[nw]));
			want[nw] = names[nw];
			required[nw++] = true;
		}
		free(copy);
	}
	for (int i = 0; i < nw; i++) {
		char m[96];

		norm(want[i], m, sizeof(m));
		r = add_module(&s, dep, m);
		if (r > 0 && add_softdeps(&s, dep, soft, alias, m) < 0)
			r = -EINVAL;
		if (r < 0) {
			if (r == -EINVAL)
				snprintf(why, wl, "%s/modules.dep names a file netroot will not copy (a quote, a blank or "
					 "..): run depmod in the image again", src);
			else
				snprintf(why, wl, "more than %d module files for one initramfs", MAX_MODS);
			goto out;
		}
		if (r == 0) {
			if (required[i] && !builtin(bi, m)) {
				snprintf(why, wl, "the image's kernel %s has no module %s (neither a .ko in %s nor built in): "
					 "netroot-init needs it for this root", kver, want[i], src);
				r = -ENOENT;
				goto out;
			}
			continue;
		}
		ml += (size_t)snprintf(mods + ml, sizeof(mods) - ml, "%s%s", ml ? " " : "", m);
	}

	/* the files, out of the image in one debugfs run */
	{
		const char *from[MAX_MODS], *to[MAX_MODS];
		char *fb[MAX_MODS] = { 0 }, *tb[MAX_MODS] = { 0 };

		r = 0;
		for (int i = 0; i < s.n && r == 0; i++) {
			if (asprintf(&fb[i], "%s/%s", src, s.path[i]) < 0 || asprintf(&tb[i], "%s%s", base, s.path[i]) < 0) {
				r = -ENOMEM;
				break;
			}
			from[i] = fb[i];
			to[i] = tb[i];
			if ((r = mkdirs(tb[i])) < 0)
				snprintf(why, wl, "cannot make the directories of %s: %s", tb[i], strerror(-r));
		}
		if (r == 0 && s.n)
			r = prov_root_dump_files(t, from, to, s.n, why, wl);
		for (int i = 0; i < s.n; i++) {
			free(fb[i]);
			free(tb[i]);
		}
		if (r < 0)
			goto out;
	}

	/* hooks/netroot-mkinitramfs */
	{
		const char *argv[24];
		char kdir[PATH_LEN + 8];
		int n = 0, st;

		snprintf(kdir, sizeof(kdir), "%s", work);
		argv[n++] = o->mkinitramfs;
		argv[n++] = "--arch";
		argv[n++] = "aarch64";
		argv[n++] = "--init";
		argv[n++] = o->init;
		argv[n++] = "--kernel-dir";
		argv[n++] = kdir;
		argv[n++] = "--kver";
		argv[n++] = kver;
		if (mods[0]) {
			argv[n++] = "--modules";
			argv[n++] = mods;
		}
		if (!o->nfs) {
			argv[n++] = "--module-options";
			argv[n++] = "nbd max_part=8";    /* or no /dev/nbd0pN */
			if (o->e2fsck) {
				snprintf(fsck, sizeof(fsck), "%s:/sbin/e2fsck", o->e2fsck);
				argv[n++] = "--file";
				argv[n++] = fsck;
			}
		}
		argv[n++] = "--compress";
		argv[n++] = "gzip";
		argv[n++] = "-o";
		argv[n++] = out_path;
		argv[n] = NULL;
		/* the same inputs were built before: that image (deterministic) */
		key_ok = o->cache_dir && cache_key(o, work, base, &s, argv, n, key) == 0;
		if (key_ok && prov_cache_get(o->cache_dir, key, out_path) == 0) {
			printf("  (the same as an earlier board's: from %s)\n", o->cache_dir);
			r = 0;
			goto out;
		}
		st = prov_run(argv, NULL, NULL, 0, err, sizeof(err));
		if (st != 0) {
			char e[400];
			const char *last = err;

			for (char *p = err; *p; p++)        /* its last line says why */
				if (p[0] == '\n' && p[1])
					last = p + 1;
			snprintf(why, wl, "%s failed for kernel %s: %s", o->mkinitramfs, kver,
				 st < 0 ? strerror(-st) : text_escape(e, sizeof(e), last, strcspn(last, "\n")));
			r = st < 0 ? st : -EIO;
			goto out;
		}
		if (key_ok)
			prov_cache_put(o->cache_dir, key, out_path);
	}
	r = 0;
out:
	for (int i = 0; i < s.n; i++)
		free(s.path[i]);
	free(dep);
	free(bi);
	free(list);
	free(soft);
	free(alias);
	return r;
}

int prov_initrd_build(const struct prov_target *t, const struct prov_initrd_opts *o, const char *dir,
		      struct prov_initrd *out, char *why, size_t wl)
{
	static const char *const moddirs[] = { "/lib/modules", "/usr/lib/modules" };
	const char *moddir = NULL, *slotfile[2] = { "netroot8.img", "netroot_2712.img" };
	char *list = NULL, seen[512] = "", best[2][128] = { "", "" };
	int r, m;

	memset(out, 0, sizeof(*out));
	if (!o->init || !o->mkinitramfs) {
		snprintf(why, wl, "no %s found: build it (make ARCH=aarch64) or install the netroot-initramfs "
			 "package, or name it with %s", !o->init ? "arm64 netroot-init" : "netroot-mkinitramfs",
			 !o->init ? "--init PATH" : "--mkinitramfs PATH");
		return -ENOENT;
	}
	if ((m = elf_machine(o->init)) != ELF_AARCH64) {
		snprintf(why, wl, "%s is not an arm64 program (ELF machine %d): the boards run it as /init; build "
			 "it with make ARCH=aarch64 or give --init", o->init, m);
		return -EINVAL;
	}
	if (o->e2fsck && (m = elf_machine(o->e2fsck)) != ELF_AARCH64) {
		snprintf(why, wl, "%s is not an arm64 program (ELF machine %d): give an arm64 static e2fsck "
			 "with --e2fsck", o->e2fsck, m);
		return -EINVAL;
	}
	for (size_t i = 0; i < 2 && !moddir; i++) {
		r = prov_root_list(t, moddirs[i], &list, why, wl);
		if (r == 0)
			moddir = moddirs[i];
	}
	if (!moddir) {
		snprintf(why, wl, "the image's root has no /lib/modules: which kernel does it boot?");
		return -ENOENT;
	}
	for (char *save = NULL, *k = strtok_r(list, "\n", &save); k; k = strtok_r(NULL, "\n", &save)) {
		enum slot sl = kver_slot(k);

		if (!safe_path(k, strlen(k), false))
			continue;       /* not a name a kernel has */

		if (strlen(seen) + strlen(k) + 3 < sizeof(seen))
			snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), "%s%s", seen[0] ? ", " : "", k);
		if (o->kver && strcmp(o->kver, k))
			continue;
		if (sl == SLOT_SKIP && !o->kver)
			continue;
		if (sl == SLOT_SKIP)
			sl = SLOT_ALL;
		if (strlen(k) < sizeof(best[0]) && (!best[sl][0] || strverscmp(k, best[sl]) > 0))
			snprintf(best[sl], sizeof(best[sl]), "%s", k);
	}
	free(list);
	if (!best[0][0] && !best[1][0]) {
		if (o->kver)
			snprintf(why, wl, "no kernel %s in the image's %s (it has: %s)", o->kver, moddir, seen[0] ? seen : "none");
		else
			snprintf(why, wl, "no arm64 kernel in the image's %s (it has: %s): netroot-init is an arm64 "
				 "program", moddir, seen[0] ? seen : "nothing");
		return -ENOENT;
	}
	for (int sl = 0; sl < 2; sl++) {
		char work[PATH_LEN + 16], outp[PATH_LEN + 80];

		if (!best[sl][0])
			continue;
		snprintf(work, sizeof(work), "%s/k%d", dir, sl);
		snprintf(outp, sizeof(outp), "%s/%s", dir, slotfile[sl]);
		if (mkdir(work, 0700) < 0 && errno != EEXIST) {
			snprintf(why, wl, "cannot make %s: %s", work, strerror(errno));
			return -errno;
		}
		r = build_one(t, o, moddir, best[sl], work, outp, why, wl);
		if (r < 0)
			return r;
		text_copy(out->kver[out->n], sizeof(out->kver[0]), best[sl]);
		text_copy(out->file[out->n], sizeof(out->file[0]), slotfile[sl]);
		out->pi5[out->n++] = sl == SLOT_PI5;
	}
	return 0;
}
