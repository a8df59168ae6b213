/* JSON reading and string writing (see json.h). */
#include "json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "text.h"

struct pj {
	struct json *j;
	struct rbuf b;
	const uint8_t *base;
};

static int new_tok(struct pj *p, enum json_type type)
{
	struct json *j = p->j;

	if (j->n == j->cap) {
		int32_t cap = j->cap ? j->cap * 2 : 64;
		struct json_tok *t;

		if (cap > JSON_MAX_TOKENS)
			return -EBADMSG;
		t = realloc(j->t, (size_t)cap * sizeof(*t));
		if (!t)
			return -ENOMEM;
		j->t = t;
		j->cap = cap;
	}
	memset(&j->t[j->n], 0, sizeof(j->t[0]));
	j->t[j->n].type = (uint8_t)type;
	j->t[j->n].start = (uint32_t)(p->b.p - p->base);
	return j->n++;
}

static void skip_ws(struct pj *p)
{
	uint8_t c;

	while (rb_peek_u8(&p->b, &c) == 0 && (c == ' ' || c == '\t' || c == '\n' || c == '\r'))
		rb_skip(&p->b, 1);
}

static int expect(struct pj *p, const char *word)
{
	size_t n = strlen(word);

	if (rb_left(&p->b) < n || memcmp(p->b.p, word, n))
		return -EBADMSG;
	return rb_skip(&p->b, n);
}

static int string(struct pj *p)
{
	uint8_t c;
	int i;

	if (rb_u8(&p->b, &c) < 0 || c != '"')
		return -EBADMSG;
	i = new_tok(p, JSON_STR);
	if (i < 0)
		return i;
	for (;;) {
		if (rb_u8(&p->b, &c) < 0 || c < 0x20)
			return -EBADMSG;
		if (c == '"')
			break;
		if (c != '\\')
			continue;
		if (rb_u8(&p->b, &c) < 0)
			return -EBADMSG;
		if (c == 'u') {
			for (int k = 0; k < 4; k++)
				if (rb_u8(&p->b, &c) < 0 || text_hexval((char)c) < 0)
					return -EBADMSG;
		} else if (!strchr("\"\\/bfnrt", c)) {
			return -EBADMSG;
		}
	}
	p->j->t[i].len = (uint32_t)(p->b.p - p->base) - p->j->t[i].start - 1;
	return i;
}

static int number(struct pj *p)
{
	int i = new_tok(p, JSON_NUM);
	uint8_t c;
	size_t digits = 0;

	if (i < 0)
		return i;
	if (rb_peek_u8(&p->b, &c) == 0 && c == '-')
		rb_skip(&p->b, 1);
	while (rb_peek_u8(&p->b, &c) == 0 && ((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' ||
					       ((c == '+' || c == '-') && digits))) {
		digits++;
		rb_skip(&p->b, 1);
	}
	if (!digits)
		return -EBADMSG;
	p->j->t[i].len = (uint32_t)(p->b.p - p->base) - p->j->t[i].start;
	return i;
}

static int value(struct pj *p, int depth)
{
	uint8_t c;
	int i, r;

	if (depth > JSON_MAX_DEPTH)
		return -EBADMSG;
	skip_ws(p);
	if (rb_peek_u8(&p->b, &c) < 0)
		return -EBADMSG;
	if (c == '"') {
		i = string(p);
	} else if (c == '{' || c == '[') {
		bool obj = c == '{';

		rb_skip(&p->b, 1);
		i = new_tok(p, obj ? JSON_OBJ : JSON_ARR);
		if (i < 0)
			return i;
		skip_ws(p);
		if (rb_peek_u8(&p->b, &c) == 0 && c == (obj ? '}' : ']')) {
			rb_skip(&p->b, 1);
		} else {
			for (;;) {
				if (obj) {
					skip_ws(p);
					if ((r = string(p)) < 0)
						return r;
					p->j->t[r].next = p->j->n;
					skip_ws(p);
					if (rb_u8(&p->b, &c) < 0 || c != ':')
						return -EBADMSG;
				}
				if ((r = value(p, depth + 1)) < 0)
					return r;
				p->j->t[i].size++;
				skip_ws(p);
				if (rb_u8(&p->b, &c) < 0)
					return -EBADMSG;
				if (c == (obj ? '}' : ']'))
					break;
				if (c != ',')
					return -EBADMSG;
			}
		}
	} else if (c == 't' || c == 'f' || c == 'n') {
		enum json_type t = c == 't' ? JSON_TRUE : c == 'f' ? JSON_FALSE : JSON_NULL;

		i = new_tok(p, t);
		if (i >= 0 && (r = expect(p, c == 't' ? "true" : c == 'f' ? "false" : "null")) < 0)
			return r;
	} else {
		i = number(p);
	}
	if (i >= 0)
		p->j->t[i].next = p->j->n;
	return i;
}

int json_parse(struct json *j, const char *text, size_t len)
{
	struct pj p = { j, rb_init(text, len), (const uint8_t *)text };
	int r;

	memset(j, 0, sizeof(*j));
	j->text = text;
	r = value(&p, 0);
	skip_ws(&p);
	if (r >= 0 && rb_left(&p.b))
		r = -EBADMSG;
	if (r < 0) {
		json_free(j);
		return r;
	}
	return 0;
}

void json_free(struct json *j)
{
	free(j->t);
	j->t = NULL;
	j->n = j->cap = 0;
}

static bool key_is(const struct json *j, int k, const char *key)
{
	size_t n = strlen(key);

	/* keys we look up hold no escapes */
	return j->t[k].type == JSON_STR && j->t[k].len == n && !memcmp(j->text + j->t[k].start, key, n);
}

int json_get(const struct json *j, int obj, const char *key)
{
	int k;

	if (obj < 0 || obj >= j->n || j->t[obj].type != JSON_OBJ)
		return -1;
	k = obj + 1;
	for (int m = 0; m < j->t[obj].size; m++) {
		if (key_is(j, k, key))
			return k + 1;
		k = j->t[k + 1].next;
	}
	return -1;
}

int json_at(const struct json *j, int arr, int k)
{
	int i;

	if (arr < 0 || arr >= j->n || j->t[arr].type != JSON_ARR || k < 0 || k >= j->t[arr].size)
		return -1;
	i = arr + 1;
	while (k-- > 0)
		i = j->t[i].next;
	return i;
}

int json_str(const struct json *j, int i, char *out, size_t n)
{
	const char *s, *end;
	size_t o = 0;

	if (i < 0 || i >= j->n || j->t[i].type != JSON_STR || n == 0)
		return -1;
	s = j->text + j->t[i].start;
	end = s + j->t[i].len;
	while (s < end) {
		char c = *s++;

		if (c == '\\') {
			c = *s++;
			switch (c) {
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'u': {
				int v = text_hexval(s[0]) << 12 | text_hexval(s[1]) << 8 | text_hexval(s[2]) << 4 |
					text_hexval(s[3]);

				s += 4;
				c = v > 0 && v < 0x100 ? (char)v : '?';    /* what json_put_str writes */
				break;
			}
			default: break;         /* " \ / as themselves */
			}
		}
		if (o + 1 >= n)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

int json_int(const struct json *j, int i, int64_t *v)
{
	const char *s;
	uint32_t len, k = 0;
	bool neg;
	int64_t x = 0;

	if (i < 0 || i >= j->n || j->t[i].type != JSON_NUM)
		return -1;
	s = j->text + j->t[i].start;
	len = j->t[i].len;
	neg = s[0] == '-';
	k = neg;
	if (k == len || len - k > 18)
		return -1;
	for (; k < len; k++) {
		if (s[k] < '0' || s[k] > '9')
			return -1;
		x = x * 10 + (s[k] - '0');
	}
	*v = neg ? -x : x;
	return 0;
}

bool json_true(const struct json *j, int i)
{
	return i >= 0 && i < j->n && j->t[i].type == JSON_TRUE;
}

void json_put_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}
