/* lib/text.c: the one bounded copy and the one escaper. */
#include "check.h"
#include "text.h"

#include <errno.h>
#include <string.h>

int main(void)
{
	char d[8], e[32];

	CHECK(text_copy(d, sizeof(d), "pi-01") == 0 && !strcmp(d, "pi-01"), "fits: copied, 0");
	CHECK(text_copy(d, sizeof(d), "1234567") == 0 && !strcmp(d, "1234567"), "exactly n - 1 bytes fit");
	CHECK(text_copy(d, sizeof(d), "12345678") == -ENAMETOOLONG && !strcmp(d, "1234567"),
	      "one byte too long: -ENAMETOOLONG, first n - 1 bytes, NUL-terminated");
	CHECK(text_copy(d, 1, "x") == -ENAMETOOLONG && d[0] == '\0', "n = 1: empty, reported");
	CHECK(text_copy(d, sizeof(d), "") == 0 && d[0] == '\0', "empty source");

	CHECK_STR(text_escape(e, sizeof(e), "a\nb\x1b[2J\\", 8), "a\\x0ab\\x1b[2J\\x5c",
		  "control bytes, ESC and the backslash as \\xNN");
	CHECK_STR(text_escape(e, sizeof(e), "ok\0hidden", 9), "ok\\x00hidden", "a NUL inside is shown, not an end");
	CHECK_STR(text_escape(e, 10, "abcdefghijklmnop", 16), "abcdef...", "truncated with ..., within n with its NUL");
	CHECK_STR(text_escape(e, sizeof(e), "\xff\xfe", 2), "\\xff\\xfe", "bytes above 0x7e");
	return check_done();
}
