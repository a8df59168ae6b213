/* Provisioning's pure parts: the text edits (server/provision_text.c), each
 * a fixed point, and the image's MBR and ext4 superblock
 * (server/provision_disk.c). tests/provision runs the whole command. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "provision.h"

/* edit applied twice gives the same text */
#define FIXED(expr1, expr2, what) do {                                     \
	char *a_ = (expr1);                                                \
	char *b_ = a_ ? (expr2) : NULL;                                    \
	CHECK_STR(b_, a_, "%s: a second pass changes nothing", what);      \
	free(b_);                                                          \
	free(a_);                                                          \
} while (0)

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static const char seed_fstab[] =
	"proc            /proc           proc    defaults          0       0\n"
	"PARTUUID=907af7d0-01 /boot auto noatime,lazytime,rw 0 2\n"
	"PARTUUID=907af7d0-02 / auto noatime,lazytime,rw 0 1\n"
	"# a comment\n"
	"192.168.18.14:/data/pxe/rapi4-1_boot/ /boot nfs defaults,vers=4.1,proto=tcp 0 0\n";

static void test_fstab(void)
{
	char *o = prov_fstab_edit(seed_fstab, "PARTUUID=907af7d0-01");

	CHECK(o && !strstr(o, "PARTUUID=907af7d0-02"), "fstab: the / partition line dropped");
	CHECK(o && strstr(o, "PARTUUID=907af7d0-01  /boot  vfat  defaults,nofail  0  2\n"),
	      "fstab: /boot mounted from the given source, nofail");
	CHECK(o && !strstr(o, "noatime,lazytime"), "fstab: the image's own /boot line gone");
	CHECK(o && strstr(o, "192.168.18.14:/data/pxe/rapi4-1_boot/ /boot nfs"), "fstab: an NFS /boot is not a partition: kept");
	CHECK(o && strstr(o, "proc            /proc") && strstr(o, "# a comment\n"), "fstab: other lines and comments kept");
	CHECK(o && strstr(o, "tmpfs  /tmp      tmpfs  rw,nodev,nosuid,size=256M,mode=1777  0  0\n") &&
	      strstr(o, "tmpfs  /var/log  tmpfs"), "fstab: tmpfs on /tmp and /var/log");
	free(o);
	FIXED(prov_fstab_edit(seed_fstab, "PARTUUID=907af7d0-01"), prov_fstab_edit(a_, "PARTUUID=907af7d0-01"), "fstab");
	o = prov_fstab_edit("UUID=abc / ext4 defaults 0 1\nLABEL=boot /boot/firmware vfat defaults 0 2\n", NULL);
	CHECK_STR(o, "# netroot: / and the boot files come over the network (netrootd client add)\n"
		  "tmpfs  /tmp      tmpfs  rw,nodev,nosuid,size=256M,mode=1777  0  0\n"
		  "tmpfs  /var/log  tmpfs  rw,nodev,nosuid,size=64M,mode=0755  0  0\n",
		  "fstab: UUID= and LABEL= lines, /boot/firmware; NFS: no boot line");
	free(o);
	o = prov_fstab_edit("tmpfs /tmp tmpfs size=1G 0 0\n", NULL);
	CHECK(o && !strstr(o, "size=256M") && strstr(o, "/var/log"), "fstab: a /tmp of the user's own is left alone");
	free(o);
	o = prov_fstab_edit("/dev/mmcblk0p2 / ext4 defaults 0 1\n/dev/mmcblk0p1 /boot/firmware vfat defaults 0 2", "X");
	CHECK(o && strstr(o, "X  /boot/firmware  vfat") && !strstr(o, "mmcblk"), "fstab: /dev/ lines, no final newline");
	free(o);
}

static const char pi_config[] =
	"arm_64bit=1\n[pi4]\narm_boost=1\ninitramfs initrd.img-6.1.21-v8+ followkernel\n[all]\nauto_initramfs=1\n";

static void test_config(void)
{
	char *o = prov_config_edit(pi_config, "netroot8.img", "netroot_2712.img"), *p;

	CHECK(o && strstr(o, "#initramfs initrd.img-6.1.21-v8+ followkernel  # netroot: replaced"),
	      "config.txt: another initramfs line disabled");
	CHECK(o && strstr(o, "[all]\ninitramfs netroot8.img followkernel\n[pi5]\ninitramfs netroot_2712.img followkernel\n"
			     "[all]\n# netroot end\n"), "config.txt: the block, ending in [all]");
	CHECK(o && strstr(o, "arm_boost=1\n") && strstr(o, "auto_initramfs=1\n"), "config.txt: the rest kept");
	FIXED(prov_config_edit(pi_config, "netroot8.img", "netroot_2712.img"),
	      prov_config_edit(a_, "netroot8.img", "netroot_2712.img"), "config.txt");
	p = o ? prov_config_edit(o, "netroot8.img", NULL) : NULL;
	CHECK(p && !strstr(p, "netroot_2712") && count(p, "initramfs netroot8.img followkernel\n") == 1,
	      "config.txt: a re-run with one kernel replaces the block");
	CHECK(p && count(p, "# netroot begin") == 1 && count(p, "# netroot end") == 1, "config.txt: one block");
	free(p);
	free(o);
	o = prov_config_edit("", NULL, "netroot_2712.img");
	CHECK(o && strstr(o, "[pi5]\ninitramfs netroot_2712.img followkernel\n[all]\n") && !strstr(o, "netroot8"),
	      "config.txt: an empty file, a Pi 5 kernel only");
	free(o);
}

static const char seed_interfaces[] =
	"source /etc/network/interfaces.d/*\n\nauto lo eth0\niface lo inet loopback\n\n# Ethernet\n"
	"allow-hotplug eth0\niface eth0 inet static\naddress 192.168.0.100\nnetmask 255.255.255.0\n"
	"gateway 192.168.0.1\n\niface eth0 inet6 auto\n\nallow-hotplug wlan0\niface wlan0 inet dhcp\n"
	"    wpa-conf /etc/wpa_supplicant/wpa_supplicant.conf\n";

static void test_interfaces(void)
{
	char *o = prov_interfaces_edit(seed_interfaces, "eth0");

	CHECK(o && strstr(o, "#auto lo eth0\nauto lo\niface lo inet loopback\n"), "interfaces: eth0 out of a shared auto line");
	CHECK(o && strstr(o, "# Ethernet\n#allow-hotplug eth0\n#iface eth0 inet static\n#address 192.168.0.100\n"
			     "#netmask 255.255.255.0\n#gateway 192.168.0.1\n\n#iface eth0 inet6 auto\n"),
	      "interfaces: the eth0 stanzas commented (the seed 001 edit)");
	CHECK(o && strstr(o, "\nallow-hotplug wlan0\niface wlan0 inet dhcp\n    wpa-conf"), "interfaces: wlan0 untouched");
	FIXED(prov_interfaces_edit(seed_interfaces, "eth0"), prov_interfaces_edit(a_, "eth0"), "interfaces");
	free(o);
	o = prov_interfaces_edit("auto eth01\niface eth01 inet dhcp\n", "eth0");
	CHECK_STR(o, "auto eth01\niface eth01 inet dhcp\n", "interfaces: eth01 is not eth0");
	free(o);
}

static void test_small_files(void)
{
	char *o = prov_dhcpcd_edit("hostname\nclientid\n", "eth0");

	CHECK(o && strstr(o, "clientid\n# netroot:") && strstr(o, "\ndenyinterfaces eth0\n"), "dhcpcd.conf: denyinterfaces");
	FIXED(prov_dhcpcd_edit("hostname\n", "eth0"), prov_dhcpcd_edit(a_, "eth0"), "dhcpcd.conf");
	free(o);
	o = prov_dhcpcd_edit("denyinterfaces wlan1 eth0\n", "eth0");
	CHECK_STR(o, "denyinterfaces wlan1 eth0\n", "dhcpcd.conf: already denied");
	free(o);
	o = prov_hosts_edit("127.0.0.1\tlocalhost\n127.0.1.1\traspberrypi\n127.0.1.1 again\n", "rpi4-1");
	CHECK_STR(o, "127.0.0.1\tlocalhost\n127.0.1.1\trpi4-1\n", "hosts: the 127.0.1.1 line, once");
	free(o);
	o = prov_hosts_edit("127.0.0.1 localhost", "b");
	CHECK_STR(o, "127.0.0.1 localhost\n127.0.1.1\tb\n", "hosts: added when missing");
	free(o);
}

static void test_cmdline(void)
{
	/* seed 001's image line */
	const char *img = "console=serial0,115200 console=tty1 root=PARTUUID=907af7d0-02 rootfstype=ext4 elevator=deadline "
			  "fsck.repair=yes rootwait quiet net.ifnames=0 init=/usr/lib/raspberrypi-sys-mods/firstboot\n";
	struct prov_line_in in = { .old = img, .uuid = "c48523b6-8262-416c-a5da-9dbe6656ac70",
				   .initiator = "iqn.2026-11.org.netroot:a-initiator", .target = "iqn.2026-11.org.netroot:a",
				   .server = "10.77.0.1", .port = 3260, .chap_user = "a", .chap_secret = "abcdefabcdefabcdefabcdef" };
	char line[4096], again[4096];

	CHECK_INT(prov_cmdline(&in, line, sizeof(line)), 0, "cmdline: iSCSI built");
	CHECK_STR(line, "console=serial0,115200 console=tty1 root=UUID=c48523b6-8262-416c-a5da-9dbe6656ac70 ip=dhcp "
		  "ISCSI_INITIATOR=iqn.2026-11.org.netroot:a-initiator ISCSI_TARGET_NAME=iqn.2026-11.org.netroot:a "
		  "ISCSI_TARGET_IP=10.77.0.1 ISCSI_TARGET_PORT=3260 ISCSI_USERNAME=a ISCSI_PASSWORD=abcdefabcdefabcdefabcdef "
		  "rw rootfstype=ext4 fsck.repair=yes rootwait quiet net.ifnames=0",
		  "cmdline: the seed 000 iSCSI form, console= kept, root= and init= gone");
	in.old = line;
	prov_cmdline(&in, again, sizeof(again));
	CHECK_STR(again, line, "cmdline: iSCSI: built from itself, the same");
	in = (struct prov_line_in){ .nfs = true, .old = img, .server = "10.77.0.1", .nfs_path = "/srv/nfs/b",
				    .nfs_vers = "3" };
	prov_cmdline(&in, line, sizeof(line));
	CHECK_STR(line, "console=serial0,115200 console=tty1 root=/dev/nfs nfsroot=10.77.0.1:/srv/nfs/b,vers=3,proto=tcp "
		  "ip=dhcp rw rootwait quiet net.ifnames=0", "cmdline: the seed 001 NFS form");
	CHECK_INT(prov_cmdline(&in, line, 40), -ENOSPC, "cmdline: too small a buffer says so");
}

/* an MBR: partition 1 type t1 from 8192 for 81920 sectors, 2 type t2 after it */
/* A U-Boot board's command line file. */
static void test_extlinux(void)
{
	static const char cfg[] =
		"DEFAULT netroot\n"
		"# APPEND in a comment stays\n"
		"LABEL netroot\n"
		"  KERNEL vmlinuz\n"
		"  INITRD /boot/initrd.img-6.1.0-56-arm64\n"
		"  APPEND console=ttyAMA0 root=/dev/mmcblk0p2 quiet\n"
		"label rescue\n"
		"\tinitrd initrd.img\n"
		"\tappend console=ttyAMA0 single\n";
	char *o = prov_extlinux_edit(cfg, "console=ttyAMA0 ip=dhcp root=UUID=x rw", "netroot8.img"), *o2, line[64];

	CHECK(o && strstr(o, "  APPEND console=ttyAMA0 ip=dhcp root=UUID=x rw\n"), "APPEND: the board's line");
	CHECK(o && strstr(o, "\tappend console=ttyAMA0 ip=dhcp root=UUID=x rw\n"), "every APPEND, its case kept");
	CHECK(o && strstr(o, "  INITRD /boot/netroot8.img\n"), "INITRD: netroot's file, in the directory it named");
	CHECK(o && strstr(o, "\tinitrd netroot8.img\n"), "INITRD without a directory");
	CHECK(o && strstr(o, "# APPEND in a comment stays\n") && strstr(o, "  KERNEL vmlinuz\n"), "the rest kept");
	o2 = o ? prov_extlinux_edit(o, "console=ttyAMA0 ip=dhcp root=UUID=x rw", "netroot8.img") : NULL;
	CHECK(o2 && !strcmp(o, o2), "applied twice: the same text");
	CHECK(prov_extlinux_append(cfg, line, sizeof(line)) && !strcmp(line, "console=ttyAMA0 root=/dev/mmcblk0p2 quiet"),
	      "the image's own line: the first APPEND's words");
	CHECK(!prov_extlinux_append(cfg, line, 10), "a line longer than the room: false");
	CHECK(!prov_extlinux_append("DEFAULT x\n", line, sizeof(line)), "no APPEND: false");
	free(o);
	free(o2);
}

static void mbr(uint8_t *m, uint8_t t1, uint8_t t2, uint32_t len2)
{
	static const uint32_t start[2] = { 8192, 90112 };
	uint32_t len[2] = { 81920, len2 };

	memset(m, 0, 512);
	m[440] = 0x21, m[441] = 0x9e, m[442] = 0x3d, m[443] = 0x6c;
	for (int i = 0; i < 2; i++) {
		uint8_t *e = m + 446 + 16 * i;

		e[4] = i ? t2 : t1;
		for (int b = 0; b < 4; b++) {
			e[8 + b] = (uint8_t)(start[i] >> (8 * b));
			e[12 + b] = (uint8_t)(len[i] >> (8 * b));
		}
	}
	m[510] = 0x55, m[511] = 0xaa;
}

static void test_disk(void)
{
	uint64_t size = 128u << 20;
	uint8_t m[512], sb[1024];
	struct prov_geom g;
	char why[300];

	mbr(m, 0x0c, 0x83, 172032);
	CHECK_INT(prov_mbr_parse(m, sizeof(m), size, &g, why, sizeof(why)), 0, "mbr: a Pi OS layout");
	CHECK(g.disk_id == 0x6c3d9e21 && g.boot_off == 8192u * 512 && g.root_off == 90112u * 512 &&
	      g.root_len == 172032u * 512, "mbr: disk id and partitions");
	mbr(m, 0x0c, 0x83, 172033);
	CHECK(prov_mbr_parse(m, sizeof(m), size, &g, why, sizeof(why)) < 0 && strstr(why, "ends beyond the end"),
	      "mbr: partition 2 one sector past the end: %s", why);
	mbr(m, 0x83, 0x83, 1000);
	CHECK(prov_mbr_parse(m, sizeof(m), size, &g, why, sizeof(why)) < 0 && strstr(why, "partition 1 has type 0x83"),
	      "mbr: partition 1 not FAT: %s", why);
	mbr(m, 0x0b, 0x07, 1000);
	CHECK(prov_mbr_parse(m, sizeof(m), size, &g, why, sizeof(why)) < 0 && strstr(why, "partition 2 has type 0x07"),
	      "mbr: partition 2 not Linux: %s", why);
	mbr(m, 0xee, 0x00, 0);
	CHECK(prov_mbr_parse(m, sizeof(m), size, &g, why, sizeof(why)) < 0 && strstr(why, "GPT"), "mbr: GPT: %s", why);
	mbr(m, 0x0c, 0x00, 0);
	CHECK(prov_mbr_parse(m, sizeof(m), size, &g, why, sizeof(why)) < 0 && strstr(why, "partition 2 is empty"),
	      "mbr: no partition 2: %s", why);
	mbr(m, 0x0c, 0x83, 1000);
	m[510] = 0;
	CHECK(prov_mbr_parse(m, sizeof(m), size, &g, why, sizeof(why)) < 0 && strstr(why, "no MBR"), "mbr: no signature");
	CHECK(prov_mbr_parse(m, 100, size, &g, why, sizeof(why)) < 0, "mbr: a short buffer");
	mbr(m, 0x0c, 0x83, 0xffffffffu);
	CHECK(prov_mbr_parse(m, sizeof(m), size, &g, why, sizeof(why)) < 0, "mbr: a huge partition (no overflow)");

	memset(sb, 0, sizeof(sb));
	sb[56] = 0x53, sb[57] = 0xef;
	for (int i = 0; i < 16; i++)
		sb[104 + i] = (uint8_t)(0xc0 + i);
	memcpy(sb + 120, "rootfs\x01", 7);
	CHECK_INT(prov_ext4_parse(sb, sizeof(sb), &g, why, sizeof(why)), 0, "ext4: a superblock");
	CHECK_STR(g.uuid, "c0c1c2c3-c4c5-c6c7-c8c9-cacbcccdcecf", "ext4: the UUID as text");
	CHECK_STR(g.label, "rootfs?", "ext4: the label, control bytes shown as ?");
	sb[57] = 0;
	CHECK(prov_ext4_parse(sb, sizeof(sb), &g, why, sizeof(why)) < 0 && strstr(why, "no ext2/3/4"), "ext4: no magic");
	CHECK(prov_ext4_parse(sb, 60, &g, why, sizeof(why)) < 0, "ext4: a short superblock");
}

int main(void)
{
	test_fstab();
	test_config();
	test_extlinux();
	test_interfaces();
	test_small_files();
	test_cmdline();
	test_disk();
	return check_done();
}
