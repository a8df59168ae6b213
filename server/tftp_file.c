#include "tftp_file.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

struct tftp_chunk {
	struct tftp_file *f;
	uint32_t idx;
	uint32_t len;                   /* bytes read (the last chunk is shorter) */
	uint32_t pins;
	struct tftp_chunk *prev, *next; /* in the LRU while pins == 0 */
	uint8_t data[TFTP_CHUNK];
};

static int64_t mtime_ns(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

static void lru_remove(struct tftp_cache *c, struct tftp_chunk *k)
{
	if (k->prev)
		k->prev->next = k->next;
	else
		c->lru_head = k->next;
	if (k->next)
		k->next->prev = k->prev;
	else
		c->lru_tail = k->prev;
	k->prev = k->next = NULL;
}

static void lru_append(struct tftp_cache *c, struct tftp_chunk *k)
{
	k->next = NULL;
	k->prev = c->lru_tail;
	if (c->lru_tail)
		c->lru_tail->next = k;
	else
		c->lru_head = k;
	c->lru_tail = k;
}

static void chunk_free(struct tftp_cache *c, struct tftp_chunk *k)
{
	if (!k->pins)
		lru_remove(c, k);
	k->f->chunks[k->idx] = NULL;
	c->bytes -= sizeof(*k);
	free(k);
}

/* What the cache may hold: TFTP_CACHE_BYTES, or a chunk for each transfer
 * and two more. */
static size_t budget(const struct tftp_cache *c)
{
	size_t per = (size_t)(c->readers + 2) * sizeof(struct tftp_chunk);

	return per > TFTP_CACHE_BYTES ? per : TFTP_CACHE_BYTES;
}

/* Takes the oldest unpinned chunk away from its file, for reuse. */
static struct tftp_chunk *chunk_steal(struct tftp_cache *c)
{
	struct tftp_chunk *k = c->lru_head;

	lru_remove(c, k);
	k->f->chunks[k->idx] = NULL;
	c->bytes -= sizeof(*k);
	return k;
}

struct tftp_file *tftp_file_get(struct tftp_cache *c, int fd, const struct stat *st)
{
	struct tftp_file *f;

	for (f = c->files; f; f = f->next) {
		if (f->stale || f->dev != st->st_dev || f->ino != st->st_ino)
			continue;
		if (f->size == (uint64_t)st->st_size && f->mtime_ns == mtime_ns(st)) {
			close(fd);
			f->refs++;
			c->readers++;
			return f;
		}
		f->stale = true;        /* changed on disk: its readers finish on the old one */
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		close(fd);
		return NULL;
	}
	f->fd = fd;
	f->dev = st->st_dev;
	f->ino = st->st_ino;
	f->size = (uint64_t)st->st_size;
	f->mtime_ns = mtime_ns(st);
	f->refs = 1;
	f->nchunks = (uint32_t)((f->size + TFTP_CHUNK - 1) / TFTP_CHUNK);
	if (f->nchunks) {
		f->chunks = calloc(f->nchunks, sizeof(*f->chunks));
		if (!f->chunks) {
			close(fd);
			free(f);
			return NULL;
		}
	}
	f->next = c->files;
	c->files = f;
	c->readers++;
	return f;
}

void tftp_file_put(struct tftp_cache *c, struct tftp_file *f)
{
	struct tftp_file **pp;

	c->readers--;
	while (c->bytes > budget(c) && c->lru_head)     /* a storm's chunks go with it */
		chunk_free(c, c->lru_head);
	if (--f->refs > 0)
		return;
	for (uint32_t i = 0; i < f->nchunks; i++)
		if (f->chunks[i])
			chunk_free(c, f->chunks[i]);
	for (pp = &c->files; *pp; pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	if (f->fd >= 0)
		close(f->fd);
	if (f->fat) {
		close(f->fat->fd);
		free(f->fat);
	}
	free(f->chunks);
	free(f->mem);
	free(f);
}

size_t tftp_netascii(const uint8_t *in, size_t n, uint8_t *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (in[i] == '\n') {
			out[o++] = '\r';
			out[o++] = '\n';
		} else if (in[i] == '\r') {
			out[o++] = '\r';
			out[o++] = '\0';
		} else {
			out[o++] = in[i];
		}
	}
	return o;
}

/* raw (n bytes, freed) converted into a file entry of its own. */
static struct tftp_file *netascii_entry(struct tftp_cache *c, uint8_t *raw, size_t n, int *err)
{
	uint8_t *conv = malloc(n ? 2 * n : 1);
	struct tftp_file *f = calloc(1, sizeof(*f));

	if (!conv || !f) {
		free(raw);
		free(conv);
		free(f);
		*err = -ENOMEM;
		return NULL;
	}
	f->size = tftp_netascii(raw, n, conv);
	f->mem = conv;
	f->fd = -1;
	f->refs = 1;
	f->stale = true;        /* its own: never shared */
	free(raw);
	c->readers++;
	return f;
}

static void fatsrc_free(struct tftp_fatsrc *s)
{
	close(s->fd);
	free(s);
}

struct tftp_file *tftp_file_fat(struct tftp_cache *c, struct tftp_fatsrc *src, bool netascii, int *err)
{
	struct tftp_file *f;
	uint32_t n = src->ff.size;

	if (netascii) {
		uint8_t *raw;
		size_t got = 0;

		if (n > TFTP_NETASCII_MAX) {
			fatsrc_free(src);
			*err = -EFBIG;
			return NULL;
		}
		raw = malloc(n ? n : 1);
		while (raw && got < n) {
			ssize_t r = fat_pread(&src->v, &src->ff, raw + got, n - got, got);

			if (r <= 0) {
				*err = r < 0 ? (int)r : -EIO;
				free(raw);
				fatsrc_free(src);
				return NULL;
			}
			got += (size_t)r;
		}
		fatsrc_free(src);
		if (!raw) {
			*err = -ENOMEM;
			return NULL;
		}
		return netascii_entry(c, raw, n, err);
	}
	f = calloc(1, sizeof(*f));
	if (f) {
		f->nchunks = (uint32_t)((n + TFTP_CHUNK - 1) / TFTP_CHUNK);
		f->chunks = f->nchunks ? calloc(f->nchunks, sizeof(*f->chunks)) : NULL;
	}
	if (!f || (f->nchunks && !f->chunks)) {
		free(f);
		fatsrc_free(src);
		*err = -ENOMEM;
		return NULL;
	}
	f->fd = -1;
	f->fat = src;
	f->size = n;
	f->refs = 1;
	f->stale = true;        /* its own: never shared */
	f->next = c->files;
	c->files = f;
	c->readers++;
	return f;
}

struct tftp_file *tftp_file_netascii(struct tftp_cache *c, int fd, const struct stat *st, int *err)
{
	size_t n = (size_t)st->st_size, got = 0;
	uint8_t *raw;

	if (n > TFTP_NETASCII_MAX) {
		close(fd);
		*err = -EFBIG;
		return NULL;
	}
	raw = malloc(n ? n : 1);
	if (!raw) {
		close(fd);
		*err = -ENOMEM;
		return NULL;
	}
	while (got < n) {
		ssize_t r = pread(fd, raw + got, n - got, (off_t)got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			*err = r < 0 ? -errno : -EIO;
			close(fd);
			free(raw);
			return NULL;
		}
		got += (size_t)r;
	}
	close(fd);
	return netascii_entry(c, raw, n, err);
}

/* Chunk i of f, read when not cached, pinned. */
static struct tftp_chunk *chunk(struct tftp_cache *c, struct tftp_file *f, uint32_t i, int *err)
{
	struct tftp_chunk *k = f->chunks[i];
	uint64_t off = (uint64_t)i * TFTP_CHUNK;
	uint32_t want = f->size - off < TFTP_CHUNK ? (uint32_t)(f->size - off) : TFTP_CHUNK;
	size_t got = 0;

	if (c->npinned == TFTP_PINS_MAX) {
		*err = -ENOBUFS;
		return NULL;
	}
	if (k) {
		c->hits++;
	} else {
		/* Room first: the oldest chunks nobody is sending from go,
		 * the last one's memory reused. */
		k = NULL;
		while (c->bytes + sizeof(*k) > budget(c) && c->lru_head) {
			if (k)
				free(k);
			k = chunk_steal(c);
		}
		if (!k)
			k = malloc(sizeof(*k));
		if (!k) {
			*err = -ENOMEM;
			return NULL;
		}
		while (got < want) {
			ssize_t n = f->fat ? fat_pread(&f->fat->v, &f->fat->ff, k->data + got, want - got, off + got)
					   : pread(f->fd, k->data + got, want - got, (off_t)(off + got));

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				*err = n < 0 ? -errno : -EIO;
				free(k);
				return NULL;
			}
			got += (size_t)n;
		}
		c->reads++;
		k->f = f;
		k->idx = i;
		k->len = want;
		k->pins = 0;
		k->prev = k->next = NULL;
		f->chunks[i] = k;
		c->bytes += sizeof(*k);
		lru_append(c, k);
	}
	if (k->pins++ == 0)
		lru_remove(c, k);
	c->pinned[c->npinned++] = k;
	return k;
}

int tftp_file_bytes(struct tftp_cache *c, struct tftp_file *f, uint64_t off, uint32_t len, struct iovec iov[2])
{
	uint32_t i = (uint32_t)(off / TFTP_CHUNK), in = (uint32_t)(off % TFTP_CHUNK), first;
	struct tftp_chunk *k;
	int err = 0;

	if (len == 0)
		return 0;
	if (len > TFTP_CHUNK || off + len > f->size)
		return -EINVAL;
	if (f->mem) {
		iov[0].iov_base = f->mem + off;
		iov[0].iov_len = len;
		return 1;
	}
	k = chunk(c, f, i, &err);
	if (!k)
		return err;
	first = TFTP_CHUNK - in < len ? TFTP_CHUNK - in : len;
	iov[0].iov_base = k->data + in;
	iov[0].iov_len = first;
	if (first == len)
		return 1;
	k = chunk(c, f, i + 1, &err);
	if (!k)
		return err;
	iov[1].iov_base = k->data;
	iov[1].iov_len = len - first;
	return 2;
}

void tftp_cache_unpin(struct tftp_cache *c)
{
	while (c->npinned > 0) {
		struct tftp_chunk *k = c->pinned[--c->npinned];

		if (--k->pins == 0)
			lru_append(c, k);
	}
}

void tftp_cache_clear(struct tftp_cache *c)
{
	tftp_cache_unpin(c);
	while (c->files) {
		c->files->refs = 1;
		tftp_file_put(c, c->files);
	}
}
