/* Text both programs handle: one bounded copy that says when it cut, and
 * one escaper for untrusted bytes (network, files, the command line) that
 * reach a log line or the console. Other output grammars keep their own
 * quoting next to their writer: JSON strings (init/explain.c) and the
 * shell-sourceable values of /run/net-*.conf (lib/netconf.c). */
#ifndef NETROOT_TEXT_H
#define NETROOT_TEXT_H

#include <stddef.h>

/* src into dst (size n > 0), always NUL-terminated: 0, or -ENAMETOOLONG
 * when src did not fit (dst then holds its first n - 1 bytes). */
int text_copy(char *dst, size_t n, const char *src);

/* srclen bytes of src into dst (size n) with every byte outside printable
 * ASCII, and the backslash, shown as \xNN, so untrusted text cannot forge
 * log lines or send escapes to the console. Always NUL-terminates;
 * truncates with "...". Returns dst. */
char *text_escape(char *dst, size_t n, const char *src, size_t srclen);

/* A hex digit's value (either case), or -1. */
int text_hexval(char c);

#endif
