/* The DHCPv4 client: see dhcpc.h. One transition function, set_state(),
 * owns the timers and logs every "old -> new"; the message handlers only
 * decide which transition to make. Replies are trusted only after the
 * codec has checked them and they match our xid, chaddr and server. */
#include "dhcpc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "dhcp_ipudp.h"
#include "dhcp_net.h"
#include "log.h"
#include "text.h"

static const char *const state_names[DHCPC_NSTATES] = {
	[DHCPC_INIT] = "INIT",
	[DHCPC_SELECTING] = "SELECTING",
	[DHCPC_REQUESTING] = "REQUESTING",
	[DHCPC_BOUND] = "BOUND",
	[DHCPC_FAILED] = "FAILED",
};

#define TO(s) (1u << (s))

/* allowed[from]: the states it may go to. Same-state edges are
 * retransmissions. BOUND and FAILED are final. */
static const unsigned allowed[DHCPC_NSTATES] = {
	[DHCPC_INIT] = TO(DHCPC_SELECTING) | TO(DHCPC_FAILED),
	[DHCPC_SELECTING] = TO(DHCPC_SELECTING) | TO(DHCPC_REQUESTING) | TO(DHCPC_BOUND) |
			    TO(DHCPC_FAILED),
	[DHCPC_REQUESTING] = TO(DHCPC_REQUESTING) | TO(DHCPC_BOUND) | TO(DHCPC_INIT) |
			     TO(DHCPC_FAILED),
};

/* What we ask for (a.5 of the research notes: the union of kernel, klibc
 * and dracut, minus NIS). */
static const uint8_t param_request[] = {
	DHO_SUBNET_MASK, DHO_ROUTER, DHO_DNS, DHO_HOSTNAME, DHO_DOMAIN, DHO_ROOT_PATH,
	DHO_MTU, DHO_BROADCAST, DHO_NTP, DHO_DOMAIN_SEARCH, DHO_CLASSLESS_ROUTES,
};

const char *dhcpc_state_name(enum dhcpc_state s)
{
	return (unsigned)s < DHCPC_NSTATES ? state_names[s] : "?";
}

void dhcp_client_params_init(struct dhcp_client_params *p)
{
	memset(p, 0, sizeof(*p));
	p->rapid_commit = true;
}

/* splitmix64: xids and jitter need to differ between boards booting at the
 * same moment, not to be secret. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The wait after the tries-th transmission: 1, 2, 4, 8, 8... s, each
 * +-0.5 s (RFC 2131 4.1 uses 4..64 s; a booting board cannot wait that). */
static double backoff(struct dhcpc *c)
{
	double ms = DHCP_RETRANS_FIRST_MS, u;
	int i;

	for (i = 1; i < c->tries && ms < DHCP_RETRANS_MAX_MS; i++)
		ms *= 2;
	if (ms > DHCP_RETRANS_MAX_MS)
		ms = DHCP_RETRANS_MAX_MS;
	u = (double)(rng_next(&c->rng) >> 11) / 9007199254740992.0;    /* [0, 1) */
	return (ms + (2 * u - 1) * DHCP_RETRANS_JITTER_MS) / 1000.0;
}

/* ---- sending ------------------------------------------------------------ */

static int send_msg(struct dhcpc *c, uint8_t type, double now)
{
	uint8_t payload[DHCP_MSG_MAX], pkt[DHCP_PKT_MAX];
	struct wbuf w = wb_init(payload, sizeof(payload)), o = wb_init(pkt, sizeof(pkt));
	struct dhcp_ipudp ip = { 0, 0xffffffffu, DHCP_CLIENT_PORT, DHCP_SERVER_PORT, 64 };
	const char *vendor = c->p.vendor_class ? c->p.vendor_class : "netroot";
	double secs = now - c->started;
	struct dhcp_hdr h;
	int r;

	memset(&h, 0, sizeof(h));
	h.op = BOOTREQUEST;
	h.htype = 1;            /* Ethernet */
	h.hlen = 6;
	h.xid = c->xid;
	h.secs = secs <= 0 ? 0 : secs >= 65535 ? 65535 : (uint16_t)secs;
	h.flags = DHCP_FLAG_BROADCAST;      /* no address yet: we cannot take unicast */
	memcpy(h.chaddr, c->ifc.mac, 6);

	dhcp_msg_begin(&w, &h);
	dhcp_opt_put_u8(&w, DHO_MESSAGE_TYPE, type);
	if (c->p.client_id && c->p.client_id_len)
		dhcp_opt_put(&w, DHO_CLIENT_ID, c->p.client_id, c->p.client_id_len);
	dhcp_opt_put_be16(&w, DHO_MAX_MSG_SIZE, DHCP_PKT_MAX);
	if (type == DHCPREQUEST) {
		dhcp_opt_put_in4(&w, DHO_SERVER_ID, c->server);
		dhcp_opt_put_in4(&w, DHO_REQUESTED_ADDR, c->offered);
	}
	if (c->p.hostname && c->p.hostname[0])
		dhcp_opt_put_str(&w, DHO_HOSTNAME, c->p.hostname);
	if (vendor[0])
		dhcp_opt_put_str(&w, DHO_VENDOR_CLASS, vendor);
	dhcp_opt_put(&w, DHO_PARAM_REQUEST, param_request, sizeof(param_request));
	if (type == DHCPDISCOVER && c->p.rapid_commit)
		dhcp_opt_put(&w, DHO_RAPID_COMMIT, NULL, 0);
	r = dhcp_msg_end(&w);
	if (r == 0)
		r = dhcp_ipudp_build(&o, &ip, payload, w.len);
	if (r < 0) {
		log_err("dhcp: %s: cannot build a %s: %s", c->ifc.name, dhcp_type_name(type), strerror(-r));
		return r;
	}
	r = c->xmit(c->ctx, pkt, o.len);
	if (r < 0 && !c->xmit_err)      /* say it once per run of failures */
		log_warn("dhcp: %s: cannot send a %s: %s (will retry)", c->ifc.name, dhcp_type_name(type),
			 strerror(-r));
	c->xmit_err = r < 0 ? r : 0;
	if (type == DHCPDISCOVER)
		c->ndiscover++;
	else
		c->nrequest++;
	return r;
}

/* ---- the transition function -------------------------------------------- */

static void set_state(struct dhcpc *c, enum dhcpc_state to, double now)
{
	enum dhcpc_state from = c->state;

	if (!(allowed[from] & TO(to))) {
		log_err("dhcp: %s: internal error: no transition %s -> %s", c->ifc.name,
			dhcpc_state_name(from), dhcpc_state_name(to));
		if (!(allowed[from] & TO(DHCPC_FAILED)))
			return;
		to = DHCPC_FAILED;
	}
	switch (to) {
	case DHCPC_INIT:
		/* A new transaction: late replies to the old xid are ignored. */
		c->xid = (uint32_t)rng_next(&c->rng);
		c->tries = 0;
		c->offered = c->server = 0;
		c->timer = now + DHCP_RESTART_DELAY_MS / 1000.0;
		break;
	case DHCPC_SELECTING:
		if (from != DHCPC_SELECTING)
			c->tries = 0;
		send_msg(c, DHCPDISCOVER, now);     /* a failed send is retried like a lost one */
		c->tries++;
		c->timer = now + backoff(c);
		break;
	case DHCPC_REQUESTING:
		if (from != DHCPC_REQUESTING)
			c->tries = 0;
		send_msg(c, DHCPREQUEST, now);
		c->tries++;
		c->timer = now + backoff(c);
		break;
	default:                /* BOUND, FAILED: nothing more to time */
		c->timer = INFINITY;
		break;
	}
	c->state = to;
	if (isfinite(c->timer))
		log_debug("dhcp: %s: %s -> %s, next in %.2f s", c->ifc.name, dhcpc_state_name(from),
			  dhcpc_state_name(to), c->timer - now);
	else
		log_debug("dhcp: %s: %s -> %s", c->ifc.name, dhcpc_state_name(from), dhcpc_state_name(to));
}

void dhcpc_init(struct dhcpc *c, const struct dhcp_iface *ifc, const struct dhcp_client_params *p,
		dhcpc_xmit_fn *xmit, void *ctx, uint64_t seed)
{
	memset(c, 0, sizeof(*c));
	c->ifc = *ifc;
	c->ifc.name[sizeof(c->ifc.name) - 1] = '\0';
	if (p)
		c->p = *p;
	else
		dhcp_client_params_init(&c->p);
	c->xmit = xmit;
	c->ctx = ctx;
	c->rng = seed;
	c->state = DHCPC_INIT;
	c->timer = INFINITY;
	c->deadline = INFINITY;
}

void dhcpc_start(struct dhcpc *c, double now, double deadline)
{
	c->state = DHCPC_INIT;
	c->xid = (uint32_t)rng_next(&c->rng);
	c->started = now;
	c->deadline = deadline;
	c->timer = now;
	log_info("dhcp: %s: asking for an address (DISCOVER, xid 0x%08x%s)", c->ifc.name, c->xid,
		 c->p.rapid_commit ? ", rapid commit offered" : "");
	dhcpc_timeout(c, now);
}

double dhcpc_next_timeout(const struct dhcpc *c)
{
	if (c->state == DHCPC_BOUND || c->state == DHCPC_FAILED)
		return INFINITY;
	return c->timer < c->deadline ? c->timer : c->deadline;
}

static void give_up(struct dhcpc *c, double now)
{
	double waited = now - c->started;

	set_state(c, DHCPC_FAILED, now);
	if (c->noffer == 0 && c->nignored == 0)
		log_info("dhcp: %s: no answer from any DHCP server (%d DISCOVER%s in %.0f s)",
			 c->ifc.name, c->ndiscover, c->ndiscover == 1 ? "" : "s", waited);
	else if (c->noffer == 0)
		log_info("dhcp: %s: no usable offer (%d DISCOVERs in %.0f s; %d replies ignored, the last: %s)",
			 c->ifc.name, c->ndiscover, waited, c->nignored, c->last_ignored);
	else
		log_info("dhcp: %s: no lease (%d offers taken, %d NAKs, %d REQUESTs sent in %.0f s%s%s)",
			 c->ifc.name, c->noffer, c->nnak, c->nrequest, waited,
			 c->nignored ? "; last reply ignored: " : "", c->nignored ? c->last_ignored : "");
}

void dhcpc_timeout(struct dhcpc *c, double now)
{
	char a[16], s[16];

	if (c->state == DHCPC_BOUND || c->state == DHCPC_FAILED)
		return;
	if (now >= c->deadline) {
		give_up(c, now);
		return;
	}
	if (now < c->timer)
		return;
	switch (c->state) {
	case DHCPC_INIT:
		set_state(c, DHCPC_SELECTING, now);
		break;
	case DHCPC_SELECTING:
		/* Say so now and then, not on every retransmission. */
		if ((c->tries & (c->tries - 1)) == 0)
			log_info("dhcp: %s: no offer yet after %.0f s, DISCOVER again (#%d)", c->ifc.name,
				 now - c->started, c->ndiscover + 1);
		set_state(c, DHCPC_SELECTING, now);
		break;
	case DHCPC_REQUESTING:
		if (c->tries >= DHCP_REQUEST_TRIES) {
			log_info("dhcp: %s: %s did not answer %d REQUESTs for %s, starting over", c->ifc.name,
				 in4_str(c->server, s), c->tries, in4_str(c->offered, a));
			set_state(c, DHCPC_INIT, now);
		} else {
			set_state(c, DHCPC_REQUESTING, now);
		}
		break;
	default:
		break;
	}
}

/* ---- receiving ---------------------------------------------------------- */

static void ignore(struct dhcpc *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void ignore(struct dhcpc *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->last_ignored, sizeof(c->last_ignored), fmt, ap);
	va_end(ap);
	c->nignored++;
	log_debug("dhcp: %s: ignoring a reply: %s", c->ifc.name, c->last_ignored);
}

static void append(struct wbuf *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void append(struct wbuf *w, const char *fmt, ...)
{
	char tmp[PATH_LEN * 4 + 32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	wb_str(w, tmp);
}

static void log_bound(const struct dhcpc *c)
{
	const struct dhcp_lease *l = &c->lease;
	char line[600], a[16], s[16], esc[PATH_LEN * 4];
	struct wbuf w = wb_init(line, sizeof(line));
	int i;

	append(&w, "dhcp: %s: bound %s/%d from %s (lease ", c->ifc.name, in4_str(l->addr, a), l->prefix,
	       in4_str(l->server_id, s));
	if (l->lease_secs == 0xffffffffu)
		append(&w, "infinite");
	else if (l->lease_secs)
		append(&w, "%u s", l->lease_secs);
	else
		append(&w, "not given");
	append(&w, "%s)", l->rapid_commit ? ", rapid commit" : "");
	for (i = 0; i < l->nroutes && l->routes[i].prefix != 0; i++)
		;
	if (l->nroutes)
		append(&w, ", %d classless routes%s%s", l->nroutes, i < l->nroutes ? ", default via " : "",
		       i < l->nroutes ? in4_str(l->routes[i].gw, a) : "");
	else if (l->nrouters)
		append(&w, ", gateway %s", in4_str(l->routers[0], a));
	else
		append(&w, ", no gateway");
	for (i = 0; i < l->ndns; i++)
		append(&w, "%s%s", i ? " " : ", dns ", in4_str(l->dns[i], a));
	if (l->mtu)
		append(&w, ", mtu %u", l->mtu);
	if (l->rootpath[0])
		append(&w, ", root-path %s", text_escape(esc, sizeof(esc), l->rootpath, strlen(l->rootpath)));
	/* A line too long for the buffer keeps what fitted. */
	line[w.len < sizeof(line) ? w.len : sizeof(line) - 1] = '\0';
	log_info("%s", line);
}

static int on_offer(struct dhcpc *c, const struct dhcp_msg *m, double now)
{
	char a[16], s[16], o[16];
	const char *why;

	if (c->state != DHCPC_SELECTING) {
		ignore(c, "OFFER of %s from %s while requesting %s: the first offer wins",
		       in4_str(m->h.yiaddr, a), in4_str(m->server_id, s), in4_str(c->offered, o));
		return 0;
	}
	if (!dhcp_msg_has(m, DHO_SERVER_ID)) {
		ignore(c, "OFFER of %s without a server identifier", in4_str(m->h.yiaddr, a));
		return 0;
	}
	why = dhcp_bad_address(m->h.yiaddr);
	if (why) {
		ignore(c, "OFFER of an unusable address %s (%s)", in4_str(m->h.yiaddr, a), why);
		return 0;
	}
	c->noffer++;
	c->offered = m->h.yiaddr;
	c->server = m->server_id;
	log_info("dhcp: %s: offer %s from %s", c->ifc.name, in4_str(m->h.yiaddr, a), in4_str(m->server_id, s));
	set_state(c, DHCPC_REQUESTING, now);
	return 0;
}

static int on_ack(struct dhcpc *c, const struct dhcp_msg *m, double now)
{
	char a[16], s[16], ra[16], rs[16];
	const char *why;
	bool rapid = c->state == DHCPC_SELECTING;
	int i;

	if (rapid && !(c->p.rapid_commit && m->rapid_commit)) {
		ignore(c, "ACK without rapid commit before any OFFER");
		return 0;
	}
	if (!dhcp_msg_has(m, DHO_SERVER_ID)) {
		ignore(c, "ACK without a server identifier");
		return 0;
	}
	if (!rapid && (m->server_id != c->server || m->h.yiaddr != c->offered)) {
		ignore(c, "ACK of %s from %s, but we requested %s from %s", in4_str(m->h.yiaddr, a),
		       in4_str(m->server_id, s), in4_str(c->offered, ra), in4_str(c->server, rs));
		return 0;
	}
	if (dhcp_lease_from_ack(m, &c->lease, &why) < 0) {
		ignore(c, "ACK of %s: %s", in4_str(m->h.yiaddr, a), why);
		return 0;
	}
	c->lease.rapid_commit = rapid;
	set_state(c, DHCPC_BOUND, now);
	log_bound(c);
	/* What the server sent and the lease does not keep: say it. */
	for (i = 0; i < c->lease.nnotes && i < DHCP_LEASE_NOTES; i++)
		log_warn("dhcp: %s: %s", c->ifc.name, c->lease.notes[i]);
	if (c->lease.nnotes > DHCP_LEASE_NOTES)
		log_warn("dhcp: %s: %d more such notes", c->ifc.name, c->lease.nnotes - DHCP_LEASE_NOTES);
	return 1;
}

static int on_nak(struct dhcpc *c, const struct dhcp_msg *m, double now)
{
	char a[16], s[16], text[256];
	const uint8_t *msg;
	size_t len = 0;

	if (c->state != DHCPC_REQUESTING) {
		ignore(c, "NAK before we requested anything");
		return 0;
	}
	/* RFC 2131 requires a server id in a NAK; one from another server is
	 * not about our request. */
	if (dhcp_msg_has(m, DHO_SERVER_ID) && m->server_id != c->server) {
		ignore(c, "NAK from %s, but we requested from %s", in4_str(m->server_id, s), in4_str(c->server, a));
		return 0;
	}
	msg = dhcp_msg_opt(m, DHO_MESSAGE, &len);
	text_escape(text, sizeof(text), (const char *)msg, msg ? len : 0);
	c->nnak++;
	log_info("dhcp: %s: %s refused %s (NAK%s%s), starting over", c->ifc.name, in4_str(c->server, s),
		 in4_str(c->offered, a), msg ? ": " : "", text);
	set_state(c, DHCPC_INIT, now);
	return 0;
}

int dhcpc_receive(struct dhcpc *c, const uint8_t *pkt, size_t len, unsigned flags, double now)
{
	struct dhcp_msg m;
	struct dhcp_ipudp h;
	struct rbuf payload;
	const char *why;
	char mac[18];
	int i;

	if (c->state != DHCPC_SELECTING && c->state != DHCPC_REQUESTING)
		return 0;
	if (dhcp_ipudp_parse(pkt, len, flags, &h, &payload, &why) < 0) {
		ignore(c, "bad IPv4/UDP: %s", why);
		return 0;
	}
	if (h.sport != DHCP_SERVER_PORT || h.dport != DHCP_CLIENT_PORT) {
		ignore(c, "UDP ports %u -> %u, not 67 -> 68", h.sport, h.dport);
		return 0;
	}
	if (dhcp_msg_parse(payload.p, rb_left(&payload), &m) < 0) {
		if (m.error_opt)
			ignore(c, "malformed DHCP message: option %u (%s) %s", m.error_opt,
			       dhcp_opt_name(m.error_opt), m.error);
		else
			ignore(c, "malformed DHCP message: %s", m.error);
		return 0;
	}
	if (m.h.op != BOOTREPLY || m.h.xid != c->xid) {
		ignore(c, "not a reply to our xid 0x%08x (op %u, xid 0x%08x)", c->xid, m.h.op, m.h.xid);
		return 0;
	}
	if (m.h.htype != 1 || m.h.hlen != 6 || memcmp(m.h.chaddr, c->ifc.mac, 6) != 0) {
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m.h.chaddr[0], m.h.chaddr[1],
			 m.h.chaddr[2], m.h.chaddr[3], m.h.chaddr[4], m.h.chaddr[5]);
		ignore(c, "for another client (chaddr %s)", mac);
		return 0;
	}
	if (m.type == 0) {
		ignore(c, "a BOOTP reply (no DHCP message type)");
		return 0;
	}
	for (i = 0; i < m.nopt && m.type != DHCPACK; i++)   /* an ACK's: in the lease's notes */
		if (m.opt[i].invalid)
			log_debug("dhcp: %s: %s: option %u (%s) is malformed, left out", c->ifc.name,
				  dhcp_type_name(m.type), m.opt[i].code, dhcp_opt_name(m.opt[i].code));
	switch (m.type) {
	case DHCPOFFER:
		return on_offer(c, &m, now);
	case DHCPACK:
		return on_ack(c, &m, now);
	case DHCPNAK:
		return on_nak(c, &m, now);
	default:
		ignore(c, "unexpected DHCP message type %u (%s)", m.type, dhcp_type_name(m.type));
		return 0;
	}
}

/* ---- several interfaces in one poll loop -------------------------------- */

struct slot {
	struct dhcpc c;
	int fd;
};

static int slot_xmit(void *ctx, const uint8_t *pkt, size_t len)
{
	struct slot *s = ctx;

	return dhcp_net_send(s->fd, &s->c.ifc, pkt, len);
}

/* Different per board and per interface even when the entropy pool is not
 * ready yet (getrandom would block PID 1 on old kernels: never wait). */
static uint64_t seed_for(const struct dhcp_iface *ifc)
{
	struct timespec ts;
	uint64_t s = 0;
	int i;

	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != (ssize_t)sizeof(s))
		s = 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	s ^= (uint64_t)ts.tv_nsec << 20 ^ (uint64_t)ts.tv_sec ^ (uint64_t)(unsigned)ifc->ifindex << 40;
	for (i = 0; i < 6; i++)
		s = s * 131 + ifc->mac[i];
	return s;
}

static int poll_ms(double dt)
{
	if (!isfinite(dt))
		return -1;
	if (dt <= 0)
		return 0;
	if (dt > 3600)
		return 3600 * 1000;
	return (int)(dt * 1000.0) + 1;  /* round up: waking early would only spin */
}

/* Read what is queued (at most DHCP_RX_BURST). 1 if it made c BOUND. */
static int drain(struct slot *s)
{
	uint8_t buf[DHCP_PKT_MAX];
	unsigned flags;
	ssize_t n;
	int k;

	for (k = 0; k < DHCP_RX_BURST; k++) {
		flags = 0;
		n = dhcp_net_recv(s->fd, buf, sizeof(buf), &flags);
		if (n == -EAGAIN || n == -EINTR)
			return 0;
		if (n == -ENOMSG)
			continue;
		if (n == -EMSGSIZE) {
			log_debug("dhcp: %s: dropped a packet longer than %d bytes", s->c.ifc.name, DHCP_PKT_MAX);
			continue;
		}
		if (n < 0) {    /* ENETDOWN and friends: the link may come back */
			log_debug("dhcp: %s: receive: %s", s->c.ifc.name, strerror((int)-n));
			return 0;
		}
		if (dhcpc_receive(&s->c, buf, (size_t)n, flags, log_uptime()))
			return 1;
	}
	return 0;
}

int dhcp_acquire(const struct dhcp_iface *ifs, int n, const struct dhcp_client_params *p,
		 double deadline, int *winner, struct dhcp_lease *lease)
{
	struct slot slots[DHCP_MAX_IFACES];
	struct pollfd pfd[DHCP_MAX_IFACES];
	int which[DHCP_MAX_IFACES];
	struct dhcp_client_params defaults;
	int i, np, nopen = 0, r = 0;
	double now, next;

	if (!ifs || n <= 0 || !winner || !lease)
		return -EINVAL;
	if (n > DHCP_MAX_IFACES)
		return -E2BIG;
	if (!p) {
		dhcp_client_params_init(&defaults);
		p = &defaults;
	}
	for (i = 0; i < n; i++) {
		slots[i].fd = dhcp_net_open(&ifs[i]);
		if (slots[i].fd < 0) {
			log_warn("dhcp: %s: cannot open a packet socket: %s", ifs[i].name, strerror(-slots[i].fd));
			if (!r)
				r = slots[i].fd;
			continue;
		}
		nopen++;
		dhcpc_init(&slots[i].c, &ifs[i], p, slot_xmit, &slots[i], seed_for(&ifs[i]));
	}
	if (!nopen)
		return r;
	now = log_uptime();
	for (i = 0; i < n; i++)
		if (slots[i].fd >= 0)
			dhcpc_start(&slots[i].c, now, deadline);

	r = -ETIMEDOUT;
	for (;;) {
		now = log_uptime();
		next = INFINITY;
		np = 0;
		for (i = 0; i < n; i++) {
			struct dhcpc *c = &slots[i].c;

			if (slots[i].fd < 0)
				continue;
			dhcpc_timeout(c, now);
			if (c->state == DHCPC_FAILED)
				continue;
			if (dhcpc_next_timeout(c) < next)
				next = dhcpc_next_timeout(c);
			pfd[np].fd = slots[i].fd;
			pfd[np].events = POLLIN;
			pfd[np].revents = 0;
			which[np++] = i;
		}
		if (np == 0)
			break;          /* every interface reached the deadline */
		if (poll(pfd, (nfds_t)np, poll_ms(next - now)) < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			log_err("dhcp: poll: %s", strerror(errno));
			break;
		}
		for (i = 0; i < np; i++) {
			struct slot *s = &slots[which[i]];

			if (!pfd[i].revents || !drain(s))
				continue;
			*winner = which[i];
			*lease = s->c.lease;
			r = 0;
			goto out_close;
		}
	}
out_close:
	for (i = 0; i < n; i++)
		if (slots[i].fd >= 0)
			dhcp_net_close_later(slots[i].fd);
	return r;
}
