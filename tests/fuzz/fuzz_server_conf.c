/* libFuzzer target for netrootd's configuration parser (server/conf.c):
 * any bytes as netrootd.conf, and as a client file. It must return 0 or
 * -EINVAL, an error must name a line within the input, every string it
 * fills must be NUL-terminated inside its field, and a parsed
 * configuration must keep its own rules (interfaces, ordered ranges). A
 * violation aborts. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct nrd_conf c;
static struct nrd_client cl;
static struct conf_error e;

static void terminated(const char *s, size_t cap)
{
	if (!memchr(s, '\0', cap))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t lines = 1;
	int r;

	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	nrd_conf_defaults(&c);
	memset(&e, 0, sizeof(e));
	r = nrd_conf_parse(&c, "fuzz.conf", (const char *)data, size, &e);
	if (r != 0 && r != -22)
		abort();
	if (r < 0 && (e.line < 0 || (size_t)e.line > lines || !e.msg[0]))
		abort();
	terminated(e.msg, sizeof(e.msg));
	if (r == 0) {
		if (c.nifaces < 1 || c.nifaces > NRD_MAX_IFACES || c.npools > NRD_MAX_IFACES)
			abort();
		for (int i = 0; i < c.nifaces; i++)
			terminated(c.ifaces[i], IFNAME_LEN);
		for (int i = 0; i < c.npools; i++)
			if (ntohl(c.pools[i].start) > ntohl(c.pools[i].end) || c.pools[i].p.ndns > NRD_MAX_ADDRS)
				abort();
		terminated(c.dhcp.search, sizeof(c.dhcp.search));
		terminated(c.boot.pi_menu, sizeof(c.boot.pi_menu));
	}
	memset(&e, 0, sizeof(e));
	r = nrd_client_parse(&cl, "fuzz-client", "clients.d/fuzz-client.conf", (const char *)data, size, &e);
	if (r != 0 && r != -22)
		abort();
	if (r == 0 && ((!cl.has_mac && !cl.has_serial) || !memchr(cl.hostname, '\0', sizeof(cl.hostname))))
		abort();
	return 0;
}
