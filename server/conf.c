/* netrootd.conf: its sections and keys (docs/netrootd.md), read with
 * conf_text.c's line reader. */
#include "conf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conf_int.h"
#include "text.h"

void nrd_conf_defaults(struct nrd_conf *c)
{
	memset(c, 0, sizeof(*c));
	text_copy(c->state_dir, sizeof(c->state_dir), "/var/lib/netroot");
	text_copy(c->clients_dir, sizeof(c->clients_dir), "/etc/netroot/clients.d");
	c->dhcp_mode = DHCP_MODE_FULL;
	c->rapid_commit = true;
	c->dhcp.lease_secs = 12 * 3600;
	text_copy(c->boot.pi_menu, sizeof(c->boot.pi_menu), "Raspberry Pi Boot");
	c->tftp.fallback = true;
	c->tftp.max_sessions = 256;
	c->tftp.retries = 6;
	c->tftp.retransmit_ms = 1000;
	c->tftp.max_blksize = 65464;
	c->tftp.max_window = 64;
	c->tftp.max_write_mib = 64;
	c->iscsi_port = 3260;
}

enum section { SEC_NONE, SEC_NETROOTD, SEC_DHCP, SEC_POOL, SEC_BOOT, SEC_TFTP, SEC_ISCSI };

static int set_netrootd(struct nrd_conf *c, struct val key, struct val v, const char **why, bool *known)
{
	*known = true;
	if (conf_word_is(key, "interface")) {
		struct val w;

		while ((w = conf_next_word(&v)).n) {
			if (c->nifaces == NRD_MAX_IFACES || w.n >= IFNAME_LEN) {
				*why = "interface names (at most 8 interfaces, 15 characters each)";
				return -1;
			}
			for (size_t i = 0; i < w.n; i++)
				if (!conf_name_char(w.p[i])) {
					*why = "interface names (letters, digits, '-', '_', '.')";
					return -1;
				}
			for (int i = 0; i < c->nifaces; i++)
				if (conf_word_is(w, c->ifaces[i])) {
					*why = "each interface once";
					return -1;
				}
			memcpy(c->ifaces[c->nifaces], w.p, w.n);
			c->ifaces[c->nifaces++][w.n] = '\0';
		}
		return 0;
	}
	if (conf_word_is(key, "user"))
		return conf_get_text(v, c->user, sizeof(c->user), why);
	if (conf_word_is(key, "state-dir"))
		return conf_get_text(v, c->state_dir, sizeof(c->state_dir), why);
	if (conf_word_is(key, "clients-dir"))
		return conf_get_text(v, c->clients_dir, sizeof(c->clients_dir), why);
	*known = false;
	return -1;
}

static int set_dhcp(struct nrd_conf *c, struct val key, struct val v, const char **why, bool *known)
{
	*known = true;
	if (conf_word_is(key, "mode")) {
		struct val w = conf_next_word(&v);

		*why = "full, proxy or off";
		if (conf_next_word(&v).n)
			return -1;
		if (conf_word_is(w, "full"))
			c->dhcp_mode = DHCP_MODE_FULL;
		else if (conf_word_is(w, "proxy"))
			c->dhcp_mode = DHCP_MODE_PROXY;
		else if (conf_word_is(w, "off"))
			c->dhcp_mode = DHCP_MODE_OFF;
		else
			return -1;
		return 0;
	}
	if (conf_word_is(key, "rapid-commit"))
		return conf_get_bool(v, &c->rapid_commit, why);
	if (conf_word_is(key, "arp-probe")) {
		uint64_t x;

		if (conf_get_number(v, "", 2000, &x, why) < 0) {
			*why = "milliseconds to wait for an answer, 0 (off) to 2000";
			return -1;
		}
		c->arp_probe_ms = (uint32_t)x;
		return 0;
	}
	return conf_set_param(&c->dhcp, key, v, why, known);
}

static int set_pool(struct dhcp_pool *pool, struct val key, struct val v, const char **why, bool *known)
{
	*known = true;
	if (conf_word_is(key, "range")) {
		struct val a = conf_next_word(&v), b = conf_next_word(&v);

		*why = "two IPv4 addresses, the first and the last of the range";
		if (!a.n || !b.n || conf_next_word(&v).n || parse_in4(a.p, a.n, &pool->start) < 0 ||
		    parse_in4(b.p, b.n, &pool->end) < 0)
			return -1;
		if (ntohl(pool->start) > ntohl(pool->end)) {
			*why = "a range whose first address is not after its last";
			return -1;
		}
		return 0;
	}
	return conf_set_param(&pool->p, key, v, why, known);
}

static int set_boot(struct boot_conf *b, struct val key, struct val v, const char **why, bool *known)
{
	uint64_t x;

	*known = true;
	if (conf_word_is(key, "pi-menu"))
		return conf_get_text(v, b->pi_menu, sizeof(b->pi_menu), why);
	if (conf_word_is(key, "pi-reply-delay")) {
		if (conf_get_number(v, "", 5000, &x, why) < 0) {
			*why = "milliseconds, 0 to 5000";
			return -1;
		}
		b->pi_reply_delay_ms = (uint32_t)x;
		return 0;
	}
	if (conf_word_is(key, "pxe-bios"))
		return conf_get_text(v, b->pxe_bios, sizeof(b->pxe_bios), why);
	if (conf_word_is(key, "efi-x64"))
		return conf_get_text(v, b->efi_x64, sizeof(b->efi_x64), why);
	if (conf_word_is(key, "efi-arm64"))
		return conf_get_text(v, b->efi_arm64, sizeof(b->efi_arm64), why);
	if (conf_word_is(key, "uboot"))
		return conf_get_text(v, b->uboot, sizeof(b->uboot), why);
	if (conf_word_is(key, "pxelinux-config"))
		return conf_get_text(v, b->pxelinux_config, sizeof(b->pxelinux_config), why);
	if (conf_word_is(key, "pxelinux-prefix"))
		return conf_get_text(v, b->pxelinux_prefix, sizeof(b->pxelinux_prefix), why);
	*known = false;
	return -1;
}

/* A number key from lo to hi; what: the message when it is not. */
static int ranged_number(struct val v, uint64_t lo, uint64_t hi, uint32_t *out, const char **why, const char *what)
{
	uint64_t x;

	if (conf_get_number(v, "", hi, &x, why) < 0 || x < lo) {
		*why = what;
		return -1;
	}
	*out = (uint32_t)x;
	return 0;
}

static int set_tftp(struct tftp_conf *t, struct val key, struct val v, const char **why, bool *known)
{
	*known = true;
	if (conf_word_is(key, "root"))
		return conf_get_text(v, t->root, sizeof(t->root), why);
	if (conf_word_is(key, "single-port"))
		return conf_get_bool(v, &t->single_port, why);
	if (conf_word_is(key, "fallback"))
		return conf_get_bool(v, &t->fallback, why);
	if (conf_word_is(key, "unique-root")) {
		struct val w = conf_next_word(&v);

		*why = "off, mac or ip";
		if (conf_next_word(&v).n)
			return -1;
		if (conf_word_is(w, "off"))
			t->unique_root = TFTP_UR_OFF;
		else if (conf_word_is(w, "mac"))
			t->unique_root = TFTP_UR_MAC;
		else if (conf_word_is(w, "ip"))
			t->unique_root = TFTP_UR_IP;
		else
			return -1;
		return 0;
	}
	if (conf_word_is(key, "max-sessions"))
		return ranged_number(v, 1, 65536, &t->max_sessions, why, "a number of transfers, 1 to 65536");
	if (conf_word_is(key, "retries"))
		return ranged_number(v, 1, 100, &t->retries, why, "a number of resends, 1 to 100");
	if (conf_word_is(key, "retransmit"))
		return ranged_number(v, 10, 60000, &t->retransmit_ms, why, "milliseconds, 10 to 60000");
	if (conf_word_is(key, "max-blksize"))
		return ranged_number(v, 512, 65464, &t->max_blksize, why, "bytes, 512 to 65464");
	if (conf_word_is(key, "max-window"))
		return ranged_number(v, 1, 64, &t->max_window, why, "blocks, 1 to 64");
	if (conf_word_is(key, "write"))
		return conf_get_bool(v, &t->write, why);
	if (conf_word_is(key, "max-write-mib"))
		return ranged_number(v, 1, 65536, &t->max_write_mib, why, "MiB, 1 to 65536");
	*known = false;
	return -1;
}


static int set_iscsi(struct nrd_conf *c, struct val key, struct val v, const char **why, bool *known)
{
	*known = true;
	if (conf_word_is(key, "port")) {
		uint32_t x;
		int r = ranged_number(v, 1, 65535, &x, why, "a TCP port, 1 to 65535");

		c->iscsi_port = (uint16_t)x;
		return r;
	}
	if (conf_word_is(key, "io-threads")) {
		uint32_t x;
		int r = ranged_number(v, 1, 64, &x, why, "a number of I/O threads, 1 to 64");

		c->iscsi_io_threads = (uint8_t)x;
		return r;
	}
	if (conf_word_is(key, "require-digests")) {
		static const char *const w[] = { "no", "header", "data", "yes" };

		*why = "no, header, data or yes (both): the CRC32C digests every login must take";
		for (unsigned i = 0; i < 4; i++)
			if (conf_word_is(v, w[i])) {
				c->iscsi_require_digests = (uint8_t)i;
				return 0;
			}
		return -1;
	}
	*known = false;
	return 0;
}

static const char *const section_keys[] = {
	[SEC_NONE] = "",
	[SEC_NETROOTD] = "interface, user, state-dir, clients-dir",
	[SEC_DHCP] = "mode, rapid-commit, arp-probe, " PARAM_KEYS,
	[SEC_POOL] = "range, " PARAM_KEYS,
	[SEC_BOOT] = "pi-menu, pi-reply-delay, pxe-bios, efi-x64, efi-arm64, uboot, pxelinux-config, "
		     "pxelinux-prefix",
	[SEC_TFTP] = "root, single-port, unique-root, fallback, max-sessions, retries, retransmit, max-blksize, "
		     "max-window, write, max-write-mib",
	[SEC_ISCSI] = "port, require-digests, io-threads",
};

int nrd_conf_parse(struct nrd_conf *c, const char *file, const char *text, size_t len, struct conf_error *err)
{
	struct line l;
	size_t pos = 0;
	enum section sec = SEC_NONE;
	struct dhcp_pool *pool = NULL;
	const char *why = "";
	int r;

	memset(&l, 0, sizeof(l));
	if (len > NRD_CONF_MAX)
		return conf_err_at(err, file, 0, "larger than %u bytes", NRD_CONF_MAX);
	while ((r = conf_next_line(text, len, &pos, &l, &why)) != 1) {
		bool known = false;

		if (r < 0)
			return conf_err_at(err, file, l.no, "expected %s", why);
		if (l.is_section) {
			pool = NULL;
			if (conf_word_is(l.sec, "netrootd") && !l.arg.n)
				sec = SEC_NETROOTD;
			else if (conf_word_is(l.sec, "dhcp") && !l.arg.n)
				sec = SEC_DHCP;
			else if (conf_word_is(l.sec, "boot") && !l.arg.n)
				sec = SEC_BOOT;
			else if (conf_word_is(l.sec, "tftp") && !l.arg.n)
				sec = SEC_TFTP;
			else if (conf_word_is(l.sec, "iscsi") && !l.arg.n)
				sec = SEC_ISCSI;
			else if (conf_word_is(l.sec, "pool") && l.arg.n && l.arg.n < IFNAME_LEN) {
				sec = SEC_POOL;
				for (int i = 0; i < c->npools; i++)
					if (conf_word_is(l.arg, c->pools[i].name))
						return conf_err_at(err, file, l.no, "a second [pool %s] (the first is at line %d)",
							      c->pools[i].name, c->pools[i].line);
				if (c->npools == NRD_MAX_IFACES)
					return conf_err_at(err, file, l.no, "more than %d pools", NRD_MAX_IFACES);
				pool = &c->pools[c->npools++];
				memset(pool, 0, sizeof(*pool));
				memcpy(pool->name, l.arg.p, l.arg.n);
				pool->line = l.no;
			} else {
				return conf_err_at(err, file, l.no, "unknown section [%.*s%s%.*s]: expected [netrootd], [dhcp], "
					      "[pool NAME], [boot], [tftp] or [iscsi]", (int)l.sec.n, l.sec.p, l.arg.n ? " " : "",
					      (int)l.arg.n, l.arg.p);
			}
			continue;
		}
		if (!l.key.n)
			continue;
		switch (sec) {
		case SEC_NONE:
			return conf_err_at(err, file, l.no, "\"%.*s\" before any section: start with [netrootd]",
				      (int)l.key.n, l.key.p);
		case SEC_NETROOTD:
			r = set_netrootd(c, l.key, l.value, &why, &known);
			break;
		case SEC_DHCP:
			r = set_dhcp(c, l.key, l.value, &why, &known);
			break;
		case SEC_POOL:
			r = set_pool(pool, l.key, l.value, &why, &known);
			break;
		case SEC_BOOT:
			r = set_boot(&c->boot, l.key, l.value, &why, &known);
			break;
		case SEC_TFTP:
			r = set_tftp(&c->tftp, l.key, l.value, &why, &known);
			break;
		case SEC_ISCSI:
			r = set_iscsi(c, l.key, l.value, &why, &known);
			break;
		}
		if (!known)
			return conf_err_at(err, file, l.no, "unknown key \"%.*s\" in this section; its keys are: %s",
				      (int)l.key.n, l.key.p, section_keys[sec]);
		if (r < 0)
			return conf_err_at(err, file, l.no, "%.*s: expected %s", (int)l.key.n, l.key.p, why);
	}
	/* The whole. */
	if (c->nifaces == 0)
		return conf_err_at(err, file, 0, "no interface to serve: give [netrootd] interface = NAME (netrootd never "
			      "serves every interface by default)");
	for (int i = 0; i < c->npools; i++) {
		struct dhcp_pool *p = &c->pools[i];
		bool served = false;

		for (int k = 0; k < c->nifaces; k++)
			served |= !strcmp(c->ifaces[k], p->name);
		p->relayed = !served;
		if (!served && !p->p.netmask)
			return conf_err_at(err, file, p->line, "[pool %s]: %s is not in [netrootd] interface; a pool for boards "
				      "behind a DHCP relay needs netmask = (its subnet is where the relays are)", p->name,
				      p->name);
		if (!p->start)
			return conf_err_at(err, file, p->line, "[pool %s]: no range = FIRST LAST", p->name);
		if (p->p.netmask && !in4_same_net(p->start, p->end, p->p.netmask))
			return conf_err_at(err, file, p->line, "[pool %s]: the range is not inside one subnet of netmask %s",
				      p->name, in4_str(p->p.netmask, (char[IN4_STRLEN]){ 0 }));
	}
	if (c->tftp.root[0] && c->tftp.root[0] != '/')
		return conf_err_at(err, file, 0, "[tftp] root = %s: give an absolute path", c->tftp.root);
	if (c->dhcp_mode == DHCP_MODE_FULL && c->npools == 0)
		return conf_err_at(err, file, 0, "[dhcp] mode = full needs a [pool INTERFACE] with a range (or mode = proxy "
			      "beside another DHCP server)");
	return 0;
}
