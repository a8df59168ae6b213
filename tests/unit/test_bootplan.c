/* The boot plan: what a command line means once decided. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bootplan.h"
#include "check.h"

static struct boot_config cfg;
static struct boot_plan plan;

static int build(const char *line)
{
	int r = cmdline_parse(line, strlen(line), &cfg);

	if (r < 0)
		return r;
	return bootplan_build(&cfg, &plan);
}

static bool has_diag(enum diag_level lvl, const char *needle)
{
	int i;

	for (i = 0; i < plan.ndiag; i++)
		if (plan.diag[i].level == lvl && strstr(plan.diag[i].msg, needle))
			return true;
	return false;
}

static const char *mount_data(int vmaj, int vmin)
{
	static char buf[MOUNT_DATA_LEN];

	if (nfs_mount_data(&plan.nfs, vmaj, vmin, plan.nfs.server, plan.ip.client, buf, sizeof(buf)) < 0)
		return "(error)";
	return buf;
}

static void test_seed_nfs_static(void)
{
	/* ../shared/seeds/000: the user's NFS cmdline.txt, verbatim. */
	const char *line = "console=serial0,115200 console=tty1 ip=192.168.18.15::192.168.18.1:255.255.255.0:rpi4-1:eth0:off "
			   "root=/dev/nfs nfsroot=192.168.18.14:/data/pxe/nfsroot1,tcp,rw rootfstype=nfs rootwait "
			   "elevator=deadline cgroup_memory=1 cgroup_enable=memory cgroup_enable=cpuset";
	char a[16];

	CHECK_INT(build(line), 0, "seed NFS static line is bootable");
	CHECK_INT(plan.net, NET_STATIC, "static network");
	CHECK_STR(plan.ip.device, "eth0", "device eth0");
	CHECK_INT(plan.prefix, 24, "prefix 24");
	CHECK_STR(in4_str(plan.broadcast, a), "192.168.18.255", "broadcast");
	CHECK_INT(plan.root_kind, ROOT_NFS, "NFS root");
	CHECK_STR(in4_str(plan.nfs.server, a), "192.168.18.14", "server from nfsroot=");
	CHECK_STR(plan.nfs.path, "/data/pxe/nfsroot1", "path");
	CHECK(!plan.ro, "rw inside nfsroot= options makes the root rw");
	CHECK_STR(mount_data(3, -1), "vers=3,proto=tcp,nolock,addr=192.168.18.14", "v3 mount data");
	CHECK_STR(mount_data(4, 1), "vers=4.1,proto=tcp,addr=192.168.18.14,clientaddr=192.168.18.15",
		  "v4.1 mount data has clientaddr, no nolock");
	CHECK(!has_diag(DIAG_WARN, "rootfstype"), "rootfstype=nfs is not warned about");
	CHECK(plan.fsck_args == NULL, "no fsck for NFS");
}

static void test_seed_nfs_dhcp(void)
{
	/* ../shared/seeds/001: vers=3,proto=tcp with ip=dhcp. */
	const char *line = "console=serial0,115200 console=tty1 root=/dev/nfs "
			   "nfsroot=192.168.1.1:/mnt/cluster/system/000000008a4232c8/rootfs,vers=3,proto=tcp rw ip=dhcp "
			   "rootwait elevator=deadline";

	CHECK_INT(build(line), 0, "seed NFS DHCP line is bootable");
	CHECK_INT(plan.net, NET_DHCP, "DHCP network");
	CHECK_INT(plan.nfs.vers_major, 3, "vers=3");
	CHECK(!plan.ro, "rw");
	CHECK_STR(mount_data(3, -1), "vers=3,proto=tcp,nolock,addr=192.168.1.1", "options deduplicated");
}

static void test_nfs_options(void)
{
	CHECK_INT(build("ip=10.0.0.2::10.0.0.1:255.255.255.0::eth0:off root=/dev/nfs "
			"nfsroot=10.0.0.1:/srv/%s,vers=4.2,rsize=65536,timeo=14,addr=1.2.3.4,lock ro"), 0,
		  "options line bootable");
	CHECK_INT(plan.nfs.vers_major, 4, "v4");
	CHECK_INT(plan.nfs.vers_minor, 2, "minor 2");
	CHECK_STR(plan.nfs.extra, "rsize=65536,timeo=14", "pass-through options kept in order");
	CHECK(has_diag(DIAG_WARN, "addr=1.2.3.4"), "user addr= is warned about");
	CHECK(has_diag(DIAG_WARN, "'lock'"), "lock is warned about");
	CHECK(plan.ro, "ro");
	CHECK_STR(mount_data(4, 2), "vers=4.2,proto=tcp,rsize=65536,timeo=14,addr=10.0.0.1,clientaddr=10.0.0.2",
		  "v4.2 data");

	CHECK_INT(build("ip=10.0.0.2::10.0.0.1:255.255.255.0::eth0:off nfsroot=10.0.0.1:/x,vers=4,udp"), -EINVAL,
		  "v4 over udp is refused");
	CHECK(has_diag(DIAG_ERROR, "UDP"), "with a message about UDP");

	CHECK_INT(build("ip=10.0.0.2::10.0.0.1:255.255.255.0::eth0:off nfsroot=10.0.0.1:/x,vers=5"), -EINVAL,
		  "vers=5 is refused");
	CHECK(has_diag(DIAG_ERROR, "vers=5"), "naming the option");

	CHECK_INT(build("ip=10.0.0.2::10.0.0.1:255.255.255.0::eth0:off nfsroot=10.0.0.1:/x,udp,v3"), 0, "v3 udp ok");
	CHECK_STR(mount_data(3, -1), "vers=3,proto=udp,nolock,addr=10.0.0.1", "udp kept for v3");

	CHECK_INT(build("ip=10.0.0.2::10.0.0.1:255.255.255.0::eth0:off nfsroot=10.0.0.1:/x,rw ro"), 0, "ro wins");
	CHECK(plan.ro, "top-level ro beats rw in options");
	CHECK(has_diag(DIAG_WARN, "overridden"), "and says so");
}

static void test_nfs_server_sources(void)
{
	char a[16];

	CHECK_INT(build("ip=10.0.0.2:10.0.0.9:10.0.0.1:255.255.255.0::eth0:off root=/dev/nfs nfsroot=/export"), 0,
		  "server from ip= field 2");
	CHECK_STR(in4_str(plan.nfs.server, a), "10.0.0.9", "server 10.0.0.9");

	CHECK_INT(build("ip=10.0.0.2::10.0.0.1:255.255.255.0::eth0:off root=/dev/nfs nfsroot=/export"), -EINVAL,
		  "static with no server anywhere is not bootable");
	CHECK(has_diag(DIAG_ERROR, "no NFS server"), "and says why");

	CHECK_INT(build("ip=dhcp root=/dev/nfs"), 0, "DHCP with no nfsroot: path and server from DHCP");
	CHECK_STR(plan.nfs.path, "/tftpboot/%s", "kernel default path");
	CHECK(has_diag(DIAG_INFO, "option 17"), "explains where the path comes from");
}

static void test_network_choices(void)
{
	CHECK_INT(build("root=/dev/nfs nfsroot=10.0.0.1:/x"), 0, "no ip= with NFS root");
	CHECK_INT(plan.net, NET_DHCP, "means DHCP (initramfs-tools)");

	CHECK_INT(build("ip=off root=/dev/nfs nfsroot=10.0.0.1:/x"), -EINVAL, "ip=off with NFS root");
	CHECK(has_diag(DIAG_ERROR, "networking is turned off"), "is an error");

	CHECK_INT(build("root=UUID=1234 rw"), 0, "block root without ip=");
	CHECK_INT(plan.net, NET_NONE, "needs no network");
	CHECK_STR(plan.fsck_args, "-a", "preen by default");

	CHECK_INT(build("ip=10.0.0.2::10.0.0.1:::eth0:off root=/dev/nfs nfsroot=10.0.0.1:/x"), 0, "no netmask");
	CHECK_INT(plan.prefix, 8, "class A guess for 10.x");
	CHECK(has_diag(DIAG_WARN, "guessing"), "with a warning");

	CHECK_INT(build("ip=10.0.0.2::192.168.0.1:255.255.255.0::eth0:off root=/dev/nfs nfsroot=10.0.0.1:/x"), 0,
		  "gateway off-subnet");
	CHECK(has_diag(DIAG_WARN, "not on the client's subnet"), "warned");

	CHECK_INT(build("ip=10.0.0.2::10.0.0.1:255.255.255.0::eth0:off ip=10.0.1.2::10.0.1.1:255.255.255.0::eth1:off "
			"root=/dev/nfs nfsroot=10.0.0.1:/x"), 0, "two ip=");
	CHECK_INT(plan.nip_ignored, 1, "second one ignored for now");
	CHECK_STR(plan.ip.device, "eth0", "first used");

	CHECK_INT(build("ip=10.0.0.2:10.0.0.1:10.0.0.1:255.255.255.0::eth0 root=/dev/nfs nfsroot=/x"), 0,
		  "address with autoconf unset and server known");
	CHECK_INT(plan.net, NET_STATIC, "is static (kernel skips DHCP)");
}

static void test_fsck_policy(void)
{
	CHECK_INT(build("root=/dev/sda2 fsck.repair=yes"), 0, "repair yes");
	CHECK_STR(plan.fsck_args, "-y", "-y");
	CHECK_INT(build("root=/dev/sda2 fsck.repair=no forcefsck"), 0, "repair no, forced");
	CHECK_STR(plan.fsck_args, "-n", "-n");
	CHECK(plan.fsck_force, "forced");
	CHECK_INT(build("root=/dev/sda2 fastboot"), 0, "fastboot");
	CHECK(plan.fsck_args == NULL, "skipped");
	CHECK_INT(build("root=/dev/sda2 fsck.mode=skip fsckfix"), 0, "skip wins over fix");
	CHECK(plan.fsck_args == NULL, "skipped");
}

static void test_misc(void)
{
	CHECK_INT(build("console=ttyAMA0"), -EINVAL, "no root at all");
	CHECK(has_diag(DIAG_ERROR, "no root="), "says no root=");
	CHECK_INT(build("root=/dev/nfs nfsroot=10.0.0.1:/x init=sbin/init"), -EINVAL, "relative init=");
	CHECK_INT(build("root=/dev/nfs nfsroot=10.0.0.1:/x init=/lib/systemd/systemd -- single foo"), 0, "init args");
	CHECK_STR(plan.init, "/lib/systemd/systemd", "init=");
	CHECK_INT(in4_prefix_len(htonl(0xffffff00u)), 24, "prefix of /24");
	CHECK_INT(in4_prefix_len(htonl(0xff00ff00u)), -1, "non-contiguous mask");
	CHECK_INT(in4_prefix_len(0), 0, "prefix of 0");
	CHECK_INT(ntohl(in4_mask_of(20)), 0xfffff000u, "mask of /20");
	CHECK_INT(in4_mask_of(32), 0xffffffffu, "mask of /32");
	CHECK_INT(ntohl(in4_classful_mask(htonl(0x0a000002u))), 0xff000000u, "class A mask");
	CHECK_INT(ntohl(in4_classful_mask(htonl(0xac100002u))), 0xffff0000u, "class B mask");
	CHECK_INT(ntohl(in4_classful_mask(htonl(0xc0a80102u))), 0xffffff00u, "class C mask");
}

static void test_path_expand(void)
{
	char out[32];

	CHECK_INT(nfs_path_expand("/srv/%s/root", "rpi4-1", out, sizeof(out)), 0, "expand");
	CHECK_STR(out, "/srv/rpi4-1/root", "hostname substituted");
	CHECK_INT(nfs_path_expand("/a/%s/%s", "x", out, sizeof(out)), 0, "every %%s");
	CHECK_STR(out, "/a/x/x", "both substituted");
	CHECK_INT(nfs_path_expand("/a/%d%", "x", out, sizeof(out)), 0, "other %% kept");
	CHECK_STR(out, "/a/%d%", "verbatim");
	CHECK_INT(nfs_path_expand("/%s", "0123456789012345678901234567890123456789", out, sizeof(out)),
		  -ENAMETOOLONG, "too long");
	CHECK_INT(nfs_path_expand("/012345678901234567890123456789", "", out, sizeof(out)), 0, "exactly fits");
	CHECK_INT(nfs_path_expand("/0123456789012345678901234567890", "", out, sizeof(out)), -ENAMETOOLONG,
		  "one over");
}

/* root=UUID= with an iSCSI disk: that disk (and its partitions) first, so a
 * local SD card cloned from the same image cannot be taken for the root. */
static void test_iscsi_disk_first(void)
{
	const char *keys = " ip=dhcp ISCSI_TARGET_NAME=iqn.2004-01.org.example:x ISCSI_TARGET_IP=10.0.0.1";
	char line[256];

	snprintf(line, sizeof(line), "root=UUID=c48523b6-8262-416c-a5da-9dbe6656ac70%s", keys);
	CHECK_INT(build(line), 0, "UUID with iSCSI keys");
	CHECK(plan.iscsi_disk_first, "UUID: the iSCSI disk first");
	snprintf(line, sizeof(line), "root=LABEL=rootfs%s", keys);
	build(line);
	CHECK(plan.iscsi_disk_first, "LABEL: the iSCSI disk first");
	build("root=iscsi:10.0.0.1::::iqn.2004-01.org.example:x root=PARTUUID=1234-02 ip=dhcp");
	CHECK(plan.iscsi_disk_first, "root=iscsi: then PARTUUID=: the iSCSI disk first");
	snprintf(line, sizeof(line), "root=/dev/nbd0p2%s", keys);
	build(line);
	CHECK(!plan.iscsi_disk_first, "a device path names the device itself");
	build("root=UUID=1 rootwait");
	CHECK(!plan.iscsi_disk_first, "no iSCSI: every disk alike");

	CHECK(block_on_disk("nbd0", "/dev/nbd0"), "the disk itself");
	CHECK(block_on_disk("nbd0p2", "/dev/nbd0"), "a partition: <disk>p<N> after a digit");
	CHECK(block_on_disk("nbd0p15", "nbd0"), "a partition, disk without /dev/");
	CHECK(!block_on_disk("nbd0p", "/dev/nbd0"), "no partition number");
	CHECK(!block_on_disk("nbd0px", "/dev/nbd0"), "not a number");
	CHECK(!block_on_disk("nbd01", "/dev/nbd0"), "after a digit the kernel puts a p");
	CHECK(!block_on_disk("nbd1", "/dev/nbd0"), "another nbd");
	CHECK(!block_on_disk("nbd10p1", "/dev/nbd1"), "a longer name with the same start");
	CHECK(!block_on_disk("mmcblk0p2", "/dev/nbd0"), "the SD card");
	CHECK(block_on_disk("sda1", "/dev/sda"), "sda1: <disk><N> after a letter");
	CHECK(!block_on_disk("sdab", "/dev/sda"), "sdab is another disk");
	CHECK(!block_on_disk("sda1", NULL) && !block_on_disk("sda1", ""), "no disk known");
}

int main(void)
{
	test_seed_nfs_static();
	test_seed_nfs_dhcp();
	test_nfs_options();
	test_nfs_server_sources();
	test_network_choices();
	test_fsck_policy();
	test_misc();
	test_path_expand();
	test_iscsi_disk_first();
	return check_done();
}
