/* frontends = [ ... ]: parsing, name resolution, and who may connect to a
 * shared Unix listener (gateway/peer_check.c), with allow_uids overriding
 * frontends on its listener. */
#include "gateway/config.h"
#include "gateway/log.h"
#include "gateway/peer_check.h"

#include <stdlib.h>

#include "unit.h"

#include "config_expect.h"

#define APP "apps = ( { name = \"a\"; module = \"app.py\"; } );\n"
#define SCGI "listeners = ( { scgi = \"unix:/tmp/s.sock\"; } );\n"

static void test_parse(void)
{
	expect_ok(SCGI APP);
	CHECK(!cfg.frontends.set && cfg.frontends.n == 0);
	expect_ok("frontends = [ \"www-data\", \"nginx\" ];\n" SCGI APP);
	CHECK(cfg.frontends.set && cfg.frontends.n == 2 && cfg.frontends.line == 1);
	CHECK_STR(cfg.frontends.names[1], "nginx");
	CHECK(cfg.frontends.uids[0] == (uid_t)-1);
	expect_ok("frontends = ( 33, \"www-data\" );\n" SCGI APP);
	CHECK(cfg.frontends.n == 2 && cfg.frontends.uids[0] == 33);
	CHECK_STR(cfg.frontends.names[0], "");
	expect_ok("frontends = \"www-data\";\n" SCGI APP);
	CHECK(cfg.frontends.n == 1);
	expect_ok("frontends = [ ];\n" SCGI APP);
	CHECK(cfg.frontends.set && cfg.frontends.n == 0);
}

static void test_parse_errors(void)
{
	expect_one("frontends = [ -1 ];\n" SCGI APP,
		   "test.conf:1: frontends entry must be 0..4294967294, got -1");
	expect_one("frontends = ( \"\" );\n" SCGI APP,
		   "test.conf:1: frontends entries must not be empty");
	expect_prefix("frontends = true;\n" SCGI APP, "test.conf:1: frontends entry must be");
	expect_one("frontends = [ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17 ];\n"
		   SCGI APP, "test.conf:1: frontends holds at most 16 entries");
}

static void test_resolve(void)
{
	CHECK(parse("frontends = ( 5, \"root\" );\n" SCGI APP) == 0);
	CHECK(sg_config_resolve(&cfg, 0, &diags) == 0);
	CHECK(cfg.frontends.uids[0] == 5 && cfg.frontends.uids[1] == 0);
	CHECK(parse("\n\nfrontends = [ \"no-such-user-xyz\" ];\n" SCGI APP) == 0);
	CHECK(sg_config_resolve(&cfg, 0, &diags) == -1);
	CHECK_STR(diags.n == 1 ? diags.msg[0] : NULL,
		  "test.conf:3: frontends: unknown user \"no-such-user-xyz\"");
}

static struct sg_listener_conf listener(enum sg_listener_kind kind, bool is_unix)
{
	struct sg_listener_conf l = { .kind = kind };
	l.addr.is_unix = is_unix;
	return l;
}

static void test_permitted(void)
{
	const uid_t gw = 1000, www = 33, bob = 2000;
	struct sg_frontends none = { 0 }, web = { .set = true, .n = 1, .uids = { www } },
			    empty = { .set = true };
	struct sg_listener_conf scgi = listener(SG_LISTEN_SCGI, true);
	struct sg_listener_conf http = listener(SG_LISTEN_HTTP, true);
	struct sg_listener_conf tcp = listener(SG_LISTEN_SCGI, false);
	/* Without frontends: as before (SCGI: the socket's mode decides). */
	CHECK(sg_peer_permitted(&scgi, &none, gw, bob));
	CHECK(!sg_peer_permitted(&http, &none, gw, bob));
	CHECK(sg_peer_permitted(&http, &none, gw, gw));
	/* With frontends: only them, root and the gateway's uid. */
	CHECK(sg_peer_permitted(&scgi, &web, gw, www));
	CHECK(!sg_peer_permitted(&scgi, &web, gw, bob));
	CHECK(sg_peer_permitted(&scgi, &web, gw, 0));
	CHECK(sg_peer_permitted(&scgi, &web, gw, gw));
	CHECK(sg_peer_permitted(&http, &web, gw, www));
	CHECK(!sg_peer_permitted(&scgi, &empty, gw, www));
	CHECK(sg_peer_permitted(&scgi, &empty, gw, 0));
	/* A listener's allow_uids overrides frontends there. */
	scgi.n_allow_uids = 1;
	scgi.allow_uids[0] = bob;
	CHECK(sg_peer_permitted(&scgi, &web, gw, bob));
	CHECK(!sg_peer_permitted(&scgi, &web, gw, www));
	CHECK(sg_peer_permitted(&scgi, &web, gw, 0));
	/* TCP has no peer uid. */
	CHECK(sg_peer_permitted(&tcp, &web, gw, bob));
	/* The launcher socket: as SCGI (its mode, else frontends). */
	struct sg_listener_conf launcher = listener(SG_LISTEN_CGI, true);
	CHECK(sg_peer_permitted(&launcher, &none, gw, bob));
	CHECK(sg_peer_permitted(&launcher, &web, gw, www));
	CHECK(!sg_peer_permitted(&launcher, &web, gw, bob));
}

int main(void)
{
	sg_log_init("test", SG_LOG_ERROR);
	RUN(test_parse);
	RUN(test_parse_errors);
	RUN(test_resolve);
	RUN(test_permitted);
	reset();
	UNIT_END();
}
