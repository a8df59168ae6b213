/* SCSI VPD pages from a target, read through the bounded cursor: pure, no
 * I/O, fuzzed (tests/fuzz/fuzz_vpd83.c). */
#include "scsi_vpd.h"

#include <string.h>

#include "buf.h"

/* The designation descriptors of a VPD 0x83 page that name the logical
 * unit itself (ASSOCIATION 0), one after another; those naming the target
 * port or the target device (ASSOCIATION 1, 2: relative port, port group,
 * "iqn...,t,0x1") differ from portal to portal of the same disk. Bytes
 * written to out, or -1 when the page is malformed. */
int iscsi_lu_designators(const uint8_t *page, size_t len, uint8_t *out, size_t outmax)
{
	struct rbuf b = rb_init(page, len), d;
	uint16_t plen;
	size_t o = 0;

	if (rb_skip(&b, 2) < 0 || rb_be16(&b, &plen) < 0 || rb_sub(&b, plen < rb_left(&b) ? plen : rb_left(&b), &d) < 0)
		return -1;
	while (rb_left(&d) >= 4) {
		const uint8_t *desc = d.p;
		uint8_t flags, dlen;

		if (rb_skip(&d, 1) < 0 || rb_u8(&d, &flags) < 0 || rb_skip(&d, 1) < 0 || rb_u8(&d, &dlen) < 0 ||
		    rb_skip(&d, dlen) < 0)
			return -1;
		if (((flags >> 4) & 3) != 0)
			continue;
		if (o + 4u + dlen > outmax)
			return -1;
		memcpy(out + o, desc, 4u + dlen);
		o += 4u + dlen;
	}
	return (int)o;
}
