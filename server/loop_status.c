/* The loop's part of the fleet view: the report sockets, the events of
 * DHCP, TFTP and the iSCSI target handed to the table (status.c), and
 * STATE/status.json written at most once a second while it changes. */
#include "loop.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "text.h"

static struct st_time now_both(void)
{
	struct timespec w, m;
	struct st_time t;

	clock_gettime(CLOCK_REALTIME, &w);
	clock_gettime(CLOCK_MONOTONIC, &m);
	t.wall_ms = (int64_t)w.tv_sec * 1000 + w.tv_nsec / 1000000;
	t.mono_ms = (int64_t)m.tv_sec * 1000 + m.tv_nsec / 1000000;
	return t;
}

int loop_status_open(struct loop *L, char *msg, size_t msglen)
{
	int r;

	L->wakefd = -1;
	msg[0] = '\0';
	r = status_init(&L->status);
	if (r == 0)
		r = status_set_clients(&L->status, L->clients, L->nclients);
	if (r < 0) {
		snprintf(msg, msglen, "fleet status: %s", strerror(-r));
		return r;
	}
	L->status_on = true;
	/* the boots seen before a restart */
	r = status_load(&L->status, L->conf.state_dir, false);
	if (r < 0 && r != -ENOENT)
		log_warn("fleet status: %s/%s not read back (%s); starting afresh", L->conf.state_dir, STATUS_FILE,
			 r == -EBADMSG ? "not a status file" : strerror(-r));
	L->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	/* the boards' reports: not worth stopping DHCP and TFTP for */
	for (int i = 0; i < L->nsocks; i++) {
		if (report_sock_open(&L->rsocks[i], L->socks[i].addr, NETROOT_REPORT_PORT, msg, msglen) < 0) {
			log_warn("%s; the boards' own reports are not received", msg);
			msg[0] = '\0';
			while (L->nrsocks > 0)
				report_sock_close(&L->rsocks[--L->nrsocks]);
			break;
		}
		L->nrsocks++;
	}
	if (L->nrsocks)
		log_info("fleet reports: UDP port %u on %d address%s; the table in %s/%s", NETROOT_REPORT_PORT,
			 L->nrsocks, L->nrsocks == 1 ? "" : "es", L->conf.state_dir, STATUS_FILE);
	return 0;
}

/* ---- events ------------------------------------------------------------------------ */

void loop_status_dhcp(struct loop *L, const uint8_t *pkt, size_t len, const struct dhcpd_reply *out)
{
	static struct dhcp_msg m;
	struct st_time now;
	uint32_t serial;
	bool has_serial, firmware;
	uint8_t mac[6];

	/* chaddr (offset 28) first: most requests are no board's, and the
	 * parse is the costly part */
	if (!L->status_on || L->status.n == 0 || len < 34 || !status_wants(&L->status, pkt + 28) ||
	    dhcp_msg_parse(pkt, len, &m) < 0 || !dhcp_msg_has(&m, DHO_MESSAGE_TYPE))
		return;
	now = now_both();
	memcpy(mac, m.h.chaddr, 6);
	has_serial = dhcp_msg_pi_serial(&m, &serial) == 0;
	firmware = dhcp_msg_vendor_class_is(&m, "PXEClient") || dhcp_msg_vendor_class_is(&m, "U-Boot") ||
		   dhcp_msg_has(&m, DHO_CLIENT_ARCH);
	status_dhcp(&L->status, mac, has_serial ? &serial : NULL, firmware, m.type, 0, now);
	if (out && dhcp_msg_parse(out->msg, out->len, &m) == 0 && dhcp_msg_has(&m, DHO_MESSAGE_TYPE))
		status_dhcp(&L->status, mac, has_serial ? &serial : NULL, firmware, m.type, m.h.yiaddr, now);
}

void loop_tftp_done(void *ctx, in4_t ip, const char *name, uint64_t bytes, int64_t ms, bool ok)
{
	struct loop *L = ctx;

	if (L->status_on)
		status_tftp(&L->status, ip, name, bytes, ms, ok, now_both());
}

/* From the iSCSI target's threads: the table has its own lock; the loop is
 * woken so the file follows. */
void loop_iscsi_login(void *ctx, const char *client, in4_t ip, bool ok, const char *why)
{
	struct loop *L = ctx;
	uint64_t one = 1;

	if (!L->status_on)
		return;
	status_iscsi(&L->status, client, ip, ok, why, now_both());
	if (L->wakefd >= 0 && write(L->wakefd, &one, sizeof(one)) < 0)
		return;         /* the counter is full: the loop is awake anyway */
}

/* The lease table's address for mac now (a client identifier of type 1 +
 * MAC, as boards send), 0: none. */
static in4_t lease_addr(struct loop *L, const uint8_t mac[6])
{
	uint8_t cid[7] = { 1 };
	const struct lease *l;

	memcpy(cid + 1, mac, 6);
	l = lease_by_cid(&L->leases, cid, sizeof(cid));
	return l && l->state == LEASE_BOUND && l->expires > (int64_t)time(NULL) ? l->addr : 0;
}

static void dropped(struct loop *L, in4_t from, const char *why)
{
	char a[IN4_STRLEN];

	if (status_tell(&L->status, from, (int64_t)time(NULL)))
		log_warn("fleet report from %s dropped: %s (said once a minute per sender)", in4_str(from, a), why);
}

void loop_status_on_report(struct loop *L, int i)
{
	static struct report r;
	uint8_t buf[REPORT_MAX_LEN + 1];
	char name[NRD_NAME_LEN], a[IN4_STRLEN], why[160];
	int budget = 64, n;
	in4_t from;

	while (budget-- > 0 && (n = report_sock_recv(&L->rsocks[i], buf, sizeof(buf), &from)) != 0) {
		enum st_verdict v;
		const uint8_t *m = r.mac;

		if (n < 0 && n != -EBADMSG) {
			log_warn("fleet reports on %s: %s", in4_str(L->rsocks[i].addr, a), strerror(-n));
			return;
		}
		if (n < 0 || (n = report_parse(buf, (size_t)n, &r)) < 0) {
			status_malformed(&L->status);
			dropped(L, from, n == -EPROTONOSUPPORT ? "a version of the report this netrootd does not know" :
				"not a well-formed report");
			continue;
		}
		v = status_report(&L->status, &r, from, lease_addr(L, r.mac), now_both(), name);
		switch (v) {
		case ST_ACCEPTED:
			log_info("%s (%s): netroot-init %s%s%s", name, in4_str(from, a),
				 r.event == REPORT_UP ? "reached real init" : r.event == REPORT_FAILED ? "FAILED: " :
				 "at ", r.event == REPORT_FAILED ? text_escape(why, sizeof(why), r.failed, strlen(r.failed)) : "",
				 r.event == REPORT_PHASE && r.nphases ? r.phase[r.nphases - 1].name : "");
			break;
		case ST_UNKNOWN_MAC:
			snprintf(why, sizeof(why), "%02x:%02x:%02x:%02x:%02x:%02x is no board's MAC", m[0], m[1], m[2], m[3],
				 m[4], m[5]);
			dropped(L, from, why);
			break;
		case ST_WRONG_ADDR:
			snprintf(why, sizeof(why), "it names %s, which has neither this address reserved nor leased", name);
			dropped(L, from, why);
			break;
		case ST_RATE_LIMITED:
			snprintf(why, sizeof(why), "%s sent more than %d reports at once", name, STATUS_REPORT_BURST);
			dropped(L, from, why);
			break;
		case ST_STALE:
			log_debug("fleet report %u of %s from %s: older than one already taken", r.seq, name,
				  in4_str(from, a));
			break;
		}
	}
}

/* ---- the file -------------------------------------------------------------------------- */

static void save(struct loop *L, int64_t now_ms)
{
	struct st_view v = { now_both(), -1, (int)getpid(), NULL };
	int r = status_save(&L->status, L->conf.state_dir, &v);

	L->status_written_ms = now_ms;
	if (r < 0 && !L->status_failed)
		log_warn("fleet status: cannot write %s/%s: %s (`netrootd status` shows old data)", L->conf.state_dir,
			 STATUS_FILE, strerror(-r));
	L->status_failed = r < 0;
}

void loop_status_tick(struct loop *L, int64_t now_ms, int64_t *first)
{
	uint64_t n;

	if (!L->status_on)
		return;
	if (L->wakefd >= 0 && read(L->wakefd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_debug("fleet status: eventfd: %s", strerror(errno));
	if (!status_dirty(&L->status))
		return;
	if (now_ms - L->status_written_ms >= STATUS_WRITE_EVERY_MS)
		save(L, now_ms);
	else if (L->status_written_ms + STATUS_WRITE_EVERY_MS < *first)
		*first = L->status_written_ms + STATUS_WRITE_EVERY_MS;
}

void loop_status_close(struct loop *L, int64_t now_ms)
{
	if (!L->status_on)
		return;
	for (int i = 0; i < L->nrsocks; i++)
		report_sock_close(&L->rsocks[i]);
	save(L, now_ms);
	status_pid_remove(L->conf.state_dir);
	L->status_on = false;
}
