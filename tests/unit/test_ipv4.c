/* lib/ipv4.c: the one IPv4 parser, formatter and mask arithmetic. */
#include "check.h"
#include "ipv4.h"

#include <arpa/inet.h>
#include <string.h>

static in4_t A(const char *s)
{
	in4_t a = 0;

	inet_pton(AF_INET, s, &a);
	return a;
}

static int parse(const char *s, in4_t *a)
{
	return parse_in4(s, strlen(s), a);
}

int main(void)
{
	static const char *const bad[] = { "", "1", "1.2.3", "1.2.3.4.", "1.2.3.4.5", "256.0.0.1", "1..2.3",
					   "1.2.3.04x", " 1.2.3.4", "1.2.3.4 ", "-1.2.3.4", "1.2.3.0004",
					   "a.b.c.d", "1.2.3.+4" };
	char buf[IN4_STRLEN];
	in4_t a = 0;
	int prefix = -1;

	CHECK(parse("10.77.0.1", &a) == 0 && a == A("10.77.0.1"), "dotted quad, network byte order");
	CHECK(parse("255.255.255.255", &a) == 0 && a == 0xffffffffu, "all ones");
	CHECK(parse("010.001.000.001", &a) == 0 && a == A("10.1.0.1"), "leading zeros are decimal (as the kernel's ipconfig)");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(parse(bad[i], &a) < 0, "refused: \"%s\"", bad[i]);
	CHECK(parse_in4("10.0.0.1:/x", 8, &a) == 0 && a == A("10.0.0.1"), "exactly n bytes: a prefix of a longer string");

	CHECK_STR(in4_str(A("192.168.18.101"), buf), "192.168.18.101", "format");
	CHECK_STR(in4_str(0xffffffffu, buf), "255.255.255.255", "format, longest");

	CHECK(parse_in4_prefix("10.77.0.0/24", 12, &a, &prefix) == 0 && a == A("10.77.0.0") && prefix == 24,
	      "a.b.c.d/len");
	CHECK(parse_in4_prefix("10.77.0.9", 9, &a, &prefix) == 0 && prefix == 32, "bare address: /32");
	CHECK(parse_in4_prefix("10.0.0.0/0", 10, &a, &prefix) == 0 && prefix == 0, "/0");
	CHECK(parse_in4_prefix("10.0.0.0/33", 11, &a, &prefix) < 0, "/33 refused");
	CHECK(parse_in4_prefix("10.0.0.0/", 9, &a, &prefix) < 0, "empty length refused");
	CHECK(parse_in4_prefix("10.0.0.0/2x", 11, &a, &prefix) < 0, "non-digit length refused");
	CHECK(parse_in4_prefix("10.0.0.0/024", 12, &a, &prefix) < 0, "three-digit length refused");

	CHECK_INT(in4_prefix_len(A("255.255.255.0")), 24, "mask -> prefix");
	CHECK_INT(in4_prefix_len(0), 0, "0 -> 0");
	CHECK_INT(in4_prefix_len(0xffffffffu), 32, "all ones -> 32");
	CHECK_INT(in4_prefix_len(A("255.0.255.0")), -1, "non-contiguous mask -> -1");
	CHECK(in4_mask_of(20) == A("255.255.240.0"), "prefix -> mask");
	CHECK(in4_mask_of(0) == 0 && in4_mask_of(32) == 0xffffffffu && in4_mask_of(40) == 0xffffffffu,
	      "prefix bounds");
	for (int p = 0; p <= 32; p++)
		if (in4_prefix_len(in4_mask_of(p)) != p)
			CHECK(0, "round trip /%d", p);
	CHECK(1, "prefix -> mask -> prefix for 0..32");

	CHECK(in4_classful_mask(A("10.1.2.3")) == A("255.0.0.0"), "class A");
	CHECK(in4_classful_mask(A("172.16.1.1")) == A("255.255.0.0"), "class B");
	CHECK(in4_classful_mask(A("192.168.18.1")) == A("255.255.255.0"), "class C");
	CHECK(in4_same_net(A("10.77.0.10"), A("10.77.0.200"), A("255.255.255.0")), "same /24");
	CHECK(!in4_same_net(A("10.77.0.10"), A("10.77.1.10"), A("255.255.255.0")), "other /24");
	CHECK(in4_add(A("10.77.0.255"), 1) == A("10.77.1.0"), "add carries across octets");
	return check_done();
}
