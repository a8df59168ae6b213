/* libFuzzer target for the VPD 0x83 reader (init/scsi_vpd.c): any bytes a
 * target returns as its device identification page. What comes out must be
 * whole designation descriptors of the logical unit, within the room given,
 * and the same input must give the same identity. A violation aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scsi_vpd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[252], out2[252];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int n = iscsi_lu_designators(data, size, out, sizeof(out));
	size_t o = 0;

	if (n < -1 || n > (int)sizeof(out))
		abort();
	if (n < 0)
		return 0;
	while (o < (size_t)n) {         /* whole descriptors, association 0 */
		if (o + 4 > (size_t)n || ((out[o + 1] >> 4) & 3) != 0)
			abort();
		o += 4u + out[o + 3];
	}
	if (o != (size_t)n)
		abort();
	if (iscsi_lu_designators(data, size, out2, sizeof(out2)) != n || memcmp(out, out2, (size_t)n) != 0)
		abort();
	return 0;
}
