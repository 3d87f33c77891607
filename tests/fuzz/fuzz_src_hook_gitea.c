/*
 * fuzz_src_hook_gitea.c — libFuzzer target over src_webhook_change for Gitea
 * deliveries (events "push", "create", "pull_request"); see fuzz_src_hook.h for what is checked.
 */
#include "fuzz_src_hook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const events[] = {"push", "create", "pull_request"};
    return fuzz_src_hook_run(SRC_WEBHOOK_GITEA, events, sizeof events / sizeof events[0], data,
                             size);
}
