/* netrootd's configuration parser (server/conf.c): the documented example,
 * every key's checks, and errors that name the file and line. */
#include "check.h"
#include "conf.h"

#include <arpa/inet.h>
#include <string.h>

static struct nrd_conf c;
static struct nrd_client cl[4];
static struct conf_error e;

static int parse(const char *text)
{
	nrd_conf_defaults(&c);
	memset(&e, 0, sizeof(e));
	return nrd_conf_parse(&c, "netrootd.conf", text, strlen(text), &e);
}

static in4_t A(const char *s)
{
	in4_t a = 0;

	inet_pton(AF_INET, s, &a);
	return a;
}

/* The error for text: "line N: <contains>" */
static void bad(const char *text, int line, const char *contains, const char *what)
{
	int r = parse(text);

	CHECK(r < 0 && e.line == line && strstr(e.msg, contains) && !strcmp(e.file, "netrootd.conf"),
	      "refused, %s: line %d: %s", what, e.line, e.msg);
}

static void main_file(void)
{
	static const char example[] =
		"# netrootd.conf\n"
		"[netrootd]\n"
		"interface = eth1 eth2   # the boards' LANs\n"
		"user = netroot\n"
		"\n"
		"[dhcp]\n"
		"mode = full\n"
		"lease-time = 12h\n"
		"dns = 10.77.0.1 1.1.1.1\n"
		"domain = lab.example\n"
		"search = lab.example example\n"
		"\n"
		"[pool eth1]\n"
		"range = 10.77.0.100 10.77.0.199\n"
		"netmask = 255.255.255.0\n"
		"router = 10.77.0.1\n"
		"root-path = \"10.77.0.1:/srv/nfs/#1 root\"\n"
		"mtu = 9000\r\n"
		"[pool eth2]\n"
		"range = 192.168.5.10 192.168.5.20\n"
		"\n"
		"[boot]\n"
		"pi-menu = \"Raspberry Pi Boot   \"\n"
		"pi-reply-delay = 1000\n"
		"efi-arm64 = grubaa64.efi\n";

	CHECK_INT(parse(example), 0, "the example parses (%s:%d: %s)", e.file, e.line, e.msg);
	CHECK(c.nifaces == 2 && !strcmp(c.ifaces[0], "eth1") && !strcmp(c.ifaces[1], "eth2"), "two interfaces");
	CHECK_STR(c.user, "netroot", "user");
	CHECK(c.dhcp_mode == DHCP_MODE_FULL && c.dhcp.lease_secs == 12 * 3600, "mode full, 12h = 43200 s");
	CHECK(c.dhcp.ndns == 2 && c.dhcp.dns[1] == A("1.1.1.1"), "dns list");
	CHECK_STR(c.dhcp.search, "lab.example example", "search list, single spaces");
	CHECK(c.npools == 2 && c.pools[0].start == A("10.77.0.100") && c.pools[0].end == A("10.77.0.199") &&
	      c.pools[0].p.netmask == A("255.255.255.0") && c.pools[0].p.router[0] == A("10.77.0.1"), "pool eth1");
	CHECK_STR(c.pools[0].p.root_path, "10.77.0.1:/srv/nfs/#1 root", "quoted text keeps '#' and blanks");
	CHECK_INT(c.pools[0].p.mtu, 9000, "CRLF line end accepted");
	CHECK_STR(c.boot.pi_menu, "Raspberry Pi Boot   ", "trailing blanks inside quotes kept (the Pi 3 ROM)");
	CHECK_INT(c.boot.pi_reply_delay_ms, 1000, "reply delay");
	CHECK_STR(c.state_dir, "/var/lib/netroot", "defaults stay");
	CHECK(c.rapid_commit, "defaults: rapid commit on");

	bad("[netrootd]\nuser = x\n", 0, "no interface to serve", "no interface");
	bad("[netrootd]\ninterface = eth1\n[dhcp]\nmode = full\n", 0, "needs a [pool", "full mode without a pool");
	CHECK_INT(parse("[netrootd]\ninterface = eth1\n[dhcp]\nmode = proxy\n"), 0, "proxy mode needs no pool");
	bad("interface = eth1\n", 1, "before any section", "key before a section");
	bad("[netrootd]\ninterface = eth1\n[dchp]\n", 3, "unknown section [dchp]", "misspelt section");
	bad("[netrootd]\ninterface = eth1\nusr = x\n", 3, "unknown key \"usr\"", "misspelt key");
	bad("[netrootd]\ninterface = eth1\nuser x\n", 3, "key = value", "no '='");
	bad("[netrootd]\ninterface = eth1\nuser =\n", 3, "a value after", "empty value");
	bad("[netrootd]\ninterface = eth1 eth1\n", 2, "each interface once", "interface twice");
	bad("[netrootd]\ninterface = eth1\n[pool eth1]\nrange = 10.0.0.9 10.0.0.1\n", 4, "not after its last",
	    "range backwards");
	bad("[netrootd]\ninterface = eth1\n[pool eth1]\nrange = 10.0.0.1\n", 4, "two IPv4", "range with one address");
	bad("[netrootd]\ninterface = eth1\n[pool eth9]\nrange = 10.0.0.1 10.0.0.9\n", 3, "needs netmask",
	    "a pool neither on a served interface nor with a netmask (for relays)");
	CHECK(parse("[netrootd]\ninterface = eth1\n[pool eth1]\nrange = 10.0.0.10 10.0.0.20\n[pool far]\n"
		    "range = 10.9.0.10 10.9.0.20\nnetmask = 255.255.255.0\n") == 0 && c.npools == 2 &&
	      !c.pools[0].relayed && c.pools[1].relayed, "a pool for relayed boards: any name, with its netmask");
	bad("[netrootd]\ninterface = eth1\n[pool eth1]\nrange = 10.0.0.1 10.0.1.9\nnetmask = 255.255.255.0\n", 3,
	    "not inside one subnet", "range across subnets");
	bad("[netrootd]\ninterface = eth1\n[pool eth1]\nrange = 10.0.0.1 10.0.0.9\n[pool eth1]\n", 5,
	    "a second [pool eth1] (the first is at line 3)", "pool twice");
	bad("[netrootd]\ninterface = eth1\n[dhcp]\nnetmask = 255.0.255.0\n", 4, "contiguous", "holey netmask");
	bad("[netrootd]\ninterface = eth1\n[dhcp]\ndns = 1.1.1.1 2.2.2.2 3.3.3.3 4.4.4.4 5.5.5.5\n", 4, "1 to 4",
	    "five DNS servers");
	bad("[netrootd]\ninterface = eth1\n[dhcp]\nlease-time = 30s\n", 4, "at least 60 s", "lease under 60 s");
	bad("[netrootd]\ninterface = eth1\n[dhcp]\nlease-time = 12x\n", 4, "lease time", "unknown unit");
	bad("[netrootd]\ninterface = eth1\n[dhcp]\nlease-time = 99999999999999999999\n", 4, "lease time",
	    "overflowing number");
	bad("[netrootd]\ninterface = eth1\n[dhcp]\nmode = maybe\n", 4, "full, proxy or off", "bad mode");
	bad("[netrootd]\ninterface = eth1\n[dhcp]\nrapid-commit = perhaps\n", 4, "yes or no", "bad bool");
	bad("[netrootd]\ninterface = eth1\n[dhcp]\nmtu = 40\n", 4, "68 to 65535", "MTU too small");
	bad("[netrootd]\ninterface = eth1\n[dhcp]\ndomain = two words\n", 4, "one word", "unquoted blanks");
	bad("[netrootd]\ninterface = eth1\n[dhcp]\nsearch = a_b\n", 4, "domain names", "underscore in a search name");
	bad("[netrootd]\ninterface = eth1\n[dhcp]\ndomain = \"a\"b\"\n", 4, "without '\"'", "quote inside quotes");
	bad("[netrootd]\ninterface = eth1\n[dhcp]\ndomain = a\001b\n", 4, "printable ASCII", "control byte");
	bad("[netrootd]\ninterface = eth1\n[boot\n", 3, "section header", "unclosed section");
	bad("[netrootd]\ninterface = eth1\n[boot]\npi-reply-delay = 9000\n", 4, "0 to 5000", "delay over 5 s");
	bad("[netrootd]\ninterface = eth-with-a-very-long-name\n", 2, "15 characters", "interface name too long");
	{
		static char big[300];

		memset(big, 'a', sizeof(big) - 1);
		char text[400];

		snprintf(text, sizeof(text), "[netrootd]\ninterface = eth1\n[dhcp]\ndomain = %s\n", big);
		bad(text, 4, "at most 255 bytes", "text too long");
	}
	{
		const char nul[] = "[netrootd]\ninterface = eth1\0\n";

		nrd_conf_defaults(&c);
		CHECK(nrd_conf_parse(&c, "netrootd.conf", nul, sizeof(nul) - 1, &e) < 0 && e.line == 2,
		      "a NUL byte in the file: refused at its line");
	}
}

static int client(int i, const char *name, const char *text)
{
	memset(&e, 0, sizeof(e));
	return nrd_client_parse(&cl[i], name, "clients.d/x.conf", text, strlen(text), &e);
}

static void clients(void)
{
	CHECK_INT(client(0, "rpi4-1", "# the first Pi\nmac = dc:a6:32:01:02:03\nserial = ab12CD34\n"
			 "address = 10.77.0.11\nroot-path = 10.77.0.1:/srv/rpi4-1\n"), 0, "a client file (%s)", e.msg);
	CHECK(cl[0].has_mac && cl[0].mac[0] == 0xdc && cl[0].mac[5] == 0x03 && cl[0].has_serial &&
	      cl[0].serial == 0xab12cd34 && cl[0].address == A("10.77.0.11"), "mac, serial (any case), address");
	CHECK_STR(cl[0].hostname, "rpi4-1", "hostname defaults to the name");
	CHECK_STR(cl[0].p.root_path, "10.77.0.1:/srv/rpi4-1", "per-client root path");
	CHECK_INT(client(1, "rpi4-2", "mac = dc-a6-32-01-02-04\nserial = 10000000ab12cd35\nhostname = pi2\n"), 0,
		  "dash MAC, 16-digit serial");
	CHECK(cl[1].serial == 0xab12cd35, "16 digits: the low 8 count");
	CHECK_STR(cl[1].hostname, "pi2", "hostname given");
	CHECK_INT(nrd_clients_check(&c, cl, 2, &e), 0, "two distinct boards");
	CHECK_INT(client(2, "rpi4-3", "serial = ab12cd34\n"), 0, "serial only");
	CHECK(nrd_clients_check(&c, cl, 3, &e) < 0 && strstr(e.msg, "serial number") && strstr(e.msg, "rpi4-1.conf") &&
	      !strcmp(e.file, "rpi4-3.conf"), "same serial in two files: both named (%s: %s)", e.file, e.msg);
	CHECK(client(0, "x", "address = 10.0.0.1\n") < 0 && strstr(e.msg, "no mac"), "no mac, no serial: refused");
	CHECK(client(0, "x", "mac = dc:a6:32:01:02\n") < 0 && e.line == 1, "short MAC refused");
	CHECK(client(0, "x", "serial = 12345\n") < 0 && e.line == 1, "5-digit serial refused");
	CHECK(client(0, "x", "serial = ab12cd3g\n") < 0, "non-hex serial refused");
	CHECK(client(0, "x", "[pool eth1]\n") < 0 && strstr(e.msg, "no sections"), "sections refused");
	CHECK(client(0, "x", "mac = dc:a6:32:01:02:03\nrange = 1.2.3.4 1.2.3.5\n") < 0 && strstr(e.msg, "unknown key"),
	      "pool keys refused in a client file");
	CHECK(client(0, "bad/name", "mac = dc:a6:32:01:02:03\n") < 0, "a name with '/' refused");
	CHECK(client(0, "x", "mac = dc:a6:32:01:02:03\nhostname = a_b\n") < 0, "hostname with '_' refused");
}

/* the iSCSI keys of a client file */
static void iscsi_keys(void)
{
	CHECK(client(0, "rpi4-1", "mac = dc:a6:32:01:02:03\niscsi-image = /srv/rpi4-1.img\n"
		     "iscsi-initiator = iqn.2020-08.org.example:rpi4-1 iqn.2020-08.org.example:spare\n") == 0 &&
	      !strcmp(cl[0].iscsi_target, "iqn.2026-11.org.netroot:rpi4-1") &&
	      !strcmp(cl[0].iscsi_initiator, "iqn.2020-08.org.example:rpi4-1 iqn.2020-08.org.example:spare"),
	      "iscsi-image with two initiators; the target name by default (%s)", e.msg);
	CHECK(client(1, "rpi4-2", "mac = dc:a6:32:01:02:04\niscsi-image = /srv/rpi4-2.img\n") < 0 &&
	      strstr(e.msg, "without iscsi-initiator"), "an image without an initiator: refused (%s)", e.msg);
	CHECK(client(1, "rpi4-2", "mac = dc:a6:32:01:02:04\niscsi-image = srv/rpi4-2.img\niscsi-initiator = iqn.a:b\n") < 0,
	      "a relative image path: refused (%s)", e.msg);
	CHECK(client(1, "rpi4-2", "mac = dc:a6:32:01:02:04\niscsi-image = /i\niscsi-initiator = iqn.a:1 iqn.a:2 iqn.a:3 "
		     "iqn.a:4 iqn.a:5\n") < 0, "five initiators: refused (%s)", e.msg);
	CHECK(client(1, "rpi4-2", "mac = dc:a6:32:01:02:04\niscsi-image = /i\niscsi-initiator = pi2\n") < 0,
	      "an initiator that is not an iSCSI name: refused (%s)", e.msg);
	CHECK(client(1, "rpi4-2", "mac = dc:a6:32:01:02:04\niscsi-image = /i2\niscsi-initiator = iqn.a:2\n"
		     "iscsi-target = iqn.2026-11.org.netroot:rpi4-1\n") == 0 &&
	      nrd_clients_check(&c, cl, 2, &e) < 0 && strstr(e.msg, "iSCSI target name"),
	      "two boards with one target name: refused (%s)", e.msg);

	/* CHAP accounts */
	static const char chap[] = "mac = dc:a6:32:01:02:05\niscsi-image = /i3\niscsi-initiator = iqn.a:3\n"
				   "iscsi-chap-user = pi3\niscsi-chap-secret = twelve-chars\n";
	CHECK(client(1, "rpi4-3", chap) == 0 && !strcmp(cl[1].iscsi_chap_user, "pi3") &&
	      !strcmp(cl[1].iscsi_chap_secret, "twelve-chars") && !cl[1].iscsi_chap_tuser[0], "CHAP (%s)", e.msg);
	CHECK(client(1, "rpi4-3", "mac = dc:a6:32:01:02:05\niscsi-image = /i3\niscsi-initiator = iqn.a:3\n"
		     "iscsi-chap-user = pi3\niscsi-chap-secret = twelve-chars\niscsi-chap-target-user = t\n"
		     "iscsi-chap-target-secret = other-secret\n") == 0 && !strcmp(cl[1].iscsi_chap_tsecret, "other-secret"),
	      "mutual CHAP (%s)", e.msg);
	CHECK(client(1, "rpi4-3", "mac = dc:a6:32:01:02:05\niscsi-image = /i3\niscsi-initiator = iqn.a:3\n"
		     "iscsi-chap-user = pi3\niscsi-chap-secret = eleven-char\n") < 0 && strstr(e.msg, "12 to 255"),
	      "a secret under 12 characters: refused (%s)", e.msg);
	CHECK(client(1, "rpi4-3", "mac = dc:a6:32:01:02:05\niscsi-image = /i3\niscsi-initiator = iqn.a:3\n"
		     "iscsi-chap-secret = twelve-chars\n") < 0 && strstr(e.msg, "a user and a secret"),
	      "a secret without a user: refused (%s)", e.msg);
	CHECK(client(1, "rpi4-3", "mac = dc:a6:32:01:02:05\niscsi-image = /i3\niscsi-initiator = iqn.a:3\n"
		     "iscsi-chap-user = pi3\niscsi-chap-secret = twelve-chars\niscsi-chap-target-user = t\n"
		     "iscsi-chap-target-secret = twelve-chars\n") < 0 && strstr(e.msg, "same as iscsi-chap-secret"),
	      "one secret both ways: refused (%s)", e.msg);
	CHECK(client(1, "rpi4-3", "mac = dc:a6:32:01:02:05\niscsi-image = /i3\niscsi-initiator = iqn.a:3\n"
		     "iscsi-chap-target-user = t\niscsi-chap-target-secret = twelve-chars\n") < 0 &&
	      strstr(e.msg, "without iscsi-chap-user"), "mutual without one-way: refused (%s)", e.msg);
	CHECK(client(1, "rpi4-3", "mac = dc:a6:32:01:02:05\niscsi-chap-user = pi3\niscsi-chap-secret = twelve-chars\n") < 0 &&
	      strstr(e.msg, "without iscsi-image"), "CHAP without a disk: refused (%s)", e.msg);

	/* [iscsi] */
	CHECK(parse("[netrootd]\ninterface = eth1\n[dhcp]\nmode = off\n[iscsi]\nport = 3261\nrequire-digests = header\n") == 0 &&
	      c.iscsi_port == 3261 && c.iscsi_require_digests == 1, "[iscsi] port and require-digests (%s)", e.msg);
	CHECK(parse("[netrootd]\ninterface = eth1\n[dhcp]\nmode = off\n[iscsi]\nrequire-digests = yes\n") == 0 && c.iscsi_require_digests == 3,
	      "require-digests = yes: both (%s)", e.msg);
	CHECK(parse("[netrootd]\ninterface = eth1\n[iscsi]\nrequire-digests = crc\n") < 0 && strstr(e.msg, "no, header"),
	      "require-digests = crc: refused (%s)", e.msg);
	CHECK(parse("[netrootd]\ninterface = eth1\n[iscsi]\nportal = 1\n") < 0 && strstr(e.msg, "port, require-digests, io-threads"),
	      "an unknown [iscsi] key: refused, naming the keys (%s)", e.msg);
	CHECK(parse("[netrootd]\ninterface = eth1\n[dhcp]\nmode = off\n[iscsi]\nio-threads = 4\n") == 0 && c.iscsi_io_threads == 4,
	      "io-threads (%s)", e.msg);
	CHECK(parse("[netrootd]\ninterface = eth1\n[dhcp]\nmode = off\n[iscsi]\nio-threads = 65\n") < 0, "io-threads = 65: refused");
}

/* [tftp] and [dhcp] arp-probe */
static void tftp_keys(void)
{
	static const char ok[] = "[netrootd]\ninterface = eth1\n[dhcp]\nmode = off\narp-probe = 300\n[tftp]\n"
				 "root = /srv/tftp\nsingle-port = yes\nunique-root = mac\nfallback = no\n"
				 "max-sessions = 64\nretries = 3\nretransmit = 500\nmax-blksize = 1468\nmax-window = 16\n"
				 "write = yes\nmax-write-mib = 8\n";

	CHECK(parse(ok) == 0 && !strcmp(c.tftp.root, "/srv/tftp") && c.tftp.single_port &&
	      c.tftp.unique_root == TFTP_UR_MAC && !c.tftp.fallback && c.tftp.max_sessions == 64 && c.tftp.retries == 3 &&
	      c.tftp.retransmit_ms == 500 && c.tftp.max_blksize == 1468 && c.tftp.max_window == 16 && c.arp_probe_ms == 300 &&
	      c.tftp.write && c.tftp.max_write_mib == 8,
	      "every [tftp] key, and arp-probe (%s)", e.msg);
	CHECK(parse("[netrootd]\ninterface = eth1\n[dhcp]\nmode = off\n") == 0 && !c.tftp.root[0] && c.tftp.fallback &&
	      c.tftp.max_sessions == 256 && c.tftp.max_window == 64 && c.arp_probe_ms == 0, "defaults: no TFTP, no probe");
	bad("[netrootd]\ninterface = eth1\n[dhcp]\nmode = off\n[tftp]\nroot = srv/tftp\n", 0, "give an absolute path",
	    "a relative root");
	bad("[netrootd]\ninterface = eth1\n[dhcp]\nmode = off\n[tftp]\nunique-root = serial\n", 6, "off, mac or ip",
	    "unique-root serial");
	bad("[netrootd]\ninterface = eth1\n[dhcp]\nmode = off\n[tftp]\nmax-window = 65\n", 6, "blocks, 1 to 64",
	    "max-window 65");
	bad("[netrootd]\ninterface = eth1\n[dhcp]\nmode = off\n[tftp]\nmax-blksize = 100\n", 6, "bytes, 512 to 65464",
	    "max-blksize 100");
	bad("[netrootd]\ninterface = eth1\n[dhcp]\nmode = off\n[tftp]\nwrites = yes\n", 6, "its keys are: root,",
	    "an unknown key lists the section's keys");
	bad("[netrootd]\ninterface = eth1\n[dhcp]\nmode = off\narp-probe = 5000\n", 5, "0 (off) to 2000",
	    "arp-probe 5000");
}

int main(void)
{
	main_file();
	clients();
	tftp_keys();
	iscsi_keys();
	return check_done();
}
