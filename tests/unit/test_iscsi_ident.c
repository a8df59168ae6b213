/* The disk's identity across logins (init/iscsi_login.c): only the
 * logical unit's own designators of VPD 0x83 count, not the port it was
 * reached through; the same disk through another portal is the same disk. */
#include "check.h"
#include "scsi_vpd.h"

#include <stdint.h>
#include <string.h>

static size_t page(uint8_t *p, int port_variant)
{
	size_t o = 4;
	/* NAA 6 (assoc 0: logical unit), 16 bytes */
	static const uint8_t naa[] = { 0x01, 0x03, 0x00, 0x10, 0x60, 0x01, 0x40, 0x5a, 1, 2, 3, 4, 5, 6, 7, 8,
				       9, 10, 11, 12 };
	/* relative target port (assoc 1), 4 bytes */
	uint8_t rtp[] = { 0x61, 0x94, 0x00, 0x04, 0, 0, 0, (uint8_t)(1 + port_variant) };
	/* T10 vendor id (assoc 0) */
	static const uint8_t t10[] = { 0x02, 0x01, 0x00, 0x08, 'I', 'E', 'T', ' ', '0', '0', '0', '1' };
	/* iSCSI name of the target port (assoc 1, type 8) */
	uint8_t port[] = { 0x53, 0x98, 0x00, 0x08, 'i', 'q', 'n', ',', 't', ',', '0', (uint8_t)('1' + port_variant) };

	p[0] = 0;
	p[1] = 0x83;
	memcpy(p + o, naa, sizeof(naa)); o += sizeof(naa);
	memcpy(p + o, rtp, sizeof(rtp)); o += sizeof(rtp);
	memcpy(p + o, t10, sizeof(t10)); o += sizeof(t10);
	memcpy(p + o, port, sizeof(port)); o += sizeof(port);
	p[2] = (uint8_t)((o - 4) >> 8);
	p[3] = (uint8_t)(o - 4);
	return o;
}

int main(void)
{
	uint8_t p1[128], p2[128], o1[128], o2[128];
	size_t n1 = page(p1, 0), n2 = page(p2, 1);
	int r1 = iscsi_lu_designators(p1, n1, o1, sizeof(o1));
	int r2 = iscsi_lu_designators(p2, n2, o2, sizeof(o2));

	CHECK(r1 == 20 + 12, "only the two logical-unit designators are kept (%d bytes)", r1);
	CHECK(r1 == r2 && memcmp(o1, o2, (size_t)r1) == 0,
	      "the same LU through another port (other relative port, other port name) has the same identity");
	CHECK(o1[1] == 0x03 && o1[20 + 1] == 0x01, "kept in page order: NAA, then T10 vendor id");
	p2[4 + 19] ^= 0xff;         /* last byte of the NAA designator */
	r2 = iscsi_lu_designators(p2, n2, o2, sizeof(o2));
	CHECK(r2 == r1 && memcmp(o1, o2, (size_t)r1) != 0, "another LU's NAA makes another identity");
	p1[4 + 3] = 200;            /* the first designator claims more bytes than the page has */
	CHECK(iscsi_lu_designators(p1, n1, o1, sizeof(o1)) == -1, "a designator running past the page is refused");
	n1 = page(p1, 0);
	CHECK(iscsi_lu_designators(p1, n1, o1, 10) == -1, "an identity larger than the room for it is refused");
	CHECK(iscsi_lu_designators(p1, 3, o1, sizeof(o1)) == -1, "a page shorter than its header is refused");
	p1[3] = 250;                /* page length beyond what arrived: bounded by what arrived */
	CHECK(iscsi_lu_designators(p1, n1, o1, sizeof(o1)) == 32, "a page length past the data read is cut to it");
	printf("# %d checks, %d failed\n", check_total, check_failed);
	return check_failed ? 1 : 0;
}
