/*
 * src_commit.h — one commit as git describes it, read from the output of
 *
 *   git log -1 -z --format=SRC_COMMIT_FORMAT <commit>
 *
 * i.e. eight NUL-separated fields (commit id, author name, author e-mail,
 * author time, committer name, committer e-mail, committer time, raw
 * message), the record ended by a NUL. The commit comes from a remote, so
 * this is a parser of foreign input: ids must be 40 (SHA-1) or 64 (SHA-256)
 * lowercase hex digits, times decimal epoch seconds within years 1970..9999;
 * names, e-mails and the message are made valid UTF-8 (src_text.h) and cut
 * to their bounds (names and e-mails on one line).
 *
 * Pure; thread-safe.
 */
#ifndef SLUICE_SRC_COMMIT_H
#define SLUICE_SRC_COMMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SRC_COMMIT_FORMAT      "%H%x00%an%x00%ae%x00%at%x00%cn%x00%ce%x00%ct%x00%B"
#define SRC_COMMIT_ID_MAX      64
#define SRC_COMMIT_NAME_MAX    256 /* bytes of a name or e-mail with the NUL */
#define SRC_COMMIT_MESSAGE_MAX 8192
#define SRC_COMMIT_OUTPUT_MAX  (1024 * 1024) /* bytes of git's output read */

typedef struct src_commit {
    char id[SRC_COMMIT_ID_MAX + 1];
    char author_name[SRC_COMMIT_NAME_MAX];
    char author_email[SRC_COMMIT_NAME_MAX];
    int64_t author_time_s;
    char committer_name[SRC_COMMIT_NAME_MAX];
    char committer_email[SRC_COMMIT_NAME_MAX];
    int64_t committer_time_s;
    char message[SRC_COMMIT_MESSAGE_MAX + 1]; /* trailing newlines dropped */
    bool message_cut;                         /* the message was longer */
} src_commit;

/*
 * Parses text[0..len) (see above) into *commit. 0, or SLUICE_EPARSE with
 * err naming the field (commit is zeroed), SLUICE_ETOOBIG when len exceeds
 * SRC_COMMIT_OUTPUT_MAX.
 */
int src_commit_parse(const char *text, size_t len, src_commit *commit, char *err, size_t errlen);

/* True when id is 40 or 64 lowercase hex digits (NULL: false). */
bool src_commit_id_ok(const char *id);

#endif
