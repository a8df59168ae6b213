/* `netrootd client add`: from a golden image to a provisioned board, in
 * this order (nothing of the board is left half made when a step fails):
 *
 *   1. the command line, the configuration, the other boards' files (no
 *      MAC, serial or address twice);
 *   2. the image: a registered golden name or a path (.img or .img.xz),
 *      checked (MBR, FAT partition 1, ext4 partition 2);
 *   3. an existing board of that name: the same image and identity go on
 *      ("already provisioned"), another one is refused unless --force;
 *   4. its cmdline.txt line, checked with netroot-init's own plan builder
 *      before anything is written;
 *   5. its root: a clone of the image (iSCSI) or a tree extracted from it
 *      (NFS), under a temporary name;
 *   6. the edits (provision_edit.c), then the rename into place;
 *   7. clients.d/NAME.conf (0600, temporary file + rename), SIGHUP to a
 *      running netrootd, and what to flash into the Pi's EEPROM.
 *
 * The other subcommands (list, show, remove, image ...) are in
 * provision_cmd.c. */
#include "provision.h"
#include "provision_int.h"

#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bootplan.h"
#include "cmdline.h"
#include "text.h"

#define ISCSI_IQN_PREFIX "iqn.2026-11.org.netroot:"

struct add_opts {
	const char *name;
	uint8_t mac[6];
	bool has_mac;
	uint32_t serial;
	bool has_serial;
	bool nfs, root_given;
	const char *image;
	const char *address, *server, *hostname, *initiator, *nfs_vers;
	const char *append;             /* more kernel command line words */
	bool force;
	struct prov_initrd_opts initrd;
};

static int add_usage(void)
{
	fprintf(stderr,
		"usage: netrootd [-c CONF] client add NAME (--mac MAC | --serial SERIAL)... --root iscsi|nfs\n"
		"                --image IMAGE [--address A] [--server IP] [--hostname H] [--initiator IQN]\n"
		"                [--nfs-vers V] [--force] [--init PATH] [--mkinitramfs PATH] [--e2fsck PATH|none]\n"
		"                [--modules \"m1 m2\"] [--kver VERSION] [--append \"WORDS\"]\n"
		"  --append: more kernel command line words (e.g. \"cgroup_enable=memory cgroup_memory=1\")\n"
		"  IMAGE: a golden image registered with `netrootd image add`, or a path to a .img or .img.xz\n");
	return 2;
}

static int parse_serial(const char *s, uint32_t *out)
{
	size_t n = strlen(s);
	uint32_t v = 0;

	if (n != 8 && n != 16)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		int d = text_hexval(s[i]);

		if (d < 0)
			return -EINVAL;
		v = v << 4 | (uint32_t)d;
	}
	*out = v;
	return 0;
}

static int parse_add(int argc, char **argv, struct add_opts *o)
{
	memset(o, 0, sizeof(*o));
	prov_initrd_defaults(&o->initrd);
	o->nfs_vers = "3";
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (a[0] != '-') {
			if (o->name)
				return add_usage();
			o->name = a;
			continue;
		}
		if (!strcmp(a, "--force")) {
			o->force = true;
			continue;
		}
		if (!v) {
			fprintf(stderr, "netrootd: %s needs a value\n", a);
			return add_usage();
		}
		i++;
		if (!strcmp(a, "--mac")) {
			uint8_t m[6];

			if (strlen(v) != 17 || parse_mac(v, v[2] == '-' ? '-' : ':', m) < 0) {
				fprintf(stderr, "netrootd: --mac %s: expected dc:a6:32:01:02:03\n", v);
				return 2;
			}
			if (o->has_mac && memcmp(m, o->mac, 6)) {
				fprintf(stderr, "netrootd: one --mac per board (its Ethernet port's)\n");
				return 2;
			}
			memcpy(o->mac, m, 6);
			o->has_mac = true;
		} else if (!strcmp(a, "--serial")) {
			uint32_t s;

			if (parse_serial(v, &s) < 0) {
				fprintf(stderr, "netrootd: --serial %s: expected 8 hex digits (the last 8 of /proc/cpuinfo's "
					"Serial)\n", v);
				return 2;
			}
			if (o->has_serial && s != o->serial) {
				fprintf(stderr, "netrootd: one --serial per board\n");
				return 2;
			}
			o->serial = s;
			o->has_serial = true;
		} else if (!strcmp(a, "--root")) {
			if (strcmp(v, "iscsi") && strcmp(v, "nfs")) {
				fprintf(stderr, "netrootd: --root iscsi or --root nfs, not %s\n", v);
				return 2;
			}
			o->nfs = !strcmp(v, "nfs");
			o->root_given = true;
		} else if (!strcmp(a, "--image")) {
			o->image = v;
		} else if (!strcmp(a, "--address")) {
			o->address = v;
		} else if (!strcmp(a, "--server")) {
			o->server = v;
		} else if (!strcmp(a, "--hostname")) {
			o->hostname = v;
		} else if (!strcmp(a, "--initiator")) {
			o->initiator = v;
		} else if (!strcmp(a, "--nfs-vers")) {
			o->nfs_vers = v;
		} else if (!strcmp(a, "--init")) {
			o->initrd.init = v;
		} else if (!strcmp(a, "--mkinitramfs")) {
			o->initrd.mkinitramfs = v;
		} else if (!strcmp(a, "--e2fsck")) {
			o->initrd.e2fsck = strcmp(v, "none") ? v : NULL;
		} else if (!strcmp(a, "--modules")) {
			o->initrd.modules = v;
		} else if (!strcmp(a, "--kver")) {
			o->initrd.kver = v;
		} else if (!strcmp(a, "--append")) {
			o->append = v;
			for (const char *c = v; *c; c++)
				if ((unsigned char)*c < 0x20 || *c == 0x7f) {
					fprintf(stderr, "netrootd: --append: one line of words, no control characters\n");
					return 2;
				}
		} else {
			fprintf(stderr, "netrootd: unknown option %s\n", a);
			return add_usage();
		}
	}
	if (!o->name || !o->image || !o->root_given || (!o->has_mac && !o->has_serial))
		return add_usage();
	o->initrd.nfs = o->nfs;
	return 0;
}

/* 24 characters from [A-Za-z0-9]: 142 bits. */
static int make_secret(char *out)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	int n = 0;

	while (n < PROV_SECRET_LEN) {
		unsigned char b[64];
		ssize_t r = getrandom(b, sizeof(b), 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (ssize_t i = 0; i < r && n < PROV_SECRET_LEN; i++)
			if (b[i] < 248)         /* 4 * 62: no bias */
				out[n++] = abc[b[i] % 62];
	}
	out[n] = '\0';
	return 0;
}

/* The first served interface's IPv4 address: where the boards find us. */
static int server_address(const struct nrd_conf *c, char *out, size_t n)
{
	struct ifaddrs *ifa, *i;
	int r = -ENOENT;

	if (getifaddrs(&ifa) < 0)
		return -errno;
	for (i = ifa; i; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET && c->nifaces && !strcmp(i->ifa_name, c->ifaces[0])) {
			const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)i->ifa_addr;
			char a[IN4_STRLEN];

			snprintf(out, n, "%s", in4_str(sin->sin_addr.s_addr, a));
			r = 0;
			break;
		}
	freeifaddrs(ifa);
	return r;
}

/* The board's ip= when netrootd does not hand out its address (DHCP proxy
 * or off) and --address names one: the seed notes' static form,
 * "ADDR::GATEWAY:NETMASK:HOST:eth0:off", the gateway and netmask of the
 * served interface's pool, else of [dhcp], else the interface's own mask
 * and no gateway. "dhcp" otherwise (netrootd's reservation gives the same
 * address). 0, or -EINVAL with a message. */
static int static_ip(const struct nrd_conf *c, const char *addr, const char *host, char *out, size_t n)
{
	in4_t a, mask = 0, gw = 0;
	char m[IN4_STRLEN], g[IN4_STRLEN] = "";

	if (!addr || c->dhcp_mode == DHCP_MODE_FULL) {
		snprintf(out, n, "dhcp");
		return 0;
	}
	if (parse_in4(addr, strlen(addr), &a) < 0) {
		fprintf(stderr, "netrootd: --address %s: expected an IPv4 address\n", addr);
		return -EINVAL;
	}
	for (int i = 0; i < c->npools && !mask; i++)
		if (c->nifaces && !strcmp(c->pools[i].name, c->ifaces[0])) {
			mask = c->pools[i].p.netmask;
			gw = c->pools[i].p.nrouter ? c->pools[i].p.router[0] : 0;
		}
	if (!mask) {
		mask = c->dhcp.netmask;
		gw = c->dhcp.nrouter ? c->dhcp.router[0] : 0;
	}
	if (!mask) {
		struct ifaddrs *ifa;

		if (getifaddrs(&ifa) == 0) {
			for (struct ifaddrs *i = ifa; i && !mask; i = i->ifa_next)
				if (i->ifa_addr && i->ifa_netmask && i->ifa_addr->sa_family == AF_INET && c->nifaces &&
				    !strcmp(i->ifa_name, c->ifaces[0]))
					mask = ((const struct sockaddr_in *)(const void *)i->ifa_netmask)->sin_addr.s_addr;
			freeifaddrs(ifa);
		}
	}
	if (!mask) {
		fprintf(stderr, "netrootd: --address %s with DHCP %s: no netmask known for the board's static ip= "
			"(set [dhcp] netmask = and router =)\n", addr, c->dhcp_mode == DHCP_MODE_PROXY ? "proxy" : "off");
		return -EINVAL;
	}
	if (gw)
		in4_str(gw, g);
	snprintf(out, n, "%s::%s:%s:%s:" PROV_NETDEV ":off", addr, g, in4_str(mask, m), host);
	return 0;
}

/* The line checked with netroot-init's own parser and plan builder: an
 * ERROR there would stop the board at boot, so nothing is written. */
static int check_line(const char *line)
{
	static struct boot_config cfg;
	static struct boot_plan plan;
	int bad = 0;

	if (cmdline_parse(line, strlen(line), &cfg) < 0) {
		fprintf(stderr, "netrootd: the command line would be longer than %d bytes\n", CMDLINE_MAX_LEN);
		return -E2BIG;
	}
	bootplan_build(&cfg, &plan);
	for (int i = 0; i < plan.ndiag; i++)
		if (plan.diag[i].level == DIAG_ERROR) {
			fprintf(stderr, "netrootd: the board's command line would not boot: %s\n", plan.diag[i].msg);
			bad++;
		}
	return bad ? -EINVAL : 0;
}

/* The client file's text; secret may be NULL (NFS). */
static char *client_text(const struct add_opts *o, const char *image_id, const char *disk, const char *initiator,
			 const char *secret, const char *root_path, const char *boot_dir)
{
	char *t = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&t, &n);

	if (!f)
		return NULL;
	fprintf(f, "# clients.d/%s.conf, written by `netrootd client add` (docs/netrootd.md, Provisioning);\n"
		"# the two netroot- comments tell a re-run what this board was made from.\n", o->name);
	fprintf(f, PROV_MARK_ROOT "%s\n" PROV_MARK_IMAGE "%s\n", o->nfs ? "nfs" : "iscsi", image_id);
	if (o->has_mac)
		fprintf(f, "mac = %02x:%02x:%02x:%02x:%02x:%02x\n", o->mac[0], o->mac[1], o->mac[2], o->mac[3], o->mac[4],
			o->mac[5]);
	if (o->has_serial)
		fprintf(f, "serial = %08x\n", o->serial);
	if (o->address)
		fprintf(f, "address = %s\n", o->address);
	fprintf(f, "hostname = %s\n", o->hostname ? o->hostname : o->name);
	if (o->nfs) {
		fprintf(f, "root-path = %s\nboot-files = %s\n", root_path, boot_dir);
	} else {
		fprintf(f, "iscsi-image = %s\niscsi-initiator = %s\niscsi-chap-user = %s\niscsi-chap-secret = %s\n"
			"boot-files = image\n", disk, initiator, o->name, secret);
	}
	fclose(f);
	return t;
}

/* The image argument: a registered name, or a file. */
static int resolve_image(const struct prov_ctx *x, const char *arg, char *path, size_t n, bool *xz)
{
	struct stat st;

	*xz = false;
	if (!strchr(arg, '/') && !strstr(arg, ".img")) {
		if (snprintf(path, n, "%s/%s.img", x->images, arg) < (int)n && stat(path, &st) == 0)
			return 0;
		fprintf(stderr, "netrootd: no golden image %s (%s): register it with `netrootd image add %s FILE`, "
			"or give a path\n", arg, path, arg);
		return -ENOENT;
	}
	if (!realpath(arg, path)) {
		fprintf(stderr, "netrootd: image %s: %s\n", arg, strerror(errno));
		return -errno;
	}
	*xz = strlen(path) > 3 && !strcmp(path + strlen(path) - 3, ".xz");
	return 0;
}

static void print_eeprom(const struct add_opts *o, const char *server, const struct nrd_conf *c)
{
	printf("\nRaspberry Pi 4/5 EEPROM (on the Pi, still booting from its SD card: sudo rpi-eeprom-config --edit):\n"
	       "  [all]\n"
	       "  BOOT_ORDER=0xf21          # SD card first, then the network, then again\n");
	if (o->has_serial)
		printf("  TFTP_PREFIX=0             # the TFTP directory is the serial number (%08x/), netrootd's own rule\n",
		       o->serial);
	else
		printf("  TFTP_PREFIX=2             # the TFTP directory is the MAC (%02x-%02x-%02x-%02x-%02x-%02x/)\n",
		       o->mac[0], o->mac[1], o->mac[2], o->mac[3], o->mac[4], o->mac[5]);
	printf("  %sTFTP_IP=%s%s\n", c->dhcp_mode == DHCP_MODE_FULL ? "# " : "", server,
	       c->dhcp_mode == DHCP_MODE_FULL ? "     # not needed: netrootd's DHCP names itself as the TFTP server"
					      : "        # the LAN's DHCP server is not netrootd: name it");
	printf("  DHCP_TIMEOUT=45000\n  DHCP_REQ_TIMEOUT=4000\n  TFTP_FILE_TIMEOUT=30000\n"
	       "(A Pi 3 has no EEPROM: program_usb_boot_mode=1 in its OTP once, as in the seed notes.)\n");
}

static void print_exports(const struct add_opts *o, const char *tree)
{
	unsigned id = 0;

	for (const char *p = o->name; *p; p++)
		id = id * 31 + (unsigned char)*p;
	id = 100 + id % 60000;
	printf("\nNFS export to add (netrootd does not edit the NFS server's configuration):\n"
	       "  nfs-kernel-server, /etc/exports, then `exportfs -ra`:\n"
	       "    %s  %s(rw,sync,no_subtree_check,no_root_squash)\n"
	       "  nfs-ganesha, /etc/ganesha/ganesha.conf, then restart it:\n"
	       "    EXPORT { Export_Id = %u; Path = \"%s\"; Pseudo = \"%s\"; Access_Type = RW; Squash = No_Root_Squash;\n"
	       "             Protocols = 3, 4; Transports = TCP; SecType = sys; FSAL { Name = VFS; } }\n",
	       tree, o->address ? o->address : "*", id, tree, tree);
}

int prov_client_add(struct prov_ctx *x, int argc, char **argv)
{
	struct add_opts o;
	struct nrd_client *all = NULL, cl;
	struct conf_error cerr;
	struct prov_geom g;
	struct prov_target t = { .scratch = x->scratch };
	char golden[PATH_LEN], image_id[PATH_LEN], cfile[PATH_LEN + 80], disk[PATH_LEN + 80], tmp[PATH_LEN + 96];
	char tree[PATH_LEN + 80], bootdir[PATH_LEN + 100], rootpath[PATH_LEN + 120], server[64], secret[256] = "";
	char initiator[4 * 224] = "", line[CMDLINE_MAX_LEN + 1], why[1024] = "", *old = NULL, *text = NULL, mark[PATH_LEN];
	char bootmp[64] = "/boot";
	bool xz, exists, have_root, reflinked = false;
	int r, n = 0, changed = 0;

	if ((r = parse_add(argc, argv, &o)) != 0)
		return r;

	/* 1. the configuration and the other boards */
	snprintf(cfile, sizeof(cfile), "%s/%s.conf", x->conf.clients_dir, o.name);
	snprintf(disk, sizeof(disk), "%s/%s.img", x->clients, o.name);
	snprintf(tree, sizeof(tree), "%s/%s", x->nfs, o.name);
	if (o.server)
		text_copy(server, sizeof(server), o.server);
	else if (server_address(&x->conf, server, sizeof(server)) < 0) {
		fprintf(stderr, "netrootd: %s has no IPv4 address to give the boards as their server: give --server IP\n",
			x->conf.nifaces ? x->conf.ifaces[0] : "([netrootd] interface)");
		return 1;
	}
	if ((r = resolve_image(x, o.image, golden, sizeof(golden), &xz)) < 0)
		return 1;
	snprintf(image_id, sizeof(image_id), "%s", golden);

	/* 3. an existing board of that name */
	exists = prov_read_whole(cfile, &old, &(size_t){ 0 }, why, sizeof(why)) == 0;
	if (exists && !o.force) {
		struct nrd_client prev;

		if (nrd_client_parse(&prev, o.name, cfile, old, strlen(old), &cerr) < 0) {
			fprintf(stderr, "netrootd: %s:%d: %s\n  (fix it, or re-create the board with --force)\n", cerr.file,
				cerr.line, cerr.msg);
			goto fail;
		}
		prov_marker(old, PROV_MARK_IMAGE, mark, sizeof(mark));
		if (strcmp(mark, image_id)) {
			fprintf(stderr, "netrootd: client %s exists, made from %s, not %s: --force re-creates it from the "
				"new image (its disk is replaced)\n", o.name, mark[0] ? mark : "(an unknown image)", image_id);
			goto fail;
		}
		prov_marker(old, PROV_MARK_ROOT, mark, sizeof(mark));
		if (strcmp(mark, o.nfs ? "nfs" : "iscsi")) {
			fprintf(stderr, "netrootd: client %s exists with an %s root, not %s: --force re-creates it\n", o.name,
				mark[0] ? mark : "unknown", o.nfs ? "nfs" : "iscsi");
			goto fail;
		}
		if (prev.has_mac != o.has_mac || prev.has_serial != o.has_serial ||
		    (o.has_mac && memcmp(prev.mac, o.mac, 6)) || (o.has_serial && prev.serial != o.serial)) {
			fprintf(stderr, "netrootd: client %s exists with another MAC or serial: --force re-creates it for "
				"this board\n", o.name);
			goto fail;
		}
		text_copy(secret, sizeof(secret), prev.iscsi_chap_secret);
		if (!o.initiator)
			text_copy(initiator, sizeof(initiator), prev.iscsi_initiator);
		if (prev.boot_files == BOOT_FILES_DIR && !strncmp(prev.boot_dir, tree, strlen(tree)))
			text_copy(bootmp, sizeof(bootmp), prev.boot_dir + strlen(tree));
	}
	have_root = exists && !o.force && access(o.nfs ? tree : disk, F_OK) == 0;
	if (!secret[0] && make_secret(secret) < 0) {
		fprintf(stderr, "netrootd: getrandom: %s\n", strerror(errno));
		goto fail;
	}
	if (o.initiator)
		text_copy(initiator, sizeof(initiator), o.initiator);
	else if (!initiator[0])
		snprintf(initiator, sizeof(initiator), ISCSI_IQN_PREFIX "%s-initiator", o.name);

	/* the file as it will be, parsed now: the name, the host name and
	 * the initiator are checked before anything is made */
	if (snprintf(rootpath, sizeof(rootpath), "%s:%s", server, tree) >= (int)sizeof(rootpath) ||
	    snprintf(bootdir, sizeof(bootdir), "%s%s", tree, bootmp) >= (int)sizeof(bootdir)) {
		fprintf(stderr, "netrootd: %s: the path is too long\n", tree);
		goto fail;
	}
	text = client_text(&o, image_id, disk, initiator, secret, rootpath, bootdir);
	if (!text || nrd_client_parse(&cl, o.name, cfile, text, strlen(text), &cerr) < 0) {
		fprintf(stderr, "netrootd: %s\n", text ? cerr.msg : "no memory");
		goto fail;
	}
	if ((r = prov_load_clients(x, &all, &n, o.name)) < 0)
		goto fail;
	{
		struct nrd_client *grown = realloc(all, (size_t)(n + 1) * sizeof(*all));

		if (!grown)
			goto fail;
		all = grown;
		all[n] = cl;
		if (nrd_clients_check(&x->conf, all, n + 1, &cerr) < 0) {
			fprintf(stderr, "netrootd: %s %s\n", cerr.file, cerr.msg);
			goto fail;
		}
	}

	/* 2. the image, and where the board's root is made */
	printf("client %s: %s root from %s\n", o.name, o.nfs ? "NFS" : "iSCSI", image_id);
	if (have_root) {
		printf("  already provisioned: %s kept; checking its files\n", o.nfs ? tree : disk);
	} else if (xz) {
		snprintf(tmp, sizeof(tmp), "%s/.%s.img.tmp", x->clients, o.name);
		unlink(tmp);
		printf("  decompressing %s\n", golden);
		if (prov_unxz(golden, tmp, why, sizeof(why)) < 0)
			goto fail_why;
	} else {
		if (prov_image_check(golden, &g, why, sizeof(why)) < 0) {
			fprintf(stderr, "netrootd: %s: %s\n", golden, why);
			goto fail;
		}
		snprintf(tmp, sizeof(tmp), "%s/.%s.img.tmp", x->clients, o.name);
		if (!o.nfs) {
			unlink(tmp);
			if (prov_clone(golden, tmp, &reflinked, why, sizeof(why)) < 0)
				goto fail_why;
			printf("  cloned into %s (%s)\n", disk, reflinked ? "reflink: blocks shared until written" :
			       "sparse copy: this file system shares no blocks");
		}
	}
	if (!have_root) {
		const char *img = xz || !o.nfs ? tmp : golden;

		if (prov_image_check(img, &g, why, sizeof(why)) < 0) {
			fprintf(stderr, "netrootd: %s: %s\n", xz ? golden : img, why);
			goto fail_tmp;
		}
		t.image = img;
		t.boot_off = g.boot_off;
		t.root_off = g.root_off;
	} else if (!o.nfs) {
		if (prov_image_check(disk, &g, why, sizeof(why)) < 0) {
			fprintf(stderr, "netrootd: the board's disk %s: %s (--force re-creates it)\n", disk, why);
			goto fail;
		}
		t.image = disk;
		t.boot_off = g.boot_off;
		t.root_off = g.root_off;
	}

	/* 4. the command line, from the image's own */
	{
		char init1[224], ipval[160];

		if (static_ip(&x->conf, o.address, o.hostname ? o.hostname : o.name, ipval, sizeof(ipval)) < 0)
			goto fail_tmp;
		struct prov_line_in li = { .nfs = o.nfs, .uuid = g.uuid, .initiator = init1, .target = cl.iscsi_target,
					   .server = server, .port = x->conf.iscsi_port, .chap_user = o.name,
					   .chap_secret = secret, .nfs_path = tree, .nfs_vers = o.nfs_vers,
					   .append = o.append, .ip = ipval };
		struct prov_target src = t;
		size_t len;

		/* the board's own name: the first of the file's initiators */
		snprintf(init1, sizeof(init1), "%.*s", (int)strcspn(initiator, " "), initiator);
		if (o.nfs && have_root) {
			src.image = NULL;
			src.tree = tree;
			src.boot_dir = bootmp;
		}
		char *oldline = NULL;

		r = prov_boot_read(&src, "cmdline.txt", &oldline, &len, why, sizeof(why));
		if (r < 0 && r != -ENOENT)
			goto fail_why_tmp;
		/* a U-Boot image: its extlinux.conf / pxelinux.cfg APPEND line */
		for (int i = 0; r == -ENOENT && i < 2; i++) {
			static const char *const uf[2] = { "extlinux/extlinux.conf", "pxelinux.cfg/default" };
			char *cfg = NULL;

			r = prov_boot_read(&src, uf[i], &cfg, &len, why, sizeof(why));
			if (r == 0 && (oldline = malloc(CMDLINE_MAX_LEN + 1)) && !prov_extlinux_append(cfg, oldline,
													   CMDLINE_MAX_LEN + 1))
				oldline[0] = '\0';
			free(cfg);
			if (r < 0 && r != -ENOENT)
				goto fail_why_tmp;
		}
		li.old = oldline;
		r = prov_cmdline(&li, line, sizeof(line));
		free(oldline);
		if (r < 0 || check_line(line) < 0)
			goto fail_tmp;
	}

	/* 5. an NFS root: the tree, out of the image */
	if (o.nfs && !have_root) {
		char ttmp[PATH_LEN + 96], bd[PATH_LEN + 160], *fst = NULL;
		size_t len;

		/* the boot files go where the root mounts its boot partition */
		if (prov_root_read(&t, "/etc/fstab", &fst, &len, &(struct prov_meta){ 0 }, why, sizeof(why)) == 0) {
			if (strstr(fst, " /boot/firmware ") || strstr(fst, "\t/boot/firmware\t") ||
			    strstr(fst, " /boot/firmware\t") || strstr(fst, "\t/boot/firmware "))
				text_copy(bootmp, sizeof(bootmp), "/boot/firmware");
			free(fst);
		}
		snprintf(ttmp, sizeof(ttmp), "%s/.%s.tmp", x->nfs, o.name);
		prov_rmtree(ttmp);
		if (mkdir(ttmp, 0755) < 0) {
			fprintf(stderr, "netrootd: cannot make %s: %s\n", ttmp, strerror(errno));
			goto fail_tmp;
		}
		printf("  extracting the root into %s\n", tree);
		if (prov_root_dump(&t, "/", ttmp, why, sizeof(why)) < 0)
			goto fail_why_tmp;
		snprintf(bd, sizeof(bd), "%s%s", ttmp, bootmp);
		if (prov_boot_copy_all(&t, bd, why, sizeof(why)) < 0)
			goto fail_why_tmp;
		if (xz)
			unlink(tmp);
		prov_rmtree(tree);      /* --force */
		if (rename(ttmp, tree) < 0) {
			fprintf(stderr, "netrootd: cannot rename %s to %s: %s\n", ttmp, tree, strerror(errno));
			goto fail;
		}
		t.image = NULL;
		have_root = false;
	}
	if (o.nfs) {
		t.image = NULL;
		t.tree = tree;
		t.boot_dir = bootmp;
		if (snprintf(bootdir, sizeof(bootdir), "%s%s", tree, bootmp) >= (int)sizeof(bootdir))
			goto fail;
		free(text);
		text = client_text(&o, image_id, disk, initiator, secret, rootpath, bootdir);
		if (!text)
			goto fail;
	}

	/* 6. the edits */
	{
		struct prov_edit_in ei = { .cmdline = line, .hostname = cl.hostname, .initrd = o.initrd };
		char bsrc[32], cache[PATH_LEN + 16];

		snprintf(cache, sizeof(cache), "%s/initrd-cache", x->conf.state_dir);
		ei.initrd.cache_dir = cache;

		snprintf(bsrc, sizeof(bsrc), "PARTUUID=%08x-01", g.disk_id);
		ei.boot_src = o.nfs ? NULL : bsrc;
		if (prov_edit_all(&t, &ei, &changed, why, sizeof(why)) < 0)
			goto fail_why_tmp;
	}
	if (!o.nfs && !have_root) {
		if (x->uid != (uid_t)-1 && chown(tmp, x->uid, x->gid) < 0)
			fprintf(stderr, "netrootd: warning: cannot give %s to [netrootd] user: %s\n", tmp, strerror(errno));
		if (rename(tmp, disk) < 0) {
			fprintf(stderr, "netrootd: cannot rename %s to %s: %s\n", tmp, disk, strerror(errno));
			goto fail_tmp;
		}
	}

	/* 7. the client file, the daemon, the EEPROM */
	if (!old || strcmp(old, text)) {
		if ((r = prov_write_private(cfile, text, why, sizeof(why))) < 0)
			goto fail_why;
		printf("  %-44s %s\n", cfile, old ? "updated" : "written");
		changed++;
	} else {
		printf("  %-44s unchanged\n", cfile);
	}
	if (exists && !o.force && !changed)
		printf("client %s: already provisioned, nothing to change\n", o.name);
	prov_tell_daemon(x);
	if (o.nfs)
		print_exports(&o, tree);
	print_eeprom(&o, server, &x->conf);
	printf("\nNext: `netrootd -c %s --check` lists the board; power it on without its SD card.\n", x->conf_path);
	free(old);
	free(text);
	free(all);
	return 0;

fail_why_tmp:
	fprintf(stderr, "netrootd: %s\n", why);
	goto fail_tmp;
fail_why:
	fprintf(stderr, "netrootd: %s\n", why);
	goto fail;
fail_tmp:
	if (!have_root && (xz || !o.nfs))
		unlink(tmp);
fail:
	free(old);
	free(text);
	free(all);
	return 1;
}
