/* A small JSON reader and string writer for netrootd's own files
 * (STATE/status.json): RFC 8259 values into a flat token array, each
 * token knowing where its subtree ends, so a reader walks objects and
 * arrays without building a tree. Bounded: JSON_MAX_DEPTH nesting,
 * JSON_MAX_TOKENS tokens. Pure: no I/O but the FILE a writer is given. */
#ifndef NETROOT_SERVER_JSON_H
#define NETROOT_SERVER_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16
#define JSON_MAX_TOKENS (1 << 22)

enum json_type { JSON_OBJ = 1, JSON_ARR, JSON_STR, JSON_NUM, JSON_TRUE, JSON_FALSE, JSON_NULL };

struct json_tok {
	uint8_t type;
	uint32_t start, len;            /* the text of a string (inside the quotes) or a number */
	int32_t size;                   /* an object's pairs, an array's values */
	int32_t next;                   /* the token after this one's subtree */
};

struct json {
	const char *text;
	struct json_tok *t;             /* malloc'd: json_free() */
	int32_t n, cap;
};

/* 0, -EBADMSG (not JSON, too deep, trailing bytes), or -ENOMEM. */
int json_parse(struct json *j, const char *text, size_t len);
void json_free(struct json *j);

/* The value of key in object obj, or -1. */
int json_get(const struct json *j, int obj, const char *key);
/* An array's k-th value, or -1. */
int json_at(const struct json *j, int arr, int k);

/* The string at i, unescaped, into out (size n): 0, or -1 when i is not a
 * string or it does not fit. */
int json_str(const struct json *j, int i, char *out, size_t n);
/* The integer at i: 0, or -1 when i is not a whole number that fits. */
int json_int(const struct json *j, int i, int64_t *v);
/* true only for the literal true */
bool json_true(const struct json *j, int i);

/* s as a JSON string, quotes included: control bytes and bytes outside
 * ASCII as \u00XX. */
void json_put_str(FILE *f, const char *s);

#endif
