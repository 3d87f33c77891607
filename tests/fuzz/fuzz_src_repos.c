/*
 * fuzz_src_repos.c — libFuzzer target over src_repos_parse (services/source
 * src_repos.h), the reader of the repositories file. The input is copied into
 * a heap block of exactly its size (no terminator), so a read past the given
 * length trips AddressSanitizer. Beyond not crashing: a parse either succeeds
 * with every remote a URL src_remote_classify accepts as the same kind, every
 * name found by its own lookup, or fails with no set and a message.
 */
#include "src_remote.h"
#include "src_repos.h"

#include "sluice/error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size > 0 ? size : 1);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data, size);
    src_repos *repos = NULL;
    char err[1024] = "";
    int rc = src_repos_parse(text, size, &repos, err, sizeof err);
    free(text);
    if (rc != SLUICE_OK) {
        if (repos != NULL || err[0] == '\0') {
            abort();
        }
        return 0;
    }
    for (size_t i = 0; i < src_repos_repository_count(repos); i++) {
        const src_repository *r = src_repos_repository_at(repos, i);
        src_remote_kind kind;
        if (src_repos_repository(repos, r->name) != r ||
            src_remote_classify(r->url, &kind, err, sizeof err) != 0 || kind != r->kind ||
            !src_remote_repository_name_ok(r->name)) {
            abort();
        }
    }
    for (size_t i = 0; i < src_repos_connection_count(repos); i++) {
        const src_connection *c = src_repos_connection_at(repos, i);
        src_remote_kind kind;
        if (src_repos_connection(repos, c->arn) != c ||
            src_remote_classify(c->base_url, &kind, err, sizeof err) != 0 || kind != c->kind ||
            strchr(c->suffix, '/') != NULL) {
            abort();
        }
    }
    src_repos_free(repos);
    return 0;
}
