#include "iscsi_pdu.h"

#include <string.h>

#include "buf.h"

int iscsi_bhs_parse(const uint8_t *p, struct iscsi_bhs *h, uint32_t data_max)
{
	struct rbuf b = rb_init(p, ISCSI_BHS_LEN);
	uint8_t b0 = 0, ahs = 0, d[3] = { 0 };

	memset(h, 0, sizeof(*h));
	rb_u8(&b, &b0);
	h->op = b0 & 0x3f;
	h->immediate = (b0 & 0x40) != 0;
	rb_u8(&b, &h->flags);
	rb_u8(&b, &h->b2);
	rb_u8(&b, &h->b3);
	rb_u8(&b, &ahs);
	rb_bytes(&b, d, 3);
	h->ahs_len = (uint32_t)ahs * 4;
	h->data_len = (uint32_t)d[0] << 16 | (uint32_t)d[1] << 8 | d[2];
	rb_bytes(&b, h->lun, 8);
	rb_be32(&b, &h->itt);
	rb_be32(&b, &h->w20);
	rb_be32(&b, &h->w24);
	rb_be32(&b, &h->w28);
	memcpy(h->cdb, p + 32, 16);
	rb_be32(&b, &h->w32);
	rb_be32(&b, &h->w36);
	rb_be32(&b, &h->w40);
	rb_be32(&b, &h->w44);
	return h->data_len > data_max ? -1 : 0;
}

void iscsi_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

uint32_t iscsi_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void iscsi_bhs_init(uint8_t *bhs, uint8_t op, uint8_t flags, uint32_t data_len, uint32_t itt)
{
	memset(bhs, 0, ISCSI_BHS_LEN);
	bhs[0] = op;
	bhs[1] = flags;
	bhs[5] = (uint8_t)(data_len >> 16);
	bhs[6] = (uint8_t)(data_len >> 8);
	bhs[7] = (uint8_t)data_len;
	iscsi_put32(bhs + 16, itt);
}
