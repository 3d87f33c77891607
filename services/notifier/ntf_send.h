/*
 * ntf_send.h — one attempt at delivering a message, and when to try again.
 *
 * ntf_send_http POSTs a JSON body (Slack, webhooks) with extra headers;
 * ntf_send_mail hands an RFC 5322 message to an SMTP server with libcurl
 * (STARTTLS as the target says, AUTH when it has a user, every recipient).
 * Both say how the attempt ended:
 *   NTF_SEND_OK        delivered (HTTP 2xx, SMTP 250 after DATA);
 *   NTF_SEND_RETRY     worth trying again: network errors, timeouts, HTTP 5xx
 *                      and 429 (with the Retry-After it asked for), SMTP 4xx;
 *   NTF_SEND_GIVE_UP   never going to work: other HTTP 4xx, SMTP 5xx,
 *                      refused credentials, a malformed URL.
 * The reason names the target's answer, never a URL, a password or a key.
 *
 * ntf_send_backoff_ms is the pure retry policy: the wait before attempt
 * n + 1, doubling from base and capped, with "equal jitter", raised to a
 * Retry-After when the target asked for one (itself capped).
 *
 * Threads: a sender (its curl handles) belongs to one thread.
 */
#ifndef SLUICE_NTF_SEND_H
#define SLUICE_NTF_SEND_H

#include "ntf_rules.h"

#include "sluice/http_message.h"

#include <stddef.h>
#include <stdint.h>

typedef enum ntf_send_result {
    NTF_SEND_OK,
    NTF_SEND_RETRY,
    NTF_SEND_GIVE_UP,
} ntf_send_result;

typedef struct ntf_sender ntf_sender;

/* A sender for one thread, HTTP requests bounded by timeout_ms; NULL when libcurl fails. */
ntf_sender *ntf_sender_new(long timeout_ms);
void ntf_sender_free(ntf_sender *s);

/*
 * POSTs body (len bytes, JSON) to url with headers (at most 7), within the sender's timeout.
 * *retry_after_ms is set to what a 429/503 asked for (0 when nothing).
 */
ntf_send_result ntf_send_http(ntf_sender *s, const char *url, const http_pair *headers,
                              size_t nheaders, const char *body, size_t len,
                              int64_t *retry_after_ms, char *reason, size_t reasonlen);

/* Sends message (len bytes) through target (an e-mail target). */
ntf_send_result ntf_send_mail(ntf_sender *s, const ntf_target *target, const char *message,
                              size_t len, char *reason, size_t reasonlen);

/*
 * The wait in ms after `attempt` failed attempts (attempt >= 1): min(cap,
 * base × 2^(attempt-1)) with equal jitter from jitter (any 32 bits), at least
 * retry_after_ms (capped at cap). Pure.
 */
int64_t ntf_send_backoff_ms(int attempt, int64_t base_ms, int64_t cap_ms, int64_t retry_after_ms,
                            uint32_t jitter);

/* The bare address of "Name <a@b>" or "a@b" into out. */
void ntf_send_address(const char *mailbox, char *out, size_t outlen);

#endif
