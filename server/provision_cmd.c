/* `netrootd client list|show|remove` and `netrootd image add|list|remove`,
 * and what every subcommand shares: the configuration, the state
 * directories, a scratch directory, the daemon's reload. */
#include "provision.h"
#include "provision_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "text.h"

#define DEFAULT_CONF "/etc/netroot/netrootd.conf"

static int usage(void)
{
	fprintf(stderr,
		"usage: netrootd [-c CONF] client add NAME (--mac MAC | --serial SERIAL)... --root iscsi|nfs --image IMAGE\n"
		"                [--address A] [--server IP] [--hostname H] [--initiator IQN] [--force] ...\n"
		"       netrootd [-c CONF] client list | show NAME [--secrets] | remove NAME [--delete-disk]\n"
		"       netrootd [-c CONF] image add NAME FILE[.xz] [--force] | list | remove NAME\n"
		"(docs/netrootd.md, Provisioning; `netrootd client add` alone lists its options)\n");
	return 2;
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= NRD_NAME_LEN || s[0] == '.')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '-' ||
		      *s == '_' || *s == '.'))
			return false;
	return true;
}

/* ---- shared ---------------------------------------------------------------- */

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	remove(p);
	return 0;
}

void prov_rmtree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) == 0)
		nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS);
}

int prov_write_private(const char *path, const char *text, char *why, size_t wl)
{
	char tmp[PATH_LEN + 96];
	int fd, r;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		snprintf(why, wl, "cannot create %s: %s", tmp, strerror(errno));
		return r;
	}
	r = write_full(fd, text, strlen(text));
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	close(fd);
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		snprintf(why, wl, "cannot write %s: %s", path, strerror(-r));
	}
	return r;
}

void prov_tell_daemon(const struct prov_ctx *x)
{
	char p[PATH_LEN + 32], buf[64], comm[64] = "";
	long pid;

	snprintf(p, sizeof(p), "%s/netrootd.pid", x->conf.state_dir);
	if (read_small(p, buf, sizeof(buf)) <= 0 || (pid = strtol(buf, NULL, 10)) <= 1) {
		printf("netrootd is not running (no %s): it reads the client files when it starts\n", p);
		return;
	}
	snprintf(p, sizeof(p), "/proc/%ld/comm", pid);
	if (read_small(p, comm, sizeof(comm)) <= 0 || strncmp(comm, "netrootd", 8)) {
		printf("netrootd is not running (pid %ld from its pid file is gone): it reads the client files when it "
		       "starts\n", pid);
		return;
	}
	if (kill((pid_t)pid, SIGHUP) < 0)
		printf("netrootd (pid %ld) could not be told to reload: %s; run `systemctl reload netrootd`\n", pid,
		       strerror(errno));
	else
		printf("told netrootd (pid %ld) to reload its client files (SIGHUP)\n", pid);
}

/* Each clients.d file: fn(name, text, parsed or NULL when it does not parse). */
static int each_client(const struct prov_ctx *x, void (*fn)(void *, const char *, const char *, const struct nrd_client *),
		       void *arg)
{
	struct dirent **ents;
	int n = scandir(x->conf.clients_dir, &ents, NULL, alphasort);

	if (n < 0)
		return errno == ENOENT ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		size_t l = strlen(ents[i]->d_name);
		char name[NRD_NAME_LEN], p[PATH_LEN + 80], *text = NULL, why[256];
		struct nrd_client *cl;
		struct conf_error err;

		if (l <= 5 || l - 5 >= sizeof(name) || strcmp(ents[i]->d_name + l - 5, ".conf") || ents[i]->d_name[0] == '.') {
			free(ents[i]);
			continue;
		}
		memcpy(name, ents[i]->d_name, l - 5);
		name[l - 5] = '\0';
		l = (size_t)snprintf(p, sizeof(p), "%s/%s", x->conf.clients_dir, ents[i]->d_name);
		free(ents[i]);
		if (l >= sizeof(p) || prov_read_whole(p, &text, &(size_t){ 0 }, why, sizeof(why)) < 0)
			continue;
		cl = malloc(sizeof(*cl));
		if (cl && nrd_client_parse(cl, name, p, text, strlen(text), &err) < 0) {
			fprintf(stderr, "netrootd: warning: %s:%d: %s\n", err.file, err.line, err.msg);
			free(cl);
			cl = NULL;
		}
		fn(arg, name, text, cl);
		free(cl);
		free(text);
	}
	free(ents);
	return 0;
}

struct collect {
	struct nrd_client *v;
	int n;
	const char *skip;
};

static void collect_one(void *arg, const char *name, const char *text, const struct nrd_client *cl)
{
	struct collect *c = arg;
	struct nrd_client *g;

	(void)text;
	if (!cl || (c->skip && !strcmp(name, c->skip)))
		return;
	g = realloc(c->v, (size_t)(c->n + 1) * sizeof(*g));
	if (!g)
		return;
	c->v = g;
	c->v[c->n++] = *cl;
}

int prov_load_clients(struct prov_ctx *x, struct nrd_client **out, int *n, const char *skip)
{
	struct collect c = { NULL, 0, skip };
	int r = each_client(x, collect_one, &c);

	*out = c.v;
	*n = c.n;
	if (r < 0)
		fprintf(stderr, "netrootd: cannot read %s: %s\n", x->conf.clients_dir, strerror(-r));
	return r;
}

void prov_marker(const char *text, const char *mark, char *out, size_t n)
{
	const char *p = strstr(text, mark);

	out[0] = '\0';
	if (p) {
		p += strlen(mark);
		snprintf(out, n, "%.*s", (int)strcspn(p, "\n"), p);
	}
}

/* ---- client list | show | remove ------------------------------------------- */

static void list_one(void *arg, const char *name, const char *text, const struct nrd_client *cl)
{
	const struct prov_ctx *x = arg;
	char id[48] = "", img[PATH_LEN], root[16], addr[IN4_STRLEN] = "-";
	size_t il = strlen(x->images);

	if (!cl) {
		printf("%-16s (does not parse: see the warning)\n", name);
		return;
	}
	if (cl->has_mac)
		snprintf(id, sizeof(id), "%02x:%02x:%02x:%02x:%02x:%02x", cl->mac[0], cl->mac[1], cl->mac[2], cl->mac[3],
			 cl->mac[4], cl->mac[5]);
	if (cl->has_serial)
		snprintf(id + strlen(id), sizeof(id) - strlen(id), "%s%08x", id[0] ? " " : "", cl->serial);
	prov_marker(text, PROV_MARK_ROOT, root, sizeof(root));
	if (!root[0])
		snprintf(root, sizeof(root), "%s", cl->iscsi_image[0] ? "iscsi" : cl->p.root_path[0] ? "nfs" : "-");
	prov_marker(text, PROV_MARK_IMAGE, img, sizeof(img));
	if (!img[0])
		snprintf(img, sizeof(img), "%s", cl->iscsi_image[0] ? cl->iscsi_image : "-");
	else if (!strncmp(img, x->images, il) && img[il] == '/' && strlen(img) > il + 5)
		img[strlen(img) - 4] = '\0', memmove(img, img + il + 1, strlen(img + il + 1) + 1);
	if (cl->address)
		in4_str(cl->address, addr);
	printf("%-16s %-36s %-6s %-24s %s\n", name, id, root, img, addr);
}

static int client_list(struct prov_ctx *x)
{
	printf("%-16s %-36s %-6s %-24s %s\n", "NAME", "MAC / SERIAL", "ROOT", "IMAGE", "ADDRESS");
	return each_client(x, list_one, x) < 0 ? 1 : 0;
}

static int read_client(const struct prov_ctx *x, const char *name, char **text, struct nrd_client *cl)
{
	char p[PATH_LEN + 80], why[256];
	struct conf_error err;

	if (!name_ok(name)) {
		fprintf(stderr, "netrootd: %s is not a client name (letters, digits, '-', '_', '.')\n", name);
		return -EINVAL;
	}
	snprintf(p, sizeof(p), "%s/%s.conf", x->conf.clients_dir, name);
	if (prov_read_whole(p, text, &(size_t){ 0 }, why, sizeof(why)) < 0) {
		fprintf(stderr, "netrootd: no client %s (%s)\n", name, why);
		return -ENOENT;
	}
	if (nrd_client_parse(cl, name, p, *text, strlen(*text), &err) < 0) {
		fprintf(stderr, "netrootd: warning: %s:%d: %s\n", err.file, err.line, err.msg);
		memset(cl, 0, sizeof(*cl));
	}
	return 0;
}

/* "NAME [FLAG]" in any order: 0, or -1 (anything else: the usage). */
static int name_and_flag(int argc, char **argv, const char *flag, const char **name, bool *set)
{
	*name = NULL;
	*set = false;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], flag))
			*set = true;
		else if (!*name && argv[i][0] != '-')
			*name = argv[i];
		else
			return -1;
	}
	return *name ? 0 : -1;
}

static int client_show(struct prov_ctx *x, int argc, char **argv)
{
	const char *name;
	bool secrets;
	struct nrd_client cl;
	char *text;

	if (name_and_flag(argc, argv, "--secrets", &name, &secrets) < 0)
		return usage();
	if (read_client(x, name, &text, &cl) < 0)
		return 1;
	printf("%s/%s.conf:\n", x->conf.clients_dir, name);
	for (char *l = text, *e; *l; l = e + (*e == '\n')) {
		char *k = l;

		e = l + strcspn(l, "\n");
		while (k < e && (*k == ' ' || *k == '\t'))
			k++;
		if (!secrets && (!strncmp(k, "iscsi-chap-secret", 17) || !strncmp(k, "iscsi-chap-target-secret", 24)) &&
		    memchr(k, '=', (size_t)(e - k)))
			printf("  %.*s= ******** (--secrets shows it)\n", (int)(strchr(k, '=') - l), l);
		else
			printf("  %.*s\n", (int)(e - l), l);
	}
	if (cl.iscsi_image[0]) {
		uint64_t size, used = prov_allocated(cl.iscsi_image, &size);

		printf("disk %s: %.1f MiB, %.1f MiB allocated%s\n", cl.iscsi_image, size / 1048576.0, used / 1048576.0,
		       size ? "" : " (missing)");
	}
	if (cl.boot_files == BOOT_FILES_DIR)
		printf("boot files: %s\n", cl.boot_dir);
	free(text);
	return 0;
}

static bool beneath(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && path[n] == '/' && !strstr(path + n, "/..");
}

static int client_remove(struct prov_ctx *x, int argc, char **argv)
{
	const char *name;
	bool del;
	struct nrd_client cl;
	char *text, p[PATH_LEN + 80], tree[PATH_LEN + 80];

	if (name_and_flag(argc, argv, "--delete-disk", &name, &del) < 0)
		return usage();
	if (read_client(x, name, &text, &cl) < 0)
		return 1;
	snprintf(p, sizeof(p), "%s/%s.conf", x->conf.clients_dir, name);
	if (unlink(p) < 0) {
		fprintf(stderr, "netrootd: cannot remove %s: %s\n", p, strerror(errno));
		free(text);
		return 1;
	}
	printf("removed %s\n", p);
	snprintf(tree, sizeof(tree), "%s/%s", x->nfs, name);
	if (cl.iscsi_image[0]) {
		if (!del)
			printf("kept its disk %s (--delete-disk removes it)\n", cl.iscsi_image);
		else if (!beneath(cl.iscsi_image, x->clients))
			printf("kept its disk %s: not made by netrootd (outside %s)\n", cl.iscsi_image, x->clients);
		else if (unlink(cl.iscsi_image) < 0)
			fprintf(stderr, "netrootd: cannot remove %s: %s\n", cl.iscsi_image, strerror(errno));
		else
			printf("removed its disk %s\n", cl.iscsi_image);
	} else if (access(tree, F_OK) == 0) {
		if (!del) {
			printf("kept its root %s (--delete-disk removes it; remove its NFS export too)\n", tree);
		} else {
			prov_rmtree(tree);
			printf("removed its root %s (remove its NFS export too)\n", tree);
		}
	}
	free(text);
	prov_tell_daemon(x);
	return 0;
}

/* ---- image add | list | remove --------------------------------------------- */

static int image_add(struct prov_ctx *x, int argc, char **argv)
{
	const char *name = NULL, *file = NULL;
	char dst[PATH_LEN + 96], tmp[PATH_LEN + 96], why[1024], *k = NULL;
	struct prov_geom g;
	bool force = false, reflinked = false, xz;
	uint64_t size, used;
	int r;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--force"))
			force = true;
		else if (!name)
			name = argv[i];
		else if (!file)
			file = argv[i];
		else
			return usage();
	}
	if (!name || !file)
		return usage();
	if (!name_ok(name)) {
		fprintf(stderr, "netrootd: %s is not an image name (letters, digits, '-', '_', '.')\n", name);
		return 1;
	}
	snprintf(dst, sizeof(dst), "%s/%s.img", x->images, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.img.tmp", x->images, name);
	if (!force && access(dst, F_OK) == 0) {
		fprintf(stderr, "netrootd: golden image %s exists (%s): --force replaces it (the boards cloned from it "
			"keep their disks)\n", name, dst);
		return 1;
	}
	xz = strlen(file) > 3 && !strcmp(file + strlen(file) - 3, ".xz");
	if (!xz && prov_image_check(file, &g, why, sizeof(why)) < 0) {
		fprintf(stderr, "netrootd: %s: %s\n", file, why);
		return 1;
	}
	unlink(tmp);
	r = xz ? prov_unxz(file, tmp, why, sizeof(why)) : prov_clone(file, tmp, &reflinked, why, sizeof(why));
	if (r < 0) {
		fprintf(stderr, "netrootd: %s\n", why);
		return 1;
	}
	if (xz && prov_image_check(tmp, &g, why, sizeof(why)) < 0) {
		fprintf(stderr, "netrootd: %s (decompressed): %s\n", file, why);
		unlink(tmp);
		return 1;
	}
	if (rename(tmp, dst) < 0) {
		fprintf(stderr, "netrootd: cannot rename %s to %s: %s\n", tmp, dst, strerror(errno));
		unlink(tmp);
		return 1;
	}
	used = prov_allocated(dst, &size);
	printf("golden image %s: %s (%.1f MiB, %.1f MiB allocated)\n  boot: FAT at %llu, %llu MiB; root: ext4 %s%s%s at %llu, "
	       "%llu MiB\n", name, dst, size / 1048576.0, used / 1048576.0, (unsigned long long)g.boot_off,
	       (unsigned long long)(g.boot_len >> 20), g.uuid, g.label[0] ? " label " : "", g.label,
	       (unsigned long long)g.root_off, (unsigned long long)(g.root_len >> 20));
	{
		struct prov_target t = { .image = dst, .boot_off = g.boot_off, .root_off = g.root_off, .scratch = x->scratch };

		if (prov_root_list(&t, "/lib/modules", &k, why, sizeof(why)) == 0) {
			for (char *p = k; *p; p++)
				if (*p == '\n' && p[1])
					*p = ' ';
			printf("  kernels: %s", k[0] ? k : "none\n");
			free(k);
		}
	}
	return 0;
}

struct users {
	const char *image;
	int n;
	char names[512];
};

static void count_user(void *arg, const char *name, const char *text, const struct nrd_client *cl)
{
	struct users *u = arg;
	char img[PATH_LEN];

	(void)cl;
	prov_marker(text, PROV_MARK_IMAGE, img, sizeof(img));
	if (strcmp(img, u->image))
		return;
	u->n++;
	if (strlen(u->names) + strlen(name) + 2 < sizeof(u->names))
		snprintf(u->names + strlen(u->names), sizeof(u->names) - strlen(u->names), " %s", name);
}

static int image_list(struct prov_ctx *x)
{
	struct dirent **ents;
	int n = scandir(x->images, &ents, NULL, alphasort);

	printf("%-20s %10s %10s  %s\n", "NAME", "SIZE MiB", "USED MiB", "CLIENTS");
	for (int i = 0; i < n; i++) {
		const char *d = ents[i]->d_name;
		size_t l = strlen(d);

		if (l > 4 && d[0] != '.' && !strcmp(d + l - 4, ".img")) {
			char p[PATH_LEN + 300];
			uint64_t size, used;
			struct users u = { p, 0, "" };

			snprintf(p, sizeof(p), "%s/%s", x->images, d);
			used = prov_allocated(p, &size);
			each_client(x, count_user, &u);
			printf("%-20.*s %10.1f %10.1f  %d%s\n", (int)(l - 4), d, size / 1048576.0, used / 1048576.0, u.n,
			       u.names);
		}
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
	return 0;
}

static int image_remove(struct prov_ctx *x, int argc, char **argv)
{
	char p[PATH_LEN + 96];
	struct users u = { p, 0, "" };

	if (argc != 1 || !name_ok(argv[0]))
		return usage();
	snprintf(p, sizeof(p), "%s/%s.img", x->images, argv[0]);
	if (unlink(p) < 0) {
		fprintf(stderr, "netrootd: cannot remove golden image %s (%s): %s\n", argv[0], p, strerror(errno));
		return 1;
	}
	printf("removed %s\n", p);
	each_client(x, count_user, &u);
	if (u.n)
		printf("made from it:%s — their disks are their own copies and stay; re-running their `client add` "
		       "needs the image again\n", u.names);
	return 0;
}

/* ---- the entry ------------------------------------------------------------- */

static int load_conf(struct prov_ctx *x)
{
	struct conf_error err;
	char *text = NULL, why[512];
	size_t len = 0;
	int r;

	if (prov_read_whole(x->conf_path, &text, &len, why, sizeof(why)) < 0) {
		fprintf(stderr, "netrootd: %s (give the configuration with -c FILE)\n", why);
		return -ENOENT;
	}
	nrd_conf_defaults(&x->conf);
	r = nrd_conf_parse(&x->conf, x->conf_path, text, len, &err);
	free(text);
	if (r < 0) {
		fprintf(stderr, "netrootd: %s%s%.0d: %s\n", err.file, err.line ? ":" : "", err.line, err.msg);
		return r;
	}
	return 0;
}

/* p and the directories above it that are missing (those with mode 0755). */
static int mkdir_p(const char *p, mode_t mode)
{
	char d[PATH_LEN];

	snprintf(d, sizeof(d), "%s", p);
	for (char *s = strchr(d + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(d, 0755) < 0 && errno != EEXIST)
			break;          /* said below, by the last mkdir */
		*s = '/';
	}
	if (mkdir(d, mode) == 0 || errno == EEXIST)
		return 0;
	fprintf(stderr, "netrootd: cannot make %s: %s\n", d, strerror(errno));
	return -errno;
}

int provision_main(int argc, char **argv)
{
	static struct prov_ctx x;
	char *args[64];
	int n = 0, rc;
	bool add;

	x.conf_path = DEFAULT_CONF;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-c") && i + 1 < argc)
			x.conf_path = argv[++i];
		else if (n < 63)
			args[n++] = argv[i];
	}
	args[n] = NULL;
	if (n < 2)
		return usage();
	if (load_conf(&x) < 0)
		return 1;
	snprintf(x.images, sizeof(x.images), "%s/images", x.conf.state_dir);
	snprintf(x.clients, sizeof(x.clients), "%s/clients", x.conf.state_dir);
	snprintf(x.nfs, sizeof(x.nfs), "%s/nfs", x.conf.state_dir);
	x.uid = (uid_t)-1;
	x.gid = (gid_t)-1;
	if (x.conf.user[0]) {
		struct passwd *pw = getpwnam(x.conf.user);

		if (pw)
			x.uid = pw->pw_uid, x.gid = pw->pw_gid;
	}
	add = !strcmp(args[1], "add");
	if (add && (mkdir_p(x.conf.state_dir, 0755) < 0 || mkdir_p(x.images, 0755) < 0 || mkdir_p(x.clients, 0750) < 0 ||
		    mkdir_p(x.nfs, 0755) < 0 || mkdir_p(x.conf.clients_dir, 0755) < 0))
		return 1;
	if (add) {
		snprintf(x.scratch, sizeof(x.scratch), "%s/.provision-XXXXXX", x.conf.state_dir);
		if (!mkdtemp(x.scratch)) {
			fprintf(stderr, "netrootd: cannot make a scratch directory in %s: %s\n", x.conf.state_dir,
				strerror(errno));
			return 1;
		}
	}
	if (x.uid != (uid_t)-1 && chown(x.clients, x.uid, x.gid) < 0 && add)
		fprintf(stderr, "netrootd: warning: %s stays root's: %s\n", x.clients, strerror(errno));

	if (!strcmp(args[0], "client")) {
		if (add)
			rc = prov_client_add(&x, n - 2, args + 2);
		else if (!strcmp(args[1], "list"))
			rc = client_list(&x);
		else if (!strcmp(args[1], "show"))
			rc = client_show(&x, n - 2, args + 2);
		else if (!strcmp(args[1], "remove"))
			rc = client_remove(&x, n - 2, args + 2);
		else
			rc = usage();
	} else {
		if (add)
			rc = image_add(&x, n - 2, args + 2);
		else if (!strcmp(args[1], "list"))
			rc = image_list(&x);
		else if (!strcmp(args[1], "remove"))
			rc = image_remove(&x, n - 2, args + 2);
		else
			rc = usage();
	}
	if (x.scratch[0])
		prov_rmtree(x.scratch);
	return rc;
}
