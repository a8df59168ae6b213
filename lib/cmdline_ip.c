/* ip= / nfsaddrs=, BOOTIF= and hwaddr=.
 *
 * Three forms (research note a.1):
 *   kernel    <client>:<server>:<gw>:<netmask>:<host>:<dev>:<autoconf>:<dns0>:<dns1>:<ntp0>
 *             (dracut may put <mtu>:<mac> where dns0 and dns1 are)
 *   shorthand <autoconf>, or dhcp,<type>,<client-id>
 *   dracut    <iface>:<autoconf>[:<mtu>[:<mac>]]
 * Unlike the kernel, which folds every ip= into one global configuration,
 * each ip= becomes its own spec (klibc ipconfig). */
#include <errno.h>
#include <string.h>

#include "cmdline.h"
#include "cmdline_int.h"

#define IP_MAX_FIELDS 16  /* the kernel reads 10; dracut's MAC can take 6 */

struct fld {
	const char *p;
	size_t n;
};

static const char *const field_name[10] = {
	"client", "server", "gateway", "netmask", "hostname",
	"device", "autoconf", "dns0", "dns1", "ntp0",
};

static const struct {
	const char *word;
	enum ip_autoconf ac;
} ac_words[] = {
	{ "off", AUTOCONF_OFF }, { "none", AUTOCONF_OFF }, { "static", AUTOCONF_OFF },
	{ "on", AUTOCONF_ANY }, { "any", AUTOCONF_ANY }, { "both", AUTOCONF_ANY },
	{ "dhcp", AUTOCONF_DHCP }, { "single-dhcp", AUTOCONF_DHCP },
	{ "bootp", AUTOCONF_BOOTP }, { "rarp", AUTOCONF_RARP },
	{ "dhcp6", AUTOCONF_DHCP6 }, { "auto6", AUTOCONF_DHCP6 },
	{ "either6", AUTOCONF_DHCP6 }, { "link6", AUTOCONF_DHCP6 },
};

/* dhcp,<type>,<client-id>: ic_proto_name(); <type> as kstrtou8 base 0 would,
 * but only decimal or 0x hex. */
static void client_id(struct boot_config *cfg, const char *key, struct ip_spec *s,
		      const char *p, size_t n)
{
	const char *comma = memchr(p, ',', n);
	char e[CL_ESC_LEN];
	size_t tn, idn;
	long type = -1;

	if (!comma) {
		cl_diag(cfg, DIAG_WARN, "%s=: expected dhcp,<type>,<client-id>; the client id is ignored", key);
		return;
	}
	tn = (size_t)(comma - p);
	if (tn > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		size_t i;

		type = 0;
		for (i = 2; i < tn && type >= 0; i++) {
			char c = p[i];
			int d = (c >= '0' && c <= '9') ? c - '0' :
				(c >= 'a' && c <= 'f') ? c - 'a' + 10 :
				(c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;

			type = (d < 0 || type > 0xff) ? -1 : type * 16 + d;
		}
		if (type > 0xff)
			type = -1;
	} else if (cl_num(p, tn, 0, 255, &type) < 0) {
		type = -1;
	}
	if (type < 0) {
		cl_diag(cfg, DIAG_ERROR, "%s=: DHCP client id type '%s' is not a number from 0 to 255; the client id is ignored",
			key, cl_esc(e, sizeof(e), p, tn));
		return;
	}
	idn = n - tn - 1;
	if (idn == 0 || idn > DHCP_CLIENT_ID_MAX) {
		cl_diag(cfg, DIAG_ERROR, "%s=: DHCP client id must be 1 to %d bytes (got %zu); ignored",
			key, DHCP_CLIENT_ID_MAX, idn);
		return;
	}
	s->client_id_type = (uint8_t)type;
	cl_copy(s->client_id, sizeof(s->client_id), comma + 1, idn);
	s->has_client_id = true;
}

/* An autoconf word. In field 7 an unknown word means off (kernel); as the
 * whole value it means full autoconfiguration (kernel ip_auto_config_setup). */
static enum ip_autoconf autoconf(struct boot_config *cfg, const char *key,
				 struct ip_spec *s, const char *p, size_t n, bool field)
{
	char e[CL_ESC_LEN];
	size_t i;

	if (n == 0)
		return AUTOCONF_UNSET;
	if (n >= 5 && memcmp(p, "dhcp,", 5) == 0) {
		client_id(cfg, key, s, p + 5, n - 5);
		return AUTOCONF_DHCP;
	}
	for (i = 0; i < sizeof(ac_words) / sizeof(ac_words[0]); i++) {
		if (!cl_eq(p, n, ac_words[i].word))
			continue;
		if (ac_words[i].ac == AUTOCONF_DHCP6)
			cl_diag(cfg, DIAG_WARN, "%s=: '%s' (IPv6 autoconfiguration) is not supported",
				key, ac_words[i].word);
		return ac_words[i].ac;
	}
	cl_esc(e, sizeof(e), p, n);
	if (n > 4 && memcmp(p, "dhcp", 4) == 0) {  /* the kernel matches "dhcp*" */
		cl_diag(cfg, DIAG_WARN, "%s=: '%s' is read as 'dhcp', as the kernel does", key, e);
		return AUTOCONF_DHCP;
	}
	if (field) {
		cl_diag(cfg, DIAG_WARN, "%s=: field 7 (autoconf) '%s' is not a method; the kernel treats it as 'off'",
			key, e);
		return AUTOCONF_OFF;
	}
	cl_diag(cfg, DIAG_WARN, "%s=: '%s' is not a method; the kernel treats it as full autoconfiguration (any)",
		key, e);
	return AUTOCONF_ANY;
}

static void addr(struct boot_config *cfg, const char *key, int i, struct fld f, in4_t *out)
{
	char e[CL_ESC_LEN];
	uint8_t b[4];
	uint32_t h, inv;

	if (parse_in4(f.p, f.n, out) < 0) {
		*out = 0;
		cl_diag(cfg, DIAG_ERROR, "%s=: field %d (%s) '%s' is not an IPv4 address",
			key, i + 1, field_name[i], cl_esc(e, sizeof(e), f.p, f.n));
		return;
	}
	if (i != 3)
		return;
	memcpy(b, out, 4);
	h = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	inv = ~h;
	if (inv & (inv + 1)) {
		*out = 0;
		cl_diag(cfg, DIAG_ERROR, "%s=: field 4 (netmask) '%s' is not a contiguous netmask",
			key, cl_esc(e, sizeof(e), f.p, f.n));
	}
}

/* Printable and no blank: what a hostname or an interface name may hold. */
static bool graphic(struct fld f)
{
	size_t i;

	for (i = 0; i < f.n; i++)
		if ((unsigned char)f.p[i] <= 0x20 || (unsigned char)f.p[i] >= 0x7f)
			return false;
	return true;
}

static void device(struct boot_config *cfg, const char *key, struct ip_spec *s, struct fld f)
{
	char e[CL_ESC_LEN];

	if (f.n >= sizeof(s->device) || memchr(f.p, '/', f.n) || cl_eq(f.p, f.n, ".") ||
	    cl_eq(f.p, f.n, "..") || !graphic(f)) {
		cl_diag(cfg, DIAG_ERROR, "%s=: device '%s' is not an interface name (at most %d printable bytes, no '/')",
			key, cl_esc(e, sizeof(e), f.p, f.n), IFNAME_LEN - 1);
		return;
	}
	cl_copy(s->device, sizeof(s->device), f.p, f.n);
}

static void mtu(struct boot_config *cfg, const char *key, struct ip_spec *s, struct fld f)
{
	char e[CL_ESC_LEN];
	long v;

	if (f.n == 0)
		return;
	if (cl_num(f.p, f.n, 68, 65535, &v) == 0)
		s->mtu = (unsigned)v;
	else
		cl_diag(cfg, DIAG_ERROR, "%s=: MTU '%s' is not a number from 68 to 65535",
			key, cl_esc(e, sizeof(e), f.p, f.n));
}

/* A MAC in one field (aa-bb-..) or spread over six (aa:bb:..). */
static void mac(struct boot_config *cfg, const char *key, struct ip_spec *s,
		const struct fld *f, int first, int nf)
{
	char buf[18], e[CL_ESC_LEN];
	const char *p = f[first].p;
	size_t n = f[first].n;
	char sep = '-';

	if (nf - first >= 6) {
		n = (size_t)(f[first + 5].p + f[first + 5].n - p);
		sep = ':';
	}
	if (n == 0)
		return;
	if (n == 17 && cl_copy(buf, sizeof(buf), p, n) == 0 && parse_mac(buf, sep, s->mac) == 0) {
		s->has_mac = true;
		return;
	}
	cl_diag(cfg, DIAG_ERROR, "%s=: '%s' is not a MAC address", key, cl_esc(e, sizeof(e), p, n));
}

static bool looks_numeric(struct fld f)
{
	return f.n > 0 && strspn(f.p, "0123456789.") >= f.n;
}

static void kernel_form(struct boot_config *cfg, const char *key, struct ip_spec *s,
			const struct fld *f, int nf)
{
	char e[CL_ESC_LEN];
	int i;

	for (i = 0; i < nf && i < 10; i++) {
		if (f[i].n == 0)
			continue;  /* an empty field keeps the default */
		switch (i) {
		case 0: addr(cfg, key, i, f[i], &s->client); break;
		case 1: addr(cfg, key, i, f[i], &s->server); break;
		case 2: addr(cfg, key, i, f[i], &s->gateway); break;
		case 3: addr(cfg, key, i, f[i], &s->netmask); break;
		case 4:
			if (!graphic(f[i]))
				cl_diag(cfg, DIAG_ERROR, "%s=: field 5 (hostname) '%s' holds a blank or unprintable byte",
					key, cl_esc(e, sizeof(e), f[i].p, f[i].n));
			else if (cl_copy(s->hostname, sizeof(s->hostname), f[i].p, f[i].n) < 0)
				cl_diag(cfg, DIAG_ERROR, "%s=: field 5 (hostname) '%s' is longer than %d bytes",
					key, cl_esc(e, sizeof(e), f[i].p, f[i].n), HOSTNAME_LEN - 1);
			break;
		case 5: device(cfg, key, s, f[i]); break;
		case 6: s->autoconf = autoconf(cfg, key, s, f[i].p, f[i].n, true); break;
		case 7:
			/* dracut: <mtu>:<macaddr> instead of <dns0>:<dns1> */
			if (strspn(f[7].p, "0123456789") >= f[7].n) {
				mtu(cfg, key, s, f[7]);
				if (nf > 8)
					mac(cfg, key, s, f, 8, nf);
				i = nf;
				break;
			}
			addr(cfg, key, i, f[i], &s->dns[0]);
			break;
		case 8: addr(cfg, key, i, f[i], &s->dns[1]); break;
		case 9: addr(cfg, key, i, f[i], &s->ntp); break;
		}
	}
	if (s->client && s->gateway && s->netmask &&
	    ((s->client ^ s->gateway) & s->netmask) != 0) {
		char a[16], b[16];

		cl_diag(cfg, DIAG_WARN, "%s=: gateway %s is not on the subnet of %s; the kernel refuses this configuration",
			key, in4_str(s->gateway, a), in4_str(s->client, b));
	}
	if (s->autoconf == AUTOCONF_OFF && !s->client)
		cl_diag(cfg, DIAG_WARN, "%s=: autoconf is off but no client address is given; the kernel then skips IP configuration",
			key);
}

void cl_ip(struct cl_state *st, const char *key, const char *val)
{
	struct boot_config *cfg = st->cfg;
	struct fld f[IP_MAX_FIELDS];
	struct ip_spec *s;
	const char *p = val;
	int nf = 0;

	key = strcmp(key, "ip") == 0 ? "ip" : "nfsaddrs";  /* a literal: specs keep it */
	if (val[0] == '\0' || strcmp(val, "off") == 0 || strcmp(val, "none") == 0 ||
	    strcmp(val, "static") == 0) {
		if (strcmp(val, "static") == 0)
			cl_diag(cfg, DIAG_WARN, "%s=static: no address given, so nothing is configured (klibc); the kernel's own ipconfig treats it as full autoconfiguration",
				key);
		if (cfg->nip > 0) {
			cl_diag(cfg, DIAG_WARN, "%s=: turns IP configuration off, discarding %d earlier ip= (the last one wins)",
				key, cfg->nip);
			memset(cfg->ip, 0, sizeof(cfg->ip));
			cfg->nip = 0;
		}
		cfg->ip_off = true;
		return;
	}
	if (cfg->ip_off) {
		cl_diag(cfg, DIAG_WARN, "%s=: overrides an earlier ip=off (the last one wins)", key);
		cfg->ip_off = false;
	}
	if (cfg->nip >= IP_MAX_SPECS) {
		cl_diag(cfg, DIAG_ERROR, "%s=: more than %d ip= arguments; this one is ignored",
			key, IP_MAX_SPECS);
		return;
	}
	s = &cfg->ip[cfg->nip++];
	memset(s, 0, sizeof(*s));
	s->arg = key;

	if (!strchr(val, ':') || strncmp(val, "dhcp,", 5) == 0) {
		s->form = IP_FORM_SHORTHAND;
		s->autoconf = autoconf(cfg, key, s, val, strlen(val), false);
		return;
	}
	for (;;) {
		size_t n = strcspn(p, ":");

		if (nf < IP_MAX_FIELDS) {
			f[nf].p = p;
			f[nf].n = n;
		}
		nf++;
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	if (nf > IP_MAX_FIELDS)
		nf = IP_MAX_FIELDS;
	if (f[0].n > 0 && !looks_numeric(f[0]) && (nf <= 4 || nf == 9)) {
		s->form = IP_FORM_DRACUT;
		device(cfg, key, s, f[0]);
		s->autoconf = autoconf(cfg, key, s, f[1].p, f[1].n, true);
		if (nf > 2)
			mtu(cfg, key, s, f[2]);
		if (nf > 3)
			mac(cfg, key, s, f, 3, nf);
		return;
	}
	s->form = IP_FORM_KERNEL;
	kernel_form(cfg, key, s, f, nf);
}

/* BOOTIF=01-aa-bb-cc-dd-ee-ff (pxelinux, type 01 = Ethernet) or hwaddr=. */
void cl_hwaddr(struct cl_state *st, const char *key, const char *val)
{
	struct boot_config *cfg = st->cfg;
	const char *m = val;
	char e[CL_ESC_LEN];

	if (strcmp(key, "BOOTIF") == 0 && strlen(val) == 20) {
		if (strncmp(val, "01-", 3) != 0) {
			cl_diag(cfg, DIAG_ERROR, "BOOTIF=: hardware type '%s' is not Ethernet (01); ignored",
				cl_esc(e, sizeof(e), val, 2));
			return;
		}
		m = val + 3;
	}
	if (strlen(m) == 17 && (m[2] == ':' || m[2] == '-') &&
	    parse_mac(m, m[2], cfg->bootif) == 0) {
		cfg->has_bootif = true;
		return;
	}
	cl_diag(cfg, DIAG_ERROR, "%s=: '%s' is not a MAC address; ignored",
		key, cl_esc(e, sizeof(e), val, strlen(val)));
}
