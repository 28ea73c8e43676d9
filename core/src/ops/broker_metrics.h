/* broker_metrics.h - gauges computed at scrape time (plugin lag). */
#ifndef RP_BROKER_METRICS_H
#define RP_BROKER_METRICS_H

#include <stdio.h>

#include "broker.h"

void rp_broker_metrics_lag(FILE *out, void *broker);
void rp_broker_metrics_close(rp_broker *b);

#endif
