#include "loop.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "conf_load.h"
#include "log.h"

#define ARP_EV 0x100             /* epoll data of interface i's ARP socket: ARP_EV + i */

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Each socket's interface as the handler sees it, with its pool. */
static void map_ifaces(struct loop *L)
{
	for (int i = 0; i < L->nsocks; i++) {
		struct dhcpd_iface *f = &L->ifcs[i];

		memset(f, 0, sizeof(*f));
		memcpy(f->name, L->socks[i].ifname, sizeof(f->name));
		f->addr = L->socks[i].addr;
		f->netmask = L->socks[i].netmask;
		for (int k = 0; k < L->conf.npools; k++)
			if (!strcmp(L->conf.pools[k].name, f->name))
				f->pool = &L->conf.pools[k];
	}
}

/* unique-root = mac: a TFTP client's MAC from its address: the lease we
 * gave it, else the kernel's neighbour table (proxy mode, static boards). */
static int mac_of(void *ctx, in4_t ip, uint8_t mac[6])
{
	struct loop *L = ctx;
	const struct lease *l = lease_by_addr(&L->leases, ip);
	char line[256], want[IN4_STRLEN];
	FILE *f;
	int r = -1;

	if (l && l->cid_len == 7 && l->cid[0] == 1) {
		memcpy(mac, l->cid + 1, 6);
		return 0;
	}
	f = fopen("/proc/net/arp", "re");
	if (!f)
		return -1;
	in4_str(ip, want);
	while (r < 0 && fgets(line, sizeof(line), f)) {
		char a[64], hw[64];
		unsigned m[6];

		if (sscanf(line, "%63s %*s %*s %63s", a, hw) == 2 && !strcmp(a, want) &&
		    sscanf(hw, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) == 6) {
			for (int i = 0; i < 6; i++)
				mac[i] = (uint8_t)m[i];
			r = 0;
		}
	}
	fclose(f);
	return r;
}

/* SIGHUP: the configuration and the boards again; the leases stay. */
static void reload(struct loop *L)
{
	static struct nrd_conf c;
	struct nrd_client *cl;
	struct conf_error err;
	int n;

	if (nrd_load(L->conf_path, &c, &cl, &n, &err) < 0) {
		log_err("reload: %s%s%.0d: %s; keeping the running configuration", err.file, err.line ? ":" : "",
			err.line, err.msg);
		return;
	}
	for (int i = 0; i < L->nsocks; i++) {
		bool still = false;

		for (int k = 0; k < c.nifaces; k++)
			still |= !strcmp(c.ifaces[k], L->socks[i].ifname);
		if (!still || c.nifaces != L->nsocks) {
			log_warn("reload: the served interfaces changed; that takes a restart (still serving the old set)");
			break;
		}
	}
	if (strcmp(c.tftp.root, L->conf.tftp.root) || c.tftp.single_port != L->conf.tftp.single_port ||
	    c.tftp.max_sessions != L->conf.tftp.max_sessions) {
		log_warn("reload: [tftp] root, single-port and max-sessions take a restart (keeping the running ones)");
		memcpy(c.tftp.root, L->conf.tftp.root, sizeof(c.tftp.root));
		c.tftp.single_port = L->conf.tftp.single_port;
		c.tftp.max_sessions = L->conf.tftp.max_sessions;
	}
	if (c.arp_probe_ms && L->nsocks && L->arps[0].fd < 0) {
		log_warn("reload: arp-probe was off at start and needs its sockets: it takes a restart (not probing)");
		c.arp_probe_ms = 0;
	}
	free(L->clients);
	L->conf = c;
	L->clients = cl;
	L->nclients = n;
	map_ifaces(L);
	L->tftp.clients = cl;
	L->tftp.nclients = n;
	if (L->status_on && status_set_clients(&L->status, cl, n) < 0)
		log_warn("reload: out of memory for the fleet status; it keeps the old boards");
	if (L->iscsi)
		iscsid_reload(L->iscsi, cl, n);
	log_info("reloaded %s: %d board%s, %llu leases kept", L->conf_path, n, n == 1 ? "" : "s",
		 (unsigned long long)L->leases.nlive);
}

/* Too many requests from one MAC in the window: dropped, said once. */
static bool rate_limited(struct loop *L, const uint8_t *pkt, size_t len, int64_t now)
{
	const uint8_t *mac = pkt + 28;
	struct rate_slot *s;

	if (len < 34)
		return false;   /* the handler refuses it anyway */
	s = &L->rate[lease_hash_id(mac, 6) % RATE_SLOTS];
	if (memcmp(s->mac, mac, 6) || now - s->window >= RATE_WINDOW_S) {
		memcpy(s->mac, mac, 6);
		s->window = now;
		s->count = 0;
		s->told = false;
	}
	if (++s->count <= RATE_MAX)
		return false;
	L->ndropped_rate++;
	if (!s->told) {
		log_warn("%02x:%02x:%02x:%02x:%02x:%02x: more than %d requests in %d s; ignoring it for the rest of "
			 "the window", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], RATE_MAX, RATE_WINDOW_S);
		s->told = true;
	}
	return true;
}

static void start_probe(struct loop *L, int i, const uint8_t *pkt, size_t len, in4_t a, int conflicts);

/* One request through the pure handler: true when *out is to go out now;
 * false when there is nothing to send, or it was put off (the Pi 3 ROM's
 * delay) or waits for an ARP probe (the request runs again after it). */
static bool handle(struct loop *L, int i, const uint8_t *pkt, size_t len, int conflicts, struct dhcpd_reply *out)
{
	struct dhcpd d = { &L->conf, L->clients, L->nclients, &L->leases, &L->probed };
	int r = dhcpd_handle(&d, &L->ifcs[i], pkt, len, (int64_t)time(NULL), out);

	if (out->log[0])
		log_info("%s", out->log);
	if (r != DHCPD_PROBE)
		loop_status_dhcp(L, pkt, len, r == 1 ? out : NULL);
	if (r == DHCPD_PROBE) {
		start_probe(L, i, pkt, len, out->probe, conflicts);
		return false;
	}
	if (r != 1)
		return false;
	if (out->delay_ms && L->npend < LOOP_MAX_PENDING) {
		struct pending *p = &L->pend[L->npend++];

		p->due_ms = mono_ms() + out->delay_ms;
		p->sock = i;
		p->r = *out;
		return false;
	}
	return true;
}

/* Requests are taken BATCH at a time (recvmmsg): each is answered by the
 * pure handler, the leases it bound reach the journal in one write, and
 * only then do the replies go out, in one sendmmsg — the journal is still
 * written before any ACK exists on the wire. */
static void on_packet(struct loop *L, int i)
{
	static uint8_t bufs[DHCPD_NET_BATCH][DHCP_PKT_MAX];
	static struct dhcpd_reply outs[DHCPD_NET_BATCH];
	size_t lens[DHCPD_NET_BATCH];
	int n, nsend, k, npend;

	log_hold(true);
	do {
		n = dhcpd_net_recv(&L->socks[i], bufs, lens, DHCPD_NET_BATCH);
		if (n <= 0)
			break;
		lease_batch_begin(&L->leases);
		nsend = 0;
		npend = L->npend;
		for (k = 0; k < n; k++) {
			L->nreq++;
			if (rate_limited(L, bufs[k], lens[k], (int64_t)time(NULL)))
				continue;
			if (handle(L, i, bufs[k], lens[k], 0, &outs[nsend]))
				nsend++;
		}
		k = lease_batch_end(&L->leases);
		if (k < 0) {
			log_err("cannot write the lease journal in %s: %s; %d repl%s not sent (the clients will ask "
				"again)", L->conf.state_dir, strerror(-k), nsend + L->npend - npend,
				nsend + L->npend - npend == 1 ? "y" : "ies");
			L->npend = npend;
			continue;
		}
		k = nsend ? dhcpd_net_send(&L->socks[i], outs, nsend) : 0;
		if (k > 0)
			L->nreply += (uint64_t)k;
		if (k < nsend)
			log_warn("%s: cannot send %d repl%s: %s", L->socks[i].ifname, nsend - (k > 0 ? k : 0),
				 nsend - (k > 0 ? k : 0) == 1 ? "y" : "ies", strerror(k < 0 ? -k : errno));
	} while (n == DHCPD_NET_BATCH);
	log_hold(false);
}

/* ---- ARP probes (arp-probe = MS) ------------------------------------------ */

static void start_probe(struct loop *L, int i, const uint8_t *pkt, size_t len, in4_t a, int conflicts)
{
	struct probe *p;
	char s[IN4_STRLEN];
	int r;

	for (int k = 0; k < L->nprobes; k++) {
		if (L->probes[k].addr != a)
			continue;
		/* A retransmission: the probe under way answers the newest
		 * copy. (Another client whose search met the same address
		 * asks again, and finds it probed.) */
		if (!memcmp(L->probes[k].chaddr, pkt + 28, 6)) {
			memcpy(L->probes[k].pkt, pkt, len);
			L->probes[k].len = len;
		}
		return;
	}
	if (L->nprobes == LOOP_MAX_PROBES) {
		log_warn("%d ARP probes already waiting: a request for %s dropped (the client asks again)",
			 LOOP_MAX_PROBES, in4_str(a, s));
		return;
	}
	p = &L->probes[L->nprobes++];
	p->addr = a;
	p->sock = i;
	p->conflicts = conflicts;
	memcpy(p->chaddr, pkt + 28, 6);
	memcpy(p->pkt, pkt, len);
	p->len = len;
	p->due_ms = mono_ms() + L->conf.arp_probe_ms;
	r = L->arps[i].fd >= 0 ? arp_probe_send(&L->arps[i], a) : -EBADF;
	if (r < 0) {
		/* Probing is a precaution: when it cannot be done the offer
		 * still goes out (at once), and the log says so. */
		log_warn("%s: cannot send the ARP probe for %s: %s; offering it unprobed", L->socks[i].ifname,
			 in4_str(a, s), strerror(-r));
		p->due_ms = 0;
	}
}

/* The probe's request again, now that the probe is over. */
static void rerun(struct loop *L, const struct probe *p, int conflicts)
{
	static struct dhcpd_reply out;
	bool send;
	int r;

	lease_batch_begin(&L->leases);
	send = handle(L, p->sock, p->pkt, p->len, conflicts, &out);
	r = lease_batch_end(&L->leases);
	if (r < 0) {
		log_err("cannot write the lease journal in %s: %s; reply not sent", L->conf.state_dir, strerror(-r));
		return;
	}
	if (send && dhcpd_net_send(&L->socks[p->sock], &out, 1) == 1)
		L->nreply++;
}

/* Probes nobody answered in time: their addresses are free. */
static void probes_due(struct loop *L)
{
	int64_t now = mono_ms();

	for (int k = 0; k < L->nprobes;) {
		struct probe p;

		if (L->probes[k].due_ms > now) {
			k++;
			continue;
		}
		p = L->probes[k];
		L->probes[k] = L->probes[--L->nprobes];
		dhcpd_probed_add(&L->probed, p.addr, (int64_t)time(NULL) + DHCPD_PROBED_KEEP_S);
		rerun(L, &p, p.conflicts);
	}
}

/* An ARP packet on interface i: a host claiming an address being probed
 * (other than the asking client itself) has it; the request runs again
 * and is offered another. */
static void on_arp(struct loop *L, int i)
{
	struct dhcpd d = { &L->conf, L->clients, L->nclients, &L->leases, &L->probed };
	uint8_t mac[6];
	in4_t ip;
	int r, budget = 256;

	while (budget-- > 0 && (r = arp_recv(&L->arps[i], &ip, mac)) != 0) {
		char s[IN4_STRLEN];

		if (r < 0) {
			log_warn("%s: ARP socket: %s", L->socks[i].ifname, strerror(-r));
			return;
		}
		for (int k = 0; r == 1 && k < L->nprobes; k++) {
			struct probe p = L->probes[k];

			if (p.addr != ip || p.sock != i || !memcmp(p.chaddr, mac, 6))
				continue;
			L->probes[k] = L->probes[--L->nprobes];
			L->nconflicts++;
			r = dhcpd_conflict(&d, ip, mac, (int64_t)time(NULL));
			log_warn("%s: %s is in use by %02x:%02x:%02x:%02x:%02x:%02x, which has no lease from netrootd "
				 "(an address set by hand inside the pool?): not offered for 10 min%s", L->socks[i].ifname,
				 in4_str(ip, s), mac[0], mac[1], mac[2], mac[3], mac[4], mac[5],
				 r < 0 ? ", but that could not be journaled" : "");
			if (p.conflicts + 1 >= PROBE_MAX_CONFLICTS)
				log_warn("%s: %d addresses in a row found in use; this request is dropped (the client "
					 "asks again)", L->socks[i].ifname, PROBE_MAX_CONFLICTS);
			else
				rerun(L, &p, p.conflicts + 1);
			break;
		}
	}
}

static void send_due(struct loop *L)
{
	int64_t now = mono_ms();

	for (int i = 0; i < L->npend;) {
		if (L->pend[i].due_ms > now) {
			i++;
			continue;
		}
		if (dhcpd_net_send(&L->socks[L->pend[i].sock], &L->pend[i].r, 1) == 1)
			L->nreply++;
		L->pend[i] = L->pend[--L->npend];
	}
}

int loop_run(struct loop *L)
{
	sigset_t set;
	int ep, sfd;
	struct epoll_event ev;

	map_ifaces(L);
	L->next_sweep_ms = mono_ms();   /* at once: leases that ended while we were down */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || ep < 0) {
		log_err("cannot set up the event loop: %s", strerror(errno));
		return 1;
	}
	ev.events = EPOLLIN;
	ev.data.u32 = 0xffff;
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
	if (L->tftp_on) {
		L->tftp.epfd = ep;
		L->tftp.mac_of = mac_of;
		L->tftp.on_done = loop_tftp_done;
		L->tftp.ctx = L;
		L->tftp.clients = L->clients;
		L->tftp.nclients = L->nclients;
		for (int i = 0; i < L->tftp.nls; i++) {
			ev.data.u32 = TFTPD_EV_LISTEN + (uint32_t)i;
			epoll_ctl(ep, EPOLL_CTL_ADD, L->tftp.ls[i].fd, &ev);
		}
	}
	for (int i = 0; i < L->nsocks; i++) {
		ev.data.u32 = (uint32_t)i;
		if (L->socks[i].fd >= 0)        /* -1: DHCP off */
			epoll_ctl(ep, EPOLL_CTL_ADD, L->socks[i].fd, &ev);
		if (L->arps[i].fd >= 0) {
			ev.data.u32 = ARP_EV + (uint32_t)i;
			epoll_ctl(ep, EPOLL_CTL_ADD, L->arps[i].fd, &ev);
		}
	}
	for (int i = 0; i < L->nrsocks; i++) {
		ev.data.u32 = LOOP_REPORT_EV + (uint32_t)i;
		epoll_ctl(ep, EPOLL_CTL_ADD, L->rsocks[i].fd, &ev);
	}
	if (L->status_on && L->wakefd >= 0) {
		ev.data.u32 = LOOP_WAKE_EV;
		epoll_ctl(ep, EPOLL_CTL_ADD, L->wakefd, &ev);
	}
	if (L->tftp_on)
		log_info("serving TFTP from %s%s", L->conf.tftp.root, L->conf.tftp.single_port ? " (single port)" : "");
	log_info("serving DHCP (%s) on %d interface%s", L->conf.dhcp_mode == DHCP_MODE_PROXY ? "proxy" :
		 L->conf.dhcp_mode == DHCP_MODE_FULL ? "full" : "off", L->nsocks, L->nsocks == 1 ? "" : "s");
	for (;;) {
		struct epoll_event evs[64];
		int timeout = -1, n;

		{
			int64_t first = L->next_sweep_ms, now = mono_ms();

			for (int i = 0; i < L->npend; i++)
				if (L->pend[i].due_ms < first)
					first = L->pend[i].due_ms;
			for (int i = 0; i < L->nprobes; i++)
				if (L->probes[i].due_ms < first)
					first = L->probes[i].due_ms;
			if (L->tftp_on) {
				int64_t d = tftpd_next_deadline(&L->tftp);

				if (d < first)
					first = d;
			}
			loop_status_tick(L, now, &first);
			timeout = first > now ? (int)(first - now) : 0;
			if (L->tftp_on && tftpd_wants_spin(&L->tftp))
				timeout = 0;
		}
		n = epoll_wait(ep, evs, 64, timeout);
		if (n < 0 && errno != EINTR) {
			log_err("epoll_wait: %s", strerror(errno));
			return 1;
		}
		for (int k = 0; k < n; k++) {
			if (evs[k].data.u32 == 0xffff) {
				struct signalfd_siginfo si;

				while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
					if (si.ssi_signo == SIGHUP) {
						reload(L);
						continue;
					}
					log_info("signal %u: stopping (%llu requests, %llu replies, %llu rate-limited, "
						 "%llu ARP conflicts, %llu leases)", si.ssi_signo, (unsigned long long)L->nreq,
						 (unsigned long long)L->nreply, (unsigned long long)L->ndropped_rate,
						 (unsigned long long)L->nconflicts, (unsigned long long)L->leases.nlive);
					for (int i = 0; i < L->nsocks; i++) {
						dhcpd_net_close(&L->socks[i]);
						arp_close(&L->arps[i]);
					}
					if (L->tftp_on) {
						log_info("TFTP: %llu requests, %llu files sent, %llu ended by the client, "
							 "%llu given up, %llu refused, %llu chunk reads for %llu cache "
							 "hits", (unsigned long long)L->tftp.nreq,
							 (unsigned long long)L->tftp.ndone, (unsigned long long)L->tftp.nended,
							 (unsigned long long)L->tftp.nfailed,
							 (unsigned long long)L->tftp.nrefused,
							 (unsigned long long)L->tftp.cache.reads,
							 (unsigned long long)L->tftp.cache.hits);
						tftpd_close(&L->tftp);
					}
					lease_close(&L->leases);
					loop_status_close(L, mono_ms());
					return 0;
				}
				continue;
			}
			if (evs[k].data.u32 == LOOP_WAKE_EV)
				continue;       /* the table changed: loop_status_tick writes it */
			if (evs[k].data.u32 >= LOOP_REPORT_EV && evs[k].data.u32 < LOOP_REPORT_EV + NRD_MAX_IFACES)
				loop_status_on_report(L, (int)(evs[k].data.u32 - LOOP_REPORT_EV));
			else if (evs[k].data.u32 >= TFTPD_EV_SESS)
				tftpd_on_session(&L->tftp, evs[k].data.u32 - TFTPD_EV_SESS, mono_ms());
			else if (evs[k].data.u32 >= TFTPD_EV_LISTEN)
				tftpd_on_listen(&L->tftp, (int)(evs[k].data.u32 - TFTPD_EV_LISTEN), mono_ms());
			else if (evs[k].data.u32 >= ARP_EV)
				on_arp(L, (int)(evs[k].data.u32 - ARP_EV));
			else
				on_packet(L, (int)evs[k].data.u32);
		}
		send_due(L);
		probes_due(L);
		if (L->tftp_on && tftpd_next_deadline(&L->tftp) <= mono_ms())
			tftpd_on_time(&L->tftp, mono_ms());
		if (mono_ms() >= L->next_sweep_ms) {
			int gone = lease_expire(&L->leases, (int64_t)time(NULL), LEASE_GRACE_S);

			if (gone)
				log_info("leases: forgot %d that ended more than %d h ago (%llu left)", gone,
					 LEASE_GRACE_S / 3600, (unsigned long long)L->leases.nlive);
			L->next_sweep_ms = mono_ms() + SWEEP_EVERY_S * 1000;
		}
	}
}
