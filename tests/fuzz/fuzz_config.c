/* fuzz_config.c - libFuzzer target for the config parser
 * (config_parse_string) and the raw-address hex codec. A config that parses
 * must hold only checked values; hex that decodes must encode back. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "config.h"

static void fuzz_fail(const char *what)
{
	fprintf(stderr, "fuzz_config: %s\n", what);
	abort();
}

static void fuzz_check_str(const char *s, size_t cap, const char *what)
{
	if (!memchr(s, '\0', cap))
		fuzz_fail(what);
}

static void fuzz_check_config(const struct pfs_config *cfg)
{
	static const char *providers[] = { "tcp", "shm", "verbs", "cxi", "efa" };
	long port;
	int known = 0;

	fuzz_check_str(cfg->provider, sizeof(cfg->provider), "provider not terminated");
	fuzz_check_str(cfg->mds_host, sizeof(cfg->mds_host), "mds_host not terminated");
	fuzz_check_str(cfg->mds_port, sizeof(cfg->mds_port), "mds_port not terminated");
	fuzz_check_str(cfg->mds_addr, sizeof(cfg->mds_addr), "mds_addr not terminated");
	fuzz_check_str(cfg->bind_host, sizeof(cfg->bind_host), "bind_host not terminated");
	for (size_t i = 0; i < sizeof(providers) / sizeof(providers[0]); i++)
		known |= !strcmp(cfg->provider, providers[i]);
	if (!known)
		fuzz_fail("unknown provider accepted");
	port = strtol(cfg->mds_port, NULL, 10);
	if (port < 1 || port > 65535)
		fuzz_fail("port out of range accepted");
	if (cfg->timeout_ms < 1 || cfg->timeout_ms > 3600 * 1000)
		fuzz_fail("timeout out of range accepted");
	if (config_hex_decode(cfg->mds_addr, NULL, 0, NULL))
		fuzz_fail("bad mds_addr accepted");
	(void)config_bind_host(cfg);
}

static void fuzz_hex(const char *text)
{
	uint8_t raw[256];
	char back[2 * sizeof(raw) + 1];
	size_t n = 0;

	if (config_hex_decode(text, raw, sizeof(raw), &n))
		return;
	if (n > sizeof(raw))
		fuzz_fail("hex decode overran its buffer");
	if (config_hex_encode(raw, n, back, sizeof(back)))
		fuzz_fail("decoded hex does not encode");
	if (strlen(back) != strlen(text) || strncasecmp(back, text, strlen(text)))
		fuzz_fail("hex round trip differs");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pfs_config cfg;
	char err[256], *text;
	int rc;

	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	err[0] = '\0';
	rc = config_parse_string(text, &cfg, err, sizeof(err));
	if (rc == 0)
		fuzz_check_config(&cfg);
	else if (rc != -EINVAL && rc != -ENOMEM)
		fuzz_fail("unexpected error code");
	else if (rc == -EINVAL && !err[0])
		fuzz_fail("-EINVAL without a message");
	/* A tiny error buffer must still be safe. */
	(void)config_parse_string(text, &cfg, err, 1);
	(void)config_parse_string(text, &cfg, NULL, 0);
	fuzz_hex(text);
	free(text);
	return 0;
}
