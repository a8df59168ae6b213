/* The bounded byte cursors: every accessor refuses to run past the end. */
#include <errno.h>
#include <stdint.h>

#include "buf.h"
#include "check.h"

static void test_read(void)
{
	const uint8_t pkt[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07 };
	struct rbuf b = rb_init(pkt, sizeof(pkt)), sub;
	uint8_t u8, out[4];
	uint16_t u16;
	uint32_t u32;

	CHECK_INT(rb_u8(&b, &u8), 0, "u8");
	CHECK_INT(u8, 1, "u8 value");
	CHECK_INT(rb_be16(&b, &u16), 0, "be16");
	CHECK_INT(u16, 0x0203, "be16 value");
	CHECK_INT(rb_be32(&b, &u32), 0, "be32");
	CHECK_INT(u32, 0x04050607u, "be32 value");
	CHECK_INT(rb_left(&b), 0, "all consumed");
	CHECK_INT(rb_u8(&b, &u8), -EBADMSG, "u8 past the end");
	CHECK_INT(rb_skip(&b, 1), -EBADMSG, "skip past the end");

	b = rb_init(pkt, 3);
	CHECK_INT(rb_be32(&b, &u32), -EBADMSG, "be32 needs 4 bytes");
	CHECK_INT(rb_left(&b), 3, "a failed read consumes nothing");
	CHECK_INT(rb_le32(&b, &u32), -EBADMSG, "le32 needs 4 bytes");
	CHECK_INT(rb_bytes(&b, out, 4), -EBADMSG, "bytes past the end");
	CHECK_INT(rb_bytes(&b, out, 3), 0, "bytes exactly to the end");
	CHECK_INT(out[2], 3, "copied");

	b = rb_init(pkt, sizeof(pkt));
	CHECK_INT(rb_sub(&b, 8, &sub), -EBADMSG, "sub longer than what is left");
	CHECK_INT(rb_sub(&b, 2, &sub), 0, "sub of 2");
	CHECK_INT(rb_left(&sub), 2, "sub has 2");
	CHECK_INT(rb_left(&b), 5, "parent moved past it");
	CHECK_INT(rb_be32(&sub, &u32), -EBADMSG, "sub is bounded by its own length");
	CHECK_INT(rb_peek_u8(&b, &u8), 0, "peek");
	CHECK_INT(u8, 3, "peek value");
	CHECK_INT(rb_left(&b), 5, "peek consumes nothing");
	b = rb_init(pkt, 4);
	CHECK_INT(rb_le32(&b, &u32), 0, "le32");
	CHECK_INT(u32, 0x04030201u, "le32 value");
	CHECK_INT(rb_skip(&b, (size_t)-1), -EBADMSG, "huge skip");
}

static void test_write(void)
{
	uint8_t mem[8];
	struct wbuf w = wb_init(mem, sizeof(mem));

	CHECK_INT(wb_be32(&w, 0x01020304u), 0, "be32 out");
	CHECK_INT(wb_be16(&w, 0x0506), 0, "be16 out");
	CHECK_INT(wb_u8(&w, 7), 0, "u8 out");
	CHECK_INT(w.len, 7, "7 written");
	CHECK_INT(mem[0] == 1 && mem[3] == 4 && mem[4] == 5 && mem[6] == 7, 1, "big-endian layout");
	CHECK_INT(wb_be16(&w, 1), -ENOSPC, "be16 does not fit");
	CHECK_INT(w.len, 7, "nothing written on overflow");
	CHECK_INT(wb_u8(&w, 8), -ENOSPC, "error is sticky");
	CHECK(wb_cstr(&w) == NULL, "cstr after an error");

	w = wb_init(mem, sizeof(mem));
	CHECK_INT(wb_str(&w, "abc"), 0, "str");
	CHECK_INT(wb_zero(&w, 2), 0, "zero");
	CHECK_STR(wb_cstr(&w), "abc", "cstr stops at the first NUL written");
	w = wb_init(mem, 4);
	CHECK_INT(wb_str(&w, "abcd"), 0, "exactly full");
	CHECK(wb_cstr(&w) == NULL, "no room for the NUL");
	w = wb_init(mem, 4);
	CHECK(wb_reserve(&w, (size_t)-1) == NULL, "huge reserve refused");
}

int main(void)
{
	test_read();
	test_write();
	return check_done();
}
