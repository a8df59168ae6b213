/* bench/stormboard: N simulated Raspberry Pi 4 boards powering on at once,
 * for bench/storm. One thread per board; each thread enters its own network
 * namespace (setns is per thread for CLONE_NEWNET, so its sockets live
 * there) and does what the board's firmware and initramfs do on the wire:
 *
 *   1. DHCP as the Pi 4 EEPROM sends it (vendor class PXEClient:Arch:00000:
 *      UNDI:002001, arch 0, NDI 1.2.1, GUID "RPi4" + revision + MAC + serial,
 *      the EEPROM's parameter list), DISCOVER, OFFER, REQUEST (without option
 *      60, as the EEPROM does), ACK, over a packet socket (lib's codec and
 *      init/dhcp_net.c, netroot-init's own); then the address on its eth0;
 *   2. the Pi 4's TFTP sequence (server-anchors.md a.4, rpi-eeprom#87):
 *      SERIAL/start4.elf tsize probe (ended with "Early terminate"),
 *      config.txt, start4.elf, fixup4.dat, config.txt twice, the initramfs,
 *      the dtb, config.txt, cmdline.txt, kernel8.img: lock-step (the Pi has
 *      no windowsize), blksize 1468, tsize 0, from the server DHCP named;
 *      every file's size is checked against the served file's;
 *   3. an iSCSI login (libiscsi) to its own target and a sequential read of
 *      the first --read-mib MiB of its disk, 256 KiB at a time with 4 in
 *      flight (the kernel's readahead while the root mounts and init runs).
 *
 * Each board starts at a random moment within --spread ms of the common
 * start. Prints one line per board (times in s since the common start) and
 * a summary line; exits 0 when every board got its data.
 *
 *   stormboard --boards N --ns-prefix P --tftp-dir DIR --target-prefix IQN
 *              [--lun L] [--read-mib M] [--spread MS] [--timeout S]
 *
 * Board i: namespace P<i>, interface eth0, MAC 02:5b:00:00:HH:LL (i),
 * serial 5b00HHLL, initiator iqn.2026-11.org.netroot.storm:board<i>, target
 * IQN<i>. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#include "dhcp_ipudp.h"
#include "dhcp_msg.h"
#include "dhcp_net.h"

#define BLKSIZE     1468
#define IO_SIZE     (256 * 1024)
#define IO_DEPTH    4

static int nboards, lun, read_mib = 64, spread_ms = 1000, timeout_s = 300;
static const char *ns_prefix, *tftp_dir, *target_prefix;
static struct timespec t0;

struct board {
	int i;
	pthread_t th;
	uint8_t mac[6];
	uint32_t serial;
	char ns[64], initiator[96], target[256];
	double t_start, t_dhcp, t_tftp, t_login, t_data;
	long long tftp_bytes, iscsi_bytes;
	int files;
	in4_t addr, server;
	char err[200];
};

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9;
}

static int fail(struct board *b, const char *what, int err)
{
	if (!b->err[0])
		snprintf(b->err, sizeof(b->err), "%s%s%s", what, err ? ": " : "", err ? strerror(err) : "");
	return -1;
}

/* ---- 1. DHCP ------------------------------------------------------------ */

static const uint8_t pi_params[] = { 1, 3, 43, 60, 66, 67, 128, 129, 130, 131, 132, 133, 134, 135 };
static const char pi_class[] = "PXEClient:Arch:00000:UNDI:002001";

static int dhcp_send(struct board *b, int fd, const struct dhcp_iface *ifc, uint32_t xid, uint8_t type,
		     in4_t req, in4_t sid)
{
	uint8_t msg[DHCP_MSG_MAX], pkt[DHCP_PKT_MAX], guid[17] = { 0, 'R', 'P', 'i', '4', 0x11, 0x31, 0xc0, 0x03 };
	struct wbuf w = wb_init(msg, sizeof(msg)), p = wb_init(pkt, sizeof(pkt));
	struct dhcp_hdr h;
	struct dhcp_ipudp iu = { 0, 0xffffffffu, DHCP_CLIENT_PORT, DHCP_SERVER_PORT, 64 };
	uint16_t arch = 0;
	uint8_t ndi[3] = { 1, 2, 1 };

	memcpy(guid + 9, b->mac + 2, 4);
	for (int k = 0; k < 4; k++)             /* little-endian words, as the Pi writes them */
		guid[13 + k] = (uint8_t)(b->serial >> (8 * k));
	memset(&h, 0, sizeof(h));
	h.op = BOOTREQUEST;
	h.htype = 1;
	h.hlen = 6;
	h.xid = xid;
	memcpy(h.chaddr, b->mac, 6);
	dhcp_msg_begin(&w, &h);
	dhcp_opt_put_u8(&w, DHO_MESSAGE_TYPE, type);
	if (type == DHCPREQUEST) {
		dhcp_opt_put_in4(&w, DHO_REQUESTED_ADDR, req);
		dhcp_opt_put_in4(&w, DHO_SERVER_ID, sid);
	}
	dhcp_opt_put(&w, DHO_PARAM_REQUEST, pi_params, sizeof(pi_params));
	if (type == DHCPDISCOVER)               /* the EEPROM's REQUEST lacks option 60 */
		dhcp_opt_put(&w, DHO_VENDOR_CLASS, pi_class, strlen(pi_class));
	arch = htons(arch);
	dhcp_opt_put(&w, DHO_CLIENT_ARCH, &arch, 2);
	dhcp_opt_put(&w, DHO_CLIENT_NDI, ndi, 3);
	dhcp_opt_put(&w, DHO_CLIENT_GUID, guid, sizeof(guid));
	if (dhcp_msg_end(&w) < 0 || dhcp_ipudp_build(&p, &iu, msg, w.len) < 0)
		return fail(b, "DHCP: message too long", 0);
	int r = dhcp_net_send(fd, ifc, pkt, p.len);
	return r < 0 ? fail(b, "DHCP: send", -r) : 0;
}

/* Waits up to ms for a reply of that type to xid; 1 got it, 0 timed out. */
static int dhcp_wait(struct board *b, int fd, uint32_t xid, uint8_t type, int ms, struct dhcp_msg *m)
{
	double end = now() + ms / 1000.0;
	uint8_t pkt[DHCP_PKT_MAX];

	for (;;) {
		double left = end - now();
		struct pollfd pf = { fd, POLLIN, 0 };
		struct dhcp_ipudp iu;
		struct rbuf pl;
		const char *why;
		unsigned flags;
		ssize_t n;

		if (left <= 0)
			return 0;
		if (poll(&pf, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		n = dhcp_net_recv(fd, pkt, sizeof(pkt), &flags);
		if (n < 0)
			continue;
		if (dhcp_ipudp_parse(pkt, (size_t)n, flags, &iu, &pl, &why) < 0 || iu.dport != DHCP_CLIENT_PORT)
			continue;
		if (dhcp_msg_parse(pl.p, pl.len, m) < 0 || m->h.op != BOOTREPLY || m->h.xid != xid ||
		    memcmp(m->h.chaddr, b->mac, 6))
			continue;
		if (m->type == DHCPNAK)
			return fail(b, "DHCP: NAK", 0);
		if (m->type == type)
			return 1;
	}
}

/* Sends type, resending after 1, 2, 4 ... s up to last_ms, until a reply of
 * type want arrives in m. 0, or -1 with b->err set. */
static int dhcp_exchange(struct board *b, int fd, const struct dhcp_iface *ifc, uint32_t xid, uint8_t type,
			 in4_t req, in4_t sid, uint8_t want, int last_ms, struct dhcp_msg *m)
{
	for (int wait = 1000; wait <= last_ms; wait *= 2) {
		int got;

		if (dhcp_send(b, fd, ifc, xid, type, req, sid) < 0)
			return -1;
		got = dhcp_wait(b, fd, xid, want, wait, m);
		if (got != 0)
			return got < 0 ? -1 : 0;
	}
	return fail(b, want == DHCPOFFER ? "DHCP: no OFFER" : "DHCP: no ACK", 0);
}

static int set_addr(struct board *b, in4_t addr, in4_t mask)
{
	struct ifreq ifr;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = 0;

	if (fd < 0)
		return fail(b, "socket", errno);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "eth0");
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = addr;
	if (ioctl(fd, SIOCSIFADDR, &ifr) < 0)
		r = fail(b, "SIOCSIFADDR", errno);
	sin->sin_addr.s_addr = mask;
	if (!r && ioctl(fd, SIOCSIFNETMASK, &ifr) < 0)
		r = fail(b, "SIOCSIFNETMASK", errno);
	close(fd);
	return r;
}

static int do_dhcp(struct board *b)
{
	struct dhcp_iface ifc;
	struct dhcp_msg *m = malloc(sizeof(*m));
	uint32_t xid = (uint32_t)rand_r(&(unsigned){ (unsigned)b->i * 7919u + 1 }) ^ (uint32_t)b->i;
	int fd, r = -1;

	memset(&ifc, 0, sizeof(ifc));
	ifc.ifindex = (int)if_nametoindex("eth0");
	memcpy(ifc.mac, b->mac, 6);
	if (!m)
		return fail(b, "out of memory", 0);
	if (!ifc.ifindex) {
		free(m);
		return fail(b, "no eth0 in the namespace", errno);
	}
	fd = dhcp_net_open(&ifc);
	if (fd < 0) {
		free(m);
		return fail(b, "DHCP: packet socket", -fd);
	}
	/* The EEPROM resends after 1, 2, 4 ... s; a minute in all. */
	if (dhcp_exchange(b, fd, &ifc, xid, DHCPDISCOVER, 0, 0, DHCPOFFER, 32000, m) < 0)
		goto out;
	in4_t yi = m->h.yiaddr, sid = m->server_id;
	if (dhcp_exchange(b, fd, &ifc, xid, DHCPREQUEST, yi, sid, DHCPACK, 8000, m) < 0)
		goto out;
	b->addr = m->h.yiaddr;
	b->server = m->h.siaddr ? m->h.siaddr : m->server_id;
	size_t len;
	const uint8_t *o66 = dhcp_msg_opt(m, DHO_TFTP_SERVER, &len);
	if (o66 && len < 16) {
		char s[16];
		struct in_addr a;

		memcpy(s, o66, len);
		s[len] = 0;
		if (inet_pton(AF_INET, s, &a) == 1)
			b->server = a.s_addr;
	}
	r = set_addr(b, b->addr, dhcp_msg_has(m, DHO_SUBNET_MASK) ? m->netmask : htonl(0xffffff00u));
out:
	dhcp_net_close(fd);
	free(m);
	return r;
}

/* ---- 2. TFTP ------------------------------------------------------------ */

enum { RRQ = 1, DATA = 3, ACK = 4, ERROR = 5, OACK = 6 };

static void tftp_ack_or_err(int fd, const struct sockaddr_in *to, uint16_t op, uint16_t block, const char *msg)
{
	uint8_t p[64];
	size_t n = 4;

	p[0] = (uint8_t)(op >> 8), p[1] = (uint8_t)op, p[2] = (uint8_t)(block >> 8), p[3] = (uint8_t)block;
	if (msg) {
		size_t l = strlen(msg) + 1;

		memcpy(p + 4, msg, l);
		n += l;
	}
	sendto(fd, p, n, 0, (const struct sockaddr *)to, sizeof(*to));
}

/* One file, lock-step; probe: stop after the OACK as the EEPROM's existence
 * check does. Returns the bytes received, -1 on failure (b->err set). */
static long long tftp_get(struct board *b, const char *name, int probe)
{
	char path[300];
	struct stat st;
	uint8_t req[512], pkt[4 + BLKSIZE + 64];
	struct sockaddr_in srv = { .sin_family = AF_INET, .sin_port = htons(69), .sin_addr.s_addr = b->server };
	struct sockaddr_in peer;
	int fd, n = 0, tries = 0;
	long long got = 0;
	uint16_t expect = 1;
	int have_peer = 0;

	snprintf(path, sizeof(path), "%s/%08x/%s", tftp_dir, b->serial, name);
	if (stat(path, &st) < 0)
		return fail(b, "TFTP: a served file is missing", errno);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(b, "TFTP: socket", errno);
	n = snprintf((char *)req + 2, sizeof(req) - 2, "%08x/%s%coctet%ctsize%c0%cblksize%c%d", b->serial, name, 0, 0, 0,
		     0, 0, BLKSIZE);
	req[0] = 0, req[1] = RRQ;
	n += 2 + 1;
	sendto(fd, req, (size_t)n, 0, (struct sockaddr *)&srv, sizeof(srv));
	for (;;) {
		struct pollfd pf = { fd, POLLIN, 0 };
		socklen_t sl = sizeof(peer);
		ssize_t r;

		if (poll(&pf, 1, 1000) <= 0) {
			if (++tries > 8) {
				close(fd);
				char m[200];
				snprintf(m, sizeof(m), "TFTP: %s: timed out at block %u", name, expect);
				return fail(b, m, 0);
			}
			if (!have_peer)
				sendto(fd, req, (size_t)n, 0, (struct sockaddr *)&srv, sizeof(srv));
			else
				tftp_ack_or_err(fd, &peer, ACK, (uint16_t)(expect - 1), NULL);
			continue;
		}
		r = recvfrom(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&peer, &sl);
		if (r < 4)
			continue;
		have_peer = 1;
		tries = 0;
		uint16_t op = (uint16_t)(pkt[0] << 8 | pkt[1]), blk = (uint16_t)(pkt[2] << 8 | pkt[3]);
		if (op == ERROR) {
			close(fd);
			char m[200];
			snprintf(m, sizeof(m), "TFTP: %s: error %u %.80s", name, blk, (char *)pkt + 4);
			return fail(b, m, 0);
		}
		if (op == OACK) {
			if (probe) {
				tftp_ack_or_err(fd, &peer, ERROR, 0, "Early terminate");
				close(fd);
				return 0;
			}
			tftp_ack_or_err(fd, &peer, ACK, 0, NULL);
			continue;
		}
		if (op != DATA)
			continue;
		if (blk != expect) {            /* a duplicate: ack it again */
			tftp_ack_or_err(fd, &peer, ACK, blk, NULL);
			continue;
		}
		got += r - 4;
		tftp_ack_or_err(fd, &peer, ACK, blk, NULL);
		expect++;
		if (r - 4 < BLKSIZE)
			break;
	}
	close(fd);
	if (got != st.st_size) {
		char m[200];
		snprintf(m, sizeof(m), "TFTP: %s: %lld bytes, the file has %lld", name, got, (long long)st.st_size);
		return fail(b, m, 0);
	}
	b->files++;
	return got;
}

static int do_tftp(struct board *b)
{
	static const char *seq[] = { "config.txt", "start4.elf", "fixup4.dat", "config.txt", "config.txt",
				     "netroot8.img", "bcm2711-rpi-4-b.dtb", "config.txt", "cmdline.txt", "kernel8.img" };
	long long n;

	if (tftp_get(b, "start4.elf", 1) < 0)
		return -1;
	for (size_t k = 0; k < sizeof(seq) / sizeof(seq[0]); k++) {
		if ((n = tftp_get(b, seq[k], 0)) < 0)
			return -1;
		b->tftp_bytes += n;
	}
	return 0;
}

/* ---- 3. iSCSI ----------------------------------------------------------- */

struct rd {
	struct board *b;
	int inflight, failed;
	uint64_t next, end;
};

static void read_done(struct iscsi_context *ic, int status, void *data, void *priv);

static int read_issue(struct iscsi_context *ic, struct rd *rd)
{
	uint32_t n = IO_SIZE;

	if (rd->next >= rd->end)
		return 0;
	if (rd->end - rd->next < n)
		n = (uint32_t)(rd->end - rd->next);
	if (!iscsi_read16_task(ic, lun, rd->next / 512, n, 512, 0, 0, 0, 0, 0, read_done, rd))
		return -1;
	rd->next += n;
	rd->inflight++;
	return 0;
}

static void read_done(struct iscsi_context *ic, int status, void *data, void *priv)
{
	struct rd *rd = priv;
	struct scsi_task *t = data;

	rd->inflight--;
	if (status != SCSI_STATUS_GOOD) {
		rd->failed = 1;
		fail(rd->b, iscsi_get_error(ic), 0);
	} else {
		rd->b->iscsi_bytes += t->datain.size;
	}
	scsi_free_scsi_task(t);
	if (!rd->failed && read_issue(ic, rd) < 0)
		rd->failed = 1;
}

static int do_iscsi(struct board *b)
{
	char portal[32];
	struct iscsi_context *ic = iscsi_create_context(b->initiator);
	struct rd rd = { b, 0, 0, 0, (uint64_t)read_mib << 20 };
	int r = -1;

	if (!ic)
		return fail(b, "iSCSI: no context", 0);
	inet_ntop(AF_INET, &b->server, portal, sizeof(portal));
	strcat(portal, ":3260");
	iscsi_set_targetname(ic, b->target);
	iscsi_set_session_type(ic, ISCSI_SESSION_NORMAL);
	iscsi_set_header_digest(ic, ISCSI_HEADER_DIGEST_NONE);
	iscsi_set_timeout(ic, 30);
	if (iscsi_full_connect_sync(ic, portal, lun) != 0) {
		char m[200];
		snprintf(m, sizeof(m), "iSCSI login to %.60s: %.120s", b->target, iscsi_get_error(ic));
		fail(b, m, 0);
		goto out;
	}
	b->t_login = now();
	for (int k = 0; k < IO_DEPTH; k++)
		if (read_issue(ic, &rd) < 0) {
			fail(b, "iSCSI: read", 0);
			goto out;
		}
	while (rd.inflight > 0) {
		struct pollfd pf = { iscsi_get_fd(ic), (short)iscsi_which_events(ic), 0 };

		if (poll(&pf, 1, 1000) < 0)
			continue;
		if (iscsi_service(ic, pf.revents) < 0) {
			fail(b, iscsi_get_error(ic), 0);
			goto out;
		}
		if (now() > (double)timeout_s) {
			fail(b, "iSCSI: read timed out", 0);
			goto out;
		}
	}
	if (rd.failed)
		goto out;
	if (b->iscsi_bytes != (long long)rd.end) {
		fail(b, "iSCSI: short read", 0);
		goto out;
	}
	iscsi_logout_sync(ic);
	r = 0;
out:
	iscsi_destroy_context(ic);
	return r;
}

/* ---- one board ---------------------------------------------------------- */

static void *board_run(void *arg)
{
	struct board *b = arg;
	char path[128];
	int fd;
	unsigned seed = (unsigned)b->i * 2654435761u;
	struct timespec d;
	long wait_ms = spread_ms ? rand_r(&seed) % spread_ms : 0;

	snprintf(path, sizeof(path), "/run/netns/%s", b->ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		fail(b, "cannot enter the board's namespace", errno);
		return NULL;
	}
	close(fd);
	d.tv_sec = wait_ms / 1000;
	d.tv_nsec = (wait_ms % 1000) * 1000000L;
	nanosleep(&d, NULL);
	b->t_start = now();
	if (do_dhcp(b) < 0)
		return NULL;
	b->t_dhcp = now();
	if (do_tftp(b) < 0)
		return NULL;
	b->t_tftp = now();
	if (do_iscsi(b) < 0)
		return NULL;
	b->t_data = now();
	return NULL;
}

static void usage(void)
{
	fprintf(stderr, "usage: stormboard --boards N --ns-prefix P --tftp-dir DIR --target-prefix IQN "
			"[--lun L] [--read-mib M] [--spread MS] [--timeout S]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct board *bs;
	int ok = 0;
	double last = 0;

	for (int k = 1; k < argc; k++) {
		const char *o = argv[k], *v = k + 1 < argc ? argv[k + 1] : NULL;

		if (!v)
			usage();
		if (!strcmp(o, "--boards"))
			nboards = atoi(v);
		else if (!strcmp(o, "--ns-prefix"))
			ns_prefix = v;
		else if (!strcmp(o, "--tftp-dir"))
			tftp_dir = v;
		else if (!strcmp(o, "--target-prefix"))
			target_prefix = v;
		else if (!strcmp(o, "--lun"))
			lun = atoi(v);
		else if (!strcmp(o, "--read-mib"))
			read_mib = atoi(v);
		else if (!strcmp(o, "--spread"))
			spread_ms = atoi(v);
		else if (!strcmp(o, "--timeout"))
			timeout_s = atoi(v);
		else
			usage();
		k++;
	}
	if (nboards < 1 || nboards > 4096 || !ns_prefix || !tftp_dir || !target_prefix || read_mib < 0 || spread_ms < 0)
		usage();
	bs = calloc((size_t)nboards, sizeof(*bs));
	if (!bs)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < nboards; i++) {
		struct board *b = &bs[i];
		pthread_attr_t a;

		b->i = i;
		memcpy(b->mac, (uint8_t[]){ 0x02, 0x5b, 0, 0, (uint8_t)(i >> 8), (uint8_t)i }, 6);
		b->serial = 0x5b000000u | (uint32_t)i;
		snprintf(b->ns, sizeof(b->ns), "%s%d", ns_prefix, i);
		snprintf(b->initiator, sizeof(b->initiator), "iqn.2026-11.org.netroot.storm:board%d", i);
		snprintf(b->target, sizeof(b->target), "%s%d", target_prefix, i);
		pthread_attr_init(&a);
		pthread_attr_setstacksize(&a, 512 * 1024);
		if (pthread_create(&b->th, &a, board_run, b) != 0) {
			fprintf(stderr, "stormboard: cannot start board %d's thread\n", i);
			return 1;
		}
		pthread_attr_destroy(&a);
	}
	for (int i = 0; i < nboards; i++) {
		struct board *b = &bs[i];

		pthread_join(b->th, NULL);
		if (!b->err[0]) {
			ok++;
			if (b->t_data > last)
				last = b->t_data;
			printf("board %d ok start %.3f dhcp %.3f tftp %.3f login %.3f data %.3f files %d tftp_bytes %lld "
			       "iscsi_bytes %lld\n", i, b->t_start, b->t_dhcp, b->t_tftp, b->t_login, b->t_data, b->files,
			       b->tftp_bytes, b->iscsi_bytes);
		} else {
			printf("board %d FAILED start %.3f: %s\n", i, b->t_start, b->err);
		}
	}
	printf("storm boards %d ok %d failed %d last %.3f\n", nboards, ok, nboards - ok, last);
	return ok == nboards ? 0 : 1;
}
