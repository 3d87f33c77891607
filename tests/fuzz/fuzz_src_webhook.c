/*
 * fuzz_src_webhook.c — libFuzzer target over src_webhook_github_push and
 * src_webhook_signature_ok (services/source src_webhook.h), the readers of
 * GitHub deliveries (network input). The input is copied into a heap block
 * of exactly its size. Beyond not crashing: a push read names a valid
 * FullRepositoryId and branch; a refused one has a message and nothing set;
 * the input as a signature header never verifies for a fixed body unless it
 * is that body's signature.
 */
#include "src_remote.h"
#include "src_webhook.h"

#include "sluice/error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data, size);
    src_webhook_push push;
    char err[256] = "";
    int rc = src_webhook_github_push(text, size, &push, err, sizeof err);
    if (rc == SLUICE_OK) {
        char why[256];
        if (src_remote_repository_id_check(push.full_name, why, sizeof why) != 0 ||
            src_remote_branch_check(push.branch, why, sizeof why) != 0) {
            abort();
        }
    } else if (err[0] == '\0' || push.branch[0] != '\0' || push.full_name[0] != '\0') {
        abort();
    }
    text[size] = '\0';
    if (strlen(text) == size && src_webhook_signature_ok("secret", "body", 4, text) &&
        strcmp(text, "sha256=dc46983557fea127b43af721467eb9b3fde2338fe3e14f51952aa8478c13d355") !=
            0 &&
        strcasecmp(
            text, "sha256=dc46983557fea127b43af721467eb9b3fde2338fe3e14f51952aa8478c13d355") != 0) {
        abort();
    }
    free(text);
    return 0;
}
