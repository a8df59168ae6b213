/* /run/net-<dev>.conf (klibc format) and /proc/net/pnp parsing. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "check.h"
#include "netconf.h"

static in4_t ip(const char *s)
{
	in4_t a = 0;

	parse_in4(s, strlen(s), &a);
	return a;
}

static void test_format_static(void)
{
	struct net_result r;
	char buf[2048];
	int n;

	memset(&r, 0, sizeof(r));
	strcpy(r.device, "eth0");
	r.proto = "none";
	r.addr = ip("192.168.18.15");
	r.netmask = ip("255.255.255.0");
	r.broadcast = ip("192.168.18.255");
	r.gateway = ip("192.168.18.1");
	r.rootserver = ip("192.168.18.14");
	strcpy(r.hostname, "rpi4-1");
	r.uptime = 3;
	n = netconf_format(&r, buf, sizeof(buf));
	CHECK(n > 0, "static config formats");
	CHECK_STR(buf,
		  "DEVICE='eth0'\n"
		  "PROTO='none'\n"
		  "IPV4ADDR='192.168.18.15'\n"
		  "IPV4BROADCAST='192.168.18.255'\n"
		  "IPV4NETMASK='255.255.255.0'\n"
		  "IPV4GATEWAY='192.168.18.1'\n"
		  "IPV4DNS0='0.0.0.0'\n"
		  "IPV4DNS1='0.0.0.0'\n"
		  "HOSTNAME='rpi4-1'\n"
		  "DNSDOMAIN=''\n"
		  "NISDOMAIN=''\n"
		  "ROOTSERVER='192.168.18.14'\n"
		  "ROOTPATH=''\n"
		  "filename=''\n"
		  "UPTIME='3'\n"
		  "DHCPLEASETIME='0'\n"
		  "DOMAINSEARCH=''\n",
		  "klibc key order, PROTO none, unset addresses as 0.0.0.0");
	CHECK_INT(n, (int)strlen(buf), "returns the length");
}

static void test_format_quoting(void)
{
	struct net_result r;
	char buf[2048];

	memset(&r, 0, sizeof(r));
	strcpy(r.device, "eth0");
	strcpy(r.rootpath, "/srv/it's!");
	CHECK(netconf_format(&r, buf, sizeof(buf)) > 0, "quoting formats");
	CHECK(strstr(buf, "ROOTPATH='/srv/it'\\''s'\\!''\n") != NULL, "' and ! escaped as klibc does");
	CHECK(strstr(buf, "PROTO='none'") != NULL, "missing proto defaults to none");
}

static void test_format_small_buffer(void)
{
	struct net_result r;
	char buf[40];

	memset(&r, 0, sizeof(r));
	strcpy(r.device, "eth0");
	CHECK_INT(netconf_format(&r, buf, sizeof(buf)), -ENOSPC, "too small a buffer is -ENOSPC");
	CHECK(strlen(buf) < sizeof(buf), "and the buffer stays terminated");
	CHECK_INT(netconf_format(&r, buf, 0), -ENOSPC, "zero-size buffer");
}

static void test_pnp(void)
{
	struct pnp_info p;
	const char *dhcp = "#PROTO: DHCP\ndomain lan\nnameserver 192.168.1.1\nnameserver 9.9.9.9\n"
			   "nameserver 1.1.1.1\nnameserver 8.8.8.8\nbootserver 192.168.1.5\n";
	const char *manual = "#MANUAL\nnameserver 10.0.0.1\n";
	char a[16];

	CHECK_INT(pnp_parse(dhcp, strlen(dhcp), &p), 0, "DHCP pnp parses");
	CHECK(!p.manual, "DHCP is not manual");
	CHECK_STR(p.proto, "DHCP", "proto DHCP");
	CHECK_INT(p.ndns, 3, "at most three nameservers kept");
	CHECK_STR(in4_str(p.dns[1], a), "9.9.9.9", "second nameserver");
	CHECK_STR(in4_str(p.bootserver, a), "192.168.1.5", "bootserver");
	CHECK_STR(p.domain, "lan", "domain");

	CHECK_INT(pnp_parse(manual, strlen(manual), &p), 0, "manual pnp parses");
	CHECK(p.manual, "#MANUAL is manual");
	CHECK_INT(p.ndns, 1, "one nameserver");

	CHECK_INT(pnp_parse("", 0, &p), -EINVAL, "empty is not pnp");
	CHECK_INT(pnp_parse("hello\n", 6, &p), -EINVAL, "garbage is not pnp");
	CHECK_INT(pnp_parse("#MANUAL\nnameserver 1.2.3\nnameserver x\n", 38, &p), 0, "bad addresses skipped");
	CHECK_INT(p.ndns, 0, "no nameserver from bad lines");
	CHECK_INT(pnp_parse("#MANUAL", 7, &p), 0, "no trailing newline");
}

/* resolv.conf: every DNS server the lease kept (3: MAXNS), none dropped
 * on the way; the lease file: T1/T2 exactly as the lease decided them. */
static void test_resolv_and_lease(void)
{
	struct net_result r;
	struct dhcp_lease l;
	char buf[1024];

	memset(&r, 0, sizeof(r));
	CHECK_INT(netconf_resolv_format(&r, buf, sizeof(buf)), 0, "nothing to say: empty");
	r.dns[0] = ip("10.0.0.1");
	r.dns[1] = ip("10.0.0.2");
	r.dns[2] = ip("10.0.0.3");
	strcpy(r.domainsearch, "a.example b.example");
	strcpy(r.dnsdomain, "lan");
	CHECK(netconf_resolv_format(&r, buf, sizeof(buf)) > 0, "resolv.conf formats");
	CHECK_STR(buf, "search a.example b.example\nnameserver 10.0.0.1\nnameserver 10.0.0.2\nnameserver 10.0.0.3\n",
		  "search list, then all three DNS servers");
	r.domainsearch[0] = '\0';
	r.dns[1] = 0;
	netconf_resolv_format(&r, buf, sizeof(buf));
	CHECK_STR(buf, "search lan\nnameserver 10.0.0.1\nnameserver 10.0.0.3\n", "domain as search; gaps skipped");
	CHECK_INT(netconf_resolv_format(&r, buf, 20), -ENOSPC, "too small a buffer");
	CHECK(netconf_format(&r, buf, sizeof(buf)) > 0 && strstr(buf, "IPV4DNS0='10.0.0.1'\nIPV4DNS1='0.0.0.0'\n"),
	      "net-*.conf keeps klibc's two DNS keys");

	memset(&l, 0, sizeof(l));
	l.addr = ip("10.0.0.9");
	l.server_id = ip("10.0.0.1");
	l.lease_secs = 3600;
	l.t1_secs = 1000;
	l.t2_secs = 2000;
	CHECK(netconf_lease_format(&l, "eth0", 7, buf, sizeof(buf)) > 0, "lease file formats");
	CHECK_STR(buf, "DEVICE='eth0'\nADDRESS='10.0.0.9'\nSERVER='10.0.0.1'\nLEASE_SECONDS='3600'\n"
		  "RENEW_SECONDS='1000'\nREBIND_SECONDS='2000'\nACQUIRED_UPTIME='7'\n", "the lease's own T1/T2");
	l.lease_secs = l.t1_secs = l.t2_secs = DHCP_LEASE_INFINITE;
	netconf_lease_format(&l, "eth0", 7, buf, sizeof(buf));
	CHECK(strstr(buf, "RENEW_SECONDS='4294967295'\nREBIND_SECONDS='4294967295'\n") != NULL,
	      "infinite: never renewed");
	CHECK_INT(netconf_lease_format(&l, "eth0", 7, buf, 30), -ENOSPC, "lease file: too small a buffer");
}

int main(void)
{
	test_format_static();
	test_format_quoting();
	test_format_small_buffer();
	test_pnp();
	test_resolv_and_lease();
	return check_done();
}
