/* test_config.c - the config parser: defaults, every key, and every kind of
 * bad line rejected with the line named; discovery order of the file. */
#include "pfs_test.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"

static void parse_good(void)
{
	struct pfs_config c;
	char err[256] = "";

	T_EQ(config_parse_string("# cluster\nprovider = shm\n mds_host=10.0.0.1 \n"
					     "mds_port = 9000 # trailing comment\n"
					     "timeout_ms = 2500\nwrite_behind_mib = 8\n"
					     "read_ahead_mib=0\n\n", &c, err, sizeof(err)), 0);
	T_STREQ(c.provider, "shm");
	T_EQ(c.write_behind_mib, 8);
	T_EQ(c.read_ahead_mib, 0);
	T_STREQ(c.mds_host, "10.0.0.1");
	T_STREQ(c.mds_port, "9000");
	T_EQ(c.timeout_ms, 2500);
	T_EQ(config_parse_string("", &c, err, sizeof(err)), 0);
	T_STREQ(c.provider, "tcp");
	T_EQ(c.timeout_ms, 10000);
	T_EQ(c.write_behind_mib, 0);        /* the caches are asked for */
	T_EQ(c.read_ahead_mib, 0);
	T_EQ(config_parse_string("mds_addr = 0a0B\n", &c, err, sizeof(err)), 0);
	T_STREQ(config_bind_host(&c), "127.0.0.1");   /* MDS on loopback */
	T_EQ(config_parse_string("mds_host = 10.1.1.1\n", &c, err, sizeof(err)), 0);
	T_ASSERT((config_bind_host(&c)) == NULL);
	T_EQ(config_parse_string("mds_host = 10.1.1.1\nbind_host = 10.1.1.2\n", &c,
					     err, sizeof(err)), 0);
	T_STREQ(config_bind_host(&c), "10.1.1.2");
}

static void parse_bad(void)
{
	static const char *bad[] = {
		"provider = sockets\n", "provider =\n", "mds_port = 0\n", "mds_port = 70000\n",
		"mds_port = 12ab\n", "timeout_ms = -1\n", "timeout_ms = 99999999999\n",
		"nonsense\n", "colour = blue\n", "mds_addr = abc\n", "mds_addr = zz\n",
		"write_behind_mib = -1\n", "write_behind_mib = 1025\n", "read_ahead_mib = 4M\n",
		"read_ahead_mib =\n",
	};
	struct pfs_config c;
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		T_EQ(config_parse_string(bad[i], &c, err, sizeof(err)), -EINVAL);
		T_CHECK(strstr(err, "line 1") != NULL, "no line in '%s' for %s", err, bad[i]);
	}
}

static void default_path_order(void)
{
	char buf[512];

	setenv("PFS_CONFIG", "/x/y.conf", 1);
	T_EQ(config_default_path(buf, sizeof(buf)), 0);
	T_STREQ(buf, "/x/y.conf");
	unsetenv("PFS_CONFIG");
	setenv("XDG_CONFIG_HOME", "/cfg", 1);
	T_EQ(config_default_path(buf, sizeof(buf)), 0);
	T_STREQ(buf, "/cfg/pfs/client.conf");
	unsetenv("XDG_CONFIG_HOME");
	setenv("HOME", "/home/u", 1);
	T_EQ(config_default_path(buf, sizeof(buf)), 0);
	T_STREQ(buf, "/home/u/.config/pfs/client.conf");
	T_EQ(config_default_path(buf, 5), -ENAMETOOLONG);
}

static void missing_file(void)
{
	struct pfs_config c;
	char err[256];

	T_EQ(config_parse_file("/nonexistent/pfs.conf", &c, err, sizeof(err)), -ENOENT);
}

static void hex_roundtrip(void)
{
	unsigned char in[40], out[40];
	char hex[81];
	size_t n;

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 37);
	T_EQ(config_hex_encode(in, sizeof(in), hex, sizeof(hex)), 0);
	T_EQ(config_hex_decode(hex, out, sizeof(out), &n), 0);
	T_UEQ(n, sizeof(in));
	T_MEMEQ(in, out, sizeof(in));
	T_LT(config_hex_encode(in, sizeof(in), hex, 80), 0);
	T_LT(config_hex_decode(hex, out, 10, &n), 0);
	/* the bound exactly: one byte short of room is refused */
	T_LT(config_hex_decode(hex, out, sizeof(in) - 1, &n), 0);
}

int main(void)
{
	t_run("parse_good", parse_good, 60);
	t_run("parse_bad", parse_bad, 60);
	t_run("default_path_order", default_path_order, 60);
	t_run("missing_file", missing_file, 60);
	t_run("hex_roundtrip", hex_roundtrip, 60);
	return t_done();
}
