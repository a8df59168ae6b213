/* clients.d/NAME.conf: one board's file (docs/netrootd.md), and the boards
 * against each other. */
#include "conf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmdline.h"            /* parse_mac */
#include "conf_int.h"
#include "text.h"

/* ---- clients.d/NAME.conf ------------------------------------------------- */

int nrd_client_parse(struct nrd_client *cl, const char *name, const char *file, const char *text, size_t len,
		     struct conf_error *err)
{
	struct line l;
	size_t pos = 0, nlen = strlen(name);
	const char *why = "";
	bool boot_set = false;
	int r;

	memset(cl, 0, sizeof(*cl));
	memset(&l, 0, sizeof(l));
	if (nlen == 0 || nlen >= sizeof(cl->name))
		return conf_err_at(err, file, 0, "the file name must be NAME.conf with a NAME of 1 to %zu characters",
			      sizeof(cl->name) - 1);
	for (size_t i = 0; i < nlen; i++)
		if (!conf_name_char(name[i]))
			return conf_err_at(err, file, 0, "the client's name \"%s\" (the file name) may hold only letters, "
				      "digits, '-', '_' and '.'", name);
	memcpy(cl->name, name, nlen + 1);
	if (len > NRD_CONF_MAX)
		return conf_err_at(err, file, 0, "larger than %u bytes", NRD_CONF_MAX);
	while ((r = conf_next_line(text, len, &pos, &l, &why)) != 1) {
		bool known = true;

		if (r < 0)
			return conf_err_at(err, file, l.no, "expected %s", why);
		if (l.is_section)
			return conf_err_at(err, file, l.no, "a client file has no sections, only key = value lines");
		if (!l.key.n)
			continue;
		if (conf_word_is(l.key, "mac")) {
			char m[18];

			why = "a MAC address (dc:a6:32:01:02:03 or dc-a6-32-01-02-03)";
			r = -1;
			if (l.value.n == 17) {
				memcpy(m, l.value.p, 17);
				m[17] = '\0';
				r = parse_mac(m, m[2] == '-' ? '-' : ':', cl->mac);
			}
			cl->has_mac = r == 0;
		} else if (conf_word_is(l.key, "serial")) {
			/* The Pi's serial as its TFTP prefix shows it: the low 8
			 * hex digits ("1000000012345678" is accepted too). */
			struct val v = l.value, w = conf_next_word(&v);
			uint32_t s = 0;

			why = "a Raspberry Pi serial number: 8 hex digits (as /proc/cpuinfo's last 8)";
			r = -1;
			if (!conf_next_word(&v).n && (w.n == 8 || w.n == 16)) {
				r = 0;
				for (size_t i = 0; i < w.n; i++) {
					int d = text_hexval(w.p[i]);

					if (d < 0)
						r = -1;
					s = s << 4 | (uint32_t)(d & 15);
				}
			}
			cl->serial = s;
			cl->has_serial = r == 0;
		} else if (conf_word_is(l.key, "address")) {
			r = conf_get_in4(l.value, &cl->address, &why);
		} else if (conf_word_is(l.key, "hostname")) {
			r = conf_get_text(l.value, cl->hostname, sizeof(cl->hostname), &why);
			for (size_t i = 0; r == 0 && cl->hostname[i]; i++)
				if (!conf_name_char(cl->hostname[i]) || cl->hostname[i] == '_') {
					why = "a host name (letters, digits, '-' and '.')";
					r = -1;
				}
		} else if (conf_word_is(l.key, "iscsi-image")) {
			r = conf_get_text(l.value, cl->iscsi_image, sizeof(cl->iscsi_image), &why);
			if (r == 0 && cl->iscsi_image[0] != '/') {
				why = "an absolute path to the image file or block device";
				r = -1;
			}
		} else if (conf_word_is(l.key, "iscsi-target")) {
			r = conf_get_text(l.value, cl->iscsi_target, sizeof(cl->iscsi_target), &why);
			if (r == 0 && strncmp(cl->iscsi_target, "iqn.", 4) && strncmp(cl->iscsi_target, "eui.", 4)) {
				why = "an iSCSI name (iqn.YYYY-MM.domain:name)";
				r = -1;
			}
		} else if (conf_word_is(l.key, "iscsi-initiator")) {
			/* one to four names, blank-separated */
			struct val v = l.value, w;
			size_t o = 0;
			int k = 0;

			why = "one to four iSCSI initiator names (iqn.YYYY-MM.domain:name), blank-separated";
			r = 0;
			while ((w = conf_next_word(&v)).n && r == 0) {
				if (++k > 4 || w.n > 223 || (strncmp(w.p, "iqn.", 4) && strncmp(w.p, "eui.", 4) &&
							     strncmp(w.p, "naa.", 4))) {
					r = -1;
					break;
				}
				if (o)
					cl->iscsi_initiator[o++] = ' ';
				memcpy(cl->iscsi_initiator + o, w.p, w.n);
				o += w.n;
			}
			cl->iscsi_initiator[o] = '\0';
			if (!k)
				r = -1;
		} else if (conf_word_is(l.key, "boot-files")) {
			r = conf_get_text(l.value, cl->boot_dir, sizeof(cl->boot_dir), &why);
			boot_set = true;
			if (r == 0 && !strcmp(cl->boot_dir, "image")) {
				cl->boot_files = BOOT_FILES_IMAGE;
			} else if (r == 0 && !strcmp(cl->boot_dir, "none")) {
				cl->boot_files = BOOT_FILES_NONE;
			} else if (r == 0 && cl->boot_dir[0] == '/') {
				cl->boot_files = BOOT_FILES_DIR;
			} else {
				why = "image (the FAT partition of iscsi-image), none, or an absolute directory";
				r = -1;
			}
			if (cl->boot_files != BOOT_FILES_DIR)
				cl->boot_dir[0] = '\0';
		} else if (conf_word_is(l.key, "iscsi-readonly")) {
			r = conf_get_bool(l.value, &cl->iscsi_readonly, &why);
		} else if (conf_word_is(l.key, "iscsi-chap-user")) {
			r = conf_get_text(l.value, cl->iscsi_chap_user, sizeof(cl->iscsi_chap_user), &why);
		} else if (conf_word_is(l.key, "iscsi-chap-target-user")) {
			r = conf_get_text(l.value, cl->iscsi_chap_tuser, sizeof(cl->iscsi_chap_tuser), &why);
		} else if (conf_word_is(l.key, "iscsi-chap-secret") || conf_word_is(l.key, "iscsi-chap-target-secret")) {
			char *sec = conf_word_is(l.key, "iscsi-chap-secret") ? cl->iscsi_chap_secret : cl->iscsi_chap_tsecret;

			r = conf_get_text(l.value, sec, sizeof(cl->iscsi_chap_secret), &why);
			if (r == 0 && strlen(sec) < 12) {
				why = "a CHAP secret of 12 to 255 characters (RFC 7143 12.1.3 asks for 96 bits at least)";
				r = -1;
			}
		} else {
			r = conf_set_param(&cl->p, l.key, l.value, &why, &known);
		}
		if (!known)
			return conf_err_at(err, file, l.no, "unknown key \"%.*s\"; a client's keys are: mac, serial, address, "
				      "hostname, boot-files, iscsi-image, iscsi-target, iscsi-initiator, iscsi-readonly, iscsi-chap-user, "
				      "iscsi-chap-secret, iscsi-chap-target-user, iscsi-chap-target-secret, " PARAM_KEYS, (int)l.key.n, l.key.p);
		if (r < 0)
			return conf_err_at(err, file, l.no, "%.*s: expected %s", (int)l.key.n, l.key.p, why);
	}
	if (!cl->has_mac && !cl->has_serial)
		return conf_err_at(err, file, 0, "no mac = or serial = : netrootd cannot recognise this board");
	if (!cl->hostname[0] && nlen < sizeof(cl->hostname))
		memcpy(cl->hostname, name, nlen + 1);
	if (cl->iscsi_image[0] && !cl->iscsi_initiator[0])
		return conf_err_at(err, file, 0, "iscsi-image without iscsi-initiator: name the one initiator (the "
				   "board's ISCSI_INITIATOR) that may log into this disk");
	if ((cl->iscsi_target[0] || cl->iscsi_initiator[0]) && !cl->iscsi_image[0])
		return conf_err_at(err, file, 0, "iscsi-target or iscsi-initiator without iscsi-image: which disk?");
	if (!cl->iscsi_chap_user[0] != !cl->iscsi_chap_secret[0] || !cl->iscsi_chap_tuser[0] != !cl->iscsi_chap_tsecret[0])
		return conf_err_at(err, file, 0, "a CHAP account is a user and a secret: set both iscsi-chap-user and "
				   "iscsi-chap-secret (and both iscsi-chap-target-user and iscsi-chap-target-secret)");
	if (cl->iscsi_chap_tuser[0] && !cl->iscsi_chap_user[0])
		return conf_err_at(err, file, 0, "iscsi-chap-target-user without iscsi-chap-user: mutual CHAP is on top "
				   "of the initiator's own CHAP account");
	if (cl->iscsi_chap_user[0] && !cl->iscsi_image[0])
		return conf_err_at(err, file, 0, "iscsi-chap-user without iscsi-image: which disk does it guard?");
	if (cl->iscsi_chap_tsecret[0] && !strcmp(cl->iscsi_chap_tsecret, cl->iscsi_chap_secret))
		return conf_err_at(err, file, 0, "iscsi-chap-target-secret is the same as iscsi-chap-secret: RFC 7143 "
				   "12.1.3 forbids one secret for both directions (a reflection would pass): choose another");
	if (cl->boot_files == BOOT_FILES_IMAGE && !cl->iscsi_image[0])
		return conf_err_at(err, file, 0, "boot-files = image without iscsi-image: which disk holds the boot files?");
	if (!boot_set && cl->iscsi_image[0])
		cl->boot_files = BOOT_FILES_IMAGE;
	cl->boot_explicit = boot_set;
	if (cl->iscsi_image[0] && !cl->iscsi_target[0])
		snprintf(cl->iscsi_target, sizeof(cl->iscsi_target), "iqn.2026-11.org.netroot:%s", name);
	return 0;
}

int nrd_clients_check(const struct nrd_conf *c, const struct nrd_client *cl, int n, struct conf_error *err)
{
	(void)c;
	for (int i = 0; i < n; i++)
		for (int j = 0; j < i; j++) {
			const char *what = NULL;

			if (cl[i].has_mac && cl[j].has_mac && !memcmp(cl[i].mac, cl[j].mac, 6))
				what = "MAC address";
			else if (cl[i].has_serial && cl[j].has_serial && cl[i].serial == cl[j].serial)
				what = "serial number";
			else if (cl[i].address && cl[i].address == cl[j].address)
				what = "address";
			else if (cl[i].iscsi_target[0] && !strcmp(cl[i].iscsi_target, cl[j].iscsi_target))
				what = "iSCSI target name";
			if (what) {
				char f[PATH_LEN];

				snprintf(f, sizeof(f), "%s.conf", cl[i].name);
				return conf_err_at(err, f, 0, "has the same %s as %s.conf: each board once", what, cl[j].name);
			}
		}
	return 0;
}
