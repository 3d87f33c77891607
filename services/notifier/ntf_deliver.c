/*
 * ntf_deliver.c — delivery threads (see ntf_deliver.h).
 */
#include "ntf_deliver.h"

#include "ntf_mail.h"
#include "ntf_message.h"
#include "ntf_queue.h"
#include "ntf_send.h"
#include "ntf_service.h"

#include "sluice/bus_deadletter.h"
#include "sluice/error.h"
#include "sluice/log.h"
#include "sluice/signal.h"
#include "sluice/state_key.h"
#include "sluice/time.h"

#include <hiredis/hiredis.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NTF_DELIVER_BLOCK_MS    1000 /* one wait for new deliveries */
#define NTF_DELIVER_PAUSE_MS    500  /* after a Redis failure */
#define NTF_DELIVER_SLICE_MS    100  /* a backoff wait is cut in slices to notice a stop */
#define NTF_DELIVER_MAIL_MAX    (1024 * 1024)
#define NTF_DELIVER_DEPTH_EVERY 2000 /* ms between queue depth samples */

typedef struct ntf_delivery {
    ntf_worker *w;
    state_redis *redis;
    ntf_sender *sender;
    long sender_timeout_ms;
    char consumer[192];
    uint32_t jitter_state;
} ntf_delivery;

static bool ntf_deliver_stopping(const ntf_worker *w)
{
    return atomic_load(&w->stop) || sluice_signal_stop_requested();
}

/* Sleeps ms in slices; false when a stop was requested meanwhile. */
static bool ntf_deliver_wait(const ntf_worker *w, int64_t ms)
{
    int64_t until = sluice_time_monotonic_ms() + ms;
    while (!ntf_deliver_stopping(w)) {
        int64_t left = until - sluice_time_monotonic_ms();
        if (left <= 0) {
            return true;
        }
        struct timespec ts = {0, (long)(left < NTF_DELIVER_SLICE_MS ? left : NTF_DELIVER_SLICE_MS) *
                                     1000000L};
        nanosleep(&ts, NULL);
    }
    return false;
}

static uint32_t ntf_deliver_jitter(ntf_delivery *d)
{
    /* xorshift32: spreads retries of replicas apart; not a secret */
    uint32_t x = d->jitter_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    d->jitter_state = x;
    return x;
}

static void ntf_deliver_count(http_metrics_family *family, const char *target)
{
    const char *labels[1] = {target};
    (void)http_metrics_inc(family, labels, 1);
}

/* The archived execution record (PipelineExecution shape) or NULL. */
static json_t *ntf_deliver_execution(ntf_delivery *d, const ntf_facts *f)
{
    char key[STATE_KEY_MAX + 1];
    if (f->pipeline[0] == '\0' || f->execution_id[0] == '\0' ||
        state_key_build(key, sizeof key, f->pipeline, STATE_KEY_EXECUTIONS) != 0) {
        return NULL;
    }
    redisReply *reply = NULL;
    if (state_redis_command(d->redis, STATE_REDIS_RETRY, &reply, "HGET %s %s", key,
                            f->execution_id) != 0) {
        return NULL;
    }
    json_t *doc = NULL;
    if (reply->type == REDIS_REPLY_STRING) {
        doc = json_loadb(reply->str, reply->len, 0, NULL);
    }
    freeReplyObject(reply);
    return doc;
}

/* One attempt for a rendered message; fills reason. */
static ntf_send_result ntf_deliver_attempt(ntf_delivery *d, const ntf_target *t,
                                           const char *payload, size_t len, const ntf_entry *e,
                                           int64_t *retry_after_ms, char *reason, size_t reasonlen)
{
    *retry_after_ms = 0;
    if (d->sender == NULL || d->sender_timeout_ms != t->timeout_ms) {
        ntf_sender_free(d->sender);
        d->sender = ntf_sender_new(t->timeout_ms);
        d->sender_timeout_ms = t->timeout_ms;
        if (d->sender == NULL) {
            snprintf(reason, reasonlen, "cannot set up libcurl");
            return NTF_SEND_RETRY;
        }
    }
    if (t->type == NTF_TARGET_EMAIL) {
        return ntf_send_mail(d->sender, t, payload, len, reason, reasonlen);
    }
    http_pair headers[3];
    size_t n = 0;
    char stamp[24];
    char signature[80];
    if (t->type == NTF_TARGET_WEBHOOK) {
        int64_t now_s = sluice_time_now_ms() / 1000;
        snprintf(stamp, sizeof stamp, "%lld", (long long)now_s);
        headers[n++] = (http_pair){.name = "X-Sluice-Timestamp", .value = stamp};
        headers[n++] = (http_pair){.name = "X-Sluice-Event-Id", .value = e->event_id};
        if (t->secret != NULL) {
            ntf_message_webhook_signature(t->secret, now_s, payload, len, signature,
                                          sizeof signature);
            headers[n++] = (http_pair){.name = "X-Sluice-Signature", .value = signature};
        }
    }
    return ntf_send_http(d->sender, t->url, headers, n, payload, len, retry_after_ms, reason,
                         reasonlen);
}

/* An approver's own mail: its recipient as a one-address copy of the target, and the message. */
typedef struct ntf_personal {
    ntf_target target;
    char *to[1];
    char name[NTF_NAME_MAX + AWS_IDENTITY_MAX + 2]; /* "<target>.<identity>": its Message-ID */
    char email[AWS_EMAIL_MAX + 1];
    sluice_buf payload;
    bool sent;
} ntf_personal;

/*
 * The approvers' own mails of an approval-needed event to an e-mail target:
 * one per person the approval names who has an e-mail address, each with
 * their signed link (ntf_approvers.h), into mine[0..*n). Nothing without the
 * link key, for other events, or once the approval's deadline has passed.
 */
static void ntf_deliver_personal(ntf_delivery *d, const ntf_target *t, const json_t *event,
                                 const ntf_facts *facts, ntf_personal *mine, size_t *n)
{
    ntf_service *s = d->w->service;
    *n = 0;
    if (t->type != NTF_TARGET_EMAIL || s->link_key_len == 0 || facts->approval_id[0] == '\0') {
        return;
    }
    ntf_recipient people[NTF_APPROVERS_MAX];
    size_t count = ntf_approvers_resolve(
        &s->directory, json_object_get(json_object_get(event, "detail"), "approvers"),
        s->cfg->account, people, NTF_APPROVERS_MAX);
    ntf_facts *own = malloc(sizeof *own);
    if (own == NULL) {
        abort();
    }
    int64_t now_s = sluice_time_now_ms() / 1000;
    for (size_t i = 0; i < count; i++) {
        *own = *facts;
        if (ntf_approvers_link(s->link_key, s->link_key_len, s->cfg->approvals_url,
                               facts->approval_id, people[i].identity, now_s, s->cfg->link_ttl_s,
                               facts->deadline_ms / 1000, own->approval_url,
                               sizeof own->approval_url) != 0) {
            continue;
        }
        int64_t expires = now_s + s->cfg->link_ttl_s;
        own->link_expires_ms =
            (expires < facts->deadline_ms / 1000 ? expires : facts->deadline_ms / 1000) * 1000;
        snprintf(own->approver, sizeof own->approver, "%s", people[i].identity);
        ntf_personal *p = &mine[*n];
        memset(p, 0, sizeof *p);
        p->target = *t;
        snprintf(p->email, sizeof p->email, "%s", people[i].email);
        snprintf(p->name, sizeof p->name, "%s.%s", t->name, people[i].identity);
        p->to[0] = p->email;
        p->target.to = p->to;
        p->target.nto = 1;
        p->target.name = p->name;
        sluice_buf_init(&p->payload, NTF_DELIVER_MAIL_MAX);
        if (ntf_mail_render(own, &p->target, s->cfg->mail_domain, sluice_time_now_ms(),
                            &p->payload) != 0) {
            sluice_buf_free(&p->payload);
            continue;
        }
        (*n)++;
    }
    OPENSSL_cleanse(own, sizeof *own); /* the links */
    free(own);
}

/*
 * The message for the target: e-mail text, Slack JSON or the event itself
 * (owned by *out), and for an approval-needed mail the approvers' own mails
 * (mine[0..*nmine), each payload owned there).
 */
static int ntf_deliver_render(ntf_delivery *d, const ntf_target *t, const ntf_rule *rule,
                              const ntf_entry *e, sluice_buf *out, ntf_personal *mine,
                              size_t *nmine, char *reason, size_t reasonlen)
{
    *nmine = 0;
    if (t->type == NTF_TARGET_WEBHOOK) {
        return sluice_buf_append(out, e->event, e->len);
    }
    json_t *event = json_loadb(e->event, e->len, 0, NULL);
    if (event == NULL) {
        snprintf(reason, reasonlen, "the queued event is not JSON");
        return SLUICE_EPARSE;
    }
    ntf_detail detail = rule != NULL ? rule->detail : NTF_DETAIL_BASIC;
    ntf_facts facts;
    (void)ntf_message_facts(event, NULL, NTF_DETAIL_BASIC, &d->w->service->links, &facts);
    json_t *execution = detail == NTF_DETAIL_FULL ? ntf_deliver_execution(d, &facts) : NULL;
    (void)ntf_message_facts(event, execution, detail, &d->w->service->links, &facts);
    json_decref(execution);
    if (rule != NULL && rule->aggregate && ntf_message_is_outcome(&facts) &&
        facts.execution_id[0] != '\0' &&
        ntf_queue_digest_read(d->redis, t->name, facts.execution_id, facts.digest, NTF_DIGEST_MAX,
                              &facts.ndigest) != 0) {
        snprintf(facts.digest[0], sizeof facts.digest[0],
                 "(what happened before could not be read from Redis)");
        facts.ndigest = 1;
    }
    ntf_deliver_personal(d, t, event, &facts, mine, nmine);
    json_decref(event);
    int rc = 0;
    if (t->type == NTF_TARGET_SLACK) {
        json_t *payload = ntf_message_slack(&facts, &d->w->service->links);
        char *text = payload != NULL ? json_dumps(payload, JSON_COMPACT) : NULL;
        rc = text != NULL ? sluice_buf_append_str(out, text) : SLUICE_ENOMEM;
        free(text);
        json_decref(payload);
    } else {
        rc = ntf_mail_render(&facts, t, d->w->service->cfg->mail_domain, sluice_time_now_ms(), out);
    }
    if (rc != 0) {
        snprintf(reason, reasonlen, "the message could not be rendered: %s", sluice_strerror(rc));
    }
    return rc;
}

/* Produces the dead letter of a delivery given up on. 0, or a code (then try later). */
static int ntf_deliver_dead_letter(ntf_delivery *d, const ntf_entry *e, const char *reason)
{
    ntf_service *s = d->w->service;
    char group[NTF_NAME_MAX + 32];
    snprintf(group, sizeof group, "%s/%s", s->cfg->group, d->w->target);
    bus_deadletter_origin origin = {.topic = e->topic[0] != '\0' ? e->topic : s->events_topic,
                                    .partition = e->partition,
                                    .offset = e->offset,
                                    .group = group,
                                    .payload = e->event,
                                    .len = e->len};
    bus_deadletter_sender sender = {
        .source = "sluice.notifier", .account = s->cfg->account, .region = s->cfg->region};
    bus_envelope *env = NULL;
    char err[256];
    int rc =
        bus_deadletter_new(&origin, reason, &sender, sluice_time_now_ms(), &env, err, sizeof err);
    sluice_buf text;
    sluice_buf_init(&text, BUS_DEADLETTER_ENCODED_MAX);
    if (rc == 0) {
        rc = bus_envelope_encode(env, &text);
    }
    if (rc == 0) {
        pthread_mutex_lock(&s->lock);
        rc = bus_producer_send_sync(s->producer, s->deadletter_topic, d->w->target,
                                    strlen(d->w->target), sluice_buf_cstr(&text), text.len, 10000);
        pthread_mutex_unlock(&s->lock);
    }
    sluice_buf_free(&text);
    bus_envelope_free(env);
    return rc;
}

static const ntf_rule *ntf_deliver_find_rule(const ntf_rules *rules, const char *name)
{
    for (size_t i = 0; i < rules->nrules; i++) {
        if (strcmp(rules->rules[i].name, name) == 0) {
            return &rules->rules[i];
        }
    }
    return NULL;
}

/* Wipes (the links) and frees the approvers' own mails. */
static void ntf_deliver_personal_free(ntf_personal *mine, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (mine[i].payload.data != NULL) {
            OPENSSL_cleanse(mine[i].payload.data, mine[i].payload.len);
        }
        sluice_buf_free(&mine[i].payload);
    }
    free(mine);
}

/* Handles one taken delivery. */
static void ntf_deliver_one(ntf_delivery *d, const ntf_entry *e)
{
    ntf_service *s = d->w->service;
    const char *target_name = d->w->target;
    int64_t remember = s->cfg->remember_s;
    bool sent = false;
    if (ntf_queue_was_sent(d->redis, target_name, e->event_id, &sent) != 0) {
        return; /* Redis trouble: the entry stays pending */
    }
    if (sent) {
        (void)ntf_queue_finish(d->redis, target_name, e->id, e->event_id, false, remember);
        return;
    }
    char owner[256];
    snprintf(owner, sizeof owner, "%s/%s", d->consumer, e->id);
    bool mine = false;
    if (ntf_queue_claim_send(d->redis, target_name, e->event_id, owner, remember, &mine) != 0) {
        return; /* Redis trouble: the entry stays pending */
    }
    ntf_ruleset *set = ntf_service_rules_get(s);
    long ti = set != NULL ? ntf_rules_find_target(set->rules, target_name) : -1;
    char reason[1024] = "";
    ntf_send_result result = NTF_SEND_GIVE_UP;
    int attempts = 0;
    if (!mine) {
        snprintf(reason, sizeof reason,
                 "the outcome is unknown: a notifier stopped while sending it, and a delivery "
                 "is never sent twice");
        ntf_deliver_count(s->metrics.unknown, target_name);
    } else if (ti < 0) {
        snprintf(reason, sizeof reason, "the target %s is no longer in the rules file",
                 target_name);
    } else {
        const ntf_target *t = &set->rules->targets[ti];
        const ntf_rule *rule = ntf_deliver_find_rule(set->rules, e->rule);
        sluice_buf payload;
        sluice_buf_init(&payload, NTF_DELIVER_MAIL_MAX);
        ntf_personal *own = calloc(NTF_APPROVERS_MAX, sizeof *own);
        size_t nmine = 0;
        bool sent_main = false;
        if (own == NULL) {
            abort();
        }
        if (ntf_deliver_render(d, t, rule, e, &payload, own, &nmine, reason, sizeof reason) == 0) {
            while (attempts < t->max_attempts) {
                attempts++;
                int64_t retry_after = 0;
                int64_t began = sluice_time_monotonic_ms();
                /* the target's message, then each approver's own mail: what went out stays out */
                result = NTF_SEND_OK;
                if (!sent_main) {
                    result = ntf_deliver_attempt(d, t, sluice_buf_cstr(&payload), payload.len, e,
                                                 &retry_after, reason, sizeof reason);
                    sent_main = result == NTF_SEND_OK;
                }
                for (size_t i = 0; i < nmine && result != NTF_SEND_GIVE_UP; i++) {
                    if (own[i].sent) {
                        continue;
                    }
                    int64_t wait = 0;
                    ntf_send_result one =
                        ntf_deliver_attempt(d, &own[i].target, sluice_buf_cstr(&own[i].payload),
                                            own[i].payload.len, e, &wait, reason, sizeof reason);
                    own[i].sent = one == NTF_SEND_OK;
                    result = one != NTF_SEND_OK ? one : result;
                    retry_after = wait > retry_after ? wait : retry_after;
                }
                (void)http_metrics_observe(s->metrics.seconds, NULL,
                                           (double)(sluice_time_monotonic_ms() - began) / 1000.0);
                if (result != NTF_SEND_RETRY || attempts >= t->max_attempts) {
                    break;
                }
                ntf_deliver_count(s->metrics.retried, target_name);
                SLUICE_INFO("delivery of event %s to %s failed (attempt %d of %d): %s", e->event_id,
                            target_name, attempts, t->max_attempts, reason);
                (void)ntf_queue_touch(d->redis, target_name, d->consumer, e->id);
                int64_t wait =
                    ntf_send_backoff_ms(attempts, s->cfg->retry_base_ms, s->cfg->retry_max_ms,
                                        retry_after, ntf_deliver_jitter(d));
                if (!ntf_deliver_wait(d->w, wait)) {
                    /* nothing in flight: the delivery is resumed after a takeover */
                    (void)ntf_queue_release_send(d->redis, target_name, e->event_id, owner);
                    sluice_buf_free(&payload);
                    ntf_deliver_personal_free(own, nmine);
                    ntf_service_rules_put(set);
                    return; /* stopping: the delivery stays pending for a takeover */
                }
                (void)ntf_queue_touch(d->redis, target_name, d->consumer, e->id);
            }
        }
        sluice_buf_free(&payload);
        ntf_deliver_personal_free(own, nmine);
    }
    ntf_service_rules_put(set);
    if (result == NTF_SEND_OK) {
        if (ntf_queue_finish(d->redis, target_name, e->id, e->event_id, true, remember) == 0) {
            ntf_deliver_count(s->metrics.sent, target_name);
            SLUICE_DEBUG("delivered event %s to %s (%s)", e->event_id, target_name, reason);
        }
        return;
    }
    ntf_deliver_count(s->metrics.failed, target_name);
    char why[1280];
    snprintf(why, sizeof why, "notification to target %s given up after %d attempt%s: %s",
             target_name, attempts, attempts == 1 ? "" : "s", reason);
    SLUICE_WARN("%s (event %s)", why, e->event_id);
    if (ntf_deliver_dead_letter(d, e, why) != 0) {
        SLUICE_WARN("the dead letter for event %s could not be produced; the delivery stays "
                    "pending",
                    e->event_id);
        return;
    }
    ntf_deliver_count(s->metrics.dead, target_name);
    (void)ntf_queue_finish(d->redis, target_name, e->id, e->event_id, false, remember);
}

void *ntf_deliver_main(void *arg)
{
    ntf_worker *w = arg;
    ntf_service *s = w->service;
    ntf_delivery d = {.w = w};
    char host[64] = "host";
    (void)gethostname(host, sizeof host - 1);
    snprintf(d.consumer, sizeof d.consumer, "%s-%ld-%d", host, (long)getpid(), w->slot);
    d.jitter_state = (uint32_t)sluice_time_monotonic_ms() ^ (uint32_t)(w->slot * 2654435761u) ^ 1u;
    state_redis_config rcfg;
    state_redis_config_init(&rcfg);
    rcfg.host = s->cfg->redis_host;
    rcfg.port = (int)s->cfg->redis_port;
    rcfg.username = s->redis_auth->username;
    rcfg.password = s->redis_auth->password;
    rcfg.connect_lazily = true;
    rcfg.command_timeout_ms = NTF_DELIVER_BLOCK_MS + 2000; /* XREADGROUP blocks for a second */
    char err[256];
    if (state_redis_new(&rcfg, &d.redis, err, sizeof err) != 0) {
        SLUICE_ERROR("delivery thread for %s: redis: %s", w->target, err);
        atomic_store(&w->done, true);
        return NULL;
    }
    bool prepared = false;
    int64_t next_depth = 0;
    while (!ntf_deliver_stopping(w)) {
        if (!prepared) {
            prepared = ntf_queue_prepare(d.redis, w->target) == 0;
            if (!prepared) {
                atomic_store(&s->redis_ok, false);
                (void)ntf_deliver_wait(w, NTF_DELIVER_PAUSE_MS);
                continue;
            }
        }
        ntf_entry e;
        bool got = false;
        int rc = ntf_queue_take(d.redis, w->target, d.consumer, NTF_DELIVER_BLOCK_MS,
                                s->cfg->lease_ms, &e, &got);
        if (rc == SLUICE_EPARSE && e.id[0] != '\0') {
            SLUICE_WARN("dropping a malformed delivery %s of target %s", e.id, w->target);
            (void)ntf_queue_finish(d.redis, w->target, e.id, "-", false, s->cfg->remember_s);
            ntf_entry_clear(&e);
            continue;
        }
        if (rc != 0) {
            atomic_store(&s->redis_ok, false);
            ntf_entry_clear(&e);
            (void)ntf_deliver_wait(w, NTF_DELIVER_PAUSE_MS);
            continue;
        }
        atomic_store(&s->redis_ok, true);
        if (got) {
            ntf_deliver_one(&d, &e);
        }
        ntf_entry_clear(&e);
        int64_t now = sluice_time_monotonic_ms();
        if (w->slot == 0 && now >= next_depth) {
            long long depth = 0;
            if (ntf_queue_depth(d.redis, w->target, &depth) == 0) {
                const char *labels[1] = {w->target};
                (void)http_metrics_set(s->metrics.depth, labels, (double)depth);
            }
            next_depth = now + NTF_DELIVER_DEPTH_EVERY;
        }
    }
    ntf_sender_free(d.sender);
    state_redis_free(d.redis);
    atomic_store(&w->done, true);
    return NULL;
}
