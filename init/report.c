/* The fleet report: after each boot phase, when the boot fails, and once
 * the real init is about to run, one UDP datagram (lib/report.h) to the server the
 * board booted from, so `netrootd status` shows where this board is.
 *
 * The last one, "up", leaves when switch_root's phase ends: the new root
 * is in place and the real init is exec'd next.
 *
 * Where it goes: netroot.report=IP[:PORT] when given (off: nowhere); else
 * the DHCP server that gave the lease (its server identifier); else the
 * NFS server or the iSCSI portal of the plan; else nowhere. Addresses only:
 * no DNS. Each send is one sendto() with MSG_DONTWAIT on a fresh socket,
 * tried once; an error is a debug line and nothing more. The report never
 * holds the command line or a CHAP name or password: the failure text is
 * checked for every secret the board knows (command line and
 * iscsi.initramfs) before it leaves. */
#include "init.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "report.h"
#include "text.h"

static struct {
	bool armed;                     /* a destination and an interface: reports go out */
	bool up;                        /* the next phase's end is the real init's start */
	struct sockaddr_in to;
	in4_t dhcp_server;              /* the lease's server identifier, 0: no DHCP */
	const struct boot_config *cfg;
	struct report r;                /* what stays the same between reports */
} rep;

void report_dhcp_server(in4_t server_id)
{
	rep.dhcp_server = server_id;
}

/* The boot interface's MAC, from sysfs: 0 or -1. */
static int read_mac(const char *dev, uint8_t mac[6])
{
	char path[64 + IFNAME_LEN], text[64];

	snprintf(path, sizeof(path), "/sys/class/net/%s/address", dev);
	if (read_small(path, text, sizeof(text)) < 17)
		return -1;
	text[17] = '\0';
	return parse_mac(text, ':', mac) == 0 ? 0 : -1;
}

static in4_t destination(const struct boot_config *cfg, const struct boot_plan *plan, const struct net_result *net)
{
	in4_t a = 0;

	if (cfg->nr.report_addr)
		return cfg->nr.report_addr;
	if (rep.dhcp_server)
		return rep.dhcp_server;
	/* the kernel's own DHCP (ip= done before /init): its DHCP server,
	 * which /proc/net/pnp calls the boot server */
	if (net->proto && !strcmp(net->proto, "dhcp")) {
		char text[2048];
		struct pnp_info pnp;
		ssize_t n = read_small("/proc/net/pnp", text, sizeof(text));

		if (n > 0 && pnp_parse(text, (size_t)n, &pnp) == 0 && pnp.bootserver)
			return pnp.bootserver;
	}
	if (plan->root_kind == ROOT_NFS || plan->root_kind == ROOT_NFS_DIRECT)
		return plan->nfs.server ? plan->nfs.server : net->rootserver;
	if (cfg->iscsi.nportals > 0)
		parse_in4(cfg->iscsi.portal[0].host, strlen(cfg->iscsi.portal[0].host), &a);
	return a;
}

static const char *root_word(const struct boot_config *cfg, const struct boot_plan *plan)
{
	if (plan->root_kind == ROOT_NFS || plan->root_kind == ROOT_NFS_DIRECT)
		return "nfs";
	if (cfg->iscsi.any || plan->root_kind == ROOT_ISCSI)
		return "iscsi";
	return plan->root_kind == ROOT_NONE ? "none" : "block";
}

/* 16 hex digits for this boot attempt: random when the pool is ready, the
 * clock and the MAC otherwise (never wait for entropy). */
static void boot_id(char out[REPORT_BOOT_LEN], const uint8_t mac[6])
{
	struct timespec ts;
	uint64_t s = 0;

	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != (ssize_t)sizeof(s))
		s = 0;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	s ^= (uint64_t)ts.tv_nsec << 24 ^ (uint64_t)ts.tv_sec ^ (uint64_t)getpid() << 48;
	for (int i = 0; i < 6; i++)
		s = s * 131 + mac[i];
	snprintf(out, REPORT_BOOT_LEN, "%016llx", (unsigned long long)s);
}

/* Every secret this board knows, masked in text. */
static void redact(char *text, size_t size)
{
	static char file[CMDLINE_MAX_LEN + 1];
	static struct iscsi_conf fc;
	const struct iscsi_conf *c = &rep.cfg->iscsi;

	report_redact(text, size, c->password);
	report_redact(text, size, c->in_password);
	report_redact(text, size, c->username);
	report_redact(text, size, c->in_username);
	if (read_small(ISCSI_INITRAMFS, file, sizeof(file)) > 0 && iscsi_conf_from_text(file, &fc) == 0) {
		report_redact(text, size, fc.password);
		report_redact(text, size, fc.in_password);
		report_redact(text, size, fc.username);
		report_redact(text, size, fc.in_username);
	}
	explicit_bzero(file, sizeof(file));
	explicit_bzero(&fc, sizeof(fc));
}

static void send_report(enum report_event ev)
{
	static struct report r;
	const char *names[REPORT_MAX_PHASES];
	double start[REPORT_MAX_PHASES], secs[REPORT_MAX_PHASES];
	uint8_t pkt[REPORT_MAX_LEN];
	int n, len, fd, skip = 0;

	if (!rep.armed)
		return;
	r = rep.r;
	r.seq = ++rep.r.seq;
	r.event = ev;
	r.uptime_ms = (uint64_t)(log_uptime() * 1000.0);
	n = phase_times(names, start, secs, REPORT_MAX_PHASES);
	for (int i = 0; i < n; i++) {
		text_copy(r.phase[i].name, sizeof(r.phase[i].name), names[i]);
		r.phase[i].start_ms = (uint64_t)(start[i] * 1000.0);
		r.phase[i].dur_ms = secs[i] < 0 ? -1 : (int64_t)(secs[i] * 1000.0);
	}
	r.nphases = n;
	if (ev == REPORT_FAILED) {
		report_clean_text(r.failed, sizeof(r.failed),
				  failure.what[0] ? failure.what : "the boot could not complete");
		redact(r.failed, sizeof(r.failed));
	}
	/* too long (a long failure text with every phase): the oldest
	 * phases go first */
	while ((len = report_build(&r, pkt, sizeof(pkt))) == -ENOSPC && r.nphases > 0) {
		memmove(r.phase, r.phase + 1, (size_t)--r.nphases * sizeof(r.phase[0]));
		skip++;
	}
	if (len < 0) {
		log_debug("report: cannot build the %s report: %s", report_event_name(ev), strerror(-len));
		return;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || sendto(fd, pkt, (size_t)len, MSG_DONTWAIT, (struct sockaddr *)&rep.to, sizeof(rep.to)) < 0)
		log_debug("report: cannot send the %s report to %s:%u: %s", report_event_name(ev),
			  in4_str(rep.to.sin_addr.s_addr, (char[IN4_STRLEN]){ 0 }), ntohs(rep.to.sin_port),
			  strerror(errno));
	else
		log_debug("report: %s report %u (%d bytes%s) sent to %s:%u", report_event_name(ev), r.seq, len,
			  skip ? ", oldest phases left out" : "", in4_str(rep.to.sin_addr.s_addr, (char[IN4_STRLEN]){ 0 }),
			  ntohs(rep.to.sin_port));
	if (fd >= 0)
		close(fd);
}

static void on_phase_end(void)
{
	send_report(rep.up ? REPORT_UP : REPORT_PHASE);
}

void report_start(const struct boot_config *cfg, const struct boot_plan *plan, const struct net_result *net)
{
	struct utsname u;
	char host[HOSTNAME_LEN] = "";
	in4_t to;

	rep.armed = false;
	rep.up = false;
	rep.cfg = cfg;
	if (cfg->nr.report_off)
		return;
	to = destination(cfg, plan, net);
	if (!to) {
		log_debug("report: no server to send reports to (no DHCP server, NFS server or iSCSI portal address)");
		return;
	}
	memset(&rep.r, 0, sizeof(rep.r));
	if (read_mac(net->device, rep.r.mac) < 0) {
		log_debug("report: cannot read the MAC of %s: no reports", net->device);
		return;
	}
	memset(&rep.to, 0, sizeof(rep.to));
	rep.to.sin_family = AF_INET;
	rep.to.sin_addr.s_addr = to;
	rep.to.sin_port = htons((uint16_t)(cfg->nr.report_port ? cfg->nr.report_port : NETROOT_REPORT_PORT));
	boot_id(rep.r.boot, rep.r.mac);
	text_copy(host, sizeof(host), net->hostname);
	if (!host[0])
		gethostname(host, sizeof(host) - 1);
	for (size_t i = 0; host[i]; i++)   /* only the characters the format takes */
		if (!((host[i] >= 'a' && host[i] <= 'z') || (host[i] >= 'A' && host[i] <= 'Z') ||
		      (host[i] >= '0' && host[i] <= '9') || host[i] == '.' || host[i] == '-' || host[i] == '_'))
			host[i] = '_';
	if (strcmp(host, "(none)"))
		text_copy(rep.r.host, sizeof(rep.r.host), host);
	if (uname(&u) == 0)
		for (size_t i = 0; i + 1 < sizeof(rep.r.kernel) && u.release[i] > 0x20 && u.release[i] < 0x7f; i++)
			rep.r.kernel[i] = u.release[i];
	text_copy(rep.r.root, sizeof(rep.r.root), root_word(cfg, plan));
	rep.armed = true;
	phase_end_hook = on_phase_end;
	send_report(REPORT_PHASE);      /* the phases so far, network included */
}

void report_failed(void)
{
	send_report(REPORT_FAILED);
	/* a retry reports again once its network is up, as a new attempt:
	 * the phases it goes through before that are not this attempt's */
	rep.armed = false;
}

/* switch_root's own phase ends just before it execs the real init, with
 * every phase done: that report says "up". */
void report_up(void)
{
	rep.up = rep.armed;
}
