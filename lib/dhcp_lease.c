/* A DHCP ACK as a lease: see dhcp_lease.h. Everything the ACK offered and
 * the lease does not keep is said in a note; nothing here logs. */
#include "dhcp_lease.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ipv4.h"

static void note(struct dhcp_lease *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(struct dhcp_lease *l, const char *fmt, ...)
{
	va_list ap;

	if (l->nnotes < DHCP_LEASE_NOTES) {
		va_start(ap, fmt);
		vsnprintf(l->notes[l->nnotes], sizeof(l->notes[0]), fmt, ap);
		va_end(ap);
	}
	l->nnotes++;
}

const char *dhcp_bad_address(in4_t a)
{
	uint32_t h = ntohl(a);

	if (h >> 24 == 0)
		return "in 0.0.0.0/8";
	if (h >> 24 == 127)
		return "loopback";
	if (h >= 0xe0000000u)
		return "multicast or reserved";
	return NULL;
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

/* A text the codec decoded: the lease field is at least as large, so the
 * copy can never be cut or emptied (checked when compiled). */
#define COPY_TEXT(dst, src) do {                                                      \
	_Static_assert(sizeof(dst) >= sizeof(src), "lease field smaller than the codec's"); \
	memcpy((dst), (src), sizeof(src));                                            \
} while (0)

/* The first max addresses of an option's list; the others are named in a
 * note (beyond what the codec itself keeps: "more than"). */
static int keep_list(struct dhcp_lease *l, const struct dhcp_msg *m, uint8_t code, const in4_t *from,
		     int n, in4_t *to, int max, const char *why)
{
	bool cut = dhcp_bit(m->truncated, code);
	char ignored[DHCP_LEASE_NOTE_LEN], a[16];
	size_t o = 0;
	int i, kept = n < max ? n : max;

	memcpy(to, from, sizeof(*to) * (size_t)kept);
	if (n <= max && !cut)
		return kept;
	ignored[0] = '\0';
	for (i = max; i < n && o < sizeof(ignored); i++)
		o += (size_t)snprintf(ignored + o, sizeof(ignored) - o, " %s", in4_str(from[i], a));
	note(l, "option %u (%s): %s%d offered, the first %d kept (%s); not used:%s%s", code, dhcp_opt_name(code),
	     cut ? "more than " : "", n, max, why, ignored, cut ? " and more" : "");
	return kept;
}

static const char *secs_str(const uint32_t *v, char buf[16])
{
	if (!v)
		return "(none)";
	if (*v == DHCP_LEASE_INFINITE)
		return "infinite";
	snprintf(buf, 16, "%u", *v);
	return buf;
}

bool dhcp_lease_times(uint32_t lease, const uint32_t *t1, const uint32_t *t2, uint32_t *t1_out,
		      uint32_t *t2_out)
{
	uint32_t d1 = lease / 2, d2 = (uint32_t)((uint64_t)lease * 7 / 8);
	bool bad;

	if (lease == 0 || lease == DHCP_LEASE_INFINITE) {
		/* nothing to renew: without a lease time, or forever */
		*t1_out = *t2_out = lease;
		return (t1 && *t1 != lease) || (t2 && *t2 != lease);
	}
	bad = (t1 && (*t1 == 0 || *t1 > lease)) || (t2 && (*t2 == 0 || *t2 > lease));
	*t1_out = t1 ? *t1 : d1;
	*t2_out = t2 ? *t2 : d2;
	if (!bad && *t1_out <= *t2_out)
		return false;
	*t1_out = d1;
	*t2_out = d2;
	return true;
}

int dhcp_lease_from_ack(const struct dhcp_msg *m, struct dhcp_lease *l, const char **why)
{
	const uint32_t *t1 = dhcp_msg_has(m, DHO_T1) ? &m->t1_secs : NULL;
	const uint32_t *t2 = dhcp_msg_has(m, DHO_T2) ? &m->t2_secs : NULL;
	char b1[16], b2[16], b3[16], b4[16], b5[16];
	in4_t host;
	int i;

	memset(l, 0, sizeof(*l));
	*why = dhcp_bad_address(m->h.yiaddr);
	if (*why)
		return -EINVAL;
	l->addr = m->h.yiaddr;
	l->netmask = dhcp_msg_has(m, DHO_SUBNET_MASK) ? m->netmask : in4_classful_mask(l->addr);
	l->prefix = in4_prefix_len(l->netmask);     /* the codec accepts contiguous masks only */
	host = l->addr & ~l->netmask;
	if (l->prefix < 31 && (host == 0 || host == ~l->netmask)) {
		*why = "the address is its subnet's network or broadcast address";
		return -EINVAL;
	}
	l->broadcast = dhcp_msg_has(m, DHO_BROADCAST) ? m->broadcast : (l->addr | ~l->netmask);
	l->server_id = m->server_id;
	l->siaddr = m->h.siaddr;

	/* What the codec could not use at all. */
	for (i = 0; i < m->nopt; i++)
		if (m->opt[i].invalid)
			note(l, "option %u (%s) is malformed or longer than netroot keeps; not used",
			     m->opt[i].code, dhcp_opt_name(m->opt[i].code));

	if (dhcp_msg_has(m, DHO_CLASSLESS_ROUTES)) {
		l->nroutes = m->nroutes;
		memcpy(l->routes, m->routes, sizeof(l->routes[0]) * (size_t)m->nroutes);
		if (m->routes_cut)
			note(l, "option 121 (classless-routes): %d route%s kept, the rest not read: %s", m->nroutes,
			     m->nroutes == 1 ? "" : "s", m->routes_cut);
	} else {
		l->nrouters = keep_list(l, m, DHO_ROUTER, m->routers, m->nrouters, l->routers,
					DHCP_LEASE_ROUTERS, "the first is the gateway");
	}
	l->ndns = keep_list(l, m, DHO_DNS, m->dns, m->ndns, l->dns, DHCP_LEASE_DNS,
			    "resolv.conf reads no more");
	l->nntp = keep_list(l, m, DHO_NTP, m->ntp, m->nntp, l->ntp, DHCP_LEASE_NTP, "the lease's limit");
	if (dhcp_bit(m->truncated, DHO_DOMAIN_SEARCH))
		note(l, "option 119 (domain-search): cut to %d names / %d bytes", DHCP_MAX_SEARCH,
		     DHCP_SEARCH_LEN - 1);
	l->mtu = dhcp_msg_has(m, DHO_MTU) ? m->mtu : 0;

	l->lease_secs = dhcp_msg_has(m, DHO_LEASE_TIME) ? m->lease_secs : 0;
	if (dhcp_lease_times(l->lease_secs, t1, t2, &l->t1_secs, &l->t2_secs))
		note(l, "renewal times T1 %s / T2 %s s do not fit a lease of %s s: using %s / %s s",
		     secs_str(t1, b1), secs_str(t2, b2), secs_str(&l->lease_secs, b3), secs_str(&l->t1_secs, b4),
		     secs_str(&l->t2_secs, b5));

	COPY_TEXT(l->hostname, m->hostname);
	COPY_TEXT(l->domain, m->domain);
	COPY_TEXT(l->search, m->search);
	COPY_TEXT(l->rootpath, m->rootpath);
	if (dhcp_msg_has(m, DHO_BOOTFILE))
		COPY_TEXT(l->bootfile, m->bootfile);
	else if (printable(m->h.file))
		COPY_TEXT(l->bootfile, m->h.file);
	else
		note(l, "the header's boot file field holds bytes that are not printable; not used");
	return 0;
}

int dhcp_routes_install(const struct dhcp_route *routes, int n, dhcp_route_add_fn *add, void *ctx,
			int err[])
{
	int i, done = 0, before;

	for (i = 0; i < n; i++)
		err[i] = -EAGAIN;       /* not tried yet */
	do {
		before = done;
		for (i = 0; i < n; i++) {
			if (err[i] == 0)
				continue;
			err[i] = add(ctx, &routes[i]);
			if (err[i] > 0)
				err[i] = 0;
			if (err[i] == 0)
				done++;
		}
	} while (done > before && done < n);
	return done;
}
