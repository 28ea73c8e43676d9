/*
 * run_as.c - the root warning (run_as.h).
 */
#include "run_as.h"

#include "log.h"

bool rp_run_as_warn(uid_t euid)
{
    if (euid != 0)
        return false;
    rp_log(RP_WARN, "broker",
           "running as root; rapportd needs no privilege and loads plugin code, run it as its own user "
           "(deploy/rapportd.service does)", "euid=0");
    return true;
}
