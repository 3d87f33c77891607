/*
 * Unit tests of sluice/pattern_jsonpath.h and sluice/pattern_cidr.h: the
 * JSONPath subset of webhook filters (compiling, errors naming the
 * character, selecting, text forms, placeholders) and IP ranges.
 */
#include "sluice/error.h"
#include "sluice/pattern_cidr.h"
#include "sluice/pattern_jsonpath.h"
#include "sluice_test.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static const char push[] =
    "{\"ref\": \"refs/heads/main\", \"size\": 3, \"forced\": false, \"base\": null,"
    " \"repository\": {\"name\": \"web\", \"full name\": \"acme/web\"},"
    " \"commits\": [{\"id\": \"a1\", \"author\": {\"name\": \"Ann\"}}, {\"id\": \"b2\"}],"
    " \"ratio\": 0.5}";

/* The text the path selects in push, or "<none>" / "<compile: message>". */
static const char *select_text(const char *path, char *buf, size_t len)
{
    pattern_jsonpath p;
    char err[256] = "";
    if (pattern_jsonpath_compile(path, &p, err, sizeof err) != 0) {
        snprintf(buf, len, "<compile: %s>", err);
        return buf;
    }
    json_t *doc = json_loads(push, 0, NULL);
    const json_t *v = pattern_jsonpath_select(&p, doc);
    if (pattern_jsonpath_text(v, buf, len) != 0) {
        snprintf(buf, len, "<none>");
    }
    json_decref(doc);
    return buf;
}

static void test_select(void)
{
    char buf[300];
    CHECK_STR_EQ(select_text("$.ref", buf, sizeof buf), "refs/heads/main");
    CHECK_STR_EQ(select_text("$.repository.name", buf, sizeof buf), "web");
    CHECK_STR_EQ(select_text("$['repository']['full name']", buf, sizeof buf), "acme/web");
    CHECK_STR_EQ(select_text("$.repository[\"name\"]", buf, sizeof buf), "web");
    CHECK_STR_EQ(select_text("$.commits[0].author.name", buf, sizeof buf), "Ann");
    CHECK_STR_EQ(select_text("$.commits[1].id", buf, sizeof buf), "b2");
    CHECK_STR_EQ(select_text("$.size", buf, sizeof buf), "3");
    CHECK_STR_EQ(select_text("$.forced", buf, sizeof buf), "false");
    CHECK_STR_EQ(select_text("$.base", buf, sizeof buf), "null");
    CHECK_STR_EQ(select_text("$.ratio", buf, sizeof buf), "0.5");
    /* nothing there, or no text form */
    CHECK_STR_EQ(select_text("$.commits[2].id", buf, sizeof buf), "<none>");
    CHECK_STR_EQ(select_text("$.missing", buf, sizeof buf), "<none>");
    CHECK_STR_EQ(select_text("$.ref.x", buf, sizeof buf), "<none>");
    CHECK_STR_EQ(select_text("$.repository[0]", buf, sizeof buf), "<none>");
    CHECK_STR_EQ(select_text("$.repository", buf, sizeof buf), "<none>");
    CHECK_STR_EQ(select_text("$", buf, sizeof buf), "<none>");
}

static void check_error(const char *path, const char *message)
{
    pattern_jsonpath p;
    char err[256] = "";
    int rc = pattern_jsonpath_compile(path, &p, err, sizeof err);
    CHECK(rc == SLUICE_EPARSE || rc == SLUICE_ETOOBIG);
    CHECK_STR_CONTAINS(err, message);
    CHECK_INT_EQ((long long)p.nsteps, 0);
}

static void test_errors_name_the_character(void)
{
    check_error("", "the path is empty");
    check_error("ref", "at character 1: a path starts with '$'");
    check_error("$ref", "at character 2: expected '.' or '['");
    check_error("$.", "at character 3: expected a member name");
    check_error("$..ref", "at character 2: recursive descent");
    check_error("$.commits[*].id", "at character 11: wildcards");
    check_error("$.*", "at character 3: wildcards");
    check_error("$.commits[0:2]", "at character 12: an index is a decimal number");
    check_error("$.commits[-1]", "at character 11: wildcards, filters, slices");
    check_error("$.commits[?(@.id)]", "at character 11");
    check_error("$['ref", "at character 7: the quoted name is not closed");
    check_error("$['ref'x", "at character 8: expected ']'");
    check_error("$['']", "at character 4: a member name is empty");
    check_error("$[abc]", "at character 3: expected an index or a quoted name");
    check_error("$[99999999999]", "the index is too large");
    char longer[PATTERN_JSONPATH_MAX + 10];
    memset(longer, 'a', sizeof longer - 1);
    longer[0] = '$';
    longer[1] = '.';
    longer[sizeof longer - 1] = '\0';
    check_error(longer, "at most 150");
    char deep[PATTERN_JSONPATH_MAX + 1] = "$";
    for (int i = 0; i < PATTERN_JSONPATH_STEPS + 1; i++) {
        deep[1 + 2 * i] = '.';
        deep[2 + 2 * i] = 'a';
        deep[3 + 2 * i] = '\0';
    }
    check_error(deep, "too many steps");
}

static void test_expand(void)
{
    json_t *config = json_pack("{s:s, s:s, s:i}", "Branch", "main", "Owner", "acme", "N", 3);
    char out[64];
    char err[256] = "";
    CHECK_INT_EQ(
        pattern_jsonpath_expand("refs/heads/{Branch}", config, out, sizeof out, err, sizeof err),
        0);
    CHECK_STR_EQ(out, "refs/heads/main");
    CHECK_INT_EQ(
        pattern_jsonpath_expand("{Owner}/{Branch}", config, out, sizeof out, err, sizeof err), 0);
    CHECK_STR_EQ(out, "acme/main");
    /* braces without a key are literal */
    CHECK_INT_EQ(pattern_jsonpath_expand("a{}b{c", config, out, sizeof out, err, sizeof err), 0);
    CHECK_STR_EQ(out, "a{}b{c");
    CHECK_INT_EQ(pattern_jsonpath_expand("{Nope}", config, out, sizeof out, err, sizeof err),
                 SLUICE_ENOTFOUND);
    CHECK_STR_CONTAINS(err, "{Nope} names no configuration property");
    CHECK_INT_EQ(pattern_jsonpath_expand("{N}", config, out, sizeof out, err, sizeof err),
                 SLUICE_ENOTFOUND);
    CHECK_INT_EQ(pattern_jsonpath_expand("{Branch}", NULL, out, sizeof out, err, sizeof err),
                 SLUICE_ENOTFOUND);
    char tiny[8];
    CHECK_INT_EQ(
        pattern_jsonpath_expand("refs/heads/{Branch}", config, tiny, sizeof tiny, err, sizeof err),
        SLUICE_ETOOBIG);
    json_decref(config);
}

static bool in_range(const char *range, const char *addr)
{
    pattern_cidr c;
    char err[256];
    if (pattern_cidr_parse(range, &c, err, sizeof err) != 0) {
        fprintf(stderr, "unexpected parse failure of %s: %s\n", range, err);
        return false;
    }
    return pattern_cidr_contains(&c, addr);
}

static void test_cidr(void)
{
    CHECK(in_range("10.0.0.0/8", "10.200.3.4"));
    CHECK(!in_range("10.0.0.0/8", "11.0.0.1"));
    CHECK(in_range("192.0.2.7", "192.0.2.7"));
    CHECK(!in_range("192.0.2.7", "192.0.2.8"));
    CHECK(in_range("192.0.2.0/25", "192.0.2.127"));
    CHECK(!in_range("192.0.2.0/25", "192.0.2.128"));
    CHECK(in_range("0.0.0.0/0", "203.0.113.9"));
    CHECK(in_range("127.0.0.1/32", "::ffff:127.0.0.1"));
    CHECK(!in_range("127.0.0.1/32", "::1"));
    CHECK(in_range("2001:db8::/32", "2001:db8:1::5"));
    CHECK(!in_range("2001:db8::/32", "2001:db9::5"));
    CHECK(!in_range("2001:db8::/32", "10.0.0.1"));
    CHECK(in_range("10.1.2.3/8", "10.9.9.9")); /* host bits ignored */
    CHECK(!in_range("10.0.0.0/8", ""));
    CHECK(!in_range("10.0.0.0/8", "not an address"));
    pattern_cidr c;
    char err[256] = "";
    CHECK_INT_EQ(pattern_cidr_parse("10.0.0.0/33", &c, err, sizeof err), SLUICE_EPARSE);
    CHECK_STR_CONTAINS(err, "from 0 to 32");
    CHECK_INT_EQ(pattern_cidr_parse("2001:db8::/129", &c, err, sizeof err), SLUICE_EPARSE);
    CHECK_STR_CONTAINS(err, "from 0 to 128");
    CHECK_INT_EQ(pattern_cidr_parse("10.0.0.0/", &c, err, sizeof err), SLUICE_EPARSE);
    CHECK_INT_EQ(pattern_cidr_parse("10.0.0.0/8x", &c, err, sizeof err), SLUICE_EPARSE);
    CHECK_INT_EQ(pattern_cidr_parse("example.com/8", &c, err, sizeof err), SLUICE_EPARSE);
    CHECK_STR_CONTAINS(err, "'example.com/8' is not an IPv4 or IPv6 address");
    CHECK_INT_EQ(pattern_cidr_parse("", &c, err, sizeof err), SLUICE_EPARSE);
}

int main(void)
{
    RUN_TEST(test_select);
    RUN_TEST(test_errors_name_the_character);
    RUN_TEST(test_expand);
    RUN_TEST(test_cidr);
    return sluice_test_report();
}
