/* test_config.c - the config parser: defaults, every key, and every kind of
 * bad line rejected with the line named; discovery order of the file. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"

START_TEST(parse_good)
{
	struct pfs_config c;
	char err[256] = "";

	ck_assert_int_eq(config_parse_string("# cluster\nprovider = shm\n mds_host=10.0.0.1 \n"
					     "mds_port = 9000 # trailing comment\n"
					     "timeout_ms = 2500\nwrite_behind_mib = 8\n"
					     "read_ahead_mib=0\n\n", &c, err, sizeof(err)), 0);
	ck_assert_str_eq(c.provider, "shm");
	ck_assert_int_eq(c.write_behind_mib, 8);
	ck_assert_int_eq(c.read_ahead_mib, 0);
	ck_assert_str_eq(c.mds_host, "10.0.0.1");
	ck_assert_str_eq(c.mds_port, "9000");
	ck_assert_int_eq(c.timeout_ms, 2500);
	ck_assert_int_eq(config_parse_string("", &c, err, sizeof(err)), 0);
	ck_assert_str_eq(c.provider, "tcp");
	ck_assert_int_eq(c.timeout_ms, 10000);
	ck_assert_int_eq(c.write_behind_mib, 0);        /* the caches are asked for */
	ck_assert_int_eq(c.read_ahead_mib, 0);
	ck_assert_int_eq(config_parse_string("mds_addr = 0a0B\n", &c, err, sizeof(err)), 0);
	ck_assert_str_eq(config_bind_host(&c), "127.0.0.1");   /* MDS on loopback */
	ck_assert_int_eq(config_parse_string("mds_host = 10.1.1.1\n", &c, err, sizeof(err)), 0);
	ck_assert_ptr_null(config_bind_host(&c));
	ck_assert_int_eq(config_parse_string("mds_host = 10.1.1.1\nbind_host = 10.1.1.2\n", &c,
					     err, sizeof(err)), 0);
	ck_assert_str_eq(config_bind_host(&c), "10.1.1.2");
}
END_TEST

START_TEST(parse_bad)
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
		ck_assert_int_eq(config_parse_string(bad[i], &c, err, sizeof(err)), -EINVAL);
		ck_assert_msg(strstr(err, "line 1") != NULL, "no line in '%s' for %s", err, bad[i]);
	}
}
END_TEST

START_TEST(default_path_order)
{
	char buf[512];

	setenv("PFS_CONFIG", "/x/y.conf", 1);
	ck_assert_int_eq(config_default_path(buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "/x/y.conf");
	unsetenv("PFS_CONFIG");
	setenv("XDG_CONFIG_HOME", "/cfg", 1);
	ck_assert_int_eq(config_default_path(buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "/cfg/pfs/client.conf");
	unsetenv("XDG_CONFIG_HOME");
	setenv("HOME", "/home/u", 1);
	ck_assert_int_eq(config_default_path(buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "/home/u/.config/pfs/client.conf");
	ck_assert_int_eq(config_default_path(buf, 5), -ENAMETOOLONG);
}
END_TEST

START_TEST(missing_file)
{
	struct pfs_config c;
	char err[256];

	ck_assert_int_eq(config_parse_file("/nonexistent/pfs.conf", &c, err, sizeof(err)), -ENOENT);
}
END_TEST

START_TEST(hex_roundtrip)
{
	unsigned char in[40], out[40];
	char hex[81];
	size_t n;

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 37);
	ck_assert_int_eq(config_hex_encode(in, sizeof(in), hex, sizeof(hex)), 0);
	ck_assert_int_eq(config_hex_decode(hex, out, sizeof(out), &n), 0);
	ck_assert_uint_eq(n, sizeof(in));
	ck_assert_mem_eq(in, out, sizeof(in));
	ck_assert_int_lt(config_hex_encode(in, sizeof(in), hex, 80), 0);
	ck_assert_int_lt(config_hex_decode(hex, out, 10, &n), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("parse");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, parse_good);
	tcase_add_test(tc, parse_bad);
	tcase_add_test(tc, default_path_order);
	tcase_add_test(tc, missing_file);
	tcase_add_test(tc, hex_roundtrip);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
