#include "ipv4.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

int parse_in4(const char *s, size_t n, in4_t *out)
{
	uint8_t b[4];
	size_t i = 0;
	int part;

	for (part = 0; part < 4; part++) {
		unsigned v = 0, digits = 0;

		if (part > 0) {
			if (i >= n || s[i] != '.')
				return -EINVAL;
			i++;
		}
		while (i < n && s[i] >= '0' && s[i] <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(s[i] - '0');
			digits++;
			i++;
		}
		if (digits == 0 || digits > 3 || v > 255)
			return -EINVAL;
		b[part] = (uint8_t)v;
	}
	if (i != n)
		return -EINVAL;
	memcpy(out, b, sizeof(b));  /* network byte order */
	return 0;
}

int parse_in4_prefix(const char *s, size_t n, in4_t *addr, int *prefix)
{
	const char *slash = memchr(s, '/', n);
	size_t i, alen = slash ? (size_t)(slash - s) : n;
	int len = 0;

	if (parse_in4(s, alen, addr) < 0)
		return -EINVAL;
	if (!slash) {
		*prefix = 32;
		return 0;
	}
	i = alen + 1;
	if (i >= n || n - i > 2)
		return -EINVAL;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		len = len * 10 + (s[i] - '0');
	}
	if (len > 32)
		return -EINVAL;
	*prefix = len;
	return 0;
}

const char *in4_str(in4_t a, char buf[IN4_STRLEN])
{
	uint8_t b[4];

	memcpy(b, &a, sizeof(b));
	snprintf(buf, IN4_STRLEN, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
	return buf;
}

int in4_prefix_len(in4_t mask)
{
	uint32_t m = ntohl(mask);
	int n = 0;

	while (m & 0x80000000u) {
		n++;
		m <<= 1;
	}
	return m ? -1 : n;
}

in4_t in4_mask_of(int prefix)
{
	if (prefix <= 0)
		return 0;
	if (prefix >= 32)
		return 0xffffffffu;
	return htonl(~((1u << (32 - prefix)) - 1));
}

in4_t in4_classful_mask(in4_t addr)
{
	uint32_t h = ntohl(addr);

	return htonl(h < 0x80000000u ? 0xff000000u : h < 0xc0000000u ? 0xffff0000u : 0xffffff00u);
}

bool in4_same_net(in4_t a, in4_t b, in4_t mask)
{
	return ((a ^ b) & mask) == 0;
}

in4_t in4_add(in4_t a, uint32_t k)
{
	return htonl(ntohl(a) + k);
}
