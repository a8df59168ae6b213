/* SCSI VPD pages a target returns; see scsi_vpd.c. */
#ifndef NETROOT_SCSI_VPD_H
#define NETROOT_SCSI_VPD_H

#include <stddef.h>
#include <stdint.h>

/* The logical unit's own designation descriptors of a VPD 0x83 page (not
 * those of the port it was reached through), copied one after another:
 * bytes written, or -1 when the page is malformed or out is too small. */
int iscsi_lu_designators(const uint8_t *page, size_t len, uint8_t *out, size_t outmax);

#endif
