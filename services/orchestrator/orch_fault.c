/*
 * orch_fault.c — the orchestrator's fault points (see orch_fault.h).
 */
#include "orch_fault.h"

static const char *const orch_fault_names[] = {
    ORCH_FAULT_AFTER_CAS,
    ORCH_FAULT_AFTER_PUBLISH,
    ORCH_FAULT_AFTER_TRIM,
};

int orch_fault_init(char *err, size_t errlen)
{
    return sluice_fault_init(orch_fault_names, sizeof orch_fault_names / sizeof orch_fault_names[0],
                             err, errlen);
}
