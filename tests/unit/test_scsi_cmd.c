/* netrootd's SCSI command table (server/scsi_cmd.c) over a scratch image:
 * the checks before any I/O (operation code, protection fields, LBA
 * range, lengths, read-only), residual-friendly partial transfers, the
 * VPD pages, and the data paths (write, read back, UNMAP reads zeros,
 * COMPARE AND WRITE). */
#include "check.h"
#include "scsi_cmd.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct scsi_lu lu;
static struct bstore bs;
static struct scsi_status st;
static uint8_t in[1 << 20], out[1 << 20];

static int plan(const uint8_t *cdb, enum scsi_dir *dir, uint32_t *len)
{
	bool partial;

	return scsi_plan(&lu, "iqn.test,i,0x1", cdb, dir, len, &partial, &st);
}

static uint16_t asc(void)
{
	return (uint16_t)(st.sense[12] << 8 | st.sense[13]);
}

int main(void)
{
	char path[] = "/tmp/netroot-test-scsi.XXXXXX", msg[256];
	int fd = mkstemp(path);
	enum scsi_dir dir;
	uint32_t len, inlen;

	CHECK(fd >= 0 && ftruncate(fd, 8 << 20) == 0, "an 8 MiB image");
	close(fd);
	CHECK(bstore_open(&bs, path, false, msg, sizeof(msg)) == 0, "opened (%s)", msg);
	scsi_lu_init(&lu, &bs, "iqn.2026-11.org.netroot:test");
	CHECK(lu.nblocks == 16384, "16384 blocks of 512");

	{
		const uint8_t cdb[16] = { 0x89, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };

		CHECK(plan(cdb, &dir, &len) < 0 && st.sense[2] == 5 && asc() == 0x2400,
		      "COMPARE AND WRITE of 2 blocks (limit 1): INVALID FIELD IN CDB");
	}
	{
		const uint8_t cdb[16] = { 0x89, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };

		CHECK(plan(cdb, &dir, &len) == 0 && dir == SCSI_OUT && len == 1024, "COMPARE AND WRITE of 1: 2 blocks out");
		memset(out, 'A', 512);
		memset(out + 512, 'B', 512);
		scsi_exec(&lu, "iqn.test,i,0x1", cdb, out, 1024, NULL, 0, &inlen, &st);
		CHECK(st.status == 2 && st.sense[2] == 0x0e, "the medium is zeros, not 'A': MISCOMPARE");
	}
	{
		const uint8_t w[10] = { 0x2a, 0, 0, 0, 0, 10, 0, 0, 2, 0 }, r[10] = { 0x28, 0, 0, 0, 0, 10, 0, 0, 2, 0 };
		const uint8_t wp[10] = { 0x2a, 0x20, 0, 0, 0, 10, 0, 0, 2, 0 };

		memset(out, 0x5a, 1024);
		CHECK(plan(w, &dir, &len) == 0 && dir == SCSI_OUT && len == 1024, "WRITE 10 of 2 blocks");
		scsi_exec(&lu, "iqn.test,i,0x1", w, out, 1024, NULL, 0, &inlen, &st);
		scsi_exec(&lu, "iqn.test,i,0x1", r, NULL, 0, in, 1024, &inlen, &st);
		CHECK(st.status == 0 && inlen == 1024 && !memcmp(in, out, 1024), "read back");
		scsi_exec(&lu, "iqn.test,i,0x1", r, NULL, 0, in, 200, &inlen, &st);
		CHECK(st.status == 0 && inlen == 200, "a read with room for 200 bytes returns 200");
		CHECK(plan(wp, &dir, &len) < 0 && asc() == 0x2400, "WRPROTECT 1: INVALID FIELD IN CDB");
	}
	{
		const uint8_t r[10] = { 0x28, 0, 0, 0, 0x40, 0, 0, 0, 1, 0 };

		CHECK(plan(r, &dir, &len) < 0 && asc() == 0x2100, "READ 10 at LBA 16384: LBA OUT OF RANGE");
	}
	{
		uint8_t um[10] = { 0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0 }, par[24] = { 0, 22, 0, 16 };
		const uint8_t r[10] = { 0x28, 0, 0, 0, 0, 10, 0, 0, 2, 0 };

		par[8 + 7] = 10;        /* LBA 10 */
		par[8 + 11] = 2;        /* 2 blocks */
		scsi_exec(&lu, "iqn.test,i,0x1", um, par, 24, NULL, 0, &inlen, &st);
		scsi_exec(&lu, "iqn.test,i,0x1", r, NULL, 0, in, 1024, &inlen, &st);
		CHECK(st.status == 0 && in[0] == 0 && in[1023] == 0 && !memcmp(in, in + 1, 1023), "UNMAP: reads zeros (LBPRZ)");
	}
	{
		const uint8_t cdb[6] = { 0x12, 1, 0xb0, 0, 64, 0 }, bad[6] = { 0x12, 0, 0x80, 0, 64, 0 };

		scsi_exec(&lu, "iqn.test,i,0x1", cdb, NULL, 0, in, 64, &inlen, &st);
		CHECK(st.status == 0 && in[1] == 0xb0 && (in[4] & 1) && in[5] == 1, "VPD B0: WSNZ, COMPARE AND WRITE 1 block");
		scsi_exec(&lu, "iqn.test,i,0x1", bad, NULL, 0, in, 64, &inlen, &st);
		CHECK(st.status == 2 && asc() == 0x2400, "a page code without EVPD: INVALID FIELD IN CDB");
	}
	{
		const uint8_t cdb[10] = { 0xff };

		CHECK(plan(cdb, &dir, &len) < 0 && asc() == 0x2000, "opcode ff: INVALID COMMAND OPERATION CODE");
	}
	bstore_close(&bs);
	unlink(path);
	return check_done();
}
