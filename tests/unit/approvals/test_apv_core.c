/*
 * Unit tests of sluice-approvals' pure core (apv_core): escaping, form and
 * cookie parsing, signed links (tampered, expired, for another approval),
 * CSRF tokens, records from approval jobs, vote checks, and the pages.
 */
#include "apv_core.h"
#include "apv_intake.h"

#include "sluice/error.h"
#include "sluice_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const unsigned char KEY[32] = "0123456789abcdef0123456789abcdef";
#define ID  "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"
#define ID2 "6a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"

static void test_escape(void)
{
    sluice_buf out;
    sluice_buf_init(&out, 1024);
    CHECK_INT_EQ(apv_core_html_escape(&out, "<a href=\"x\">'&'</a>"), 0);
    CHECK_STR_EQ(sluice_buf_cstr(&out), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    sluice_buf_free(&out);
}

static void test_form(void)
{
    static apv_form form;
    char err[256];
    const char *body = "status=Approved&comment=ship+it%21%20now&csrf=abc&empty=&flag";
    REQUIRE(apv_core_form_parse(body, strlen(body), &form, err, sizeof err) == 0);
    CHECK_INT_EQ(form.count, 5);
    CHECK_STR_EQ(apv_core_form_get(&form, "comment"), "ship it! now");
    CHECK_STR_EQ(apv_core_form_get(&form, "empty"), "");
    CHECK_STR_EQ(apv_core_form_get(&form, "flag"), "");
    CHECK(apv_core_form_get(&form, "missing") == NULL);
    CHECK_INT_EQ(apv_core_form_parse("a=%zz", 5, &form, err, sizeof err), SLUICE_EPARSE);
    CHECK_STR_CONTAINS(err, "form field 1");
    CHECK_INT_EQ(apv_core_form_parse("a=%00", 5, &form, err, sizeof err), SLUICE_EPARSE);
    CHECK_INT_EQ(apv_core_form_parse("a=1&a=2", 7, &form, err, sizeof err), SLUICE_EPARSE);
    CHECK_STR_CONTAINS(err, "form field 2: a name twice");
    char many[512] = "";
    for (int i = 0; i < APV_FORM_MAX_FIELDS + 1; i++) {
        char part[16];
        snprintf(part, sizeof part, "f%d=1&", i);
        strncat(many, part, sizeof many - strlen(many) - 1);
    }
    CHECK_INT_EQ(apv_core_form_parse(many, strlen(many), &form, err, sizeof err), SLUICE_ETOOBIG);
    char *big = malloc(APV_FORM_VALUE_MAX + 8);
    memset(big, 'x', APV_FORM_VALUE_MAX + 7);
    memcpy(big, "a=", 2);
    big[APV_FORM_VALUE_MAX + 7] = '\0';
    CHECK_INT_EQ(apv_core_form_parse(big, strlen(big), &form, err, sizeof err), SLUICE_ETOOBIG);
    free(big);
}

static void test_cookie(void)
{
    char out[80];
    CHECK(apv_core_cookie("a=1; sid=abc ; b=2", "sid", out, sizeof out));
    CHECK_STR_EQ(out, "abc");
    CHECK(!apv_core_cookie("xsid=abc", "sid", out, sizeof out));
    CHECK(!apv_core_cookie(NULL, "sid", out, sizeof out));
    CHECK(!apv_core_cookie("sid=0123456789", "sid", out, 4));
    CHECK_STR_EQ(out, "");
}

static void test_basic(void)
{
    char key[32];
    char secret[32];
    /* "AKID:se:cret" */
    CHECK(apv_core_basic("Basic QUtJRDpzZTpjcmV0", key, sizeof key, secret, sizeof secret));
    CHECK_STR_EQ(key, "AKID");
    CHECK_STR_EQ(secret, "se:cret");
    CHECK(!apv_core_basic("Bearer QUtJRDpzZTpjcmV0", key, sizeof key, secret, sizeof secret));
    CHECK(!apv_core_basic("Basic !!!!", key, sizeof key, secret, sizeof secret));
    CHECK(!apv_core_basic("Basic QUtJRA==", key, sizeof key, secret, sizeof secret)); /* no ':' */
    CHECK(!apv_core_basic("Basic OnNlY3JldA==", key, sizeof key, secret,
                          sizeof secret)); /* ":secret" */
    CHECK(!apv_core_basic(NULL, key, sizeof key, secret, sizeof secret));
    CHECK(!apv_core_basic("Basic QUtJRDpzZTpjcmV0", key, 4, secret, sizeof secret)); /* too long */
    CHECK_STR_EQ(key, "");
    CHECK_STR_EQ(secret, "");
}

static void test_links(void)
{
    char token[APV_LINK_MAX + 1];
    char who[APV_IDENTITY_MAX + 1];
    REQUIRE(sluice_approval_link_make(KEY, sizeof KEY, ID, "alice", 2000, token, sizeof token) ==
            0);
    CHECK_INT_EQ(sluice_approval_link_verify(KEY, sizeof KEY, ID, token, 1999, who), 0);
    CHECK_STR_EQ(who, "alice");
    /* expired */
    CHECK_INT_EQ(sluice_approval_link_verify(KEY, sizeof KEY, ID, token, 2000, who),
                 SLUICE_ETIMEDOUT);
    CHECK_STR_EQ(who, "");
    /* for another approval */
    CHECK_INT_EQ(sluice_approval_link_verify(KEY, sizeof KEY, ID2, token, 1000, who),
                 SLUICE_EDENIED);
    /* tampered: another approver, a later expiry, one flipped digit of the MAC */
    char forged[APV_LINK_MAX + 1];
    snprintf(forged, sizeof forged, "%.*smallory", (int)(strlen(token) - 5), token);
    CHECK_INT_EQ(sluice_approval_link_verify(KEY, sizeof KEY, ID, forged, 1000, who),
                 SLUICE_EDENIED);
    snprintf(forged, sizeof forged, "9%s", token);
    CHECK_INT_EQ(sluice_approval_link_verify(KEY, sizeof KEY, ID, forged, 1000, who),
                 SLUICE_EDENIED);
    snprintf(forged, sizeof forged, "%s", token);
    forged[6] = forged[6] == 'a' ? 'b' : 'a';
    CHECK_INT_EQ(sluice_approval_link_verify(KEY, sizeof KEY, ID, forged, 1000, who),
                 SLUICE_EDENIED);
    /* another key */
    unsigned char other[32];
    memcpy(other, KEY, sizeof other);
    other[0] ^= 1;
    CHECK_INT_EQ(sluice_approval_link_verify(other, sizeof other, ID, token, 1000, who),
                 SLUICE_EDENIED);
    /* not a link */
    CHECK_INT_EQ(sluice_approval_link_verify(KEY, sizeof KEY, ID, "nonsense", 1000, who),
                 SLUICE_EPARSE);
    CHECK_INT_EQ(sluice_approval_link_verify(KEY, sizeof KEY, ID, "", 1000, who), SLUICE_EPARSE);
    CHECK_INT_EQ(sluice_approval_link_verify(KEY, sizeof KEY, ID, "1.2.alice", 1000, who),
                 SLUICE_EPARSE);
    CHECK_INT_EQ(sluice_approval_link_make(KEY, 8, ID, "alice", 2000, token, sizeof token),
                 SLUICE_EINVAL);
    CHECK_INT_EQ(
        sluice_approval_link_make(KEY, sizeof KEY, "nope", "alice", 2000, token, sizeof token),
        SLUICE_EINVAL);
    CHECK_INT_EQ(
        sluice_approval_link_make(KEY, sizeof KEY, ID, "bad name", 2000, token, sizeof token),
        SLUICE_EINVAL);
}

/* The link's URL (approver characters escaped) and the key file reader (approval_link.h). */
static void test_link_url_and_key(void)
{
    char url[SLUICE_APPROVAL_URL_MAX];
    CHECK_INT_EQ(sluice_approval_link_url("https://approve.example//", ID, "12.ab.a+b=c,d@e", url,
                                          sizeof url),
                 0);
    CHECK_STR_EQ(url, "https://approve.example/approvals/" ID "?link=12.ab.a%2Bb%3Dc%2Cd%40e");
    char small[40];
    CHECK_INT_EQ(
        sluice_approval_link_url("https://approve.example", ID, "12.ab.alice", small, sizeof small),
        SLUICE_ETOOBIG);
    CHECK_STR_EQ(small, "");

    char dir[] = "/tmp/apv-key-XXXXXX";
    REQUIRE(mkdtemp(dir) != NULL);
    char path[128];
    snprintf(path, sizeof path, "%s/key", dir);
    unsigned char key[SLUICE_APPROVAL_KEY_MAX];
    size_t keylen = 0;
    char err[512];
    FILE *f = fopen(path, "w");
    REQUIRE(f != NULL);
    fprintf(f, "%s\n", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
    fclose(f);
    REQUIRE(chmod(path, 0600) == 0);
    CHECK_INT_EQ(sluice_approval_link_key_read(path, key, &keylen, err, sizeof err), 0);
    CHECK_INT_EQ(keylen, 32);
    CHECK(key[1] == 0x11 && key[31] == 0xff);
    f = fopen(path, "w");
    REQUIRE(f != NULL);
    fprintf(f, "abcd\n"); /* too short */
    fclose(f);
    CHECK_INT_EQ(sluice_approval_link_key_read(path, key, &keylen, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "64..256 hex digits");
    CHECK(strstr(err, "abcd") == NULL);
    REQUIRE(chmod(path, 0644) == 0); /* readable by others: refused */
    CHECK(sluice_approval_link_key_read(path, key, &keylen, err, sizeof err) != 0);
    unlink(path);
    rmdir(dir);
}

static void test_csrf(void)
{
    char a[APV_CSRF_LEN + 1];
    char b[APV_CSRF_LEN + 1];
    apv_core_csrf(KEY, sizeof KEY, "session:1", a);
    apv_core_csrf(KEY, sizeof KEY, "session:2", b);
    CHECK_INT_EQ(strlen(a), APV_CSRF_LEN);
    CHECK(strcmp(a, b) != 0);
    CHECK(apv_core_csrf_check(KEY, sizeof KEY, "session:1", a));
    CHECK(!apv_core_csrf_check(KEY, sizeof KEY, "session:2", a));
    CHECK(!apv_core_csrf_check(KEY, sizeof KEY, "session:1", NULL));
    CHECK(!apv_core_csrf_check(KEY, sizeof KEY, "session:1", "abc"));
    CHECK(!apv_core_csrf_check(KEY, sizeof KEY, "", a));
}

static json_t *job(const char *provider)
{
    return json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s}, s:{s:s, s:s, "
                     "s:s}, s:s, s:s, s:{s:s, s:s}}",
                     "actionExecutionId", ID, "pipeline", "web", "pipelineVersion", 3,
                     "pipelineExecutionId", "exec-1", "stage", "Release", "action", "Gate", "token",
                     "tok-1", "actionTypeId", "category", "Approval", "owner", "AWS", "provider",
                     provider, "version", "1", "configuration", "CustomData", "Ship <b>it</b>?",
                     "ExternalEntityLink", "javascript:alert(1)", "SluiceApprovers",
                     "alice, group:release", "expires", "2026-03-02T10:00:00Z", "jobId", "j",
                     "sourceRevision", "revisionType", "COMMIT_ID", "revisionValue", "abc123");
}

static void test_record(void)
{
    char err[256];
    json_t *j = job("Manual");
    json_t *r = apv_core_record_from_job(j, 1000, err, sizeof err);
    REQUIRE(r != NULL);
    CHECK_STR_EQ(json_string_value(json_object_get(r, "id")), ID);
    CHECK_STR_EQ(json_string_value(json_object_get(r, "token")), "tok-1");
    CHECK_STR_EQ(json_string_value(json_object_get(r, "sourceRevision")), "abc123");
    CHECK_STR_EQ(json_string_value(json_object_get(r, "state")), APV_STATE_WAITING);
    int64_t expires = json_integer_value(json_object_get(r, "expires"));
    CHECK(expires == 1772445600000LL);
    CHECK_STR_EQ(apv_core_record_state(r, expires - 1), APV_STATE_WAITING);
    CHECK_STR_EQ(apv_core_record_state(r, expires), APV_STATE_WITHDRAWN);

    json_t *needed = apv_intake_needed_detail(r, "https://approve.example/");
    CHECK_STR_EQ(json_string_value(json_object_get(needed, "approval-url")),
                 "https://approve.example/approvals/" ID);
    CHECK_INT_EQ(json_array_size(json_object_get(needed, "approvers")), 2);
    CHECK_STR_EQ(json_string_value(json_array_get(json_object_get(needed, "approvers"), 1)),
                 "group:release");
    CHECK(json_object_get(needed, "token") == NULL);
    char *text = json_dumps(needed, 0);
    CHECK(strstr(text, "tok-1") == NULL); /* no secret in the event */
    free(text);
    json_decref(needed);

    /* votes */
    char msg[256];
    CHECK(apv_core_vote_check(r, "alice", "Approved", "ok", 1000, msg, sizeof msg) == NULL);
    CHECK_STR_EQ(apv_core_vote_check(r, "alice", "Maybe", "", 1000, msg, sizeof msg),
                 APV_EXC_VALIDATION);
    CHECK_STR_EQ(apv_core_vote_check(r, "alice", "Approved", "", expires, msg, sizeof msg),
                 APV_EXC_COMPLETED);
    json_array_append_new(json_object_get(r, "votes"),
                          json_pack("{s:s, s:s}", "identity", "alice", "status", "Approved"));
    CHECK_STR_EQ(apv_core_vote_check(r, "alice", "Rejected", "", 1000, msg, sizeof msg),
                 APV_EXC_COMPLETED);
    CHECK_STR_CONTAINS(msg, "already voted");
    CHECK(apv_core_vote_check(r, "bob", "Rejected", "", 1000, msg, sizeof msg) == NULL);
    json_object_set_new(r, "state", json_string(APV_STATE_APPROVED));
    CHECK_STR_EQ(apv_core_vote_check(r, "bob", "Rejected", "", 1000, msg, sizeof msg),
                 APV_EXC_COMPLETED);
    json_decref(r);
    json_decref(j);

    /* not an approval; malformed */
    j = job("Other");
    CHECK(apv_core_record_from_job(j, 1000, err, sizeof err) == NULL);
    CHECK_STR_EQ(err, "");
    json_decref(j);
    j = job("Manual");
    json_object_set_new(j, "token", json_integer(1));
    CHECK(apv_core_record_from_job(j, 1000, err, sizeof err) == NULL);
    CHECK_STR_CONTAINS(err, "token");
    json_decref(j);
}

static void test_page(void)
{
    char err[256];
    json_t *j = job("Manual");
    json_t *r = apv_core_record_from_job(j, 1000, err, sizeof err);
    json_array_append_new(json_object_get(r, "votes"),
                          json_pack("{s:s, s:s, s:s}", "identity", "bob", "status", "Approved",
                                    "comment", "<script>x</script>"));
    sluice_buf out;
    sluice_buf_init(&out, 65536);
    apv_core_view view = {.identity = "alice", .csrf = "c5rf", .link = "1.2.alice", .now_ms = 1000};
    REQUIRE(apv_core_page(&out, r, &view) == 0);
    const char *html = sluice_buf_cstr(&out);
    CHECK_STR_CONTAINS(html, "Ship &lt;b&gt;it&lt;/b&gt;?");
    CHECK_STR_CONTAINS(html, "&lt;script&gt;x&lt;/script&gt;");
    CHECK(strstr(html, "href=\"javascript") == NULL); /* not a web link: text only */
    CHECK_STR_CONTAINS(html, "name=\"csrf\" value=\"c5rf\"");
    CHECK_STR_CONTAINS(html, "name=\"link\" value=\"1.2.alice\"");
    CHECK_STR_CONTAINS(html, "id=\"approve\"");
    CHECK_STR_CONTAINS(html, "viewport");
    CHECK(strstr(html, "tok-1") == NULL); /* the token is never on the page */
    CHECK(strstr(html, "src=") == NULL);  /* no external assets */

    sluice_buf_reset(&out);
    json_object_set_new(r, "state", json_string(APV_STATE_WITHDRAWN));
    REQUIRE(apv_core_page(&out, r, &view) == 0);
    CHECK_STR_CONTAINS(sluice_buf_cstr(&out), "no longer waiting");
    CHECK(strstr(sluice_buf_cstr(&out), "id=\"approve\"") == NULL);

    sluice_buf_reset(&out);
    REQUIRE(apv_core_signin(&out, ID, "tok", "wrong <key>") == 0);
    CHECK_STR_CONTAINS(sluice_buf_cstr(&out), "wrong &lt;key&gt;");
    CHECK_STR_CONTAINS(sluice_buf_cstr(&out), "/approvals/" ID "/signin");
    sluice_buf_free(&out);
    json_decref(r);
    json_decref(j);
}

/* Source revisions: kept bounded (a long message cut visibly), shown escaped, in the JSON view. */
static void test_revisions(void)
{
    char err[256];
    json_t *j = job("Manual");
    char long_msg[3000];
    memset(long_msg, 'x', sizeof long_msg - 1);
    long_msg[sizeof long_msg - 1] = '\0';
    memcpy(long_msg + APV_REVISION_SUMMARY_MAX - 40, "\xc3\xa9", 2); /* a character near the cut */
    json_t *revs = json_array();
    json_array_append_new(revs, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "actionName", "Src",
                                          "name", "SrcOut", "revisionId", "abc123",
                                          "revisionSummary", "Fix <b>login</b>\n\nlong body",
                                          "revisionUrl", "https://git.example/c/abc123", "created",
                                          "2026-03-02T09:00:00Z"));
    json_array_append_new(revs, json_pack("{s:s, s:s, s:s, s:s}", "actionName", "Lib", "revisionId",
                                          "def456", "revisionSummary", long_msg, "revisionUrl",
                                          "javascript:alert(1)"));
    json_array_append_new(revs, json_pack("{s:s}", "revisionSummary", "no id: left out"));
    for (int i = 0; i < 20; i++) {
        json_array_append_new(revs, json_pack("{s:s}", "revisionId", "more"));
    }
    json_object_set_new(j, "artifactRevisions", revs);
    json_t *r = apv_core_record_from_job(j, 1000, err, sizeof err);
    REQUIRE(r != NULL);
    const json_t *kept = json_object_get(r, "artifactRevisions");
    CHECK_INT_EQ(json_array_size(kept), APV_REVISIONS_MAX);
    const json_t *first = json_array_get(kept, 0);
    CHECK_STR_EQ(json_string_value(json_object_get(first, "revisionSummary")),
                 "Fix <b>login</b>\n\nlong body");
    const char *cut =
        json_string_value(json_object_get(json_array_get(kept, 1), "revisionSummary"));
    REQUIRE(cut != NULL);
    CHECK(strlen(cut) <= APV_REVISION_SUMMARY_MAX);
    CHECK_STR_CONTAINS(cut, "\xc3\xa9");
    CHECK(strcmp(cut + strlen(cut) - strlen(APV_CUT_MARKER), APV_CUT_MARKER) == 0);

    sluice_buf out;
    sluice_buf_init(&out, 65536);
    apv_core_view view = {.identity = "alice", .csrf = "c5rf", .session = true, .now_ms = 1000};
    REQUIRE(apv_core_page(&out, r, &view) == 0);
    const char *html = sluice_buf_cstr(&out);
    CHECK_STR_CONTAINS(html, "Source revisions");
    CHECK_STR_CONTAINS(html, "<pre class=\"msg\">Fix &lt;b&gt;login&lt;/b&gt;\n\nlong body</pre>");
    CHECK_STR_CONTAINS(html, "href=\"https://git.example/c/abc123\"><code>abc123</code>");
    CHECK_STR_CONTAINS(html, "<code>def456</code>");
    CHECK(strstr(html, "href=\"javascript") == NULL);
    CHECK_STR_CONTAINS(html, "[message cut]");
    CHECK_STR_CONTAINS(html, "action=\"/approvals/sign-out\""); /* signed in: a sign-out form */
    sluice_buf_reset(&out);
    view.session = false;
    view.link = "1.2.alice";
    REQUIRE(apv_core_page(&out, r, &view) == 0);
    CHECK(strstr(sluice_buf_cstr(&out), "sign-out") == NULL); /* a link: nothing to sign out of */
    sluice_buf_free(&out);

    /* messages that escape to six bytes a character: the record's bound leaves the rest out */
    char controls[APV_REVISION_SUMMARY_MAX + 1];
    memset(controls, 0x01, sizeof controls - 1);
    controls[sizeof controls - 1] = '\0';
    json_t *noisy = json_array();
    for (int i = 0; i < APV_REVISIONS_MAX; i++) {
        json_array_append_new(
            noisy, json_pack("{s:s, s:s}", "revisionId", "r", "revisionSummary", controls));
    }
    json_t *j2 = job("Manual");
    json_object_set_new(j2, "artifactRevisions", noisy);
    json_t *r2 = apv_core_record_from_job(j2, 1000, err, sizeof err);
    REQUIRE(r2 != NULL);
    const json_t *some = json_object_get(r2, "artifactRevisions");
    CHECK(json_array_size(some) >= 1 && json_array_size(some) < APV_REVISIONS_MAX);
    CHECK(json_dumpb(some, NULL, 0, JSON_COMPACT) <= APV_REVISIONS_BYTES_MAX);
    json_decref(r2);
    json_decref(j2);

    json_t *pub = apv_core_record_public(r, 1000);
    CHECK(json_object_get(pub, "token") == NULL);
    CHECK_STR_EQ(json_string_value(json_object_get(pub, "state")), APV_STATE_WAITING);
    CHECK_STR_EQ(json_string_value(json_object_get(pub, "deadline")), "2026-03-02T10:00:00Z");
    CHECK_STR_EQ(json_string_value(json_object_get(
                     json_array_get(json_object_get(pub, "artifactRevisions"), 0), "revisionId")),
                 "abc123");
    char *text = json_dumps(pub, 0);
    CHECK(strstr(text, "tok-1") == NULL);
    free(text);
    json_decref(pub);
    json_decref(r);
    json_decref(j);
}

int main(void)
{
    RUN_TEST(test_escape);
    RUN_TEST(test_form);
    RUN_TEST(test_cookie);
    RUN_TEST(test_basic);
    RUN_TEST(test_links);
    RUN_TEST(test_link_url_and_key);
    RUN_TEST(test_csrf);
    RUN_TEST(test_record);
    RUN_TEST(test_page);
    RUN_TEST(test_revisions);
    return sluice_test_report();
}
