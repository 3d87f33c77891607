/*
 * src_commit.c — a commit from git log's output (see src_commit.h).
 */
#include "src_commit.h"

#include "src_text.h"

#include "sluice/error.h"

#include <stdio.h>
#include <string.h>

#define SRC_COMMIT_FIELDS   8
#define SRC_COMMIT_TIME_MAX 253402300799LL /* 9999-12-31T23:59:59Z */

static const char *const src_commit_field_names[SRC_COMMIT_FIELDS] = {
    "commit id",      "author name",      "author e-mail",  "author time",
    "committer name", "committer e-mail", "committer time", "message"};

bool src_commit_id_ok(const char *id)
{
    if (id == NULL) {
        return false;
    }
    size_t n = strlen(id);
    if (n != 40 && n != 64) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f'))) {
            return false;
        }
    }
    return true;
}

static int src_commit_time(const char *p, size_t len, int64_t *out)
{
    if (len == 0 || len > 12) {
        return SLUICE_EPARSE;
    }
    int64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return SLUICE_EPARSE;
        }
        v = v * 10 + (p[i] - '0');
    }
    if (v > SRC_COMMIT_TIME_MAX) {
        return SLUICE_EPARSE;
    }
    *out = v;
    return 0;
}

int src_commit_parse(const char *text, size_t len, src_commit *commit, char *err, size_t errlen)
{
    memset(commit, 0, sizeof *commit);
    if (len > SRC_COMMIT_OUTPUT_MAX) {
        snprintf(err, errlen,
                 "git's description of the commit takes %zu bytes; at most %d are read", len,
                 SRC_COMMIT_OUTPUT_MAX);
        return SLUICE_ETOOBIG;
    }
    const char *field[SRC_COMMIT_FIELDS];
    size_t field_len[SRC_COMMIT_FIELDS];
    size_t pos = 0;
    for (size_t f = 0; f < SRC_COMMIT_FIELDS; f++) {
        if (pos > len || (pos == len && f < SRC_COMMIT_FIELDS - 1)) {
            snprintf(err, errlen, "git's description of the commit ends before its %s",
                     src_commit_field_names[f]);
            return SLUICE_EPARSE;
        }
        const char *start = text + pos;
        const char *nul = memchr(start, '\0', len - pos);
        size_t n = nul != NULL ? (size_t)(nul - start) : len - pos;
        if (nul == NULL && f < SRC_COMMIT_FIELDS - 1) {
            snprintf(err, errlen, "git's description of the commit ends before its %s",
                     src_commit_field_names[f + 1]);
            return SLUICE_EPARSE;
        }
        field[f] = start;
        field_len[f] = n;
        pos += n + 1;
    }
    if (pos < len) {
        snprintf(err, errlen, "git's description of the commit has %zu bytes after the message",
                 len - pos);
        return SLUICE_EPARSE;
    }
    if (field_len[0] > SRC_COMMIT_ID_MAX) {
        snprintf(err, errlen, "the commit id takes %zu bytes; it must be 40 or 64 hex digits",
                 field_len[0]);
        return SLUICE_EPARSE;
    }
    memcpy(commit->id, field[0], field_len[0]);
    commit->id[field_len[0]] = '\0';
    if (!src_commit_id_ok(commit->id)) {
        memset(commit, 0, sizeof *commit);
        snprintf(err, errlen, "the commit id is not 40 or 64 lowercase hex digits");
        return SLUICE_EPARSE;
    }
    if (src_commit_time(field[3], field_len[3], &commit->author_time_s) != 0 ||
        src_commit_time(field[6], field_len[6], &commit->committer_time_s) != 0) {
        memset(commit, 0, sizeof *commit);
        snprintf(err, errlen, "the commit's author or committer time is not epoch seconds");
        return SLUICE_EPARSE;
    }
    src_text_copy(commit->author_name, sizeof commit->author_name, field[1], field_len[1], true);
    src_text_copy(commit->author_email, sizeof commit->author_email, field[2], field_len[2], true);
    src_text_copy(commit->committer_name, sizeof commit->committer_name, field[4], field_len[4],
                  true);
    src_text_copy(commit->committer_email, sizeof commit->committer_email, field[5], field_len[5],
                  true);
    size_t message_len = field_len[7];
    while (message_len > 0 &&
           (field[7][message_len - 1] == '\n' || field[7][message_len - 1] == '\r')) {
        message_len--;
    }
    commit->message_cut =
        src_text_copy(commit->message, sizeof commit->message, field[7], message_len, false);
    return 0;
}
