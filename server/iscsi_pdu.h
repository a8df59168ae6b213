/* iSCSI PDUs (RFC 7143 §11) for netrootd's target (server/iscsi_pdu.c):
 * the 48-byte Basic Header Segment read into a struct field by field
 * through lib/buf.h, and the target's PDUs built from one. Pure: no
 * sockets. Lengths are checked against the limits below before anything
 * is allocated or read. */
#ifndef NETROOT_SERVER_ISCSI_PDU_H
#define NETROOT_SERVER_ISCSI_PDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ISCSI_BHS_LEN 48
#define ISCSI_AHS_MAX 1020              /* TotalAHSLength is 255 words */
#define ISCSI_RECV_SEG_MAX (256u << 10) /* our MaxRecvDataSegmentLength */
#define ISCSI_TEXT_MAX (64u << 10)      /* a login or text exchange, all its PDUs */
#define ISCSI_RSVD_TAG 0xffffffffu

/* initiator opcodes */
enum {
	ISCSI_OP_NOP_OUT = 0x00, ISCSI_OP_SCSI_CMD = 0x01, ISCSI_OP_TASK_MGMT = 0x02, ISCSI_OP_LOGIN = 0x03,
	ISCSI_OP_TEXT = 0x04, ISCSI_OP_DATA_OUT = 0x05, ISCSI_OP_LOGOUT = 0x06, ISCSI_OP_SNACK = 0x10,
};
/* target opcodes */
enum {
	ISCSI_OP_NOP_IN = 0x20, ISCSI_OP_SCSI_RSP = 0x21, ISCSI_OP_TASK_RSP = 0x22, ISCSI_OP_LOGIN_RSP = 0x23,
	ISCSI_OP_TEXT_RSP = 0x24, ISCSI_OP_DATA_IN = 0x25, ISCSI_OP_LOGOUT_RSP = 0x26, ISCSI_OP_R2T = 0x31,
	ISCSI_OP_ASYNC = 0x32, ISCSI_OP_REJECT = 0x3f,
};

/* A received BHS, its fields named for the request they come in. */
struct iscsi_bhs {
	uint8_t op;                     /* opcode */
	bool immediate;                 /* I bit */
	uint8_t flags;                  /* byte 1 (F, and the opcode's own) */
	uint8_t b2, b3;                 /* bytes 2, 3 */
	uint32_t ahs_len;               /* bytes of AHS */
	uint32_t data_len;              /* DataSegmentLength */
	uint8_t lun[8];                 /* bytes 8-15 (ISID + TSIH on a login) */
	uint32_t itt;                   /* 16-19 */
	uint32_t w20, w24, w28, w32, w36, w40, w44;   /* the words from byte 20 */
	uint8_t cdb[16];                /* bytes 32-47 of a SCSI command */
};

/* Reads the 48 bytes. -1 when the lengths are out of bounds (AHS not
 * whole words; data segment over max). */
int iscsi_bhs_parse(const uint8_t *p, struct iscsi_bhs *h, uint32_t data_max);

/* A target PDU's BHS: opcode, byte 1, data length, ITT; the other bytes
 * zero for the caller to fill with iscsi_put32 / direct bytes. */
void iscsi_bhs_init(uint8_t *bhs, uint8_t op, uint8_t flags, uint32_t data_len, uint32_t itt);
void iscsi_put32(uint8_t *p, uint32_t v);
uint32_t iscsi_get32(const uint8_t *p);

/* Bytes of padding after a data segment of n bytes. */
static inline uint32_t iscsi_pad(uint32_t n)
{
	return (4 - (n & 3)) & 3;
}

#endif
