/* libFuzzer target for netrootd's iSCSI target, its pure layers:
 *  - the first 48 bytes as a Basic Header Segment (server/iscsi_pdu.c):
 *    accepted lengths stay within the limits;
 *  - the rest as login/text keys (iscsi_nego.c): names bounded and
 *    NUL-terminated, negotiated values within the target's own limits, the
 *    answer within its buffer; then as the security stage's keys in any
 *    of its states, with and without a CHAP account (iscsi_chap.c);
 *  - a CDB from the BHS bytes 32-47 and the rest as its data, through
 *    scsi_plan and scsi_exec (scsi_cmd.c, scsi_pr.c) over a 1 MiB store in
 *    memory: what comes back fits the room given, the status is GOOD,
 *    CHECK CONDITION or RESERVATION CONFLICT.
 * A violation aborts. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bstore.h"
#include "iscsi_chap.h"
#include "iscsi_nego.h"
#include "iscsi_pdu.h"
#include "scsi_cmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STORE (1u << 20)
static uint8_t store[STORE];

static int m_read(struct bstore *b, void *buf, size_t len, uint64_t off)
{
	if (off > b->size || len > b->size - off)
		abort();
	memcpy(buf, store + off, len);
	return 0;
}
static int m_write(struct bstore *b, const void *buf, size_t len, uint64_t off, bool fua)
{
	(void)fua;
	if (off > b->size || len > b->size - off)
		abort();
	memcpy(store + off, buf, len);
	return 0;
}
static int m_flush(struct bstore *b)
{
	(void)b;
	return 0;
}
static int m_discard(struct bstore *b, uint64_t off, uint64_t len)
{
	if (off > b->size || len > b->size - off)
		abort();
	memset(store + off, 0, len);
	return 0;
}
static int m_mapping(struct bstore *b, uint64_t off, bool *mapped, uint64_t *len)
{
	*mapped = true;
	*len = off < b->size ? b->size - off : 0;
	return 0;
}
static int nowait_ok;                   /* this input's try_*: done, or would block */
static int m_try_read(struct bstore *b, void *buf, size_t len, uint64_t off)
{
	return nowait_ok ? m_read(b, buf, len, off) : -EAGAIN;
}
static int m_try_write(struct bstore *b, const void *buf, size_t len, uint64_t off)
{
	return nowait_ok ? m_write(b, buf, len, off, false) : -EAGAIN;
}
static const struct bstore_ops mem_ops = { m_read, m_write, m_flush, m_discard, m_mapping, m_try_read, m_try_write };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bstore bs;
	static struct scsi_lu lu;
	static int ready;
	static uint8_t in[SCSI_MAX_XFER_BLOCKS * SCSI_BLOCK];
	static uint8_t kv[ISCSI_TEXT_MAX];
	struct iscsi_bhs h;
	struct iscsi_nego n;
	struct wbuf w = wb_init(kv, sizeof(kv));
	char why[256];
	const uint8_t *rest = size > ISCSI_BHS_LEN ? data + ISCSI_BHS_LEN : NULL;
	size_t rlen = size > ISCSI_BHS_LEN ? size - ISCSI_BHS_LEN : 0;

	if (!ready) {
		bs.ops = &mem_ops;
		bs.fd = -1;
		bs.size = STORE;
		bs.can_discard = true;
		scsi_lu_init(&lu, &bs, "iqn.2026-11.org.netroot:fuzz");
		ready = 1;
	}
	if (size < ISCSI_BHS_LEN)
		return 0;
	if (iscsi_bhs_parse(data, &h, ISCSI_RECV_SEG_MAX) == 0 && h.data_len > ISCSI_RECV_SEG_MAX)
		abort();
	if (h.ahs_len % 4 || h.ahs_len > ISCSI_AHS_MAX)
		abort();

	iscsi_nego_init(&n);
	n.auth = (enum iscsi_auth_state)(data[2] & 3);  /* any security state: CHAP keys at every step */
	if (iscsi_negotiate(&n, rest, rlen, &w, why, sizeof(why)) == 0) {
		static const struct iscsi_chap_acct acct = { "u", "secret-0123456", "t", "target-secret-1" };
		static const uint8_t rnd[ISCSI_CHAP_RANDOM];
		int r = iscsi_auth_step(&n, (data[3] & 1) ? &acct : NULL, rnd, &w, why, sizeof(why));

		if (r != ISCSI_AUTH_OK && r != ISCSI_AUTH_FAIL && r != ISCSI_AUTH_BAD)
			abort();
		if (iscsi_auth_may_leave(&n, (data[3] & 2) ? &acct : NULL, why, sizeof(why)) > 1)
			abort();
		if (strlen(n.initiator) > ISCSI_NAME_MAX || strlen(n.target) > ISCSI_NAME_MAX ||
		    n.p.send_seg_max < 512 || n.p.send_seg_max > 16777215 || n.p.max_burst > ISCSI_OUR_MAX_BURST ||
		    n.p.first_burst > ISCSI_OUR_FIRST_BURST)
			abort();
		iscsi_nego_finish(&n, &w);
	}
	if (w.len > sizeof(kv))
		abort();

	{
		enum scsi_dir dir;
		uint32_t len = 0, inlen = 0;
		bool partial;
		struct scsi_status st;
		const char *nexus = (data[1] & 1) ? "iqn.a,i,0x1" : "iqn.b,i,0x2";

		if (scsi_plan(&lu, nexus, h.cdb, &dir, &len, &partial, &st) == 0) {
			if (len > SCSI_MAX_XFER_BLOCKS * SCSI_BLOCK)
				abort();
			if (dir == SCSI_OUT && rlen < len)
				len = partial ? (uint32_t)rlen : 0;
			if (dir != SCSI_OUT || len <= rlen) {
				/* the connection's way: the no-wait try first, then the worker's */
				nowait_ok = data[4] & 1;
				if (scsi_exec_nowait(&lu, nexus, h.cdb, rest, dir == SCSI_OUT ? len : 0, in,
						     dir == SCSI_IN ? len : 0, &inlen, &st) == 0) {
					if (scsi_io_class(h.cdb) != SCSI_IO_TRY)
						abort();
				} else {
					scsi_exec(&lu, nexus, h.cdb, rest, dir == SCSI_OUT ? len : 0, in,
						  dir == SCSI_IN ? len : 0, &inlen, &st);
				}
				if (inlen > (dir == SCSI_IN ? len : 0))
					abort();
			}
		}
		if (st.status != 0 && st.status != 2 && st.status != 0x18)
			abort();
	}
	return 0;
}
