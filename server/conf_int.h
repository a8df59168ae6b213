/* The reading of netrootd's configuration files, shared by the main
 * file's parser (conf.c) and the client files' (conf_client.c): lines,
 * values, errors with file and line (conf_text.c). Internal to the
 * configuration parser. */
#ifndef NETROOT_SERVER_CONF_INT_H
#define NETROOT_SERVER_CONF_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"

/* A value as the line gave it: p[0..n), blanks trimmed. */
struct val {
	const char *p;
	size_t n;
};

struct line {
	int no;
	bool is_section;
	struct val sec, arg, key, value;
};

/* "netrootd.conf:12: ...": fills e, returns -EINVAL. */
int conf_err_at(struct conf_error *e, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

struct val conf_next_word(struct val *v);
bool conf_word_is(struct val w, const char *s);
int conf_get_in4(struct val v, in4_t *out, const char **why);
int conf_get_in4_list(struct val v, in4_t *out, int *n, const char **why);
int conf_get_text(struct val v, char *out, size_t cap, const char **why);
int conf_get_number(struct val v, const char *units, uint64_t max, uint64_t *out, const char **why);
int conf_get_bool(struct val v, bool *out, const char **why);
bool conf_name_char(char c);
int conf_set_param(struct dhcp_params *p, struct val key, struct val v, const char **why, bool *known);
int conf_next_line(const char *text, size_t len, size_t *pos, struct line *l, const char **why);

/* The keys of a pool, [dhcp] and a client file share (conf_set_param). */
#define PARAM_KEYS "netmask, router, dns, ntp, domain, search, root-path, boot-file, tftp-server, mtu, lease-time"

#endif
