/*
 * src_changes.h — webhook changes matched against V2 triggers (src_trigger.h's
 * shell): a bounded queue the HTTP thread fills with the changes deliveries
 * announce, drained on the main loop's thread, where each change is
 *   1. matched to candidates: every stored definition (the api's, read-only,
 *      read afresh for each change so a pipeline created a moment ago
 *      counts) whose V2 trigger names a source action on the change's
 *      remote;
 *   2. resolved on the remote: the pushed branch or tag, or the pull
 *      request's head (refs/pull/<n>/head on GitHub and Gitea,
 *      refs/merge-requests/<n>/head on GitLab, else its source branch), is
 *      fetched into the remote's mirror; the revision is the delivery's
 *      commit when the fetched ref holds it (is it or descends from it),
 *      else the ref's head — a forged payload cannot start a commit the
 *      remote's ref does not hold;
 *   3. diffed when a candidate's filter has filePaths: git diff --name-only
 *      before..after for a push (the commit's own files when "before" is
 *      new or unknown), base...head for a pull request (base: the payload's
 *      base commit, else the destination branch's head);
 *   4. started: every candidate whose trigger accepts the change gets one
 *      StartPipelineExecution request on the requests topic (trigger
 *      WebhookV2, clientRequestToken from pipeline, action, commit and
 *      event), so a redelivery, a second replica or a retry after a Kafka
 *      outage starts nothing twice.
 * A change whose requests could not all be stored is tried again at the
 * next turns (at most SRC_CHANGES_ATTEMPTS times); one whose remote cannot
 * be fetched is dropped with a warning (the host redelivers on request).
 * sluice_source_trigger_starts_total counts the requests sent,
 * sluice_source_trigger_changes_total{result} the changes (started,
 * unmatched, failed).
 *
 * src_changes_put is thread-safe; src_changes_tick runs on the main loop's
 * thread with its Redis connection and producer.
 */
#ifndef SLUICE_SRC_CHANGES_H
#define SLUICE_SRC_CHANGES_H

#include "src_git.h"
#include "src_repos.h"
#include "src_trigger.h"
#include "src_wake.h"

#include "sluice/bus_producer.h"
#include "sluice/bus_topics.h"
#include "sluice/http_metrics.h"
#include "sluice/state_redis.h"

#include <pthread.h>
#include <stdbool.h>

#define SRC_CHANGES_QUEUE_MAX   64
#define SRC_CHANGES_ATTEMPTS    3
#define SRC_CHANGES_FILES_BYTES (4 * 1024 * 1024) /* git's list of changed paths */
#define SRC_CHANGES_FILES_MAX   100000

typedef enum src_changes_refs {
    SRC_CHANGES_REFS_PULL = 0,       /* refs/pull/<n>/head (GitHub, Gitea) */
    SRC_CHANGES_REFS_MERGE_REQUESTS, /* refs/merge-requests/<n>/head (GitLab) */
} src_changes_refs;

typedef struct src_changes_entry {
    src_change change;
    char url[SRC_URL_MAX]; /* the remote: connection baseUrl + full_name + suffix */
    src_changes_refs refs;
    unsigned attempts;
} src_changes_entry;

typedef struct src_changes {
    const src_repos *repos;
    src_git *git;
    state_redis *redis;
    bus_producer *producer;
    const bus_topics *topics;
    const char *account;
    const char *region;
    int send_timeout_ms;
    http_metrics_family *starts;  /* sluice_source_trigger_starts_total */
    http_metrics_family *changes; /* sluice_source_trigger_changes_total{result} */
    pthread_mutex_t lock;
    src_changes_entry queue[SRC_CHANGES_QUEUE_MAX];
    size_t count;
    src_wake wake; /* called (from the HTTP thread) after a change was queued */
} src_changes;

/* Initialises the queue's lock. 0, or SLUICE_ENOMEM. */
int src_changes_init(src_changes *ch);

/* Declares the metric families in registry. 0, or SLUICE_ENOMEM. */
int src_changes_metrics(src_changes *ch, http_metrics *registry);

/*
 * Queues change of the remote url (copied). Thread-safe. True when queued;
 * false when the queue is full (nothing queued).
 */
bool src_changes_put(src_changes *ch, const src_change *change, const char *url,
                     src_changes_refs refs);

/* Handles up to max queued changes. Returns how many were handled. */
int src_changes_tick(src_changes *ch, int max);

/* Frees the lock. */
void src_changes_clear(src_changes *ch);

#endif
