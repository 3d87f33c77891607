/*
 * src_poller.h — polling for source changes (src_poll.h's shell): the watch
 * set rebuilt from the api's definitions once per interval, each due watch
 * checked with git ls-remote (an S3 object with HeadObject, sluice-source's
 * own key of the store), and a change turned into StartPipelineExecution
 * requests on the requests topic.
 *
 * Redis (this service's keys):
 *   sluice:source:heads                 hash "<url>\x1f<branch>" → the branch head
 *                                       last seen (survives restarts); an S3
 *                                       watch's field is "s3://<bucket>\x1f<key>",
 *                                       its value the object's revision (src_s3.h)
 *   sluice:{<p>}:source:started:<action> the last commit that started p for
 *                                       that action
 * A head seen for the first time is recorded and starts nothing (polling
 * starts from what is there). When the head moves, each user whose marker is
 * not yet that commit is sent its request (clientRequestToken derived from
 * pipeline, action and commit: a repeat starts nothing), then the marker is
 * set; the head is recorded once every user's request was stored, so a crash
 * or a Kafka outage in between sends the missing ones at the next check, and
 * a restart re-sends nothing. Two replicas that see one change send the same
 * tokens: each pipeline starts once.
 *
 * A webhook delivery pokes the watch of its branch (src_poller_poke): checked
 * at the next turn (the poke calls wake, which ends the loop's wait), a change it finds starts
 * pipelines with trigger Webhook (the token is the same as polling's, so a change polling and a
 * webhook both see starts a pipeline once). A delivery for a branch no pipeline watches yet makes
 * the watch set be rebuilt.
 *
 * Runs on the main loop's thread, sharing its Redis connection and producer;
 * src_poller_poke is the one call made from another thread.
 */
#ifndef SLUICE_SRC_POLLER_H
#define SLUICE_SRC_POLLER_H

#include "src_git.h"
#include "src_poll.h"
#include "src_repos.h"

#include "sluice/aws_s3.h"
#include "sluice/bus_producer.h"
#include "sluice/bus_topics.h"
#include "sluice/http_metrics.h"
#include "src_wake.h"
#include "sluice/state_redis.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define SRC_POLLER_HEADS_KEY "sluice:source:heads"
#define SRC_POLLER_POKES_MAX 64

typedef struct src_poller_poke_entry {
    char url[SRC_URL_MAX];
    char branch[SRC_BRANCH_MAX + 1];
} src_poller_poke_entry;

typedef struct src_poller {
    src_poll_set set;
    const src_repos *repos;
    src_git *git;
    state_redis *redis;
    bus_producer *producer;
    const bus_topics *topics;
    const char *account;
    const char *region;
    int64_t interval_ms;
    int64_t refresh_due_ms; /* monotonic */
    int send_timeout_ms;
    aws_s3 *s3; /* S3 watches: the store's client (NULL: they are left out, said once) */
    const aws_s3_cred *s3_key;     /* SLUICE_SOURCE_S3_KEY_FILE's key */
    http_metrics_family *checks;   /* sluice_source_checks_total{result}: ok, missing, failed */
    http_metrics_family *changes;  /* sluice_source_changes_total */
    http_metrics_family *starts;   /* sluice_source_starts_total */
    http_metrics_family *watches;  /* sluice_source_watches (gauge) */
    http_metrics_family *listings; /* sluice_source_remote_listings_total{asked} */
    /* webhook deliveries asking for checks, from the HTTP thread (under lock) */
    pthread_mutex_t lock;
    src_poller_poke_entry pokes[SRC_POLLER_POKES_MAX];
    size_t npokes;
    bool pokes_overflowed;
    src_wake wake; /* called (from the HTTP thread) after a poke was queued */
} src_poller;

/* Initialises the poke lock. 0, or SLUICE_ENOMEM. */
int src_poller_init(src_poller *p);

/*
 * Asks for the watch of url and branch to be checked at the next turn, its
 * changes starting pipelines with trigger Webhook. Thread-safe (any thread).
 * Returns true when the request was queued (or one for that branch was
 * waiting already); false when the queue is full — then every watch is
 * checked at the next turn instead.
 */
bool src_poller_poke(src_poller *p, const char *url, const char *branch);

/* Declares the poller's metric families in registry. 0, or SLUICE_ENOMEM. */
int src_poller_metrics(src_poller *p, http_metrics *registry);

/*
 * One turn: rebuilds the watch set when its interval has passed, then checks
 * due watches until budget_ms is spent. Returns the number of watches
 * checked, or a negative code when Redis could not be read (the set is kept).
 */
int src_poller_tick(src_poller *p, int64_t budget_ms);

/* Frees the watch set and the lock. */
void src_poller_clear(src_poller *p);

#endif
