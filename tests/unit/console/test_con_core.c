/*
 * Unit tests of sluice-console's pure core (con_core): the role → buttons
 * table (the api's own role table), the operations the console forwards,
 * the session / origin / CSRF decisions (with libs/web's CSRF tokens), the
 * Server-Sent Event text, state-change events reduced for the browser, and
 * Last-Event-ID.
 */
#include "con_core.h"

#include "sluice/error.h"
#include "sluice/protocol_roles.h"
#include "sluice/web_csrf.h"
#include "sluice_test.h"

#include <jansson.h>
#include <string.h>

static const unsigned char KEY[32] = "0123456789abcdef0123456789abcdef";

static void test_buttons(void)
{
    con_core_buttons b;
    con_core_buttons_of("viewer", &b);
    CHECK(!b.start && !b.stop && !b.retry && !b.transition && !b.approve);
    con_core_buttons_of("operator", &b);
    CHECK(b.start && b.stop && b.retry && b.transition && !b.approve);
    con_core_buttons_of("approver", &b);
    CHECK(!b.start && !b.stop && !b.retry && !b.transition && b.approve);
    con_core_buttons_of("worker", &b);
    CHECK(!b.start && !b.stop && !b.retry && !b.transition && !b.approve);
    con_core_buttons_of("admin", &b);
    CHECK(b.start && b.stop && b.retry && b.transition && b.approve);
    con_core_buttons_of("root", &b);
    CHECK(!b.start && !b.approve);
    con_core_buttons_of(NULL, &b);
    CHECK(!b.start && !b.approve);
    /* the buttons follow the one table: an operate button exactly where the role may operate */
    const char *roles[] = {"viewer", "operator", "approver", "worker", "admin"};
    for (size_t i = 0; i < 5; i++) {
        con_core_buttons_of(roles[i], &b);
        CHECK(b.start == protocol_role_allows(roles[i], PROTOCOL_ROLE_OPERATE));
        CHECK(b.approve == protocol_role_allows(roles[i], PROTOCOL_ROLE_APPROVE));
    }
}

static void test_operations(void)
{
    bool changes = true;
    CHECK(con_core_operation("ListPipelines", &changes) && !changes);
    CHECK(con_core_operation("GetPipelineState", &changes) && !changes);
    CHECK(con_core_operation("StartPipelineExecution", &changes) && changes);
    CHECK(con_core_operation("DisableStageTransition", &changes) && changes);
    CHECK(con_core_operation("RetryStageExecution", &changes) && changes);
    CHECK(!con_core_operation("DeletePipeline", &changes) && !changes);
    CHECK(!con_core_operation("PollForJobs", &changes));
    CHECK(!con_core_operation("listpipelines", &changes));
    CHECK(!con_core_operation(NULL, &changes));
}

static con_core_request base(void)
{
    con_core_request r = {.needs_session = true,
                          .has_session = true,
                          .changes_state = true,
                          .origin = "http://127.0.0.1:7077",
                          .public_origin = "http://127.0.0.1:7077",
                          .host = "127.0.0.1:7077",
                          .secure = false,
                          .csrf_required = true,
                          .csrf_ok = true};
    return r;
}

static void test_check(void)
{
    con_core_request r = base();
    CHECK_INT_EQ(con_core_check(&r), CON_CORE_OK);
    r.csrf_ok = false;
    CHECK_INT_EQ(con_core_check(&r), CON_CORE_NO_CSRF);
    CHECK_INT_EQ(con_core_verdict_status(CON_CORE_NO_CSRF), 403);
    r = base();
    r.has_session = false; /* signed out, expired, or a cookie replayed after sign-out */
    CHECK_INT_EQ(con_core_check(&r), CON_CORE_SIGNED_OUT);
    CHECK_INT_EQ(con_core_verdict_status(CON_CORE_SIGNED_OUT), 401);
    r = base();
    r.origin = "http://evil.example";
    CHECK_INT_EQ(con_core_check(&r), CON_CORE_FOREIGN);
    r.host =
        "evil.example"; /* the Host does not make a foreign origin ours over the other scheme */
    r.secure = true;
    CHECK_INT_EQ(con_core_check(&r), CON_CORE_FOREIGN);
    r.secure = false;
    CHECK_INT_EQ(con_core_check(&r), CON_CORE_OK); /* reached by that host name: same origin */
    r = base();
    r.origin = NULL; /* not a browser's cross-site call */
    CHECK_INT_EQ(con_core_check(&r), CON_CORE_OK);
    r = base();
    r.origin = "http://127.0.0.1:7077.evil.example";
    r.host = "127.0.0.1:7077";
    CHECK_INT_EQ(con_core_check(&r), CON_CORE_FOREIGN);
    /* a GET needs a session, no CSRF token, and may come from anywhere (SameSite cookie) */
    r = base();
    r.changes_state = false;
    r.csrf_ok = false;
    r.origin = "http://evil.example";
    CHECK_INT_EQ(con_core_check(&r), CON_CORE_OK);
    /* the sign-in: no session needed, but only from our origin */
    r = base();
    r.needs_session = false;
    r.has_session = false;
    r.csrf_required = false;
    r.csrf_ok = false;
    CHECK_INT_EQ(con_core_check(&r), CON_CORE_OK);
    r.origin = "https://127.0.0.1:7077";
    CHECK_INT_EQ(con_core_check(&r), CON_CORE_FOREIGN);
}

static void test_csrf_tokens(void)
{
    char token[WEB_CSRF_LEN + 1];
    web_csrf_make(KEY, sizeof KEY, CON_CSRF_TAG, "session:abc", token);
    CHECK_INT_EQ(strlen(token), WEB_CSRF_LEN);
    CHECK(web_csrf_check(KEY, sizeof KEY, CON_CSRF_TAG, "session:abc", token));
    CHECK(!web_csrf_check(KEY, sizeof KEY, CON_CSRF_TAG, "session:abd", token));
    CHECK(!web_csrf_check(KEY, sizeof KEY, "sluice-approval-csrf", "session:abc", token));
    CHECK(!web_csrf_check(KEY, sizeof KEY, CON_CSRF_TAG, "session:abc", NULL));
    CHECK(!web_csrf_check(KEY, sizeof KEY, CON_CSRF_TAG, "", token));
    token[3] = token[3] == 'a' ? 'b' : 'a';
    CHECK(!web_csrf_check(KEY, sizeof KEY, CON_CSRF_TAG, "session:abc", token));
}

static void test_sse_frame(void)
{
    sluice_buf out;
    sluice_buf_init(&out, 4096);
    CHECK_INT_EQ(con_core_sse_frame(&out, "7-3", "state", "{\"a\":1}"), 0);
    CHECK_STR_EQ(sluice_buf_cstr(&out), "id: 7-3\nevent: state\ndata: {\"a\":1}\n\n");
    sluice_buf_reset(&out);
    CHECK_INT_EQ(con_core_sse_frame(&out, NULL, "resync", "{}"), 0);
    CHECK_STR_EQ(sluice_buf_cstr(&out), "event: resync\ndata: {}\n\n");
    sluice_buf_reset(&out);
    CHECK_INT_EQ(con_core_sse_frame(&out, NULL, "state", "a\ndata: injected"), SLUICE_EINVAL);
    CHECK_INT_EQ(con_core_sse_frame(&out, "1\r", "state", "{}"), SLUICE_EINVAL);
    CHECK_INT_EQ(out.len, 0);
    sluice_buf_free(&out);
}

static void test_event_data(void)
{
    char pipeline[CON_CORE_PIPELINE_MAX + 1];
    sluice_buf out;
    sluice_buf_init(&out, 65536);
    json_t *detail =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "pipeline", "web-app", "execution-id", "e-1",
                  "stage", "Build", "action", "Compile", "state", "SUCCEEDED", "version", 3);
    CHECK_INT_EQ(con_core_event_data("CodePipeline Action Execution State Change",
                                     "2026-12-03T10:00:00Z", detail, &out, pipeline),
                 0);
    CHECK_STR_EQ(pipeline, "web-app");
    json_t *doc = json_loads(sluice_buf_cstr(&out), 0, NULL);
    CHECK_STR_EQ(json_string_value(json_object_get(doc, "stage")), "Build");
    CHECK_STR_EQ(json_string_value(json_object_get(doc, "action")), "Compile");
    CHECK_STR_EQ(json_string_value(json_object_get(doc, "state")), "SUCCEEDED");
    CHECK_STR_EQ(json_string_value(json_object_get(doc, "executionId")), "e-1");
    CHECK(strchr(sluice_buf_cstr(&out), '\n') == NULL);
    json_decref(doc);
    sluice_buf_reset(&out);
    CHECK_INT_EQ(con_core_event_data("Sluice Action Job", NULL, detail, &out, pipeline),
                 SLUICE_ENOTFOUND);
    json_object_set_new(detail, "stage", json_integer(3));
    CHECK_INT_EQ(con_core_event_data("CodePipeline Stage Execution State Change", NULL, detail,
                                     &out, pipeline),
                 SLUICE_EPARSE);
    json_object_set_new(detail, "stage", json_string("Build"));
    json_object_set_new(detail, "pipeline", json_string("bad name\n"));
    CHECK_INT_EQ(con_core_event_data("CodePipeline Stage Execution State Change", NULL, detail,
                                     &out, pipeline),
                 SLUICE_EPARSE);
    CHECK_STR_EQ(pipeline, "");
    /* a newline in a name stays escaped: one data line */
    json_object_set_new(detail, "pipeline", json_string("p"));
    json_object_set_new(detail, "action", json_string("a\nb"));
    sluice_buf_reset(&out);
    CHECK_INT_EQ(con_core_event_data("CodePipeline Action Execution State Change", NULL, detail,
                                     &out, pipeline),
                 0);
    CHECK(strchr(sluice_buf_cstr(&out), '\n') == NULL);
    json_decref(detail);
    sluice_buf_free(&out);
}

static void test_last_event_id(void)
{
    uint64_t epoch = 0;
    uint64_t seq = 0;
    CHECK(con_core_last_event_id("1733220000000-42", &epoch, &seq));
    CHECK(epoch == 1733220000000ULL && seq == 42);
    CHECK(!con_core_last_event_id("42", &epoch, &seq));
    CHECK(!con_core_last_event_id("-1", &epoch, &seq));
    CHECK(!con_core_last_event_id("1-", &epoch, &seq));
    CHECK(!con_core_last_event_id("1-2-3", &epoch, &seq));
    CHECK(!con_core_last_event_id("1-x", &epoch, &seq));
    CHECK(!con_core_last_event_id("99999999999999999999-1", &epoch, &seq));
    CHECK(!con_core_last_event_id(NULL, &epoch, &seq));
}

static void test_pipeline_names(void)
{
    CHECK(con_core_pipeline_valid("web-app_2.prod@x"));
    CHECK(!con_core_pipeline_valid(""));
    CHECK(!con_core_pipeline_valid("a b"));
    CHECK(!con_core_pipeline_valid(NULL));
    char longname[102];
    memset(longname, 'a', 101);
    longname[101] = '\0';
    CHECK(!con_core_pipeline_valid(longname));
    longname[100] = '\0';
    CHECK(con_core_pipeline_valid(longname));
}

int main(void)
{
    test_buttons();
    test_operations();
    test_check();
    test_csrf_tokens();
    test_sse_frame();
    test_event_data();
    test_last_event_id();
    test_pipeline_names();
    return sluice_test_report();
}
