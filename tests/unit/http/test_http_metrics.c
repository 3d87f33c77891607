/* Unit tests of sluice/http_metrics.h: declarations, updates, bounds and Prometheus text. */
#include "sluice/error.h"
#include "sluice/http_metrics.h"
#include "sluice_test.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

static char *render(http_metrics *metrics)
{
    sluice_buf out;
    sluice_buf_init(&out, 1 << 20);
    if (http_metrics_render(metrics, &out) != SLUICE_OK) {
        sluice_buf_free(&out);
        return NULL;
    }
    sluice_buf_append(&out, "", 0);
    return sluice_buf_steal(&out);
}

static void test_counter_and_gauge_text(void)
{
    http_metrics *metrics = http_metrics_new();
    REQUIRE(metrics != NULL);
    const char *labels[] = {"op", "status"};
    http_metrics_family *requests = http_metrics_counter(
        metrics, "sluice_api_requests_total", "API requests by operation and status", labels, 2);
    http_metrics_family *inflight =
        http_metrics_gauge(metrics, "sluice_api_inflight", "Requests in progress", NULL, 0);
    REQUIRE(requests != NULL && inflight != NULL);
    const char *list_ok[] = {"ListPipelines", "200"};
    CHECK_INT_EQ(http_metrics_inc(requests, list_ok, 1), SLUICE_OK);
    CHECK_INT_EQ(http_metrics_inc(requests, list_ok, 2), SLUICE_OK);
    CHECK_INT_EQ(http_metrics_inc(requests, (const char *[]){"GetPipeline", "400"}, 1), SLUICE_OK);
    CHECK_INT_EQ(http_metrics_set(inflight, NULL, 3), SLUICE_OK);
    CHECK_INT_EQ(http_metrics_set(inflight, NULL, -1.5), SLUICE_OK);

    char *text = render(metrics);
    CHECK_STR_EQ(text, "# HELP sluice_api_requests_total API requests by operation and status\n"
                       "# TYPE sluice_api_requests_total counter\n"
                       "sluice_api_requests_total{op=\"ListPipelines\",status=\"200\"} 3\n"
                       "sluice_api_requests_total{op=\"GetPipeline\",status=\"400\"} 1\n"
                       "# HELP sluice_api_inflight Requests in progress\n"
                       "# TYPE sluice_api_inflight gauge\n"
                       "sluice_api_inflight -1.5\n");
    free(text);
    http_metrics_free(metrics);
}

static void test_histogram_text(void)
{
    http_metrics *metrics = http_metrics_new();
    const char *labels[] = {"op"};
    const double buckets[] = {0.01, 0.1, 1};
    http_metrics_family *latency = http_metrics_histogram(
        metrics, "sluice_api_request_duration_seconds", "Latency", labels, 1, buckets, 3);
    REQUIRE(latency != NULL);
    const char *op[] = {"ListPipelines"};
    CHECK_INT_EQ(http_metrics_observe(latency, op, 0.005), SLUICE_OK);
    CHECK_INT_EQ(http_metrics_observe(latency, op, 0.01), SLUICE_OK); /* le is inclusive */
    CHECK_INT_EQ(http_metrics_observe(latency, op, 0.5), SLUICE_OK);
    CHECK_INT_EQ(http_metrics_observe(latency, op, 7), SLUICE_OK);
    char *text = render(metrics);
    CHECK_STR_EQ(text,
                 "# HELP sluice_api_request_duration_seconds Latency\n"
                 "# TYPE sluice_api_request_duration_seconds histogram\n"
                 "sluice_api_request_duration_seconds_bucket{op=\"ListPipelines\",le=\"0.01\"} 2\n"
                 "sluice_api_request_duration_seconds_bucket{op=\"ListPipelines\",le=\"0.1\"} 2\n"
                 "sluice_api_request_duration_seconds_bucket{op=\"ListPipelines\",le=\"1\"} 3\n"
                 "sluice_api_request_duration_seconds_bucket{op=\"ListPipelines\",le=\"+Inf\"} 4\n"
                 "sluice_api_request_duration_seconds_sum{op=\"ListPipelines\"} 7.515\n"
                 "sluice_api_request_duration_seconds_count{op=\"ListPipelines\"} 4\n");
    free(text);

    /* default latency buckets, no labels */
    http_metrics_family *plain =
        http_metrics_histogram(metrics, "sluice_plain_seconds", "Plain", NULL, 0, NULL, 0);
    REQUIRE(plain != NULL);
    CHECK_INT_EQ(http_metrics_observe(plain, NULL, 0.003), SLUICE_OK);
    text = render(metrics);
    CHECK_STR_CONTAINS(text, "sluice_plain_seconds_bucket{le=\"0.0025\"} 0\n"
                             "sluice_plain_seconds_bucket{le=\"0.005\"} 1\n");
    CHECK_STR_CONTAINS(text, "sluice_plain_seconds_bucket{le=\"10\"} 1\n"
                             "sluice_plain_seconds_bucket{le=\"+Inf\"} 1\n"
                             "sluice_plain_seconds_sum 0.003\n"
                             "sluice_plain_seconds_count 1\n");
    free(text);
    http_metrics_free(metrics);
}

static void test_escaping(void)
{
    http_metrics *metrics = http_metrics_new();
    const char *labels[] = {"path"};
    http_metrics_family *family =
        http_metrics_counter(metrics, "odd_total", "Help with \\ and\nnewline", labels, 1);
    /* a newline in help is refused; declare with a clean help */
    CHECK(family == NULL);
    family = http_metrics_counter(metrics, "odd_total", "Help with \\ backslash", labels, 1);
    REQUIRE(family != NULL);
    CHECK_INT_EQ(http_metrics_inc(family, (const char *[]){"a\"b\\c\nd"}, 1), SLUICE_OK);
    char *text = render(metrics);
    CHECK_STR_CONTAINS(text, "# HELP odd_total Help with \\\\ backslash\n");
    CHECK_STR_CONTAINS(text, "odd_total{path=\"a\\\"b\\\\c\\nd\"} 1\n");
    free(text);
    http_metrics_free(metrics);
}

static void test_declaration_rules(void)
{
    http_metrics *metrics = http_metrics_new();
    const char *labels[] = {"op"};
    const char *other[] = {"status"};
    http_metrics_family *a = http_metrics_counter(metrics, "x_total", "X", labels, 1);
    REQUIRE(a != NULL);
    CHECK(http_metrics_counter(metrics, "x_total", "X again", labels, 1) == a);
    CHECK(http_metrics_counter(metrics, "x_total", "X", other, 1) == NULL);
    CHECK(http_metrics_gauge(metrics, "x_total", "X", labels, 1) == NULL);
    CHECK(http_metrics_counter(metrics, "9starts_with_digit", "X", NULL, 0) == NULL);
    CHECK(http_metrics_counter(metrics, "has-dash", "X", NULL, 0) == NULL);
    CHECK(http_metrics_counter(metrics, "", "X", NULL, 0) == NULL);
    CHECK(http_metrics_counter(metrics, "ns:ok_total", "X", NULL, 0) != NULL);
    CHECK(http_metrics_counter(metrics, "y_total", "X", (const char *[]){"a:b"}, 1) == NULL);
    CHECK(http_metrics_counter(metrics, "y_total", "X", (const char *[]){"__reserved"}, 1) == NULL);
    CHECK(http_metrics_counter(metrics, "y_total", "X", (const char *[]){"a", "a"}, 2) == NULL);
    CHECK(http_metrics_histogram(metrics, "h", "H", (const char *[]){"le"}, 1, NULL, 0) == NULL);
    CHECK(http_metrics_histogram(metrics, "h", "H", NULL, 0, (const double[]){1, 1}, 2) == NULL);
    CHECK(http_metrics_histogram(metrics, "h", "H", NULL, 0, (const double[]){2, 1}, 2) == NULL);
    CHECK(http_metrics_histogram(metrics, "h", "H", NULL, 0, (const double[]){INFINITY}, 1) ==
          NULL);

    /* updates of the wrong kind or with bad values change nothing */
    CHECK_INT_EQ(http_metrics_set(a, (const char *[]){"op"}, 1), SLUICE_EINVAL);
    CHECK_INT_EQ(http_metrics_observe(a, (const char *[]){"op"}, 1), SLUICE_EINVAL);
    CHECK_INT_EQ(http_metrics_inc(a, (const char *[]){"op"}, -1), SLUICE_EINVAL);
    CHECK_INT_EQ(http_metrics_inc(a, (const char *[]){"op"}, NAN), SLUICE_EINVAL);
    CHECK_INT_EQ(http_metrics_inc(a, NULL, 1), SLUICE_EINVAL);
    CHECK_INT_EQ(http_metrics_inc(NULL, NULL, 1), SLUICE_EINVAL);
    char *text = render(metrics);
    CHECK(strstr(text, "x_total{") == NULL);
    free(text);
    http_metrics_free(metrics);
}

static void test_bounds(void)
{
    http_metrics *metrics = http_metrics_new();
    const char *labels[] = {"id"};
    http_metrics_family *family = http_metrics_counter(metrics, "many_total", "M", labels, 1);
    char value[32];
    for (int i = 0; i < HTTP_METRICS_MAX_SERIES; i++) {
        snprintf(value, sizeof value, "v%d", i);
        CHECK_INT_EQ(http_metrics_inc(family, (const char *[]){value}, 1), SLUICE_OK);
    }
    CHECK_INT_EQ(http_metrics_inc(family, (const char *[]){"one-more"}, 1), SLUICE_ETOOBIG);
    CHECK_INT_EQ(http_metrics_inc(family, (const char *[]){"v7"}, 1), SLUICE_OK);

    char long_value[HTTP_METRICS_VALUE_MAX + 2];
    memset(long_value, 'x', sizeof long_value - 1);
    long_value[sizeof long_value - 1] = '\0';
    http_metrics_family *other = http_metrics_counter(metrics, "other_total", "O", labels, 1);
    CHECK_INT_EQ(http_metrics_inc(other, (const char *[]){long_value}, 1), SLUICE_EINVAL);

    for (int i = 2; i < HTTP_METRICS_MAX_FAMILIES; i++) {
        snprintf(value, sizeof value, "family_%d", i);
        CHECK(http_metrics_gauge(metrics, value, "F", NULL, 0) != NULL);
    }
    CHECK(http_metrics_gauge(metrics, "one_family_too_many", "F", NULL, 0) == NULL);

    sluice_buf small;
    sluice_buf_init(&small, 100);
    CHECK_INT_EQ(http_metrics_render(metrics, &small), SLUICE_ETOOBIG);
    sluice_buf_free(&small);
    http_metrics_free(metrics);
}

typedef struct worker_arg {
    http_metrics_family *counter;
    http_metrics_family *histogram;
} worker_arg;

static void *worker(void *arg)
{
    worker_arg *w = arg;
    const char *values[] = {"same"};
    for (int i = 0; i < 10000; i++) {
        http_metrics_inc(w->counter, values, 1);
        http_metrics_observe(w->histogram, values, 0.002);
    }
    return NULL;
}

static void test_concurrent_updates(void)
{
    http_metrics *metrics = http_metrics_new();
    const char *labels[] = {"k"};
    worker_arg arg = {
        .counter = http_metrics_counter(metrics, "c_total", "C", labels, 1),
        .histogram = http_metrics_histogram(metrics, "h_seconds", "H", labels, 1, NULL, 0),
    };
    pthread_t threads[4];
    for (int i = 0; i < 4; i++) {
        pthread_create(&threads[i], NULL, worker, &arg);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
    }
    char *text = render(metrics);
    CHECK_STR_CONTAINS(text, "c_total{k=\"same\"} 40000\n");
    CHECK_STR_CONTAINS(text, "h_seconds_count{k=\"same\"} 40000\n");
    free(text);
    http_metrics_free(metrics);
}

static void test_handler(void)
{
    http_metrics *metrics = http_metrics_new();
    http_metrics_family *up = http_metrics_gauge(metrics, "sluice_up", "Up", NULL, 0);
    http_metrics_set(up, NULL, 1);
    http_request req = {.method = "GET", .path = "/metrics", .body = ""};
    http_response resp;
    http_response_init(&resp, 4096);
    http_metrics_handler(&req, &resp, metrics);
    CHECK_INT_EQ(resp.status, 200);
    CHECK_STR_EQ(resp.content_type, "text/plain; version=0.0.4; charset=utf-8");
    CHECK_STR_CONTAINS(sluice_buf_cstr(&resp.body), "sluice_up 1\n");
    http_response_free(&resp);

    http_response_init(&resp, 10);
    http_metrics_handler(&req, &resp, metrics);
    CHECK_INT_EQ(resp.status, 500);
    http_response_free(&resp);
    http_metrics_free(metrics);
}

int main(void)
{
    RUN_TEST(test_counter_and_gauge_text);
    RUN_TEST(test_histogram_text);
    RUN_TEST(test_escaping);
    RUN_TEST(test_declaration_rules);
    RUN_TEST(test_bounds);
    RUN_TEST(test_concurrent_updates);
    RUN_TEST(test_handler);
    return sluice_test_report();
}
