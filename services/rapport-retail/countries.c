/*
 * countries.c - country -> IANA zone, for the 38 country names of the data
 * set. Where a country spans several zones the zone of its largest
 * population centre is used (a profile needs one zone; the data has no
 * address finer than the country).
 */
#include "countries.h"

#include <stddef.h>
#include <string.h>

typedef struct country_zone {
    const char *country;
    const char *zone;     /* NULL: no single place */
} country_zone;

static const country_zone COUNTRY_ZONES[] = {
    {"Australia", "Australia/Sydney"},
    {"Austria", "Europe/Vienna"},
    {"Bahrain", "Asia/Bahrain"},
    {"Belgium", "Europe/Brussels"},
    {"Brazil", "America/Sao_Paulo"},
    {"Canada", "America/Toronto"},
    {"Channel Islands", "Europe/Jersey"},
    {"Cyprus", "Asia/Nicosia"},
    {"Czech Republic", "Europe/Prague"},
    {"Denmark", "Europe/Copenhagen"},
    {"EIRE", "Europe/Dublin"},
    {"European Community", NULL},
    {"Finland", "Europe/Helsinki"},
    {"France", "Europe/Paris"},
    {"Germany", "Europe/Berlin"},
    {"Greece", "Europe/Athens"},
    {"Hong Kong", "Asia/Hong_Kong"},
    {"Iceland", "Atlantic/Reykjavik"},
    {"Israel", "Asia/Jerusalem"},
    {"Italy", "Europe/Rome"},
    {"Japan", "Asia/Tokyo"},
    {"Lebanon", "Asia/Beirut"},
    {"Lithuania", "Europe/Vilnius"},
    {"Malta", "Europe/Malta"},
    {"Netherlands", "Europe/Amsterdam"},
    {"Norway", "Europe/Oslo"},
    {"Poland", "Europe/Warsaw"},
    {"Portugal", "Europe/Lisbon"},
    {"RSA", "Africa/Johannesburg"},
    {"Saudi Arabia", "Asia/Riyadh"},
    {"Singapore", "Asia/Singapore"},
    {"Spain", "Europe/Madrid"},
    {"Sweden", "Europe/Stockholm"},
    {"Switzerland", "Europe/Zurich"},
    {"USA", "America/New_York"},
    {"United Arab Emirates", "Asia/Dubai"},
    {"United Kingdom", "Europe/London"},
    {"Unspecified", NULL},
};

const char *retail_country_timezone(const char *country)
{
    for (size_t i = 0; i < sizeof COUNTRY_ZONES / sizeof COUNTRY_ZONES[0]; i++)
        if (strcmp(COUNTRY_ZONES[i].country, country) == 0)
            return COUNTRY_ZONES[i].zone;
    return NULL;
}
