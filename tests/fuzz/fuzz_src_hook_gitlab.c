/*
 * fuzz_src_hook_gitlab.c — libFuzzer target over src_webhook_change for GitLab
 * deliveries (events "Push Hook", "Tag Push Hook", "Merge Request Hook"); see fuzz_src_hook.h for
 * what is checked.
 */
#include "fuzz_src_hook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const events[] = {"Push Hook", "Tag Push Hook", "Merge Request Hook"};
    return fuzz_src_hook_run(SRC_WEBHOOK_GITLAB, events, sizeof events / sizeof events[0], data,
                             size);
}
