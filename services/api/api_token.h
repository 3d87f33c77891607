/*
 * api_token.h — the nextToken of paginated operations.
 *
 * A token carries where the next page starts (a small JSON value: a name, an
 * offset, a (time, id) cursor) and which listing it belongs to, so a token of
 * ListPipelines handed to ListPipelineExecutions is refused. The text is
 *   base64url(compact JSON {"k": <kind>, "p": <position>}) "." <12 hex of SHA-256>
 * — opaque to clients as AWS's are, at most 2048 characters (the model's
 * bound), and anything altered, truncated or made up fails to decode, which the
 * handlers answer with InvalidNextTokenException. Tokens hold no secret and
 * stay valid across restarts and replicas. Pure and thread-safe.
 */
#ifndef SLUICE_API_TOKEN_H
#define SLUICE_API_TOKEN_H

#include <jansson.h>
#include <stddef.h>

#define API_TOKEN_MAX 2048 /* NextToken's max length in botocore's model */

/*
 * Writes the token of position (borrowed) in listing kind into out (outlen >=
 * API_TOKEN_MAX + 1 always suffices). 0, or SLUICE_ETOOBIG when the token
 * would exceed API_TOKEN_MAX or outlen, SLUICE_ENOMEM.
 */
int api_token_encode(const char *kind, const json_t *position, char *out, size_t outlen);

/*
 * Reads a token of listing kind. 0 with *position a new reference, or
 * SLUICE_EPARSE (malformed, altered, or of another kind) with *position NULL.
 */
int api_token_decode(const char *token, const char *kind, json_t **position);

#endif
