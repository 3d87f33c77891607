/*
 * ntf_deliver.h — a delivery thread: takes one target's deliveries from its
 * queue, renders each for the target, sends it with retries, and ends it as
 * sent or as a dead letter.
 *
 * For each delivery: skip it when the (event, target) pair is already marked
 * sent; look the target and the rule up in the current rules (a target
 * removed by a reload turns its waiting deliveries into dead letters); read
 * the execution's archived record for FULL detail; render (Slack Block Kit,
 * e-mail, or the event itself for webhooks); send up to the target's
 * maxAttempts with ntf_send_backoff_ms between attempts, renewing the lease
 * after each; then mark sent and acknowledge, or produce a dead letter with
 * the last reason and acknowledge. A stop request ends the thread between
 * attempts; the delivery then stays pending and is taken over after its
 * lease (by this process after a restart, or by another replica).
 *
 * Threads: one per (target, slot); each has its own Redis connection and
 * HTTP/SMTP handles.
 */
#ifndef SLUICE_NTF_DELIVER_H
#define SLUICE_NTF_DELIVER_H

/* The thread's body; arg is its ntf_worker (ntf_service.h). */
void *ntf_deliver_main(void *arg);

#endif
