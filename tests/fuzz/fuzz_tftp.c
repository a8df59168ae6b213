/* libFuzzer target for netrootd's TFTP server (server/tftp_proto.c,
 * tftp_path.c's name rule, tftp_xfer.c):
 *  - the bytes as a request: either refused with a code and a reason, or
 *    a NUL-free name within bounds and options within their ranges; a
 *    name the rule lets through has no "..", no leading '/', no '\';
 *  - the bytes as an ACK/ERROR;
 *  - the bytes as a transfer: a size, blksize and window from the first
 *    bytes, then a run of ACK numbers and timeouts; every window asked for
 *    lies within the file's blocks, the first unacknowledged block never
 *    goes back, and the transfer never ends before its last block is
 *    acknowledged;
 *  - the bytes as a write: DATA numbers and lengths into the receiving
 *    side; every write lands right after the previous one, within the
 *    size bound, and a block is never written twice.
 * A violation aborts. */
#include <stdlib.h>
#include <string.h>

#include "tftp_path.h"
#include "tftp_proto.h"
#include "tftp_recv.h"
#include "tftp_xfer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A component of name is exactly "..". */
static int dotdot(const char *name)
{
	for (const char *c = name;; c++) {
		const char *e = strchr(c, '/');
		size_t n = e ? (size_t)(e - c) : strlen(c);

		if (n == 2 && c[0] == '.' && c[1] == '.')
			return 1;
		if (!e)
			return 0;
		c = e;
	}
}

static void request(const uint8_t *data, size_t size)
{
	struct tftp_req r;
	char why[128];
	int code = tftp_parse_req(data, size, &r);

	if (code) {
		if (code < 0 || code > TFTP_EOPTION || !r.why[0])
			abort();
		return;
	}
	if (strlen(r.name) == 0 || strlen(r.name) > TFTP_NAME_MAX || (r.op != TFTP_RRQ && r.op != TFTP_WRQ))
		abort();
	if ((r.has_blksize && (r.blksize < TFTP_BLKSIZE_MIN || r.blksize > TFTP_BLKSIZE_MAX)) ||
	    (r.has_timeout && (r.timeout < 1 || r.timeout > 255)) || (r.has_window && (r.window < 1 || r.window > 65535)))
		abort();
	if (tftp_name_check(r.name, why, sizeof(why)) == 0 &&
	    (r.name[0] == '/' || dotdot(r.name) || strchr(r.name, '\\')))
		abort();
}

static void transfer(const uint8_t *data, size_t size)
{
	struct tftp_xfer x;
	struct tftp_send s;
	uint64_t fsize;
	uint32_t blksize, window, base;
	int64_t now = 0;
	enum tftp_step st;

	if (size < 8)
		return;
	fsize = (uint64_t)data[0] << 16 | (uint64_t)data[1] << 8 | data[2];
	blksize = TFTP_BLKSIZE_MIN + (uint32_t)(data[3] << 8 | data[4]) % 2000;
	window = 1 + data[5] % 64;
	st = tftp_xfer_start(&x, fsize, blksize, window, 100, 3, data[6] & 1, now, &s);
	for (size_t i = 7; st != TFTP_STEP_DONE && st != TFTP_STEP_FAIL && i + 1 < size; i += 2) {
		base = x.base;
		if (st == TFTP_STEP_SEND && !s.oack &&
		    (s.first < 1 || s.count < 1 || s.count > window || s.first + s.count - 1 > x.last))
			abort();
		if (data[i] == 0xff) {
			now += 100;
			st = tftp_xfer_timeout(&x, now, &s);
		} else {
			st = tftp_xfer_ack(&x, (uint16_t)(data[i] << 8 | data[i + 1]), now, &s);
		}
		if (x.base < base || (st == TFTP_STEP_DONE && x.base != x.last + 1))
			abort();
	}
}

static void receive(const uint8_t *data, size_t size)
{
	struct tftp_recv r;
	uint64_t written = 0, off;
	uint16_t ack;
	const uint8_t *d;
	size_t dl;
	int64_t now = 0;
	enum tftp_rstep st = TFTP_R_NONE;

	(void)tftp_parse_data(data, size, &ack, &d, &dl);
	if (size < 4)
		return;
	tftp_recv_start(&r, 8 + data[0] % 64, 4096, 100, 3, data[1] & 1, now);
	for (size_t i = 2; st != TFTP_R_LAST && st != TFTP_R_TOOBIG && st != TFTP_R_FAIL && i + 2 < size; i += 3) {
		uint32_t len = data[i + 2] % 80;

		if (data[i] == 0xff) {
			now += 100;
			st = tftp_recv_timeout(&r, now, &ack);
			continue;
		}
		st = tftp_recv_data(&r, (uint16_t)(data[i] << 8 | data[i + 1]), len, now, &ack, &off);
		if (st == TFTP_R_WRITE || st == TFTP_R_LAST) {
			if (off != written || len > r.blksize || off + len > 4096)
				abort();
			written += len;
		}
		if (r.bytes != written)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t blk, code;
	char msg[64];

	request(data, size);
	(void)tftp_parse_ack(data, size, &blk, &code, msg, sizeof(msg));
	transfer(data, size);
	receive(data, size);
	return 0;
}
