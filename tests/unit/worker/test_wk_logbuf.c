/*
 * test_wk_logbuf.c — the stored log's text: whole lines only, secret values
 * masked whatever pieces the output arrives in (a piece per byte included),
 * multi-line secrets masked line by line, long lines emitted in pieces
 * without letting a secret through, the bound and its notes, the tail.
 */
#include "wk_logbuf.h"

#include "sluice/error.h"
#include "sluice_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *text(const wk_logbuf *lb)
{
    return lb->text.data != NULL ? lb->text.data : "";
}

static void test_whole_lines_only(void)
{
    wk_logbuf lb;
    wk_logbuf_init(&lb, 1 << 20);
    wk_logbuf_write(&lb, "one\ntw", 6);
    CHECK_STR_EQ(text(&lb), "one\n");
    uint64_t changes = lb.changes;
    wk_logbuf_write(&lb, "o", 1);
    CHECK(lb.changes == changes); /* nothing new to store */
    wk_logbuf_write(&lb, "\nthree", 6);
    CHECK_STR_EQ(text(&lb), "one\ntwo\n");
    wk_logbuf_end_line(&lb); /* the command ended */
    CHECK_STR_EQ(text(&lb), "one\ntwo\nthree\n");
    wk_logbuf_end_line(&lb);
    CHECK_STR_EQ(text(&lb), "one\ntwo\nthree\n");
    wk_logbuf_free(&lb);
}

static void test_secrets_masked_in_any_pieces(void)
{
    const char *secrets[] = {"hunter2-XYZ", "pa$$"};
    const char *out =
        "token=hunter2-XYZ and pa$$, hunter2-XY not one\nagain hunter2-XYZhunter2-XYZ\n";
    const char *want = "token=*** and ***, hunter2-XY not one\nagain ******\n";
    for (size_t piece = 1; piece <= strlen(out); piece++) {
        wk_logbuf lb;
        wk_logbuf_init(&lb, 1 << 20);
        CHECK_INT_EQ(wk_logbuf_set_secrets(&lb, secrets, 2), 0);
        for (size_t i = 0; i < strlen(out); i += piece) {
            size_t n = strlen(out) - i < piece ? strlen(out) - i : piece;
            wk_logbuf_write(&lb, out + i, n);
        }
        CHECK_STR_EQ(text(&lb), want);
        CHECK(strstr(lb.tail, "hunter2-XYZ") == NULL);
        wk_logbuf_free(&lb);
    }
}

static void test_multiline_secret_masked_by_line(void)
{
    const char *secrets[] = {"-----BEGIN KEY-----\r\nAAAAsecretBBBB\n\n-----END KEY-----\n"};
    wk_logbuf lb;
    wk_logbuf_init(&lb, 1 << 20);
    CHECK_INT_EQ(wk_logbuf_set_secrets(&lb, secrets, 1), 0);
    CHECK_INT_EQ((int)lb.nmasks, 3);
    const char *out = "-----BEGIN KEY-----\nAAAAsecretBBBB\n\n-----END KEY-----\n";
    wk_logbuf_write(&lb, out, strlen(out));
    CHECK_STR_EQ(text(&lb), "***\n***\n\n***\n");
    wk_logbuf_free(&lb);
}

static void test_long_line_in_pieces_keeps_secrets_whole(void)
{
    const char *secrets[] = {"S3CRET-VALUE-0123456789"};
    size_t slen = strlen(secrets[0]);
    /* the secret straddles the point where the first piece of the line is emitted */
    size_t len = WK_LOGBUF_LINE_MAX * 3;
    char *line = malloc(len + 1);
    REQUIRE(line != NULL);
    memset(line, 'x', len);
    for (size_t at = WK_LOGBUF_LINE_MAX - slen / 2; at + slen < len; at += WK_LOGBUF_LINE_MAX - 5) {
        memcpy(line + at, secrets[0], slen);
    }
    line[len] = '\0';
    wk_logbuf lb;
    wk_logbuf_init(&lb, 1 << 20);
    CHECK_INT_EQ(wk_logbuf_set_secrets(&lb, secrets, 1), 0);
    for (size_t i = 0; i < len; i += 1000) {
        wk_logbuf_write(&lb, line + i, len - i < 1000 ? len - i : 1000);
    }
    CHECK(lb.text.len > 0); /* emitted before its end came */
    wk_logbuf_end_line(&lb);
    CHECK(strstr(text(&lb), "S3CRET") == NULL);
    CHECK(strstr(text(&lb), "***") != NULL);
    CHECK(text(&lb)[lb.text.len - 1] == '\n');
    free(line);
    wk_logbuf_free(&lb);
}

static void test_bound_cuts_with_a_note(void)
{
    wk_logbuf lb;
    wk_logbuf_init(&lb, 20);
    wk_logbuf_write(&lb, "0123456789\n", 11);
    wk_logbuf_write(&lb, "abcdefghij\n", 11); /* 22 > 20: cut here */
    wk_logbuf_write(&lb, "later\n", 6);
    CHECK_STR_CONTAINS(text(&lb), "0123456789\n[sluice] the log is cut here");
    CHECK_STR_CONTAINS(text(&lb), "bound of 20 bytes");
    CHECK(strstr(text(&lb), "abcdef") == NULL);
    CHECK(strstr(text(&lb), "\nlater\n") == NULL);
    CHECK(lb.cut);
    CHECK_INT_EQ((int)lb.dropped, 17);
    /* the tail still sees the output past the cut (for failure messages) */
    CHECK(lb.tail_len >= 6 && memcmp(lb.tail + lb.tail_len - 6, "later\n", 6) == 0);
    wk_logbuf_finish(&lb);
    CHECK_STR_CONTAINS(text(&lb), "[sluice] 17 bytes of output were not stored\n");
    wk_logbuf_free(&lb);
}

static void test_tail_bounded(void)
{
    wk_logbuf lb;
    wk_logbuf_init(&lb, 1 << 20);
    char line[100];
    for (int i = 0; i < 1000; i++) {
        int n = snprintf(line, sizeof line, "line %d\n", i);
        wk_logbuf_write(&lb, line, (size_t)n);
    }
    CHECK_INT_EQ((int)lb.tail_len, WK_LOGBUF_TAIL_MAX);
    CHECK(memcmp(lb.tail + lb.tail_len - 9, "line 999\n", 9) == 0);
    wk_logbuf_free(&lb);
}

static void test_too_many_masks(void)
{
    char *many = malloc(WK_LOGBUF_MASKS_MAX * 4 + 16);
    REQUIRE(many != NULL);
    size_t at = 0;
    for (int i = 0; i < WK_LOGBUF_MASKS_MAX + 3; i++) {
        at += (size_t)snprintf(many + at, 8, "%c%c\n", 'a' + i % 26, 'a' + (i / 26) % 26);
    }
    const char *secrets[] = {many};
    wk_logbuf lb;
    wk_logbuf_init(&lb, 1 << 20);
    CHECK_INT_EQ(wk_logbuf_set_secrets(&lb, secrets, 1), SLUICE_ETOOBIG);
    CHECK_INT_EQ((int)lb.nmasks, WK_LOGBUF_MASKS_MAX);
    wk_logbuf_free(&lb);
    free(many);
}

int main(void)
{
    RUN_TEST(test_whole_lines_only);
    RUN_TEST(test_secrets_masked_in_any_pieces);
    RUN_TEST(test_multiline_secret_masked_by_line);
    RUN_TEST(test_long_line_in_pieces_keeps_secrets_whole);
    RUN_TEST(test_bound_cuts_with_a_note);
    RUN_TEST(test_tail_bounded);
    RUN_TEST(test_too_many_masks);
    return sluice_test_report();
}
