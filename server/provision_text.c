/* The text edits of provisioning: pure (text in, text out, no I/O), and
 * each one a fixed point: applied to its own output it changes nothing,
 * so a re-run of `client add` finds nothing to write. */
#include "provision.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"

#define FSTAB_MARK  "# netroot: / and the boot files come over the network (netrootd client add)"
#define CONFIG_BEGIN "# netroot begin: the network-root initramfs for each kernel (netrootd client add)"
#define CONFIG_END   "# netroot end"
#define TMPFS_TMP   "tmpfs  /tmp      tmpfs  rw,nodev,nosuid,size=256M,mode=1777  0  0"
#define TMPFS_LOG   "tmpfs  /var/log  tmpfs  rw,nodev,nosuid,size=64M,mode=0755  0  0"

/* The output of an edit: room for the input twice over and extra lines. */
static struct wbuf out_for(const char *in, size_t extra)
{
	size_t cap = 2 * strlen(in) + extra + 1;
	char *p = malloc(cap);

	return wb_init(p, p ? cap : 0);
}

static char *out_done(struct wbuf *w)
{
	if (!w->p || !wb_cstr(w)) {
		free(w->p);
		return NULL;
	}
	return (char *)w->p;
}

/* The next line of *p (without its newline) as [s, s + n); false at the end. */
static bool next_line(const char **p, const char **s, size_t *n)
{
	if (!**p)
		return false;
	*s = *p;
	*n = strcspn(*p, "\n");
	*p += *n + ((*p)[*n] == '\n');
	return true;
}

/* The k-th blank-separated word of [s, s + n) (k from 0). */
static bool word(const char *s, size_t n, int k, const char **w, size_t *wn)
{
	size_t i = 0;

	for (;;) {
		while (i < n && isspace((unsigned char)s[i]))
			i++;
		if (i == n)
			return false;
		*w = s + i;
		while (i < n && !isspace((unsigned char)s[i]))
			i++;
		*wn = (size_t)(s + i - *w);
		if (k-- == 0)
			return true;
	}
}

static bool is(const char *w, size_t n, const char *s)
{
	return strlen(s) == n && !memcmp(w, s, n);
}

static bool starts(const char *w, size_t n, const char *s)
{
	size_t k = strlen(s);

	return n >= k && !memcmp(w, s, k);
}

static bool comment_or_blank(const char *s, size_t n)
{
	const char *w;
	size_t wn;

	return !word(s, n, 0, &w, &wn) || w[0] == '#';
}

static void put_line(struct wbuf *w, const char *s, size_t n)
{
	wb_bytes(w, s, n);
	wb_u8(w, '\n');
}

/* ---- cmdline.txt ------------------------------------------------------------ */

/* Words of the image's line worth keeping besides console=: how it shows
 * its boot, not how it finds its root. */
static bool keep_word(const char *w, size_t n)
{
	static const char *const exact[] = { "quiet", "splash" };
	static const char *const prefix[] = { "console=", "plymouth.", "cfg80211.", "net.ifnames=", "loglevel=",
					      "cgroup_", "usbhid.", "dwc_otg.", "8250.", "smsc95xx." };

	for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (is(w, n, exact[i]))
			return true;
	for (size_t i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++)
		if (starts(w, n, prefix[i]))
			return true;
	return false;
}

int prov_cmdline(const struct prov_line_in *in, char *out, size_t n)
{
	struct wbuf b = wb_init(out, n);
	const char *old = in->old ? in->old : "", *w;
	size_t len = strcspn(old, "\n"), wn;

	/* the image's console= words first, as the seeds keep them */
	for (int k = 0; word(old, len, k, &w, &wn); k++)
		if (starts(w, wn, "console=")) {
			wb_bytes(&b, w, wn);
			wb_u8(&b, ' ');
		}
	if (in->nfs) {
		wb_str(&b, "root=/dev/nfs nfsroot=");
		wb_str(&b, in->server);
		wb_u8(&b, ':');
		wb_str(&b, in->nfs_path);
		if (in->nfs_vers && in->nfs_vers[0]) {
			wb_str(&b, ",vers=");
			wb_str(&b, in->nfs_vers);
		}
		wb_str(&b, ",proto=tcp ip=");
		wb_str(&b, in->ip ? in->ip : "dhcp");
		wb_str(&b, " rw rootwait");
	} else {
		char port[16];

		snprintf(port, sizeof(port), "%u", in->port);
		wb_str(&b, "root=UUID=");
		wb_str(&b, in->uuid);
		wb_str(&b, " ip=");
		wb_str(&b, in->ip ? in->ip : "dhcp");
		wb_str(&b, " ISCSI_INITIATOR=");
		wb_str(&b, in->initiator);
		wb_str(&b, " ISCSI_TARGET_NAME=");
		wb_str(&b, in->target);
		wb_str(&b, " ISCSI_TARGET_IP=");
		wb_str(&b, in->server);
		wb_str(&b, " ISCSI_TARGET_PORT=");
		wb_str(&b, port);
		if (in->chap_user && in->chap_user[0]) {
			wb_str(&b, " ISCSI_USERNAME=");
			wb_str(&b, in->chap_user);
			wb_str(&b, " ISCSI_PASSWORD=");
			wb_str(&b, in->chap_secret);
		}
		wb_str(&b, " rw rootfstype=ext4 fsck.repair=yes rootwait");
	}
	for (int k = 0; word(old, len, k, &w, &wn); k++)
		if (!starts(w, wn, "console=") && keep_word(w, wn)) {
			wb_u8(&b, ' ');
			wb_bytes(&b, w, wn);
		}
	if (in->append && in->append[0]) {
		wb_u8(&b, ' ');
		wb_str(&b, in->append);
	}
	return wb_cstr(&b) ? 0 : -ENOSPC;
}

/* ---- /etc/fstab ------------------------------------------------------------- */

static bool partition_source(const char *w, size_t n)
{
	return starts(w, n, "PARTUUID=") || starts(w, n, "UUID=") || starts(w, n, "LABEL=") ||
	       starts(w, n, "PARTLABEL=") || starts(w, n, "/dev/");
}

static bool is_ours(const char *s, size_t n)
{
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return is(s, n, FSTAB_MARK) || is(s, n, TMPFS_TMP) || is(s, n, TMPFS_LOG);
}

char *prov_fstab_edit(const char *in, const char *boot_src)
{
	struct wbuf o = out_for(in, 1024);
	const char *p = in, *s, *w, *mp;
	char bootmp[128] = "";
	bool has_tmp = false, has_log = false;
	size_t n, wn, mpn;

	while (next_line(&p, &s, &n)) {
		if (is_ours(s, n))
			continue;
		if (comment_or_blank(s, n) || !word(s, n, 0, &w, &wn) || !word(s, n, 1, &mp, &mpn)) {
			put_line(&o, s, n);
			continue;
		}
		if (partition_source(w, wn) && (is(mp, mpn, "/") || is(mp, mpn, "/boot") || starts(mp, mpn, "/boot/"))) {
			if (mpn > 1 && !bootmp[0] && mpn < sizeof(bootmp)) {
				memcpy(bootmp, mp, mpn);
				bootmp[mpn] = '\0';
			}
			continue;
		}
		has_tmp |= is(mp, mpn, "/tmp");
		has_log |= is(mp, mpn, "/var/log");
		put_line(&o, s, n);
	}
	wb_str(&o, FSTAB_MARK "\n");
	if (boot_src && bootmp[0]) {
		wb_str(&o, boot_src);
		wb_str(&o, "  ");
		wb_str(&o, bootmp);
		wb_str(&o, "  vfat  defaults,nofail  0  2\n");
	}
	if (!has_tmp)
		wb_str(&o, TMPFS_TMP "\n");
	if (!has_log)
		wb_str(&o, TMPFS_LOG "\n");
	return out_done(&o);
}

/* ---- config.txt --------------------------------------------------------------- */

char *prov_config_edit(const char *in, const char *all_file, const char *pi5_file)
{
	struct wbuf o = out_for(in, 1024);
	const char *p = in, *s, *w;
	bool inblock = false;
	size_t n, wn;

	while (next_line(&p, &s, &n)) {
		size_t m = n;

		while (m && isspace((unsigned char)s[m - 1]))
			m--;
		if (is(s, m, CONFIG_BEGIN)) {
			inblock = true;
			continue;
		}
		if (inblock) {
			inblock = !is(s, m, CONFIG_END);
			continue;
		}
		/* another initramfs line would win or lose against ours by its
		 * place: disabled, visibly */
		if (word(s, n, 0, &w, &wn) && (is(w, wn, "initramfs") || is(w, wn, "ramfsfile"))) {
			wb_u8(&o, '#');
			wb_bytes(&o, s, m);
			wb_str(&o, "  # netroot: replaced by the block below\n");
			continue;
		}
		put_line(&o, s, n);
	}
	wb_str(&o, CONFIG_BEGIN "\n");
	if (all_file) {
		wb_str(&o, "[all]\ninitramfs ");
		wb_str(&o, all_file);
		wb_str(&o, " followkernel\n");
	}
	if (pi5_file) {
		wb_str(&o, "[pi5]\ninitramfs ");
		wb_str(&o, pi5_file);
		wb_str(&o, " followkernel\n");
	}
	wb_str(&o, "[all]\n" CONFIG_END "\n");
	return out_done(&o);
}

/* ---- U-Boot's extlinux.conf / pxelinux.cfg ----------------------------------- */

/* [w, w + n) is the keyword kw, any case. */
static bool keyword(const char *w, size_t n, const char *kw)
{
	return strlen(kw) == n && !strncasecmp(w, kw, n);
}

char *prov_extlinux_edit(const char *in, const char *line, const char *initrd)
{
	struct wbuf o = out_for(in, 2 * strlen(line) + 256);
	const char *p = in, *s, *w;
	size_t n, wn;

	while (next_line(&p, &s, &n)) {
		if (!word(s, n, 0, &w, &wn) || !(keyword(w, wn, "append") || (initrd && keyword(w, wn, "initrd")))) {
			put_line(&o, s, n);
			continue;
		}
		wb_bytes(&o, s, (size_t)(w - s) + wn);          /* its indentation and keyword, as written */
		wb_u8(&o, ' ');
		if (keyword(w, wn, "append")) {
			wb_str(&o, line);
		} else {
			const char *path = "", *slash;
			size_t pn = 0;

			/* the file beside the one it named: same directory */
			if (word(s, n, 1, &path, &pn) && (slash = memrchr(path, '/', pn)))
				wb_bytes(&o, path, (size_t)(slash - path) + 1);
			wb_str(&o, initrd);
		}
		wb_u8(&o, '\n');
	}
	return out_done(&o);
}

bool prov_extlinux_append(const char *in, char *out, size_t outlen)
{
	const char *p = in, *s, *w;
	size_t n, wn;

	while (next_line(&p, &s, &n))
		if (word(s, n, 0, &w, &wn) && keyword(w, wn, "append")) {
			const char *a = w + wn;
			size_t k = n - (size_t)(a - s);

			while (k && isspace((unsigned char)*a))
				a++, k--;
			while (k && isspace((unsigned char)a[k - 1]))
				k--;
			if (k >= outlen)
				return false;
			memcpy(out, a, k);
			out[k] = '\0';
			return true;
		}
	return false;
}

/* ---- the root's network tools ---------------------------------------------- */

static bool stanza_word(const char *w, size_t n)
{
	return is(w, n, "iface") || is(w, n, "mapping") || is(w, n, "auto") || starts(w, n, "allow-") ||
	       is(w, n, "source") || is(w, n, "source-directory") || is(w, n, "rename") || is(w, n, "no-auto-down") ||
	       is(w, n, "no-scripts");
}

char *prov_interfaces_edit(const char *in, const char *dev)
{
	struct wbuf o = out_for(in, 256);
	const char *p = in, *s, *w, *a;
	bool inblock = false;
	size_t n, wn, an;

	while (next_line(&p, &s, &n)) {
		if (comment_or_blank(s, n) || !word(s, n, 0, &w, &wn)) {
			put_line(&o, s, n);
			continue;
		}
		if (stanza_word(w, wn)) {
			inblock = false;
			if (is(w, wn, "iface") && word(s, n, 1, &a, &an) && is(a, an, dev)) {
				inblock = true;
			} else if (is(w, wn, "auto") || starts(w, wn, "allow-")) {
				bool has = false, others = false;

				for (int k = 1; word(s, n, k, &a, &an); k++) {
					if (is(a, an, dev))
						has = true;
					else
						others = true;
				}
				if (has) {
					wb_u8(&o, '#');
					put_line(&o, s, n);
					if (others) {   /* the other interfaces keep their line */
						wb_bytes(&o, w, wn);
						for (int k = 1; word(s, n, k, &a, &an); k++)
							if (!is(a, an, dev)) {
								wb_u8(&o, ' ');
								wb_bytes(&o, a, an);
							}
						wb_u8(&o, '\n');
					}
					continue;
				}
			}
		}
		if (inblock)
			wb_u8(&o, '#');
		put_line(&o, s, n);
	}
	return out_done(&o);
}

char *prov_dhcpcd_edit(const char *in, const char *dev)
{
	struct wbuf o = out_for(in, 256);
	const char *p = in, *s, *w, *a;
	size_t n, wn, an;
	bool done = false;

	while (next_line(&p, &s, &n)) {
		if (word(s, n, 0, &w, &wn) && is(w, wn, "denyinterfaces"))
			for (int k = 1; word(s, n, k, &a, &an); k++)
				done |= is(a, an, dev);
		put_line(&o, s, n);
	}
	if (!done) {
		wb_str(&o, "# netroot: the root's link is up before the root is mounted; leave it alone\ndenyinterfaces ");
		wb_str(&o, dev);
		wb_u8(&o, '\n');
	}
	return out_done(&o);
}

char *prov_hosts_edit(const char *in, const char *host)
{
	struct wbuf o = out_for(in, 256 + strlen(host));
	const char *p = in, *s, *w;
	size_t n, wn;
	bool done = false;

	while (next_line(&p, &s, &n)) {
		if (word(s, n, 0, &w, &wn) && is(w, wn, "127.0.1.1")) {
			if (done)
				continue;
			wb_str(&o, "127.0.1.1\t");
			wb_str(&o, host);
			wb_u8(&o, '\n');
			done = true;
			continue;
		}
		put_line(&o, s, n);
	}
	if (!done) {
		wb_str(&o, "127.0.1.1\t");
		wb_str(&o, host);
		wb_u8(&o, '\n');
	}
	return out_done(&o);
}
