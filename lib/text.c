#include "text.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int text_copy(char *dst, size_t n, const char *src)
{
	size_t l = strlen(src);

	if (n == 0)
		return -ENAMETOOLONG;
	if (l >= n) {
		memcpy(dst, src, n - 1);
		dst[n - 1] = '\0';
		return -ENAMETOOLONG;
	}
	memcpy(dst, src, l + 1);
	return 0;
}

char *text_escape(char *dst, size_t n, const char *src, size_t srclen)
{
	size_t o = 0, i;

	if (n == 0)
		return dst;
	for (i = 0; i < srclen; i++) {
		unsigned char c = (unsigned char)src[i];
		size_t need = (c >= 0x20 && c < 0x7f && c != '\\') ? 1 : 4;

		if (o + need + 4 > n) {   /* room for "..." and the NUL */
			if (o + 4 <= n)
				memcpy(dst + o, "...", 3), o += 3;
			break;
		}
		if (need == 1)
			dst[o++] = (char)c;
		else
			o += (size_t)snprintf(dst + o, n - o, "\\x%02x", c);
	}
	dst[o] = '\0';
	return dst;
}

int text_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
