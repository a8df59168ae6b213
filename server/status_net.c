/* The fleet view's sockets and files (see status_net.h). */
#include "status_net.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"

int report_sock_open(struct report_sock *s, in4_t addr, uint16_t port, char *msg, size_t msglen)
{
	struct sockaddr_in a;
	char as[IN4_STRLEN];
	int r;

	s->addr = addr;
	s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->fd < 0) {
		snprintf(msg, msglen, "fleet reports: socket: %s", strerror(errno));
		return -errno;
	}
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = addr;
	if (bind(s->fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		r = -errno;
		snprintf(msg, msglen, "fleet reports: cannot bind UDP port %u on %s: %s (another netrootd running?)", port,
			 in4_str(addr, as), strerror(-r));
		close(s->fd);
		s->fd = -1;
		return r;
	}
	return 0;
}

int report_sock_recv(struct report_sock *s, uint8_t *buf, size_t cap, in4_t *from)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	ssize_t n = recvfrom(s->fd, buf, cap, MSG_DONTWAIT, (struct sockaddr *)&a, &al);

	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	*from = al >= sizeof(a) && a.sin_family == AF_INET ? a.sin_addr.s_addr : 0;
	return n > 0 ? (int)n : -EBADMSG;       /* an empty datagram is a malformed report */
}

void report_sock_close(struct report_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

int status_save(struct status *s, const char *dir, const struct st_view *v)
{
	char tmp[PATH_LEN + 32], path[PATH_LEN + 32];
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int r;

	if (!f)
		return -errno;
	r = status_write_json(s, f, v);
	if (fclose(f) != 0 && r == 0)
		r = -EIO;
	if (r == 0) {
		snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, STATUS_FILE);
		snprintf(path, sizeof(path), "%s/%s", dir, STATUS_FILE);
		r = write_file(tmp, text, len);
		if (r == 0 && rename(tmp, path) != 0)
			r = -errno;
		if (r < 0)
			unlink(tmp);
	}
	free(text);
	return r;
}

int status_load(struct status *s, const char *dir, bool add)
{
	char path[PATH_LEN + 32];
	struct stat st;
	char *text;
	int fd, r;

	snprintf(path, sizeof(path), "%s/%s", dir, STATUS_FILE);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0 || st.st_size > STATUS_FILE_MAX) {
		close(fd);
		return -EFBIG;
	}
	text = malloc((size_t)st.st_size + 1);
	r = text ? read_full(fd, text, (size_t)st.st_size) : -ENOMEM;
	close(fd);
	if (r == 0)
		r = status_read_json(s, text, (size_t)st.st_size, add);
	free(text);
	return r;
}

int status_pid_write(const char *dir)
{
	char path[PATH_LEN + 32], text[24];
	int n = snprintf(text, sizeof(text), "%d\n", (int)getpid());

	snprintf(path, sizeof(path), "%s/%s", dir, STATUS_PID_FILE);
	return write_file(path, text, (size_t)n);
}

void status_pid_remove(const char *dir)
{
	char path[PATH_LEN + 32];

	snprintf(path, sizeof(path), "%s/%s", dir, STATUS_PID_FILE);
	unlink(path);
}

int status_daemon_pid(const char *dir)
{
	char path[PATH_LEN + 32], text[64];
	long pid;
	char *end;

	snprintf(path, sizeof(path), "%s/%s", dir, STATUS_PID_FILE);
	if (read_small(path, text, sizeof(text)) <= 0)
		return 0;
	pid = strtol(text, &end, 10);
	if (pid <= 0 || pid > 0x3fffffff || (*end && *end != '\n'))
		return 0;
	if (kill((pid_t)pid, 0) != 0 && errno != EPERM)
		return 0;
	/* a pid of a netrootd that died may be another program's by now */
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	if (read_small(path, text, sizeof(text)) > 0 && strncmp(text, "netrootd", 8) != 0)
		return 0;
	return (int)pid;
}
