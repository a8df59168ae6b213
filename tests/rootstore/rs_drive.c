/* rs_drive: the root-storage daemon's real loop (init/rootstore_io.c) and
 * login (init/iscsi_login.c), with this program as "the kernel": it speaks
 * NBD on one end of a socketpair while rs_serve() serves the other end in a
 * child process, against a real target (tgtd in the test's namespace).
 *
 *   rs_drive PORTAL IQN INITIATOR CASE [SECONDS]
 *
 * Cases (each prints "ok - ..." / "not ok - ..." lines):
 *   pieces   requests bigger than one command (limits forced small) are
 *            split: 1 MiB FUA write, read back, 1 MiB TRIM as 8 KiB UNMAPs
 *   stream   bad requests are answered and the stream stays in step: a
 *            write over the NBD limit (payload drained), unaligned, past
 *            the end, unknown type; then a read still works
 *   disc     NBD_CMD_DISC with writes in flight: every one is answered
 *            before the daemon stops (NBD protocol)
 *   qd1      4 KiB random reads one at a time for SECONDS (default 10):
 *            prints the rate; under strace -c, the calls per request
 *   load     write/read-back/compare of 64 random 64 KiB blocks, up to 16
 *            in flight, for SECONDS (default 20): the test script meanwhile
 *            breaks the path (target killed, logout asked, disk swapped);
 *            every request must end in success with the right data
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/nbd.h>

#include "init.h"
#include "log.h"
#include "rootstore_int.h"

static int fails;

static void check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		fails++;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static int send_req(int fd, uint32_t type, uint64_t handle, uint64_t from, uint32_t len, const void *data)
{
	uint8_t h[28];

	put32(h, NBD_REQUEST_MAGIC);
	put32(h + 4, type);
	memcpy(h + 8, &handle, 8);
	put32(h + 16, (uint32_t)(from >> 32));
	put32(h + 20, (uint32_t)from);
	put32(h + 24, len);
	if (write_full(fd, h, sizeof(h)) < 0)
		return -1;
	if (data && len && write_full(fd, data, len) < 0)
		return -1;
	return 0;
}

/* One reply: its handle and error; data read into buf when it is a read
 * (the caller knows: readlen). -1 at EOF. */
static int get_reply(int fd, uint64_t *handle, uint32_t *error, void *buf, uint32_t readlen)
{
	uint8_t h[16];

	if (read_full(fd, h, sizeof(h)) < 0)
		return -1;
	if (((uint32_t)h[0] << 24 | h[1] << 16 | h[2] << 8 | h[3]) != NBD_REPLY_MAGIC)
		return -2;
	*error = (uint32_t)h[4] << 24 | h[5] << 16 | h[6] << 8 | h[7];
	memcpy(handle, h + 8, 8);
	if (!*error && readlen && read_full(fd, buf, readlen) < 0)
		return -1;
	return 0;
}

static struct rootstore_conf conf;
static struct rs rs;

static pid_t start_daemon(int *kfd)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return -1;
	/* The kernel reads replies in a thread of its own; this program
	 * alternates, so both directions must hold a whole window (16 x
	 * 64 KiB) or each side would wait for the other. */
	for (int i = 0; i < 2; i++) {
		int sz = 8 << 20;

		setsockopt(sv[i], SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz));
		setsockopt(sv[i], SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
	}
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		rs.sock = sv[1];
		rs_serve(&rs);
		fprintf(stderr, "rs_drive: daemon: %llu requests, %llu errors, %llu reconnects, %llu resent\n",
			(unsigned long long)rs.nreq, (unsigned long long)rs.nerr,
			(unsigned long long)rs.nreconnect, (unsigned long long)rs.nresent);
		_exit(rs.nreconnect > 0 ? 3 : 0);
	}
	close(sv[1]);
	*kfd = sv[0];
	return pid;
}

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

static int case_pieces(int k)
{
	uint32_t len = 1 << 20, err = 0;
	uint64_t off = 1 << 20, h;
	uint8_t *w = malloc(len), *r = malloc(len), *z = calloc(1, len);

	fill(w, len, 7);
	check(send_req(k, NBD_CMD_WRITE | NBD_CMD_FLAG_FUA, 1, off, len, w) == 0, "pieces: 1 MiB FUA write sent");
	check(get_reply(k, &h, &err, NULL, 0) == 0 && h == 1 && err == 0, "pieces: write in %u-byte commands answered OK (err %u)",
	      rs.max_piece, err);
	check(send_req(k, NBD_CMD_READ, 2, off, len, NULL) == 0 && get_reply(k, &h, &err, r, len) == 0 && h == 2 &&
	      err == 0, "pieces: 1 MiB read answered OK");
	check(memcmp(w, r, len) == 0, "pieces: read back what was written");
	if (rs.first.thin) {
		check(send_req(k, NBD_CMD_TRIM, 3, off, len, NULL) == 0 && get_reply(k, &h, &err, NULL, 0) == 0 && h == 3 &&
		      err == 0, "pieces: 1 MiB TRIM as UNMAPs of %llu blocks answered OK (err %u)",
		      (unsigned long long)rs.max_unmap_blocks, err);
		check(send_req(k, NBD_CMD_READ, 4, off, len, NULL) == 0 && get_reply(k, &h, &err, r, len) == 0 &&
		      err == 0 && memcmp(r, z, len) == 0, "pieces: the trimmed range reads back as zeros");
	} else {
		check(0, "pieces: the LUN is not thin (LBPME): the TRIM case cannot run");
	}
	free(w);
	free(r);
	free(z);
	return 0;
}

static int case_stream(int k)
{
	uint32_t err = 0, big = RS_NBD_MAX_REQUEST + 4096;
	uint64_t h, size = rs.first.blocks * rs.first.block_size;
	uint8_t *junk = calloc(1, big), buf[4096];

	check(send_req(k, NBD_CMD_WRITE, 10, 0, big, junk) == 0 && get_reply(k, &h, &err, NULL, 0) == 0 && h == 10 &&
	      err == EINVAL, "stream: a write of %u bytes (over the NBD limit) is drained and refused with EINVAL (%u)",
	      big, err);
	check(send_req(k, NBD_CMD_READ, 11, 100, 4096, NULL) == 0 && get_reply(k, &h, &err, buf, 4096) == 0 &&
	      h == 11 && err == EINVAL, "stream: an unaligned read is refused with EINVAL");
	check(send_req(k, NBD_CMD_READ, 12, size, 4096, NULL) == 0 && get_reply(k, &h, &err, buf, 4096) == 0 &&
	      h == 12 && err == EINVAL, "stream: a read past the end is refused with EINVAL");
	check(send_req(k, 9, 13, 0, 0, NULL) == 0 && get_reply(k, &h, &err, NULL, 0) == 0 && h == 13 && err == EINVAL,
	      "stream: an unknown request type is refused with EINVAL");
	check(send_req(k, NBD_CMD_READ, 14, 0, 4096, NULL) == 0 && get_reply(k, &h, &err, buf, 4096) == 0 &&
	      h == 14 && err == 0, "stream: a good read after all that is answered with data");
	check(send_req(k, NBD_CMD_FLUSH, 15, 0, 0, NULL) == 0 && get_reply(k, &h, &err, NULL, 0) == 0 && h == 15 &&
	      err == 0, "stream: a flush is answered OK");
	free(junk);
	return 0;
}

static int case_disc(int k)
{
	enum { N = 16, LEN = 65536 };
	static uint8_t w[LEN];
	uint32_t err = 0;
	uint64_t h;
	int i, got = 0, good = 0;

	fill(w, LEN, 3);
	for (i = 0; i < N; i++)
		send_req(k, NBD_CMD_WRITE, 100 + (uint64_t)i, (uint64_t)i * LEN, LEN, w);
	send_req(k, NBD_CMD_DISC, 999, 0, 0, NULL);
	while (get_reply(k, &h, &err, NULL, 0) == 0) {
		got++;
		good += err == 0 && h >= 100 && h < 100 + N;
	}
	check(got == N && good == N, "disc: %d of %d writes in flight at NBD_CMD_DISC answered OK before the daemon stopped (%d replies)",
	      good, N, got);
	return 0;
}

/* Random 64 KiB writes and read-backs, up to 16 requests in flight. */
static int case_load(int k, int seconds)
{
	enum { NB = 64, LEN = 65536, DEPTH = 16 };
	static uint8_t data[NB][LEN], rbuf[LEN];
	uint32_t seeds[NB] = { 0 }, err = 0;
	struct { int blk; int is_read; } slot[DEPTH];
	int inflight = 0, nw = 0, nr = 0, bad = 0, errs = 0;
	uint64_t h;
	time_t end = time(NULL) + seconds;
	uint32_t rnd = 12345;

	memset(slot, 0, sizeof(slot));
	for (int b = 0; b < NB; b++) {          /* known content first */
		seeds[b] = (uint32_t)b + 1;
		fill(data[b], LEN, seeds[b]);
		send_req(k, NBD_CMD_WRITE, 0, (uint64_t)b * LEN + (8u << 20), LEN, data[b]);
		if (get_reply(k, &h, &err, NULL, 0) < 0 || err)
			errs++;
	}
	while (time(NULL) < end || inflight > 0) {
		while (time(NULL) < end && inflight < DEPTH) {
			int s, b;

			for (s = 0; s < DEPTH && slot[s].blk; s++)
				;
			rnd = rnd * 1103515245u + 12345u;
			b = (int)((rnd >> 8) % NB);
			for (int i = 0; i < DEPTH; i++)     /* one request per block at a time */
				if (slot[i].blk == b + 1)
					b = -1;
			if (b < 0)
				break;
			slot[s].blk = b + 1;
			slot[s].is_read = (rnd >> 4) & 1;
			if (!slot[s].is_read) {
				seeds[b] = rnd;
				fill(data[b], LEN, seeds[b]);
			}
			send_req(k, slot[s].is_read ? NBD_CMD_READ : NBD_CMD_WRITE, (uint64_t)s,
				 (uint64_t)b * LEN + (8u << 20), LEN, slot[s].is_read ? NULL : data[b]);
			inflight++;
		}
		{
			/* The handle is the slot; a read's data follows. */
			uint8_t hb[16];
			int s;

			if (read_full(k, hb, sizeof(hb)) < 0)
				break;
			memcpy(&h, hb + 8, 8);
			err = (uint32_t)hb[4] << 24 | hb[5] << 16 | hb[6] << 8 | hb[7];
			s = (int)h;
			if (s < 0 || s >= DEPTH || !slot[s].blk) {
				bad++;
				break;
			}
			if (err)
				errs++;
			if (slot[s].is_read) {
				if (!err && read_full(k, rbuf, LEN) < 0)
					break;
				if (!err && memcmp(rbuf, data[slot[s].blk - 1], LEN) != 0)
					bad++;
				nr++;
			} else {
				nw++;
			}
			slot[s].blk = 0;
			inflight--;
		}
	}
	check(errs == 0, "load: %d writes and %d reads, %d answered with an error", nw, nr, errs);
	check(bad == 0, "load: %d reads returned other data than written last", bad);
	check(inflight == 0, "load: every request answered (%d left)", inflight);
	return 0;
}

/* qd1: 4 KiB reads at random offsets, one at a time, for SECONDS: the
 * per-request cost of the loop (run it under strace -c to count calls). */
static int case_qd1(int k, int seconds)
{
	static uint8_t buf[4096];
	uint64_t h, n = 0, size = rs.first.blocks * rs.first.block_size;
	uint32_t err = 0, rnd = 777;
	int errs = 0;
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (time_t end = time(NULL) + seconds; time(NULL) < end; n++) {
		rnd = rnd * 1103515245u + 12345u;
		send_req(k, NBD_CMD_READ, n, (uint64_t)(rnd % (uint32_t)(size / 4096)) * 4096, 4096, NULL);
		if (get_reply(k, &h, &err, buf, 4096) < 0 || err || h != n)
			errs++;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("# qd1: %llu reads of 4 KiB in %.3f s: %.0f IOPS\n", (unsigned long long)n,
	       (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9,
	       n / ((double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9));
	check(errs == 0, "qd1: %d reads failed", errs);
	return 0;
}

int main(int argc, char **argv)
{
	struct iscsi_login_error e;
	int k, st = 0;
	pid_t pid;

	if (argc < 5) {
		fprintf(stderr, "usage: rs_drive PORTAL IQN INITIATOR pieces|stream|disc|qd1|load [SECONDS]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	log_setup(LOG_TO_STDERR, 0, 0);
	snprintf(conf.iscsi.portal[0].host, sizeof(conf.iscsi.portal[0].host), "%s", argv[1]);
	conf.iscsi.nportals = 1;
	snprintf(conf.iscsi.target, sizeof(conf.iscsi.target), "%s", argv[2]);
	snprintf(conf.iscsi.initiator, sizeof(conf.iscsi.initiator), "%s", argv[3]);
	conf.attempt_timeout = 5;
	rs.conf = &conf;
	rs.so.isid = (uint32_t)getpid() & 0xffffff;
	rs.so.tcp_user_timeout_ms = RS_TCP_USER_TIMEOUT_MS;
	if (iscsi_login_disk(&conf.iscsi, -1, log_uptime() + 20, 5, 1, &rs.so, &rs.d, &e) < 0) {
		printf("not ok - login to %s at %s: %s\n", argv[2], argv[1], e.msg);
		return 1;
	}
	rs.first = rs.d;
	rs_set_limits(&rs, 1ull << 30);
	printf("# LUN %d: %llu blocks of %u, thin %d, VPD B0 max transfer %u blocks, max unmap %u blocks, "
	       "identity VPD 0x%02x (%u bytes); requests up to %u bytes\n", rs.d.lun,
	       (unsigned long long)rs.d.blocks, rs.d.block_size, rs.d.thin, rs.d.max_xfer_blocks,
	       rs.d.max_unmap_blocks, rs.d.ident_page, rs.d.ident_len, rs.max_request);
	if (!strcmp(argv[4], "pieces")) {
		rs.max_piece = 64 * 1024;
		rs.max_unmap_blocks = 8192 / rs.d.block_size;
	}
	pid = start_daemon(&k);
	if (!strcmp(argv[4], "pieces"))
		case_pieces(k);
	else if (!strcmp(argv[4], "stream"))
		case_stream(k);
	else if (!strcmp(argv[4], "disc"))
		case_disc(k);
	else if (!strcmp(argv[4], "qd1"))
		case_qd1(k, argc > 5 ? atoi(argv[5]) : 10);
	else if (!strcmp(argv[4], "load"))
		case_load(k, argc > 5 ? atoi(argv[5]) : 20);
	else
		check(0, "unknown case %s", argv[4]);
	if (strcmp(argv[4], "disc"))
		send_req(k, NBD_CMD_DISC, 0, 0, 0, NULL);
	close(k);
	waitpid(pid, &st, 0);
	printf("# daemon exit status %d (3: it logged in again at least once)\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return fails ? 1 : (WIFEXITED(st) ? WEXITSTATUS(st) : 1);
}
