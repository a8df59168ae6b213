#include "netconf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct out {
	char *p;
	size_t n, len;
	int err;
};

static void put(struct out *o, const char *s, size_t len)
{
	if (o->err || len >= o->n - o->len) {
		o->err = -ENOSPC;
		return;
	}
	memcpy(o->p + o->len, s, len);
	o->len += len;
	o->p[o->len] = '\0';
}

/* KEY='value'; a ' or ! inside becomes '\'' / '\!' (klibc write_option). */
static void opt(struct out *o, const char *key, const char *val)
{
	put(o, key, strlen(key));
	put(o, "='", 2);
	for (; *val; val++) {
		if (*val == '\'' || *val == '!') {
			char esc[4] = { '\'', '\\', *val, '\'' };

			put(o, esc, 4);
		} else {
			put(o, val, 1);
		}
	}
	put(o, "'\n", 2);
}

static void opt_ip(struct out *o, const char *key, in4_t a)
{
	char b[16];

	opt(o, key, in4_str(a, b));
}

static void opt_num(struct out *o, const char *key, unsigned long v)
{
	char b[24];

	snprintf(b, sizeof(b), "%lu", v);
	opt(o, key, b);
}

int netconf_format(const struct net_result *r, char *buf, size_t n)
{
	struct out o = { buf, n, 0, 0 };

	if (n == 0)
		return -ENOSPC;
	buf[0] = '\0';
	opt(&o, "DEVICE", r->device);
	opt(&o, "PROTO", r->proto ? r->proto : "none");
	opt_ip(&o, "IPV4ADDR", r->addr);
	opt_ip(&o, "IPV4BROADCAST", r->broadcast);
	opt_ip(&o, "IPV4NETMASK", r->netmask);
	opt_ip(&o, "IPV4GATEWAY", r->gateway);
	opt_ip(&o, "IPV4DNS0", r->dns[0]);
	opt_ip(&o, "IPV4DNS1", r->dns[1]);
	opt(&o, "HOSTNAME", r->hostname);
	opt(&o, "DNSDOMAIN", r->dnsdomain);
	opt(&o, "NISDOMAIN", r->nisdomain);
	opt_ip(&o, "ROOTSERVER", r->rootserver);
	opt(&o, "ROOTPATH", r->rootpath);
	opt(&o, "filename", r->filename);
	opt_num(&o, "UPTIME", r->uptime);
	opt_num(&o, "DHCPLEASETIME", r->leasetime);
	opt(&o, "DOMAINSEARCH", r->domainsearch);
	return o.err ? o.err : (int)o.len;
}

int netconf_resolv_format(const struct net_result *r, char *buf, size_t n)
{
	struct out o = { buf, n, 0, 0 };
	const char *search = r->domainsearch[0] ? r->domainsearch : r->dnsdomain;
	char a[16];
	size_t i;

	if (n == 0)
		return -ENOSPC;
	buf[0] = '\0';
	if (search[0]) {
		put(&o, "search ", 7);
		put(&o, search, strlen(search));
		put(&o, "\n", 1);
	}
	for (i = 0; i < sizeof(r->dns) / sizeof(r->dns[0]); i++) {
		if (!r->dns[i])
			continue;
		in4_str(r->dns[i], a);
		put(&o, "nameserver ", 11);
		put(&o, a, strlen(a));
		put(&o, "\n", 1);
	}
	return o.err ? o.err : (int)o.len;
}

int netconf_lease_format(const struct dhcp_lease *l, const char *ifname, unsigned long uptime,
			 char *buf, size_t n)
{
	struct out o = { buf, n, 0, 0 };

	if (n == 0)
		return -ENOSPC;
	buf[0] = '\0';
	opt(&o, "DEVICE", ifname);
	opt_ip(&o, "ADDRESS", l->addr);
	opt_ip(&o, "SERVER", l->server_id);
	opt_num(&o, "LEASE_SECONDS", l->lease_secs);
	opt_num(&o, "RENEW_SECONDS", l->t1_secs);
	opt_num(&o, "REBIND_SECONDS", l->t2_secs);
	opt_num(&o, "ACQUIRED_UPTIME", uptime);
	return o.err ? o.err : (int)o.len;
}

/* One line of /proc/net/pnp: "nameserver 1.2.3.4", "domain x", "bootserver a". */
static void pnp_line(const char *l, size_t len, struct pnp_info *out)
{
	const char *sp = memchr(l, ' ', len);
	size_t klen, vlen;
	const char *v;
	in4_t a;

	if (!sp)
		return;
	klen = (size_t)(sp - l);
	v = sp + 1;
	vlen = len - klen - 1;
	if (klen == 10 && !memcmp(l, "nameserver", 10)) {
		if (out->ndns < 3 && parse_in4(v, vlen, &a) == 0)
			out->dns[out->ndns++] = a;
	} else if (klen == 10 && !memcmp(l, "bootserver", 10)) {
		if (parse_in4(v, vlen, &a) == 0)
			out->bootserver = a;
	} else if (klen == 6 && !memcmp(l, "domain", 6)) {
		if (vlen < sizeof(out->domain)) {
			memcpy(out->domain, v, vlen);
			out->domain[vlen] = '\0';
		}
	}
}

int pnp_parse(const char *text, size_t len, struct pnp_info *out)
{
	size_t i = 0;
	bool first = true;

	memset(out, 0, sizeof(*out));
	while (i < len) {
		const char *l = text + i;
		const char *nl = memchr(l, '\n', len - i);
		size_t ll = nl ? (size_t)(nl - l) : len - i;

		if (first) {
			if (ll == 7 && !memcmp(l, "#MANUAL", 7))
				out->manual = true;
			else if (ll > 8 && ll < 8 + sizeof(out->proto) && !memcmp(l, "#PROTO: ", 8)) {
				memcpy(out->proto, l + 8, ll - 8);
				out->proto[ll - 8] = '\0';
			} else
				return -EINVAL;
			first = false;
		} else {
			pnp_line(l, ll, out);
		}
		i += ll + 1;
	}
	return first ? -EINVAL : 0;
}
