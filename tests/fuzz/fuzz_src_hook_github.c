/*
 * fuzz_src_hook_github.c — libFuzzer target over src_webhook_change for GitHub
 * deliveries (events "push", "pull_request", "ping"); see fuzz_src_hook.h for what is checked.
 */
#include "fuzz_src_hook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const events[] = {"push", "pull_request", "ping"};
    return fuzz_src_hook_run(SRC_WEBHOOK_GITHUB, events, sizeof events / sizeof events[0], data,
                             size);
}
