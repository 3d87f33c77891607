/*
 * orch_idkey.h — the orchestrator's id key (SLUICE_ORCHESTRATOR_ID_KEY_FILE):
 * one secret that keys every id the engine mints (engine_ids.h), so job ids,
 * action execution ids, approval tokens and event ids cannot be derived from
 * partition offsets by anyone without it, while a replay of the same request
 * still mints the same ids.
 *
 * The file holds one secret of ORCH_IDKEY_MIN..ORCH_IDKEY_MAX bytes written as
 * hex (`openssl rand -hex 32`); surrounding blanks and newlines are ignored.
 * It must be private to its owner (sluice_fs_check_private). Main thread only,
 * at start-up.
 */
#ifndef SLUICE_ORCH_IDKEY_H
#define SLUICE_ORCH_IDKEY_H

#include <stddef.h>

#define ORCH_IDKEY_MIN 32
#define ORCH_IDKEY_MAX 128

/*
 * Reads the key at path into key (room for ORCH_IDKEY_MAX bytes), its length
 * into *key_len. 0; or the codes of sluice_fs_check_private, SLUICE_EIO,
 * SLUICE_ETOOBIG, SLUICE_EPARSE (not 32..128 bytes of hex) with a message
 * naming path in err (the secret is never echoed); key is cleansed then.
 */
int orch_idkey_load(const char *path, unsigned char *key, size_t *key_len, char *err,
                    size_t errlen);

#endif
