/* netrootd's TFTP server, its pure parts: the packet codec
 * (server/tftp_proto.c), the transfer state machine (tftp_xfer.c), the
 * name rule over a scratch tree laid out like the seeds' (tftp_path.c),
 * the shared chunk cache (tftp_file.c), and which board a name is for
 * (tftp_board.c). */
#include "check.h"
#include "tftp_board.h"
#include "tftp_file.h"
#include "tftp_path.h"
#include "tftp_proto.h"
#include "tftp_recv.h"
#include "tftp_xfer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct tftp_req r;

/* A request from its parts: op, then NUL-separated strings. */
static int req(uint16_t op, const char *const *parts, int n)
{
	uint8_t p[2048];
	size_t len = 2;

	p[0] = (uint8_t)(op >> 8);
	p[1] = (uint8_t)op;
	for (int i = 0; i < n; i++) {
		size_t l = strlen(parts[i]) + 1;

		memcpy(p + len, parts[i], l);
		len += l;
	}
	return tftp_parse_req(p, len, &r);
}

static void codec(void)
{
	const char *pi4[] = { "ab5a4158/start4.elf", "octet", "tsize", "0", "blksize", "1024" };
	const char *pi3[] = { "bootcode.bin", "octet" };
	const char *odd[] = { "f", "OCTET", "BlkSize", "99999", "windowsize", "16", "timeout", "3", "x-unknown", "y" };
	uint8_t p[600];
	uint16_t blk, code;
	char msg[64];
	size_t n;

	CHECK(req(TFTP_RRQ, pi4, 6) == 0 && !strcmp(r.name, "ab5a4158/start4.elf") && r.has_tsize && r.tsize == 0 &&
	      r.has_blksize && r.blksize == 1024 && !r.has_window && !r.netascii, "the Pi 4 RRQ (tsize 0, blksize 1024)");
	CHECK(req(TFTP_RRQ, pi3, 2) == 0 && !r.has_blksize && !r.has_tsize, "the Pi 3 ROM RRQ: no options");
	CHECK(req(TFTP_RRQ, odd, 10) == 0 && r.blksize == TFTP_BLKSIZE_MAX && r.window == 16 && r.timeout == 3,
	      "names case-insensitive, blksize above 65464 taken down, unknown options ignored");
	{
		const char *m[] = { "f", "mail" };
		const char *b1[] = { "f", "octet", "blksize", "7" };
		const char *b2[] = { "f", "octet", "blksize", "1x" };
		const char *t0[] = { "f", "octet", "timeout", "0" };
		const char *w0[] = { "f", "octet", "windowsize", "0" };
		const char *ts[] = { "f", "octet", "tsize", "-1" };
		const char *e[] = { "", "octet" };
		const char *na[] = { "f", "netascii" };
		char longname[300];

		CHECK_INT(req(TFTP_RRQ, m, 2), TFTP_EBADOP, "mode \"mail\": illegal operation (%s)", r.why);
		CHECK_INT(req(TFTP_RRQ, b1, 4), TFTP_EOPTION, "blksize 7: option refused (%s)", r.why);
		CHECK_INT(req(TFTP_RRQ, b2, 4), TFTP_EOPTION, "blksize \"1x\": option refused");
		CHECK_INT(req(TFTP_RRQ, t0, 4), TFTP_EOPTION, "timeout 0: option refused");
		CHECK_INT(req(TFTP_RRQ, w0, 4), TFTP_EOPTION, "windowsize 0: option refused");
		CHECK_INT(req(TFTP_RRQ, ts, 4), TFTP_EOPTION, "tsize -1: option refused");
		CHECK_INT(req(TFTP_RRQ, e, 2), TFTP_EBADOP, "an empty name: illegal operation");
		CHECK(req(TFTP_RRQ, na, 2) == 0 && r.netascii, "netascii parsed (the server decides)");
		memset(longname, 'a', 256);
		longname[256] = '\0';
		{
			const char *l[] = { longname, "octet" };

			CHECK_INT(req(TFTP_RRQ, l, 2), TFTP_EBADOP, "a 256-byte name: refused (%s)", r.why);
		}
		CHECK_INT(req(TFTP_WRQ, pi3, 2), 0, "a WRQ parses (the server refuses it)");
	}
	memcpy(p, "\0\1abc\0oct", 9);
	CHECK_INT(tftp_parse_req(p, 9, &r), TFTP_EBADOP, "mode without its NUL: illegal operation");
	memcpy(p, "\0\1a\0octet\0blksize", 18);
	CHECK_INT(tftp_parse_req(p, 18, &r), TFTP_EOPTION, "an option without its value");
	memcpy(p, "\0\3\0\1", 4);
	CHECK_INT(tftp_parse_req(p, 4, &r), TFTP_EBADOP, "DATA on port 69: illegal operation");
	memset(p, 'a', sizeof(p));
	p[0] = 0;
	p[1] = 1;
	CHECK_INT(tftp_parse_req(p, 2, &r), TFTP_EBADOP, "opcode alone");
	n = tftp_build_ack(p, sizeof(p), 513);
	CHECK(n == 4 && tftp_parse_ack(p, n, &blk, &code, msg, sizeof(msg)) == 0 && blk == 513, "ACK 513 round trip");
	n = tftp_build_error(p, sizeof(p), 0, "Early terminate");
	CHECK(n == 20 && tftp_parse_ack(p, n, &blk, &code, msg, sizeof(msg)) == 1 && code == 0 &&
	      !strcmp(msg, "Early terminate"), "the Pi's early-terminate ERROR parsed");
	CHECK(tftp_parse_ack(p, 3, &blk, &code, msg, sizeof(msg)) < 0, "3 bytes: nothing");
	{
		struct tftp_agreed a = { .blksize = true, .blksize_v = 1468, .tsize = true, .tsize_v = 123456 };
		static const uint8_t want[] = "\0\6blksize\0" "1468\0tsize\0" "123456";

		n = tftp_build_oack(p, sizeof(p), &a);
		CHECK(n == sizeof(want) && !memcmp(p, want, n), "OACK: only what was agreed, in order");
	}
}

static void xfer(void)
{
	struct tftp_xfer x;
	struct tftp_send s;
	uint32_t n;
	enum tftp_step st;

	/* lock-step, 3 blocks of 512 + a short one */
	st = tftp_xfer_start(&x, 1600, 512, 1, 1000, 3, false, 0, &s);
	CHECK(st == TFTP_STEP_SEND && !s.oack && s.first == 1 && s.count == 1, "no options: block 1 at once");
	CHECK(tftp_block_len(&x, 1) == 512 && tftp_block_off(&x, 3) == 1024, "block offsets and lengths");
	CHECK(tftp_xfer_ack(&x, 1, 10, &s) == TFTP_STEP_SEND && s.first == 2, "ACK 1: block 2");
	CHECK(tftp_xfer_ack(&x, 1, 11, &s) == TFTP_STEP_NONE, "a duplicate ACK 1: nothing resent (sorcerer's apprentice)");
	CHECK(tftp_xfer_ack(&x, 7, 11, &s) == TFTP_STEP_NONE, "an ACK of a block never sent: ignored");
	CHECK(tftp_xfer_timeout(&x, 500, &s) == TFTP_STEP_NONE, "before the deadline: nothing");
	CHECK(tftp_xfer_timeout(&x, 1010, &s) == TFTP_STEP_SEND && s.first == 2 && s.count == 1 && x.resent == 1,
	      "deadline passed: block 2 again");
	CHECK(tftp_xfer_ack(&x, 2, 1020, &s) == TFTP_STEP_SEND && s.first == 3, "ACK 2: block 3");
	CHECK(tftp_xfer_ack(&x, 3, 1030, &s) == TFTP_STEP_SEND && s.first == 4 && tftp_block_len(&x, 4) == 64,
	      "block 4: the last 64 bytes");
	CHECK(tftp_xfer_ack(&x, 4, 1040, &s) == TFTP_STEP_DONE, "ACK 4: done");

	/* retries run out */
	tftp_xfer_start(&x, 100, 512, 1, 1000, 2, false, 0, &s);
	CHECK(tftp_xfer_timeout(&x, 1000, &s) == TFTP_STEP_SEND && tftp_xfer_timeout(&x, 2000, &s) == TFTP_STEP_SEND &&
	      tftp_xfer_timeout(&x, 3000, &s) == TFTP_STEP_FAIL, "two resends, then given up");

	/* a multiple of blksize ends with an empty block */
	tftp_xfer_start(&x, 1024, 512, 1, 1000, 2, true, 0, &s);
	CHECK(s.oack && x.last == 3 && tftp_block_len(&x, 3) == 0, "1024 bytes at 512: 3 blocks, the last empty; OACK first");
	CHECK(tftp_xfer_ack(&x, 1, 1, &s) == TFTP_STEP_NONE, "during the OACK only ACK 0 counts");
	CHECK(tftp_xfer_ack(&x, 0, 1, &s) == TFTP_STEP_SEND && s.first == 1, "ACK 0: block 1");
	CHECK(tftp_xfer_ack(&x, 0, 2, &s) == TFTP_STEP_NONE, "ACK 0 again: nothing");

	/* windows: 10 blocks, window 4; a partial ACK restarts after it */
	tftp_xfer_start(&x, 10 * 512 - 1, 512, 4, 1000, 3, false, 0, &s);
	CHECK(s.first == 1 && s.count == 4, "window 4: blocks 1-4");
	CHECK(tftp_xfer_ack(&x, 2, 1, &s) == TFTP_STEP_SEND && s.first == 3 && s.count == 4,
	      "ACK 2 (3 lost): blocks 3-6 (RFC 7440)");
	CHECK(tftp_xfer_ack(&x, 6, 2, &s) == TFTP_STEP_SEND && s.first == 7 && s.count == 4, "ACK 6: 7-10");
	CHECK(tftp_xfer_ack(&x, 10, 3, &s) == TFTP_STEP_DONE, "ACK 10: done");

	/* rollover: 70000 blocks of 8 bytes, ACKed with 16-bit numbers */
	tftp_xfer_start(&x, 70000ull * 8 - 3, 8, 1, 1000, 3, false, 0, &s);
	for (n = 1; n < 70000; n++)
		if (tftp_xfer_ack(&x, (uint16_t)n, 1, &s) != TFTP_STEP_SEND || s.first != n + 1)
			break;
	CHECK(n == 70000 && tftp_xfer_ack(&x, (uint16_t)70000, 1, &s) == TFTP_STEP_DONE,
	      "70000 blocks: block numbers roll over, every ACK matched (stopped at %u)", n);
	tftp_xfer_start(&x, 70000ull * 8, 8, 1, 1000, 3, false, 0, &s);
	for (n = 1; n <= 65536; n++)
		tftp_xfer_ack(&x, (uint16_t)n, 1, &s);
	CHECK(x.base == 65537 && tftp_xfer_ack(&x, 0, 1, &s) == TFTP_STEP_NONE,
	      "after the rollover a stale ACK 0 (block 65536's) is a duplicate");
}

static void recv_side(void)
{
	struct tftp_recv rv;
	uint16_t ack;
	uint64_t off;
	uint32_t n;
	const uint8_t *d;
	size_t dl;
	uint8_t pkt[8] = { 0, 3, 0, 7, 'a', 'b' };

	tftp_recv_start(&rv, 512, 10000, 1000, 2, false, 0);
	CHECK(tftp_recv_data(&rv, 1, 512, 1, &ack, &off) == TFTP_R_WRITE && ack == 1 && off == 0, "DATA 1: write at 0, ACK 1");
	CHECK(tftp_recv_data(&rv, 1, 512, 2, &ack, &off) == TFTP_R_REACK && ack == 1, "DATA 1 again: ACK again, not written");
	CHECK(tftp_recv_data(&rv, 5, 512, 2, &ack, &off) == TFTP_R_NONE, "DATA 5 out of order: ignored");
	CHECK(tftp_recv_data(&rv, 2, 513, 2, &ack, &off) == TFTP_R_NONE, "a block longer than blksize: ignored");
	CHECK(tftp_recv_timeout(&rv, 500, &ack) == TFTP_R_NONE, "before the deadline: nothing");
	CHECK(tftp_recv_timeout(&rv, 1002, &ack) == TFTP_R_REACK && ack == 1, "deadline: ACK 1 again");
	CHECK(tftp_recv_data(&rv, 2, 100, 1003, &ack, &off) == TFTP_R_LAST && off == 512 && rv.bytes == 612,
	      "a short block: the last, at 512");
	tftp_recv_start(&rv, 512, 1000, 1000, 2, true, 0);
	CHECK(tftp_recv_timeout(&rv, 1000, &ack) == TFTP_R_REACK && ack == 0 && rv.oack, "no DATA 1: the OACK again");
	CHECK(tftp_recv_timeout(&rv, 2000, &ack) == TFTP_R_REACK && tftp_recv_timeout(&rv, 3000, &ack) == TFTP_R_FAIL,
	      "then given up");
	tftp_recv_start(&rv, 512, 1000, 1000, 2, false, 0);
	CHECK(tftp_recv_data(&rv, 1, 512, 1, &ack, &off) == TFTP_R_WRITE &&
	      tftp_recv_data(&rv, 2, 512, 1, &ack, &off) == TFTP_R_TOOBIG, "past max_bytes: too big");
	tftp_recv_start(&rv, 8, UINT64_MAX, 1000, 2, false, 0);
	for (n = 1; n <= 70000; n++)
		if (tftp_recv_data(&rv, (uint16_t)n, 8, 1, &ack, &off) != TFTP_R_WRITE || off != (uint64_t)(n - 1) * 8)
			break;
	CHECK(n == 70001, "70000 blocks received across the rollover (stopped at %u)", n);
	CHECK(tftp_parse_data(pkt, 6, &ack, &d, &dl) == 0 && ack == 7 && dl == 2 && d[0] == 'a', "DATA parsed");
	pkt[1] = 4;
	CHECK(tftp_parse_data(pkt, 6, &ack, &d, &dl) < 0, "an ACK is not DATA");
}

static char top[256];

static void put(const char *rel, const char *text)
{
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", top, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			perror("write");
		close(fd);
	}
}

static int tree_fd(const char *rel)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", top, rel);
	return open(p, O_PATH | O_DIRECTORY);
}

/* What name (with key) yields: its content's first line, or "E<code>". */
static const char *get(int rootfd, const char *name, const char *key, bool fallback, char *served)
{
	static char out[128];
	char why[128], sv[300];
	struct stat st;
	int fd, code = tftp_open(rootfd, name, key, fallback, &fd, &st, sv, sizeof(sv), why, sizeof(why));
	ssize_t n;

	if (served)
		strcpy(served, code ? why : sv);
	if (code) {
		snprintf(out, sizeof(out), "E%d", code);
		return out;
	}
	n = read(fd, out, sizeof(out) - 1);
	close(fd);
	out[n > 0 ? n : 0] = '\0';
	return out;
}

static void names(void)
{
	static const char *const bad[] = { "../etc/passwd", "a/../../b", "/etc/passwd", "a\\b", "a%2e%2e/b", "a//b",
					   "dir/", ".", "a/./b", "a\x01" "b", "..", "a/.." };
	char why[128], sv[300], d[512];
	int rootfd;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(tftp_name_check(bad[i], why, sizeof(why)) == TFTP_EACCESS, "name %zu refused: %s", i, why);
	CHECK(tftp_name_check("pxelinux.cfg/01-52-54-00-12-34-56", why, sizeof(why)) == 0 &&
	      tftp_name_check("ab5a4158/overlays/vc4-kms-v3d.dtbo", why, sizeof(why)) == 0, "ordinary names pass");

	/* The seeds' layout (001): tftpboot/ holds the common files and a
	 * link per board to its own boot directory elsewhere. */
	snprintf(top, sizeof(top), "/tmp/netroot-test-tftp.XXXXXX");
	if (!mkdtemp(top))
		return;
	for (const char *const *p = (const char *const[]){ "tftpboot", "tftpboot/overlays", "system", "system/7285c0f2",
							   "system/7285c0f2/boot", "tftpboot/ab5a4158",
							   "tftpboot/10.77.0.5", "tftpboot/adir", NULL }; *p; p++) {
		snprintf(d, sizeof(d), "%s/%s", top, *p);
		mkdir(d, 0755);
	}
	put("tftpboot/bootcode.bin", "common bootcode\n");
	put("tftpboot/start4.elf", "common start4\n");
	put("tftpboot/overlays/x.dtbo", "common overlay\n");
	put("tftpboot/ab5a4158/config.txt", "pi4 config\n");
	put("tftpboot/10.77.0.5/cmdline.txt", "by ip\n");
	put("system/7285c0f2/boot/cmdline.txt", "pi3 cmdline\n");
	put("secret", "the server's secret\n");
	snprintf(d, sizeof(d), "%s/tftpboot/b8-27-eb-42-32-c8", top);
	CHECK(symlink("../system/7285c0f2/boot", d) == 0, "the seed's top-level link");
	snprintf(d, sizeof(d), "%s/system/7285c0f2/boot/escape", top);
	symlink("../../../secret", d);              /* planted by the board in its own /boot */
	snprintf(d, sizeof(d), "%s/system/7285c0f2/boot/abs", top);
	symlink("/etc/passwd", d);
	snprintf(d, sizeof(d), "%s/system/7285c0f2/boot/inside", top);
	symlink("cmdline.txt", d);
	snprintf(d, sizeof(d), "%s/tftpboot/fifo", top);
	mkfifo(d, 0644);
	rootfd = tree_fd("tftpboot");

	CHECK_STR(get(rootfd, "bootcode.bin", NULL, true, NULL), "common bootcode\n", "a top-level file");
	CHECK_STR(get(rootfd, "ab5a4158/config.txt", NULL, true, sv), "pi4 config\n", "SERIAL/config.txt (%s)", sv);
	CHECK_STR(get(rootfd, "b8-27-eb-42-32-c8/cmdline.txt", NULL, true, NULL), "pi3 cmdline\n",
		  "MAC-named top-level link to a directory outside the root: followed (the administrator's)");
	CHECK_STR(get(rootfd, "b8-27-eb-42-32-c8/inside", NULL, true, NULL), "pi3 cmdline\n",
		  "a link inside a client directory that stays inside: served");
	CHECK_STR(get(rootfd, "b8-27-eb-42-32-c8/escape", NULL, true, sv), "E2",
		  "a relative link planted in a client directory leading out: refused (%s)", sv);
	CHECK_STR(get(rootfd, "b8-27-eb-42-32-c8/abs", NULL, true, sv), "E2",
		  "an absolute link planted in a client directory: refused (%s)", sv);
	CHECK_STR(get(rootfd, "ab5a4158/start4.elf", NULL, true, sv), "common start4\n",
		  "missing in the client directory: the top one (%s)", sv);
	CHECK(strstr(sv, "(fallback)") != NULL, "and the log says fallback");
	CHECK_STR(get(rootfd, "ab5a4158/overlays/x.dtbo", NULL, true, NULL), "common overlay\n",
		  "fallback keeps the rest of the path (overlays/x.dtbo)");
	CHECK_STR(get(rootfd, "ab5a4158/start4.elf", NULL, false, NULL), "E1", "fallback = no: not found");
	CHECK_STR(get(rootfd, "12345678/start4.elf", NULL, true, NULL), "E1",
		  "no such client directory: not found (the Pi then drops its prefix)");
	CHECK_STR(get(rootfd, "cmdline.txt", "10.77.0.5", true, sv), "by ip\n", "unique-root: the key's directory (%s)", sv);
	CHECK_STR(get(rootfd, "bootcode.bin", "10.77.0.5", true, NULL), "common bootcode\n", "unique-root falls back");
	CHECK_STR(get(rootfd, "adir", NULL, true, sv), "E2", "a directory: refused (%s)", sv);
	CHECK_STR(get(rootfd, "fifo", NULL, true, sv), "E2", "a FIFO: refused without blocking (%s)", sv);
	CHECK_STR(get(rootfd, "nothere", NULL, true, NULL), "E1", "missing: not found");
	{
		int dfd = -1;
		char base[300];

		snprintf(d, sizeof(d), "%s/system/7285c0f2/boot/out", top);
		symlink("../../..", d);
		CHECK(tftp_create_dir(rootfd, "ab5a4158/new.txt", &dfd, base, sizeof(base), why, sizeof(why)) == 0 &&
		      !strcmp(base, "new.txt"), "write: a new file in a client directory");
		if (dfd >= 0)
			close(dfd);
		CHECK(tftp_create_dir(rootfd, "new.txt", &dfd, base, sizeof(base), why, sizeof(why)) == 0, "write: at the top");
		if (dfd >= 0)
			close(dfd);
		CHECK_INT(tftp_create_dir(rootfd, "ab5a4158/config.txt", &dfd, base, sizeof(base), why, sizeof(why)),
			  TFTP_EEXISTS, "write: an existing file: error 6 (%s)", why);
		CHECK_INT(tftp_create_dir(rootfd, "b8-27-eb-42-32-c8/out/pwned", &dfd, base, sizeof(base), why, sizeof(why)),
			  TFTP_EACCESS, "write through a planted directory link: refused (%s)", why);
		CHECK_INT(tftp_create_dir(rootfd, "nodir/x", &dfd, base, sizeof(base), why, sizeof(why)), TFTP_ENOTFOUND,
			  "write into a missing directory: not found");
		CHECK_INT(tftp_create_dir(rootfd, "../x", &dfd, base, sizeof(base), why, sizeof(why)), TFTP_EACCESS,
			  "write to ../x: refused");
	}
	close(rootfd);
}

static void cache(void)
{
	struct tftp_cache c;
	struct tftp_file *f1, *f2;
	struct iovec iov[2];
	struct stat st;
	char p[300];
	uint8_t *data = malloc(3 * TFTP_CHUNK);
	int fd, n;
	bool same = true;

	memset(&c, 0, sizeof(c));
	for (size_t i = 0; i < 3 * TFTP_CHUNK; i++)
		data[i] = (uint8_t)(i * 7 + i / 251);
	snprintf(p, sizeof(p), "%s/big", top);
	fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(write(fd, data, 3 * TFTP_CHUNK) == (ssize_t)(3 * TFTP_CHUNK), "a 768 KiB file");
	close(fd);
	fd = open(p, O_RDONLY);
	fstat(fd, &st);
	f1 = tftp_file_get(&c, fd, &st);
	fd = open(p, O_RDONLY);
	f2 = tftp_file_get(&c, fd, &st);
	CHECK(f1 && f1 == f2 && f1->refs == 2, "two readers of one file share one entry");
	for (uint64_t off = 0; off < 3 * TFTP_CHUNK; off += 1468) {
		uint32_t len = 3 * TFTP_CHUNK - off < 1468 ? (uint32_t)(3 * TFTP_CHUNK - off) : 1468;
		size_t k = 0;

		n = tftp_file_bytes(&c, f1, off, len, iov);
		for (int s = 0; s < n; s++) {
			same &= !memcmp(data + off + k, iov[s].iov_base, iov[s].iov_len);
			k += iov[s].iov_len;
		}
		same &= n > 0 && k == len;
		tftp_cache_unpin(&c);
	}
	CHECK(same, "every 1468-byte block read back right, across chunk boundaries");
	CHECK_INT(c.reads, 3, "three chunks read once each (%llu hits)", (unsigned long long)c.hits);
	for (uint64_t off = 0; off < TFTP_CHUNK; off += 1468) {
		tftp_file_bytes(&c, f2, off, 1468, iov);
		tftp_cache_unpin(&c);
	}
	CHECK_INT(c.reads, 3, "the second reader reads nothing from disk");
	CHECK(tftp_file_bytes(&c, f1, TFTP_CHUNK - 10, 20, iov) == 2, "a block across a chunk boundary: two segments");
	{
		uint8_t out[32];
		size_t m = tftp_netascii((const uint8_t *)"a\nb\r\nc\r", 7, out);

		CHECK(m == 11 && !memcmp(out, "a\r\nb\r\0\r\nc\r\0", 11), "netascii: LF -> CR LF, CR -> CR NUL");
	}
	tftp_cache_unpin(&c);
	if (truncate(p, 100) == 0) {
		tftp_cache_clear(&c);
		memset(&c, 0, sizeof(c));
		fd = open(p, O_RDONLY);
		f1 = tftp_file_get(&c, fd, &st);        /* the old size, as a transfer under way has it */
		CHECK_INT(tftp_file_bytes(&c, f1, 2 * TFTP_CHUNK, 1468, iov), -EIO, "the file shrank: -EIO, no stale bytes");
		tftp_cache_unpin(&c);
	}
	tftp_cache_clear(&c);
	free(data);
}

/* A boot storm: many lock-step transfers of one file at different places
 * (boards powered on within a second of each other), one block each in
 * turn. The cache keeps a chunk for each, so every chunk is read once —
 * not once per block, as an LRU smaller than the readers' working set
 * does (bench/storm: 50 Pis, 2x slower than dnsmasq). */
static void cache_storm(void)
{
	enum { R = 2 * (TFTP_CACHE_BYTES / TFTP_CHUNK) + 8 };
	struct tftp_cache c;
	struct tftp_file *f[R];
	struct iovec iov[2];
	struct stat st;
	char p[300];
	uint64_t off[R];
	int fd;
	bool ok = true, left = true;

	memset(&c, 0, sizeof(c));
	snprintf(p, sizeof(p), "%s/storm", top);
	fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && ftruncate(fd, (off_t)R * TFTP_CHUNK) == 0, "a file of %d chunks", R);
	close(fd);
	for (int i = 0; i < R; i++) {
		fd = open(p, O_RDONLY);
		fstat(fd, &st);
		f[i] = tftp_file_get(&c, fd, &st);
		off[i] = (uint64_t)i * TFTP_CHUNK;
	}
	while (left) {
		left = false;
		for (int i = 0; i < R; i++) {
			uint64_t end = (uint64_t)(i + 1) * TFTP_CHUNK;
			uint32_t len = end - off[i] < 1468 ? (uint32_t)(end - off[i]) : 1468;

			if (off[i] >= end)
				continue;
			ok &= tftp_file_bytes(&c, f[i], off[i], len, iov) > 0;
			tftp_cache_unpin(&c);
			off[i] += len;
			left = true;
		}
	}
	CHECK(ok, "%d readers, one block each in turn: every block served", R);
	CHECK_INT(c.reads, R, "each of the %d chunks read once (%llu hits)", R, (unsigned long long)c.hits);
	for (int i = 0; i < R; i++)
		tftp_file_put(&c, f[i]);
	CHECK(c.bytes <= TFTP_CACHE_BYTES, "the readers gone, the cache is back within %u bytes (%zu)",
	      TFTP_CACHE_BYTES, c.bytes);
	tftp_cache_clear(&c);
}

/* Which board's files a request means, and who may ask. */
static void boards(void)
{
	static struct nrd_client cl[3];
	static const uint8_t ma[6] = { 0x52, 0x54, 0, 0xaa, 0, 1 }, mb[6] = { 0x52, 0x54, 0, 0xbb, 0, 2 },
			     stranger[6] = { 2, 0, 0, 0, 0, 9 };
	const struct nrd_client *b;
	const char *rest;
	bool refused;

	memset(cl, 0, sizeof(cl));
	memcpy(cl[0].mac, ma, 6);
	cl[0].has_mac = true;
	cl[0].serial = 0xab12cd34;
	cl[0].has_serial = true;
	cl[0].boot_files = BOOT_FILES_IMAGE;
	memcpy(cl[1].mac, mb, 6);
	cl[1].has_mac = true;
	cl[1].boot_files = BOOT_FILES_IMAGE;
	cl[2].serial = 0xc0ffee;
	cl[2].has_serial = true;
	cl[2].boot_files = BOOT_FILES_DIR;

	b = tftp_board_find(cl, 3, "cmdline.txt", ma, &rest, &refused);
	CHECK(b == &cl[0] && !strcmp(rest, "cmdline.txt") && !refused, "a plain name: the requester's board by its MAC");
	b = tftp_board_find(cl, 3, "AB12CD34/start4.elf", ma, &rest, &refused);
	CHECK(b == &cl[0] && !strcmp(rest, "start4.elf"), "the serial prefix, any case: the rest of the name");
	b = tftp_board_find(cl, 3, "52-54-00-AA-00-01/start4.elf", ma, &rest, &refused);
	CHECK(b == &cl[0] && !strcmp(rest, "start4.elf"), "the MAC prefix with dashes");
	b = tftp_board_find(cl, 3, "52:54:00:aa:00:01/start4.elf", ma, &rest, &refused);
	CHECK(b == &cl[0] && !strcmp(rest, "52:54:00:aa:00:01/start4.elf") && !refused,
	      "a MAC with colons is no prefix: the whole name, within the requester's files");
	b = tftp_board_find(cl, 3, "ab12cd34/cmdline.txt", mb, &rest, &refused);
	CHECK(!b && refused, "another board's serial prefix: refused");
	b = tftp_board_find(cl, 3, "52-54-00-aa-00-01/cmdline.txt", mb, &rest, &refused);
	CHECK(!b && refused, "another board's MAC prefix: refused");
	b = tftp_board_find(cl, 3, "ab12cd34/cmdline.txt", NULL, &rest, &refused);
	CHECK(!b && refused, "a board with a MAC, asked by a requester whose MAC is unknown: refused");
	b = tftp_board_find(cl, 3, "ab12cd34/cmdline.txt", stranger, &rest, &refused);
	CHECK(!b && refused, "... or by a stranger's MAC: refused");
	b = tftp_board_find(cl, 3, "00c0ffee/kernel8.img", stranger, &rest, &refused);
	CHECK(b == &cl[2] && !strcmp(rest, "kernel8.img"), "a serial-only board, asked by a stranger: served");
	b = tftp_board_find(cl, 3, "00c0ffee/kernel8.img", ma, &rest, &refused);
	CHECK(!b && refused, "a serial-only board, asked by another board: refused");
	b = tftp_board_find(cl, 3, "0c0ffee/kernel8.img", stranger, &rest, &refused);
	CHECK(!b && !refused, "7 hex digits are no serial: not a board's");
	b = tftp_board_find(cl, 3, "bootcode.bin", stranger, &rest, &refused);
	CHECK(!b && !refused && !strcmp(rest, "bootcode.bin"), "a stranger's plain name: the tree's");
	cl[0].boot_files = BOOT_FILES_NONE;
	b = tftp_board_find(cl, 3, "cmdline.txt", ma, &rest, &refused);
	CHECK(!b && !refused, "boot-files = none: the tree's");
	b = tftp_board_find(cl, 3, "ab12cd34/x", mb, &rest, &refused);
	CHECK(!b && refused, "boot-files = none still guards its prefix against another board");
}

int main(void)
{
	codec();
	xfer();
	recv_side();
	names();
	cache();
	cache_storm();
	boards();
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
		if (top[0] && system(cmd) != 0)
			printf("# could not remove %s\n", top);
	}
	return check_done();
}
