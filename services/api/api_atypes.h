/*
 * api_atypes.h — registered action types and the checks made against them.
 *
 * Operations: CreateCustomActionType, DeleteCustomActionType, GetActionType,
 * UpdateActionType, and the registered Custom types ListActionTypes lists.
 *
 * The backend keeps one record per action type key
 * "Owner/Category/Provider/Version" (Redis hash sluice:{atypes}:types):
 *   Custom types (CreateCustomActionType):
 *     {"actionType": <ActionType>, "tags": [...], "deleted": bool, "created": <ms>}
 *   declarations of AWS / ThirdParty types served by job workers
 *   (SLUICE_EXTERNAL_PROVIDERS; UpdateActionType):
 *     {"declaration": <ActionTypeDeclaration>, "updated": <ms>}
 * DeleteCustomActionType only marks a Custom type deleted, as CodePipeline
 * does: it is no longer listed, PollForJobs for it fails, declarations may no
 * longer use it, and the same Category/Provider/Version can be created again
 * only from the identical definition (which restores it); any other definition
 * needs a new version string. At most API_ATYPES_MAX_CUSTOM Custom types are
 * registered at a time (AWS's quota) and at most API_ATYPES_MAX_RECORDS
 * records (deleted ones included) are kept.
 *
 * Other operations consult the records through this module:
 *   - CreatePipeline / UpdatePipeline: an action of a registered type must set
 *     its required configuration properties and no key the type does not
 *     declare, keep its artifact counts inside the type's, and give a queryable
 *     property a value PollForJobs can match (InvalidActionDeclarationException
 *     naming the stage, action and key). An action of an unregistered (or
 *     deleted) Custom type is refused the same way when the environment
 *     requires registration (SLUICE_API_REQUIRE_CUSTOM_ACTION_TYPES, AWS's
 *     behaviour and the default), accepted otherwise.
 *   - GetPipeline, the declarations CreatePipeline / UpdatePipeline answer and
 *     the inputs ListActionExecutions shows: values of secret properties read
 *     "****"; an UpdatePipeline that sends "****" for one keeps the stored
 *     value. Job data carry the real value.
 *   - PollForJobs: a deleted type (or an unregistered one, when registration
 *     is required) is ActionTypeNotFoundException; queryParam must name the
 *     type's queryable property.
 *
 * Handlers follow api_call.h: 0, or a negative code with the call failed.
 * Thread-safe (all state is in the backend).
 */
#ifndef SLUICE_API_ATYPES_H
#define SLUICE_API_ATYPES_H

#include "api_call.h"

#include <jansson.h>

#define API_ATYPES_MAX_CUSTOM  50   /* Custom action types registered at a time */
#define API_ATYPES_MAX_RECORDS 1000 /* records kept, deleted Custom types included */
#define API_ATYPES_SECRET_MASK "****"

int api_atypes_create(api_call *call);
int api_atypes_delete(api_call *call);
int api_atypes_get(api_call *call);
int api_atypes_update(api_call *call);

/*
 * Appends the ActionType of every registered, not deleted Custom type to list
 * (ListActionTypes). 0, or the call failed (a backend failure).
 */
int api_atypes_list_custom(api_call *call, json_t *list);

/*
 * Checks the actions of declaration (a pipeline declaration as libs/model
 * normalised it, borrowed) against the registered types, as said above. 0, or
 * the call failed with InvalidActionDeclarationException (every problem in
 * the message) or a backend failure.
 */
int api_atypes_check_declaration(api_call *call, const json_t *declaration);

/*
 * Replaces the values of secret properties in declaration (changed in place)
 * with API_ATYPES_SECRET_MASK. 0, or the call failed (a backend failure).
 */
int api_atypes_mask(api_call *call, json_t *declaration);

/*
 * For ListActionExecutions: masks the secret values of input.configuration and
 * input.resolvedConfiguration of every ActionExecutionDetail of details (an
 * array, changed in place). 0, or the call failed (a backend failure).
 */
int api_atypes_mask_action_executions(api_call *call, json_t *details);

/*
 * For UpdatePipeline: every secret property of declaration (changed in place)
 * whose value is API_ATYPES_SECRET_MASK takes the value the same stage and
 * action of current (the stored declaration, borrowed; NULL: none) has for it.
 * 0, or the call failed (a backend failure).
 */
int api_atypes_keep_secrets(api_call *call, json_t *declaration, const json_t *current);

/*
 * For PollForJobs of type_id (already checked against the model): 0 to go on,
 * or the call failed with ActionTypeNotFoundException / ValidationException
 * (query_key, NULL for none, is not the type's queryable property) or a
 * backend failure.
 */
int api_atypes_check_poll(api_call *call, const json_t *type_id, const char *query_key);

#endif
