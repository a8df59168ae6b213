/* Glue between Debian's static libraries and musl.
 *
 * libnl-3.a, libnl-route-3.a, libiscsi.a, libnfs.a and libblkid.a are built
 * against glibc with _FORTIFY_SOURCE, so they call glibc's checked variants
 * (__snprintf_chk, __memcpy_chk, ...) which musl does not have. Each one here
 * does the check glibc would do where it is cheap (abort on a destination
 * that is too small), then calls the plain function. Debian offers no musl
 * builds of these libraries and source packages cannot be fetched, so this
 * small unit is the documented way to link them (see docs/architecture).
 *
 * libiscsi.a also references the RDMA/iSER verbs (rdma_*, ibv_*) for its
 * iSER transport; we only use TCP, so those are failing stubs: iSER can
 * never be selected and a call, if one happened, fails with ENOSYS.
 *
 * Only linked into the musl binaries (netroot-init), never into host tests. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The prototypes glibc's headers would give; declared here to keep
 * -Wmissing-prototypes quiet. */
int __fprintf_chk(FILE *f, int flag, const char *fmt, ...);
int __printf_chk(int flag, const char *fmt, ...);
int __snprintf_chk(char *s, size_t n, int flag, size_t slen, const char *fmt, ...);
int __sprintf_chk(char *s, int flag, size_t slen, const char *fmt, ...);
int __vsnprintf_chk(char *s, size_t n, int flag, size_t slen, const char *fmt, va_list ap);
int __vfprintf_chk(FILE *f, int flag, const char *fmt, va_list ap);
int __vasprintf_chk(char **s, int flag, const char *fmt, va_list ap);
int __asprintf_chk(char **s, int flag, const char *fmt, ...);
void *__memcpy_chk(void *d, const void *s, size_t n, size_t dlen);
void *__memmove_chk(void *d, const void *s, size_t n, size_t dlen);
char *__strncat_chk(char *d, const char *s, size_t n, size_t dlen);
void __explicit_bzero_chk(void *p, size_t n, size_t plen);
int __open_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
cpu_set_t *__sched_cpualloc(size_t count);
void __sched_cpufree(cpu_set_t *set);

/* glibc aborts with "*** buffer overflow detected ***"; so do we. */
static void __attribute__((noreturn)) chk_fail(void)
{
	static const char msg[] = "netroot: *** buffer overflow detected in a library ***\n";

	fwrite(msg, 1, sizeof(msg) - 1, stderr);
	abort();
}

int __fprintf_chk(FILE *f, int flag, const char *fmt, ...)
{
	va_list ap;
	int r;

	(void)flag;
	va_start(ap, fmt);
	r = vfprintf(f, fmt, ap);
	va_end(ap);
	return r;
}

int __printf_chk(int flag, const char *fmt, ...)
{
	va_list ap;
	int r;

	(void)flag;
	va_start(ap, fmt);
	r = vprintf(fmt, ap);
	va_end(ap);
	return r;
}

int __vsnprintf_chk(char *s, size_t n, int flag, size_t slen, const char *fmt, va_list ap)
{
	(void)flag;
	if (n > slen)
		chk_fail();
	return vsnprintf(s, n, fmt, ap);
}

int __snprintf_chk(char *s, size_t n, int flag, size_t slen, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = __vsnprintf_chk(s, n, flag, slen, fmt, ap);
	va_end(ap);
	return r;
}

int __sprintf_chk(char *s, int flag, size_t slen, const char *fmt, ...)
{
	va_list ap;
	int r;

	(void)flag;
	va_start(ap, fmt);
	/* slen is the real size of s, (size_t)-1 when unknown */
	r = vsnprintf(s, slen > (size_t)INT_MAX ? (size_t)INT_MAX : slen, fmt, ap);
	va_end(ap);
	if (r >= 0 && (size_t)r >= slen)
		chk_fail();
	return r;
}

int __vfprintf_chk(FILE *f, int flag, const char *fmt, va_list ap)
{
	(void)flag;
	return vfprintf(f, fmt, ap);
}

int __vasprintf_chk(char **s, int flag, const char *fmt, va_list ap)
{
	(void)flag;
	return vasprintf(s, fmt, ap);
}

int __asprintf_chk(char **s, int flag, const char *fmt, ...)
{
	va_list ap;
	int r;

	(void)flag;
	va_start(ap, fmt);
	r = vasprintf(s, fmt, ap);
	va_end(ap);
	return r;
}

void *__memcpy_chk(void *d, const void *s, size_t n, size_t dlen)
{
	if (n > dlen)
		chk_fail();
	return memcpy(d, s, n);
}

void *__memmove_chk(void *d, const void *s, size_t n, size_t dlen)
{
	if (n > dlen)
		chk_fail();
	return memmove(d, s, n);
}

char *__strncat_chk(char *d, const char *s, size_t n, size_t dlen)
{
	size_t dl = strnlen(d, dlen), sl = strnlen(s, n);

	if (dl + sl >= dlen)
		chk_fail();
	return strncat(d, s, n);
}

void __explicit_bzero_chk(void *p, size_t n, size_t plen)
{
	if (n > plen)
		chk_fail();
	explicit_bzero(p, n);
}

/* glibc's checks for open() called with O_CREAT but no mode. */
int __open_2(const char *path, int flags)
{
	if (flags & (O_CREAT | O_TMPFILE))
		chk_fail();
	return open(path, flags);
}

int __openat_2(int dirfd, const char *path, int flags)
{
	if (flags & (O_CREAT | O_TMPFILE))
		chk_fail();
	return openat(dirfd, path, flags);
}

cpu_set_t *__sched_cpualloc(size_t count)
{
	return calloc(1, CPU_ALLOC_SIZE(count));
}

void __sched_cpufree(cpu_set_t *set)
{
	free(set);
}

/* RDMA/iSER: never available in netroot (TCP only). Every entry point fails. */
#define RDMA_STUB(name) \
	void *name(void); \
	void *name(void) { errno = ENOSYS; return NULL; }
#define RDMA_STUB_INT(name) \
	int name(void); \
	int name(void) { errno = ENOSYS; return -1; }

RDMA_STUB(rdma_create_event_channel)
RDMA_STUB_INT(rdma_create_id)
RDMA_STUB_INT(rdma_resolve_addr)
RDMA_STUB_INT(rdma_resolve_route)
RDMA_STUB_INT(rdma_connect)
RDMA_STUB_INT(rdma_disconnect)
RDMA_STUB_INT(rdma_create_qp)
RDMA_STUB_INT(rdma_destroy_qp)
RDMA_STUB_INT(rdma_destroy_id)
RDMA_STUB_INT(rdma_get_cm_event)
RDMA_STUB_INT(rdma_ack_cm_event)
RDMA_STUB(ibv_alloc_pd)
RDMA_STUB_INT(ibv_dealloc_pd)
RDMA_STUB(ibv_create_comp_channel)
RDMA_STUB_INT(ibv_destroy_comp_channel)
RDMA_STUB(ibv_create_cq)
RDMA_STUB_INT(ibv_destroy_cq)
RDMA_STUB_INT(ibv_get_cq_event)
RDMA_STUB_INT(ibv_ack_cq_events)
RDMA_STUB(ibv_reg_mr)
RDMA_STUB_INT(ibv_dereg_mr)
