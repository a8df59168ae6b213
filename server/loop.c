#include "loop.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "conf_load.h"
#include "log.h"

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
	free(L->clients);
	L->conf = c;
	L->clients = cl;
	L->nclients = n;
	map_ifaces(L);
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

/* Requests are taken BATCH at a time (recvmmsg): each is answered by the
 * pure handler, the leases it bound reach the journal in one write, and
 * only then do the replies go out, in one sendmmsg — the journal is still
 * written before any ACK exists on the wire. */
static void on_packet(struct loop *L, int i)
{
	static uint8_t bufs[DHCPD_NET_BATCH][DHCP_PKT_MAX];
	static struct dhcpd_reply outs[DHCPD_NET_BATCH];
	size_t lens[DHCPD_NET_BATCH];
	struct dhcpd d = { &L->conf, L->clients, L->nclients, &L->leases };
	int n, nsend, k;

	log_hold(true);
	do {
		n = dhcpd_net_recv(&L->socks[i], bufs, lens, DHCPD_NET_BATCH);
		if (n <= 0)
			break;
		lease_batch_begin(&L->leases);
		nsend = 0;
		for (k = 0; k < n; k++) {
			struct dhcpd_reply *out = &outs[nsend];
			int64_t now = (int64_t)time(NULL);

			L->nreq++;
			if (rate_limited(L, bufs[k], lens[k], now))
				continue;
			if (dhcpd_handle(&d, &L->ifcs[i], bufs[k], lens[k], now, out) == 1) {
				if (out->delay_ms && L->npend < LOOP_MAX_PENDING) {
					struct pending *p = &L->pend[L->npend++];

					p->due_ms = mono_ms() + out->delay_ms;
					p->sock = i;
					p->r = *out;
				} else {
					nsend++;
				}
			}
			if (out->log[0])
				log_info("%s", out->log);
		}
		k = lease_batch_end(&L->leases);
		if (k < 0) {
			log_err("cannot write the lease journal in %s: %s; %d repl%s not sent (the clients will ask "
				"again)", L->conf.state_dir, strerror(-k), nsend, nsend == 1 ? "y" : "ies");
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
	for (int i = 0; i < L->nsocks; i++) {
		ev.data.u32 = (uint32_t)i;
		epoll_ctl(ep, EPOLL_CTL_ADD, L->socks[i].fd, &ev);
	}
	log_info("serving DHCP (%s) on %d interface%s", L->conf.dhcp_mode == DHCP_MODE_PROXY ? "proxy" :
		 L->conf.dhcp_mode == DHCP_MODE_FULL ? "full" : "off", L->nsocks, L->nsocks == 1 ? "" : "s");
	for (;;) {
		struct epoll_event evs[16];
		int timeout = -1, n;

		{
			int64_t first = L->next_sweep_ms, now = mono_ms();

			for (int i = 0; i < L->npend; i++)
				if (L->pend[i].due_ms < first)
					first = L->pend[i].due_ms;
			timeout = first > now ? (int)(first - now) : 0;
		}
		n = epoll_wait(ep, evs, 16, timeout);
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
						 "%llu leases)", si.ssi_signo, (unsigned long long)L->nreq,
						 (unsigned long long)L->nreply, (unsigned long long)L->ndropped_rate,
						 (unsigned long long)L->leases.nlive);
					for (int i = 0; i < L->nsocks; i++)
						dhcpd_net_close(&L->socks[i]);
					lease_close(&L->leases);
					return 0;
				}
				continue;
			}
			on_packet(L, (int)evs[k].data.u32);
		}
		send_due(L);
		if (mono_ms() >= L->next_sweep_ms) {
			int gone = lease_expire(&L->leases, (int64_t)time(NULL), LEASE_GRACE_S);

			if (gone)
				log_info("leases: forgot %d that ended more than %d h ago (%llu left)", gone,
					 LEASE_GRACE_S / 3600, (unsigned long long)L->leases.nlive);
			L->next_sweep_ms = mono_ms() + SWEEP_EVERY_S * 1000;
		}
	}
}
