/* libFuzzer target for client add's text edits (server/provision_text.c):
 * any bytes as the files it reads out of an image and edits — fstab,
 * config.txt, extlinux.conf / pxelinux.cfg, /etc/network/interfaces,
 * dhcpcd.conf, /etc/hosts, an old cmdline.txt. On a re-run these come out
 * of the board's own disk, which the board writes: hostile. Every edit
 * must end (no crash, no overrun), and applied to its own output must
 * give the same text again (the re-run rule: nothing changes twice). */
#include <stdlib.h>
#include <string.h>

#include "provision.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void twice(char *(*fn)(const char *, const char *), const char *in, const char *arg)
{
	char *a = fn(in, arg), *b;

	if (!a)
		return;
	b = fn(a, arg);
	if (b && strcmp(a, b))
		abort();                /* not a fixed point: a re-run would change the file again */
	free(a);
	free(b);
}

static char *config(const char *in, const char *arg)
{
	(void)arg;
	return prov_config_edit(in, "netroot8.img", "netroot_2712.img");
}

static char *extlinux(const char *in, const char *arg)
{
	return prov_extlinux_edit(in, arg, "netroot8.img");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = malloc(size + 1), line[4200], old[4100];
	struct prov_line_in li = { .uuid = "c48523b6-8262-416c-a5da-9dbe6656ac70", .initiator = "iqn.x:a",
				   .target = "iqn.x:t", .server = "10.77.0.1", .port = 3260, .chap_user = "a",
				   .chap_secret = "0123456789abcdef" };

	if (!in)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';        /* the tools read files as C strings: a NUL ends them */
	twice(prov_fstab_edit, in, "PARTUUID=6c3d9e21-01");
	twice(prov_fstab_edit, in, NULL);
	twice(config, in, NULL);
	twice(extlinux, in, "console=ttyAMA0 ip=dhcp root=UUID=x rw");
	twice(prov_interfaces_edit, in, "eth0");
	twice(prov_dhcpcd_edit, in, "eth0");
	twice(prov_hosts_edit, in, "rpi4-1");
	if (prov_extlinux_append(in, old, sizeof(old)) && strlen(old) >= sizeof(old))
		abort();
	li.old = in;
	li.nfs = size & 1;
	li.nfs_path = "/srv/nfs/a";
	if (prov_cmdline(&li, line, sizeof(line)) == 0 && strlen(line) >= sizeof(line))
		abort();
	free(in);
	return 0;
}
