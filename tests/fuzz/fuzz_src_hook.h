/*
 * fuzz_src_hook.h — the body shared by fuzz_src_hook_{github,gitlab,gitea}.c:
 * the input, copied into a heap block of exactly its size, is read as a
 * delivery of each of the host's events by src_webhook_change (services/source
 * src_webhook.h; network input). Beyond not crashing: a change read names a
 * valid repository, ref, commit and (pull requests) destination branch; a
 * refusal has a message and leaves the change cleared.
 */
#ifndef SLUICE_FUZZ_SRC_HOOK_H
#define SLUICE_FUZZ_SRC_HOOK_H

#include "src_commit.h"
#include "src_remote.h"
#include "src_webhook.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void fuzz_src_hook_check(const src_change *c, int rc, const char *err)
{
    static const src_change zero;
    char why[256];
    if (rc != 0) {
        if (err[0] == '\0' || memcmp(c, &zero, sizeof zero) != 0) {
            abort();
        }
        return;
    }
    if (src_remote_repository_id_check(c->full_name, why, sizeof why) != 0 ||
        src_remote_branch_check(c->ref, why, sizeof why) != 0 || !src_commit_id_ok(c->after) ||
        (c->before[0] != '\0' && !src_commit_id_ok(c->before)) ||
        (c->base[0] != '\0' && !src_commit_id_ok(c->base)) || c->kind > SRC_CHANGE_PULL_REQUEST) {
        abort();
    }
    if (c->kind == SRC_CHANGE_PULL_REQUEST &&
        (src_remote_branch_check(c->destination, why, sizeof why) != 0 || c->number < 0 ||
         c->event > SRC_PR_CLOSED)) {
        abort();
    }
}

static int fuzz_src_hook_run(src_webhook_host host, const char *const *events, size_t nevents,
                             const uint8_t *data, size_t size)
{
    char *body = malloc(size > 0 ? size : 1);
    if (body == NULL) {
        return 0;
    }
    memcpy(body, data, size);
    for (size_t i = 0; i < nevents; i++) {
        src_change change;
        char err[256] = "";
        int rc = src_webhook_change(host, events[i], body, size, &change, err, sizeof err);
        fuzz_src_hook_check(&change, rc, err);
    }
    free(body);
    return 0;
}

#endif
