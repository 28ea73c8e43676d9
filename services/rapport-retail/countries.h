/*
 * countries.h - the IANA time zone of each country named in the Online
 * Retail data set, so that customer profiles carry a zone the plugins can
 * use for local-time rules (send hours, birthdays).
 */
#ifndef RP_RETAIL_COUNTRIES_H
#define RP_RETAIL_COUNTRIES_H

/* The zone for a country as spelled in the data ("EIRE", "RSA", "USA"...),
 * or NULL when the country is unknown or is no single place ("Unspecified",
 * "European Community"). */
const char *retail_country_timezone(const char *country);

#endif
