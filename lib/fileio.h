/* Small file and descriptor helpers both programs use: a small text file in
 * one read, a file written whole, and whole buffers through short reads and
 * writes and EINTR. */
#ifndef NETROOT_FILEIO_H
#define NETROOT_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

/* Up to n - 1 bytes of path into buf, NUL-terminated: the byte count, or
 * -errno. */
ssize_t read_small(const char *path, char *buf, size_t n);

/* path created or truncated (mode 0644) and len bytes of text written:
 * 0 or -errno. */
int write_file(const char *path, const char *text, size_t len);

/* Exactly n bytes: 0, -EPIPE at end of file, or -errno. */
int read_full(int fd, void *p, size_t n);

/* All n bytes (waiting for room on a non-blocking descriptor): 0 or
 * -errno. */
int write_full(int fd, const void *p, size_t n);

#endif
