/*
 * Unit tests of sluice/model_glob.h against Java NIO "glob:" semantics:
 * wildcards and segments, classes, groups, escapes, UTF-8, the syntax errors
 * Java reports, and matching time without backtracking blow-ups.
 */
#include "sluice/error.h"
#include "sluice/model_glob.h"
#include "sluice_test.h"

#include <stdlib.h>
#include <string.h>

typedef struct glob_case {
    const char *pattern;
    const char *text;
    bool match;
} glob_case;

static const glob_case cases[] = {
    {"*.js", "a.js", true},
    {"*.js", ".js", true},
    {"*.js", "a/b.js", false},
    {"**/*.js", "a/b.js", true},
    {"**/*.js", "a/b/c.js", true},
    {"**/*.js", "a.js", false},
    {"**.js", "a/b.js", true},
    {"src/**", "src/a/b", true},
    {"src/**", "src/", true},
    {"src/**", "src", false},
    {"common/**/*.js", "common/a/b.js", true},
    {"common/**/*.js", "common/a.js", false},
    {"**/README.md", "docs/README.md", true},
    {"**/README.md", "README.md", false},
    {"release-v*", "release-v1.2", true},
    {"release-v*", "release-v1/x", false},
    {"main*", "main", true},
    {"main*", "mainline", true},
    {"feature/**", "feature/x/y", true},
    {"feature/**", "feature", false},
    {"?", "a", true},
    {"?", "/", false},
    {"?", "", false},
    {"?", "ab", false},
    {"[abc]", "b", true},
    {"[abc]", "d", false},
    {"[a-c]x", "bx", true},
    {"[a-c]x", "dx", false},
    {"[!a-c]", "d", true},
    {"[!a-c]", "a", false},
    {"[!a-c]", "/", false},
    {"[^a]", "^", true},
    {"[^a]", "a", true},
    {"[^a]", "b", false},
    {"[-a]", "-", true},
    {"[a-]", "-", true},
    {"[a-]", "a", true},
    {"[*?\\]", "\\", true},
    {"[*?\\]", "*", true},
    {"v[0-9].[0-9]", "v1.2", true},
    {"v[0-9].[0-9]", "v1.x", false},
    {"{a,b}c", "ac", true},
    {"{a,b}c", "bc", true},
    {"{a,b}c", "cc", false},
    {"{,x}y", "y", true},
    {"{,x}y", "xy", true},
    {"{a,b*}", "bzz", true},
    {"{a,b*}", "b/z", false},
    {"{src,lib}/**/*.{c,h}", "lib/x/y.h", true},
    {"{src,lib}/**/*.{c,h}", "lib/x/y.o", false},
    {"a\\*b", "a*b", true},
    {"a\\*b", "axb", false},
    {"a}", "a}", true},
    {"a,b", "a,b", true},
    {"", "", true},
    {"", "x", false},
    {"caf?", "caf\xc3\xa9", true},
    {"[\xc3\xa9]", "\xc3\xa9", true},
    {"?", "\xe2\x82\xac", true},
    {"*a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
    {"**a**a**a**a**a**b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/b", true},
};

static void test_matching(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        model_glob *glob = NULL;
        char err[160] = "";
        int rc = model_glob_compile(cases[i].pattern, &glob, err, sizeof(err));
        CHECK_INT_EQ(rc, SLUICE_OK);
        if (rc != SLUICE_OK) {
            fprintf(stderr, "  pattern \"%s\": %s\n", cases[i].pattern, err);
            continue;
        }
        bool got = model_glob_match(glob, cases[i].text);
        if (got != cases[i].match) {
            fprintf(stderr, "  \"%s\" ~ \"%s\": got %d\n", cases[i].pattern, cases[i].text, got);
        }
        CHECK(got == cases[i].match);
        model_glob_free(glob);
    }
}

typedef struct glob_error_case {
    const char *pattern;
    const char *message;
} glob_error_case;

static const glob_error_case errors[] = {
    {"\\", "no character to escape at character 1"},
    {"{a,{b}}", "cannot nest groups at character 4"},
    {"{a", "missing \"}\""},
    {"main/[a", "missing \"]\""},
    {"[]", "empty character class"},
    {"[!]", "empty character class"},
    {"[b-a]", "invalid range"},
    {"[a-c-e]", "invalid range"},
    {"[a/b]", "explicit \"/\""},
    {"[a-", "missing \"]\""},
};

static void test_syntax_errors(void)
{
    for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
        model_glob *glob = (model_glob *)&glob;
        char err[160] = "";
        CHECK_INT_EQ(model_glob_compile(errors[i].pattern, &glob, err, sizeof(err)), SLUICE_EINVAL);
        CHECK(glob == NULL);
        CHECK_STR_CONTAINS(err, errors[i].message);
    }
    CHECK(!model_glob_match_once("[", "["));
    CHECK(model_glob_match_once("a*", "abc"));
}

static void test_bounds(void)
{
    char *big = malloc(MODEL_GLOB_MAX_PATTERN + 2);
    char *text = malloc(100001);
    model_glob *glob = NULL;
    REQUIRE(big != NULL && text != NULL);
    memset(big, '*', MODEL_GLOB_MAX_PATTERN + 1);
    big[MODEL_GLOB_MAX_PATTERN + 1] = '\0';
    CHECK_INT_EQ(model_glob_compile(big, &glob, NULL, 0), SLUICE_ETOOBIG);
    /* The largest pattern, all "{?,*}" groups, against a long text: linear, no blow-up. */
    for (size_t i = 0; i + 5 <= MODEL_GLOB_MAX_PATTERN; i += 5) {
        memcpy(big + i, "{?,*}", 5);
        big[i + 5] = '\0';
    }
    memset(text, 'x', 100000);
    text[100000] = '\0';
    CHECK_INT_EQ(model_glob_compile(big, &glob, NULL, 0), SLUICE_OK);
    CHECK(model_glob_match(glob, text));
    text[50000] = '/';
    CHECK(!model_glob_match(glob, text));
    model_glob_free(glob);
    model_glob_free(NULL);
    free(big);
    free(text);
}

int main(void)
{
    RUN_TEST(test_matching);
    RUN_TEST(test_syntax_errors);
    RUN_TEST(test_bounds);
    return sluice_test_report();
}
