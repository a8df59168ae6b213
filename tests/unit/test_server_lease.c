/* netrootd's lease table and journal (server/lease.c): lookups both ways,
 * an address moving between clients, release and decline, reload after a
 * clean close, after a torn last record, after damage in the middle, and
 * after kill -9 at a random instant of a run of binds: every lease the
 * process had been told was written is there after the restart. */
#include "check.h"
#include "lease.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint8_t cid[LEASE_CID_MAX];

static const uint8_t *client(uint32_t i)
{
	cid[0] = 1;     /* htype Ethernet + MAC, as a client without option 61 */
	cid[1] = 0xdc;
	cid[2] = 0xa6;
	cid[3] = (uint8_t)(i >> 16);
	cid[4] = (uint8_t)(i >> 8);
	cid[5] = (uint8_t)i;
	cid[6] = 0x32;
	return cid;
}

static in4_t addr(uint32_t i)
{
	return htonl(0x0a000000u + i);
}

static void memory(void)
{
	struct lease_table t;
	struct lease *l;
	uint8_t other[7];

	CHECK_INT(lease_init(&t), 0, "empty table");
	CHECK_INT(lease_bind(&t, client(1), 7, addr(10), 1000), 0, "bind");
	l = lease_by_cid(&t, client(1), 7);
	CHECK(l && l->addr == addr(10) && l->state == LEASE_BOUND && l->expires == 1000, "found by client");
	CHECK(lease_by_addr(&t, addr(10)) == l, "found by address");
	memcpy(other, client(2), 7);
	CHECK(!lease_addr_free(&t, addr(10), other, 7, 999), "bound to another: not free before expiry");
	CHECK(lease_addr_free(&t, addr(10), client(1), 7, 999), "free for its own client");
	CHECK(lease_addr_free(&t, addr(10), other, 7, 1000), "free for others once expired");
	CHECK_INT(lease_bind(&t, client(1), 7, addr(11), 2000), 0, "the client moves to another address");
	CHECK(!lease_by_addr(&t, addr(10)) && lease_by_addr(&t, addr(11)), "old address forgotten");
	CHECK_INT(lease_bind(&t, other, 7, addr(11), 3000), 0, "another client takes the address (expired case)");
	CHECK(!lease_by_cid(&t, client(1), 7) && lease_by_cid(&t, other, 7)->addr == addr(11),
	      "the previous holder loses it");
	CHECK_INT(lease_release(&t, other, 7), 0, "release");
	CHECK(lease_by_cid(&t, other, 7)->state == LEASE_RELEASED && lease_addr_free(&t, addr(11), client(5), 7, 0),
	      "released: free for anyone, remembered for its client");
	CHECK_INT(lease_decline(&t, client(3), 7, addr(12), 500), 0, "decline");
	CHECK(!lease_addr_free(&t, addr(12), client(3), 7, 499) && lease_addr_free(&t, addr(12), client(4), 7, 500),
	      "declined: not offered, even to the decliner, until its time is out");
	CHECK_INT(lease_bind(&t, client(1), LEASE_CID_MAX + 1, addr(13), 1), -EINVAL, "client id too long: -EINVAL");
	{
		struct lease_table x;

		lease_init(&x);
		lease_bind(&x, client(1), 7, addr(1), 1000);            /* ends at 1000 */
		lease_bind(&x, client(2), 7, addr(2), 5000);
		lease_decline(&x, client(3), 7, addr(3), 1200);         /* held until 1200 */
		lease_bind(&x, client(4), 7, addr(4), 1000);
		lease_release(&x, client(4), 7);
		CHECK(lease_expire(&x, 1099, 100) == 0 && x.nlive == 4, "nothing forgotten within the grace");
		CHECK(lease_expire(&x, 1100, 100) == 2 && !lease_by_cid(&x, client(1), 7) && !lease_by_addr(&x, addr(4)) &&
		      lease_by_cid(&x, client(3), 7), "ended + grace: bound and released leases forgotten, decline held");
		CHECK(lease_expire(&x, 1200, 100) == 1 && !lease_by_addr(&x, addr(3)) && x.nlive == 1 &&
		      lease_by_cid(&x, client(2), 7)->addr == addr(2), "a decline's hold over: forgotten; the live one stays");
		CHECK_INT(lease_bind(&x, client(5), 7, addr(1), 9000), 0, "a forgotten entry's room is reused");
		lease_close(&x);
	}
	for (uint32_t i = 0; i < 20000; i++)
		if (lease_bind(&t, client(100 + i), 7, addr(1000 + i), 5000) != 0)
			break;
	CHECK(t.nlive == 20000 + 2 && lease_by_cid(&t, client(100 + 12345), 7)->addr == addr(1000 + 12345) &&
	      lease_by_addr(&t, addr(1000 + 19999)) != NULL, "20,000 more leases, found both ways (%llu live)",
	      (unsigned long long)t.nlive);
	lease_close(&t);
}

static char dir[] = "/tmp/netroot-lease-test.XXXXXX";

static uint64_t file_size(void)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s/leases.journal", dir);
	return stat(p, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static void journal(void)
{
	struct lease_table t;
	char msg[256], p[256];
	int fd, ok = 1;

	CHECK(mkdtemp(dir) != NULL, "temp dir");
	CHECK_INT(lease_open(&t, dir, false, msg, sizeof(msg)), 0, "open an empty state dir");
	for (uint32_t i = 0; i < 1000; i++)
		lease_bind(&t, client(i), 7, addr(i), 100000 + i);
	lease_release(&t, client(7), 7);
	lease_decline(&t, client(5000), 7, addr(5000), 777);
	lease_close(&t);
	CHECK_INT(lease_open(&t, dir, false, msg, sizeof(msg)), 0, "reopen");
	for (uint32_t i = 0; i < 1000; i++) {
		struct lease *l = lease_by_cid(&t, client(i), 7);

		if (!l || l->addr != addr(i) || l->expires != 100000 + i ||
		    l->state != (i == 7 ? LEASE_RELEASED : LEASE_BOUND))
			ok = 0;
	}
	CHECK(ok && lease_by_addr(&t, addr(5000))->state == LEASE_DECLINED && !msg[0],
	      "1,000 binds, a release and a decline back after a clean close");
	lease_close(&t);

	/* A record cut by a crash: half of one at the end. */
	snprintf(p, sizeof(p), "%s/leases.journal", dir);
	fd = open(p, O_WRONLY | O_APPEND);
	CHECK(fd >= 0 && write(fd, "NRLS-half-a-record", 18) == 18, "append a torn record");
	close(fd);
	CHECK_INT(lease_open(&t, dir, false, msg, sizeof(msg)), 0, "open with a torn tail");
	CHECK(t.nlive == 1001 && strstr(msg, "partial record"), "torn tail dropped and reported: %s", msg);
	CHECK(file_size() % LEASE_REC_LEN == 0, "rewritten whole records only");
	lease_close(&t);

	/* Damage in the middle: one byte of record 10 flipped. */
	fd = open(p, O_RDWR);
	CHECK(fd >= 0 && pwrite(fd, "X", 1, 10 * LEASE_REC_LEN + 25) == 1, "damage a record");
	close(fd);
	CHECK_INT(lease_open(&t, dir, false, msg, sizeof(msg)), 0, "open with a damaged record");
	CHECK(t.nlive == 1000 && strstr(msg, "1 of"), "the damaged record alone is dropped (CRC): %s", msg);
	/* Compaction keeps the file near the live set. */
	for (uint32_t k = 0; k < 20; k++)
		for (uint32_t i = 0; i < 1000; i++)
			lease_bind(&t, client(i), 7, addr(i), 200000 + k);
	CHECK(file_size() <= 5 * 1001 * LEASE_REC_LEN, "20,000 renewals: journal compacted (%llu bytes)",
	      (unsigned long long)file_size());
	lease_close(&t);
	CHECK_INT(lease_open(&t, dir, false, msg, sizeof(msg)), 0, "reopen after compaction");
	CHECK(t.nlive == 1001 && lease_by_cid(&t, client(999), 7)->expires == 200019 &&
	      lease_by_cid(&t, client(10), 7)->expires == 200019, "latest renewal wins (%llu live)",
	      (unsigned long long)t.nlive);
	lease_close(&t);
}

/* kill -9 at random instants: a child binds leases and, after each
 * lease_bind() returned 0, tells the parent its number through a pipe
 * (what the server would then ACK). The parent kills it mid-run. */
static void crash(void)
{
	int lost = 0, runs = 0;
	uint32_t seed = (uint32_t)time(NULL);

	for (int run = 0; run < 8; run++) {
		struct lease_table t;
		char msg[256];
		int pfd[2];
		uint32_t last = 0, got;
		pid_t pid;

		if (pipe(pfd) != 0)
			break;
		pid = fork();
		if (pid == 0) {
			struct lease_table ct;

			close(pfd[0]);
			if (lease_open(&ct, dir, false, msg, sizeof(msg)) < 0)
				_exit(1);
			for (uint32_t i = 1;; i++) {
				if (lease_bind(&ct, client(run * 1000000u + i), 7, addr(run * 1000000u + i), 9999) == 0 &&
				    write(pfd[1], &i, sizeof(i)) != sizeof(i))
					_exit(2);
			}
		}
		close(pfd[1]);
		/* once it is binding, a random instant within the next 50 ms */
		if (read(pfd[0], &got, sizeof(got)) == sizeof(got))
			last = got;
		seed = seed * 1103515245u + 12345u;
		usleep((seed >> 8) % 50000);
		kill(pid, SIGKILL);
		while (read(pfd[0], &got, sizeof(got)) == sizeof(got))
			last = got;
		close(pfd[0]);
		waitpid(pid, NULL, 0);
		if (lease_open(&t, dir, false, msg, sizeof(msg)) < 0)
			break;
		for (uint32_t i = 1; i <= last; i++)
			if (!lease_by_cid(&t, client(run * 1000000u + i), 7))
				lost++;
		lease_close(&t);
		runs += last > 0;
	}
	CHECK(runs == 8 && lost == 0, "kill -9 mid-run, 8 times: every acknowledged bind survives (%d runs, %d lost)",
	      runs, lost);
}

int main(void)
{
	memory();
	journal();
	crash();
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	return check_done();
}
