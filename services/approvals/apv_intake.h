/*
 * apv_intake.h — what sluice-approvals learns from the bus.
 *
 * apv_intake_job (sluice.jobs, signed): an AWS/Manual approval job becomes
 * an approval record (apv_store_put) and a `Sluice Approval Needed` event;
 * every other job is not this service's and is passed over.
 * apv_intake_event (sluice.events):
 *   - `Sluice Approval Vote`: the vote joins the record's votes (from any
 *     source: the page, the JSON endpoint, the aws CLI through the api);
 *   - `CodePipeline Action Execution State Change` of an AWS/Manual action:
 *     SUCCEEDED / FAILED decide the approval (APPROVED / REJECTED, and a
 *     `Sluice Approval Decided` event), ABANDONED / CANCELED / STOPPED
 *     withdraw it;
 *   - `CodePipeline Pipeline Execution State Change` STOPPING, STOPPED,
 *     SUPERSEDED, CANCELED, FAILED, SUCCEEDED: every approval of the
 *     execution still waiting is withdrawn.
 * A Redis failure asks for the message again (RETRY); a malformed approval
 * job is dead-lettered with the reason. Runs on the main thread.
 */
#ifndef SLUICE_APV_INTAKE_H
#define SLUICE_APV_INTAKE_H

#include "apv_service.h"
#include "apv_store.h"

#include "sluice/bus_consumer.h"

typedef struct apv_intake {
    apv_service *service;
    apv_store store; /* the intake's own connection */
} apv_intake;

bus_consumer_verdict apv_intake_job(const bus_consumer_message *msg, void *ctx, char *reason,
                                    size_t reasonlen);

bus_consumer_verdict apv_intake_event(const bus_consumer_message *msg, void *ctx, char *reason,
                                      size_t reasonlen);

/*
 * The detail of the `Sluice Approval Needed` event of record (a new
 * reference): pipeline, execution-id, stage, action, action-execution-id,
 * approvers (list), required-approvals, deadline, review-link, custom-data,
 * approval-url (public_url + "/approvals/<id>", no secret), version. Pure.
 */
json_t *apv_intake_needed_detail(const json_t *record, const char *public_url);

#endif
