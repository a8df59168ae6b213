#include "fat.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"

#define DIR_MAX (65536u * 32)           /* a directory holds at most 65536 entries (FAT spec) */
#define MBR_SECTOR 512

int fat_read_fd(void *ctx, void *buf, size_t len, uint64_t off)
{
	int fd = *(const int *)ctx;
	size_t got = 0;

	while (got < len) {
		ssize_t r = pread(fd, (char *)buf + got, len - got, (off_t)(off + got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		got += (size_t)r;
	}
	return 0;
}

/* Bytes of the partition: never outside it. */
static int vread(struct fat_vol *v, void *buf, size_t len, uint64_t off)
{
	if (off > v->len || len > v->len - off)
		return -EUCLEAN;
	return v->read(v->ctx, buf, len, v->off + off);
}

static int fat_byte(struct fat_vol *v, uint64_t off, uint8_t *b)
{
	uint64_t sec = off / v->sector * v->sector;

	if (off >= v->fat_len)
		return -EUCLEAN;
	if (v->fatbuf_off != sec) {
		size_t n = v->fat_len - sec < v->sector ? (size_t)(v->fat_len - sec) : v->sector;
		int r = vread(v, v->fatbuf, n, v->fat_off + sec);

		if (r < 0) {
			v->fatbuf_off = UINT64_MAX;
			return r;
		}
		v->fatbuf_off = sec;
	}
	*b = v->fatbuf[off - sec];
	return 0;
}

static bool data_cluster(const struct fat_vol *v, uint32_t c)
{
	return c >= 2 && c - 2 < v->nclusters;
}

/* The cluster after c: 1 (in *next), 0 at the end of the chain, or
 * -EUCLEAN when the FAT points at a free, bad or absent cluster. */
static int fat_next(struct fat_vol *v, uint32_t c, uint32_t *next)
{
	uint64_t at = v->bits == 12 ? (uint64_t)c + c / 2 : (uint64_t)c * (uint64_t)(v->bits / 8);
	uint32_t val = 0, eoc;
	int n = v->bits == 32 ? 4 : 2;

	if (!data_cluster(v, c))
		return -EUCLEAN;
	for (int i = 0; i < n; i++) {
		uint8_t b;
		int r = fat_byte(v, at + (uint64_t)i, &b);

		if (r < 0)
			return r;
		val |= (uint32_t)b << (8 * i);
	}
	if (v->bits == 12) {
		val = (c & 1) ? val >> 4 : val & 0xfff;
		eoc = 0xff8;
	} else if (v->bits == 16) {
		eoc = 0xfff8;
	} else {
		val &= 0x0fffffff;
		eoc = 0x0ffffff8;
	}
	if (val >= eoc)
		return 0;
	if (!data_cluster(v, val) || val == c)
		return -EUCLEAN;        /* free, bad, outside the volume, or itself */
	*next = val;
	return 1;
}

static bool fat_type(uint8_t t)
{
	return t == 0x01 || t == 0x04 || t == 0x06 || t == 0x0b || t == 0x0c || t == 0x0e || t == 0xef;
}

/* The boot sector's BPB at the partition's start into v. */
static int parse_bpb(struct fat_vol *v, const uint8_t *s, char *why, size_t whylen)
{
	struct rbuf b = rb_init(s, MBR_SECTOR);
	uint16_t bps, reserved, roots, tot16, fat16;
	uint8_t spc, nfats;
	uint32_t tot32 = 0, fat32 = 0, rootc = 0, total, fatsz, rootsec, first_data;

	if (rb_skip(&b, 11) || rb_le16(&b, &bps) || rb_u8(&b, &spc) || rb_le16(&b, &reserved) || rb_u8(&b, &nfats) ||
	    rb_le16(&b, &roots) || rb_le16(&b, &tot16) || rb_skip(&b, 1) || rb_le16(&b, &fat16) || rb_skip(&b, 8) ||
	    rb_le32(&b, &tot32) || rb_le32(&b, &fat32) || rb_skip(&b, 4) || rb_le32(&b, &rootc)) {
		snprintf(why, whylen, "a boot sector too short");
		return -EUCLEAN;
	}
	if ((bps != 512 && bps != 1024 && bps != 2048 && bps != 4096) || !spc || (spc & (spc - 1)) ||
	    (uint32_t)bps * spc > 65536 || !reserved || !nfats || nfats > 4) {
		snprintf(why, whylen, "not a FAT boot sector (bytes/sector %u, sectors/cluster %u, FATs %u)", bps, spc,
			 nfats);
		return -EUCLEAN;
	}
	total = tot16 ? tot16 : tot32;
	fatsz = fat16 ? fat16 : fat32;
	rootsec = ((uint32_t)roots * 32 + bps - 1) / bps;
	first_data = reserved + nfats * fatsz + rootsec;
	if (!fatsz || fatsz > (1u << 24) || total <= first_data || (uint64_t)total * bps > v->len) {
		snprintf(why, whylen, "a FAT boot sector whose sizes do not fit its partition (%u sectors of %u bytes, "
			 "partition %llu bytes)", total, bps, (unsigned long long)v->len);
		return -EUCLEAN;
	}
	v->sector = bps;
	v->cluster = (uint32_t)bps * spc;
	v->nclusters = (total - first_data) / spc;
	v->bits = v->nclusters < 4085 ? 12 : v->nclusters < 65525 ? 16 : 32;
	v->fat_off = (uint64_t)reserved * bps;
	v->fat_len = fatsz * bps;
	v->root_off = v->fat_off + (uint64_t)nfats * v->fat_len;
	v->root_len = rootsec * bps;
	v->data_off = (uint64_t)first_data * bps;
	v->root_clus = rootc;
	v->fatbuf_off = UINT64_MAX;
	if ((uint64_t)(v->nclusters + 2) * (uint64_t)v->bits / 8 > v->fat_len) {
		snprintf(why, whylen, "a FAT too small for its %u clusters", v->nclusters);
		return -EUCLEAN;
	}
	if (v->bits == 32 ? (roots || !data_cluster(v, rootc)) : !roots) {
		snprintf(why, whylen, "a FAT%d boot sector with a bad root directory (%u entries, cluster %u)", v->bits,
			 roots, rootc);
		return -EUCLEAN;
	}
	return 0;
}

int fat_open(struct fat_vol *v, fat_read_fn read, void *ctx, uint64_t size, int part, char *why, size_t whylen)
{
	uint8_t s[MBR_SECTOR];
	int r;

	memset(v, 0, sizeof(*v));
	v->read = read;
	v->ctx = ctx;
	v->len = size;
	if (part < 0 || part > 4) {
		snprintf(why, whylen, "partition %d: 1 to 4", part);
		return -EINVAL;
	}
	if (size < MBR_SECTOR || (r = vread(v, s, MBR_SECTOR, 0)) < 0) {
		snprintf(why, whylen, "cannot read the first sector of the image");
		return size < MBR_SECTOR ? -EUCLEAN : r;
	}
	if (s[510] != 0x55 || s[511] != 0xaa) {
		snprintf(why, whylen, "no partition table and no FAT boot sector (no 55 aa at byte 510)");
		return -EUCLEAN;
	}
	/* no partition table: a FAT file system from byte 0 */
	if (part == 0 && (s[0] == 0xeb || s[0] == 0xe9) && parse_bpb(v, s, why, whylen) == 0)
		return 0;
	for (int i = 0; i < 4; i++) {
		struct rbuf b = rb_init(s + 446 + 16 * i, 16);
		uint8_t status, type;
		uint32_t start, count;

		if (rb_u8(&b, &status) || rb_skip(&b, 3) || rb_u8(&b, &type) || rb_skip(&b, 3) || rb_le32(&b, &start) ||
		    rb_le32(&b, &count))
			return -EUCLEAN;
		if (part ? i != part - 1 : !fat_type(type))
			continue;
		if ((status & 0x7f) || !fat_type(type)) {
			snprintf(why, whylen, "partition %d is not FAT (type %02x)", i + 1, type);
			return -EUCLEAN;
		}
		if (!start || (uint64_t)start * MBR_SECTOR >= size ||
		    (uint64_t)count * MBR_SECTOR > size - (uint64_t)start * MBR_SECTOR) {
			snprintf(why, whylen, "partition %d (sectors %u + %u) is not inside the %llu-byte image", i + 1,
				 start, count, (unsigned long long)size);
			return -EUCLEAN;
		}
		v->off = (uint64_t)start * MBR_SECTOR;
		v->len = (uint64_t)count * MBR_SECTOR;
		if ((r = vread(v, s, MBR_SECTOR, 0)) < 0) {
			snprintf(why, whylen, "cannot read partition %d's boot sector", i + 1);
			return r;
		}
		return parse_bpb(v, s, why, whylen);
	}
	snprintf(why, whylen, part ? "no partition %d" : "no FAT partition in the partition table", part);
	return -ENOENT;
}

ssize_t fat_pread(struct fat_vol *v, struct fat_file *f, void *buf, size_t len, uint64_t off)
{
	uint64_t size = f->dir ? DIR_MAX : f->size;
	size_t done = 0;

	if (off >= size || !len)
		return 0;
	if (len > size - off)
		len = (size_t)(size - off);
	if (!f->first)
		return f->dir ? 0 : -EUCLEAN;   /* a file with bytes and no cluster */
	while (done < len) {
		uint64_t at = off + done;
		uint32_t idx = (uint32_t)(at / v->cluster), in = (uint32_t)(at % v->cluster);
		size_t n = v->cluster - in < len - done ? v->cluster - in : len - done;
		uint32_t steps = 0;
		int r;

		if (!f->cur_clus || idx < f->cur_index) {
			f->cur_index = 0;
			f->cur_clus = f->first;
		}
		while (f->cur_index < idx) {
			uint32_t next;

			r = fat_next(v, f->cur_clus, &next);
			if (r == 0 && f->dir)
				return (ssize_t)done;   /* the directory's last cluster */
			if (r <= 0 || ++steps > v->nclusters)
				return r < 0 ? r : -EUCLEAN;    /* ends before its size, or loops */
			f->cur_clus = next;
			f->cur_index++;
		}
		if (!data_cluster(v, f->cur_clus))
			return -EUCLEAN;
		r = vread(v, (uint8_t *)buf + done, n, v->data_off + (uint64_t)(f->cur_clus - 2) * v->cluster + in);
		if (r < 0)
			return r;
		done += n;
	}
	return (ssize_t)done;
}

/* A directory's bytes, from the fixed FAT12/16 root or a cluster chain. */
static ssize_t dir_read(struct fat_vol *v, struct fat_file *d, bool fixed_root, void *buf, size_t len, uint64_t off)
{
	if (!fixed_root)
		return fat_pread(v, d, buf, len, off);
	if (off >= v->root_len)
		return 0;
	if (len > v->root_len - off)
		len = (size_t)(v->root_len - off);
	return vread(v, buf, len, v->root_off + off) < 0 ? -EIO : (ssize_t)len;
}

/* UCS-2 unit u as UTF-8 at o (room for 3 more). */
static size_t utf8(char *o, uint16_t u)
{
	if (u < 0x80) {
		o[0] = (char)u;
		return 1;
	}
	if (u < 0x800) {
		o[0] = (char)(0xc0 | u >> 6);
		o[1] = (char)(0x80 | (u & 0x3f));
		return 2;
	}
	o[0] = (char)(0xe0 | u >> 12);
	o[1] = (char)(0x80 | ((u >> 6) & 0x3f));
	o[2] = (char)(0x80 | (u & 0x3f));
	return 3;
}

static uint8_t sfn_sum(const uint8_t *n)
{
	uint8_t s = 0;

	for (int i = 0; i < 11; i++)
		s = (uint8_t)(((s & 1) << 7) + (s >> 1) + n[i]);
	return s;
}

/* Looks for name in directory d: the entry into f. 0, -ENOENT, or -errno. */
static int dir_find(struct fat_vol *v, struct fat_file *d, bool fixed_root, const char *name, struct fat_file *f)
{
	uint16_t lfn[20 * 13];
	int lfn_n = 0, lfn_next = 0;
	uint8_t lfn_sum = 0;
	uint8_t e[32];

	for (uint64_t off = 0; off < DIR_MAX; off += 32) {
		ssize_t r = dir_read(v, d, fixed_root, e, 32, off);
		char nm[FAT_NAME_MAX * 3 + 1];
		size_t o = 0;

		if (r < 0)
			return (int)r;
		if (r < 32 || e[0] == 0x00)
			return -ENOENT;
		if (e[0] == 0xe5) {
			lfn_n = 0;
			continue;
		}
		if (e[11] == 0x0f) {            /* a long-name piece */
			static const uint8_t at[13] = { 1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30 };
			int seq = e[0] & 0x1f;

			if (e[0] & 0x40) {
				lfn_n = seq;
				lfn_next = seq;
				lfn_sum = e[13];
				memset(lfn, 0xff, sizeof(lfn));
			}
			if (!seq || seq > 20 || seq != lfn_next || e[13] != lfn_sum) {
				lfn_n = 0;
				continue;
			}
			for (int i = 0; i < 13; i++)
				lfn[(seq - 1) * 13 + i] = (uint16_t)(e[at[i]] | e[at[i] + 1] << 8);
			lfn_next--;
			continue;
		}
		if (e[11] & 0x08) {             /* the volume label */
			lfn_n = 0;
			continue;
		}
		if (lfn_n && lfn_next == 0 && sfn_sum(e) == lfn_sum) {
			for (int i = 0; i < lfn_n * 13 && lfn[i] && lfn[i] != 0xffff && o < sizeof(nm) - 4; i++)
				o += utf8(nm + o, lfn[i]);
		} else {
			for (int i = 0; i < 8 && e[i] != ' '; i++)
				nm[o++] = (char)(i == 0 && e[0] == 0x05 ? 0xe5 : e[i]);
			if (e[8] != ' ') {
				nm[o++] = '.';
				for (int i = 8; i < 11 && e[i] != ' '; i++)
					nm[o++] = (char)e[i];
			}
		}
		nm[o] = '\0';
		lfn_n = 0;
		if (strcasecmp(nm, name))
			continue;
		memset(f, 0, sizeof(*f));
		f->dir = e[11] & 0x10;
		f->first = (uint32_t)(e[26] | e[27] << 8);
		if (v->bits == 32)
			f->first |= (uint32_t)(e[20] | e[21] << 8) << 16;
		f->size = f->dir ? 0 : (uint32_t)e[28] | (uint32_t)e[29] << 8 | (uint32_t)e[30] << 16 | (uint32_t)e[31] << 24;
		if (f->first && !data_cluster(v, f->first))
			return -EUCLEAN;
		return 0;
	}
	return -ENOENT;
}

int fat_lookup(struct fat_vol *v, const char *path, struct fat_file *f, char *why, size_t whylen)
{
	struct fat_file d = { .first = v->root_clus, .dir = true };
	bool fixed_root = v->bits != 32;
	const char *p = path;

	while (*p == '/')
		p++;
	if (!*p) {
		snprintf(why, whylen, "no file name");
		return -ENOENT;
	}
	while (*p) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char comp[FAT_NAME_MAX * 3 + 1];
		int r;

		if (!n || n >= sizeof(comp) || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
			snprintf(why, whylen, "a path component that cannot be a FAT name");
			return -ENOENT;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		if (!d.dir)
			return -ENOTDIR;
		r = dir_find(v, &d, fixed_root, comp, f);
		if (r == -EUCLEAN || r == -EIO)
			snprintf(why, whylen, "the FAT file system is damaged around \"%s\"", comp);
		if (r < 0)
			return r;
		d = *f;
		fixed_root = false;
		p += n;
		while (*p == '/')
			p++;
		if (*p && !f->dir)
			return -ENOTDIR;
	}
	return 0;
}
