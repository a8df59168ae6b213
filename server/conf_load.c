/* Reading netrootd's configuration from disk: the main file, then every
 * NAME.conf of the clients directory, each through the pure parsers of
 * conf.c. */
#include "conf_load.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "text.h"

/* The whole of a regular file of at most NRD_CONF_MAX bytes, malloc'd. */
static char *slurp(int dirfd, const char *path, size_t *len, struct conf_error *err, const char *shown)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	char *buf = NULL;
	size_t have = 0;

	if (fd < 0) {
		text_copy(err->file, sizeof(err->file), shown);
		err->line = 0;
		snprintf(err->msg, sizeof(err->msg), "cannot open it: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)NRD_CONF_MAX) {
		text_copy(err->file, sizeof(err->file), shown);
		err->line = 0;
		snprintf(err->msg, sizeof(err->msg), "not a regular file of at most %u bytes", NRD_CONF_MAX);
		close(fd);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	while (buf && have < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + have, (size_t)st.st_size - have);

		if (n <= 0)
			break;
		have += (size_t)n;
	}
	close(fd);
	if (!buf) {
		text_copy(err->file, sizeof(err->file), shown);
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return NULL;
	}
	buf[have] = '\0';
	*len = have;
	return buf;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct nrd_client *)a)->name, ((const struct nrd_client *)b)->name);
}

int nrd_load(const char *path, struct nrd_conf *c, struct nrd_client **clients, int *nclients,
	     struct conf_error *err)
{
	size_t len = 0;
	char *text;
	int r, dfd;
	DIR *dir;
	struct dirent *de;
	struct nrd_client *cl = NULL;
	int n = 0, cap = 0;

	memset(err, 0, sizeof(*err));
	*clients = NULL;
	*nclients = 0;
	nrd_conf_defaults(c);
	text = slurp(AT_FDCWD, path, &len, err, path);
	if (!text)
		return -EINVAL;
	r = nrd_conf_parse(c, path, text, len, err);
	free(text);
	if (r < 0)
		return r;
	dfd = open(c->clients_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		if (errno == ENOENT)
			return 0;       /* no boards yet */
		text_copy(err->file, sizeof(err->file), c->clients_dir);
		snprintf(err->msg, sizeof(err->msg), "cannot open the clients directory: %s", strerror(errno));
		return -EINVAL;
	}
	dir = fdopendir(dfd);
	if (!dir) {
		close(dfd);
		return -ENOMEM;
	}
	while ((de = readdir(dir))) {
		size_t nl = strlen(de->d_name);
		char name[NRD_NAME_LEN + 8], shown[PATH_LEN * 2 + 2];

		if (nl <= 5 || strcmp(de->d_name + nl - 5, ".conf") || de->d_name[0] == '.')
			continue;   /* editors' backups and the like */
		snprintf(shown, sizeof(shown), "%s/%s", c->clients_dir, de->d_name);
		if (n == NRD_MAX_CLIENTS) {
			text_copy(err->file, sizeof(err->file), shown);
			snprintf(err->msg, sizeof(err->msg), "more than %d client files", NRD_MAX_CLIENTS);
			r = -EINVAL;
			break;
		}
		if (n == cap) {
			struct nrd_client *v = realloc(cl, (size_t)(cap ? cap * 2 : 16) * sizeof(*v));

			if (!v) {
				r = -ENOMEM;
				break;
			}
			cl = v;
			cap = cap ? cap * 2 : 16;
		}
		text = slurp(dirfd(dir), de->d_name, &len, err, shown);
		if (!text) {
			r = -EINVAL;
			break;
		}
		snprintf(name, sizeof(name), "%.*s", (int)(nl - 5 < sizeof(name) - 1 ? nl - 5 : sizeof(name) - 1),
			 de->d_name);
		r = nrd_client_parse(&cl[n], name, shown, text, len, err);
		free(text);
		if (r < 0)
			break;
		n++;
	}
	closedir(dir);
	if (r == 0 && n > 1)
		qsort(cl, (size_t)n, sizeof(*cl), by_name);
	if (r == 0)
		r = nrd_clients_check(c, cl, n, err);
	if (r < 0) {
		free(cl);
		return r;
	}
	*clients = cl;
	*nclients = n;
	return 0;
}
