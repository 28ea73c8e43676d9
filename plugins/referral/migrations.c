/*
 * migrations.c - the referral plugin's tables as numbered schema steps the
 * host applies once each (recorded in plugin_migrations). The columns are a
 * contract (docs/plugins/referral.md); every key starts with tenant and
 * every table has the partition of its row's customer.
 *
 * Step 1 is the schema as ABI 1 left it. It keeps IF NOT EXISTS so that a
 * database an ABI-1 rapportd created is adopted in place, and the two
 * ADD COLUMN IF NOT EXISTS of the cross-cooperation columns so that a
 * database created before those existed gets them too: on a fresh database
 * and on any ABI-1 one, step 1 ends with the same schema. Later changes are
 * new steps (2, 3, ...), never edits of this one.
 */
#include <stddef.h>

#include "glue.h"

static const char step1[] =
    "CREATE TABLE IF NOT EXISTS referral_nodes ("
    "  tenant text NOT NULL,"
    "  customer text NOT NULL,"
    "  partition int NOT NULL,"
    "  referred_by text,"
    "  depth int NOT NULL DEFAULT 0,"
    "  height int NOT NULL DEFAULT 0,"
    "  subtree_size bigint NOT NULL DEFAULT 1,"
    "  own_revenue double precision NOT NULL DEFAULT 0,"
    "  subtree_revenue double precision NOT NULL DEFAULT 0,"
    "  converted boolean NOT NULL DEFAULT false,"
    "  contribution double precision NOT NULL DEFAULT 0,"
    "  influence double precision NOT NULL DEFAULT 0,"
    "  converted_referrals bigint NOT NULL DEFAULT 0,"
    "  first_purchase_ms bigint,"
    "  timezone text,"
    "  email_hash bigint,"
    "  phone_hash bigint,"
    "  updated_ms bigint NOT NULL DEFAULT 0,"
    "  profession text,"
    "  industry text,"
    "  PRIMARY KEY (tenant, customer));"
    /* ABI-1 databases from before cross-cooperation lack these two */
    "ALTER TABLE referral_nodes ADD COLUMN IF NOT EXISTS profession text;"
    "ALTER TABLE referral_nodes ADD COLUMN IF NOT EXISTS industry text;"
    "CREATE INDEX IF NOT EXISTS referral_nodes_profession ON referral_nodes (tenant, profession, customer)"
    "  WHERE profession IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS referral_nodes_industry ON referral_nodes (tenant, industry, customer)"
    "  WHERE industry IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS referral_nodes_referred_by ON referral_nodes (tenant, referred_by);"
    "CREATE INDEX IF NOT EXISTS referral_nodes_influence ON referral_nodes (tenant, influence DESC);"
    "CREATE TABLE IF NOT EXISTS referral_links ("
    "  tenant text NOT NULL,"
    "  referee text NOT NULL,"
    "  partition int NOT NULL,"
    "  referrer text,"
    "  referred_ms bigint NOT NULL,"
    "  source text NOT NULL,"
    "  cause text NOT NULL,"
    "  status text NOT NULL,"
    "  flags text NOT NULL DEFAULT '',"
    "  converted_ms bigint,"
    "  days_to_convert int,"
    "  depth int NOT NULL,"
    "  PRIMARY KEY (tenant, referee));"
    "CREATE INDEX IF NOT EXISTS referral_links_referrer ON referral_links (tenant, referrer, referred_ms);"
    "CREATE TABLE IF NOT EXISTS referral_rejections ("
    "  tenant text NOT NULL,"
    "  cause text NOT NULL,"
    "  partition int NOT NULL,"
    "  referee text NOT NULL,"
    "  referrer text NOT NULL,"
    "  reason text NOT NULL,"
    "  message text NOT NULL,"
    "  ts_ms bigint NOT NULL,"
    "  PRIMARY KEY (tenant, cause));"
    "CREATE TABLE IF NOT EXISTS referral_rewards ("
    "  tenant text NOT NULL,"
    "  reward_key text NOT NULL,"
    "  partition int NOT NULL,"
    "  rule text NOT NULL,"
    "  side text NOT NULL,"
    "  beneficiary text NOT NULL,"
    "  referrer text NOT NULL,"
    "  referee text NOT NULL,"
    "  amount double precision NOT NULL,"
    "  status text NOT NULL,"
    "  ts_ms bigint NOT NULL,"
    "  cause text NOT NULL,"
    "  PRIMARY KEY (tenant, reward_key));"
    "CREATE INDEX IF NOT EXISTS referral_rewards_referrer ON referral_rewards (tenant, referrer);"
    "CREATE TABLE IF NOT EXISTS referral_attribution ("
    "  tenant text NOT NULL,"
    "  referrer text NOT NULL,"
    "  month text NOT NULL,"
    "  partition int NOT NULL,"
    "  revenue double precision NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (tenant, referrer, month));"
    "CREATE TABLE IF NOT EXISTS referral_key_people ("
    "  tenant text NOT NULL,"
    "  customer text NOT NULL,"
    "  partition int NOT NULL,"
    "  influence double precision NOT NULL,"
    "  entered_ms bigint NOT NULL,"
    "  PRIMARY KEY (tenant, customer));"
    "CREATE TABLE IF NOT EXISTS referral_introductions ("
    "  tenant text NOT NULL,"
    "  customer_a text NOT NULL,"
    "  customer_b text NOT NULL,"
    "  partition int NOT NULL,"
    "  a_term text NOT NULL,"
    "  b_term text NOT NULL,"
    "  pair_rank int NOT NULL,"
    "  suggested_ms bigint NOT NULL,"
    "  PRIMARY KEY (tenant, customer_a, customer_b));"
    "CREATE INDEX IF NOT EXISTS referral_introductions_b ON referral_introductions (tenant, customer_b)";

/* Step 2 (issue 18, facts by event time whatever the arrival order):
 *  - referral_nodes.net_revenue: purchases - refunds as summed, so own
 *    revenue is max(0, net) whatever order refunds come in;
 *  - the referee's first purchase whole (event id, order id, amount), so a
 *    link learnt after the purchases converts the right order;
 *  - the conversion as stated on referral_links (order id, amount), so a
 *    late event can tell whether what consumers saw changed;
 *  - referral_revenue: each customer's net revenue per local month, so a
 *    conversion learnt late credits each month's revenue to its month (and
 *    a conversion a late event takes back debits the same);
 *  - referral_key_people_cut: the tenant's next key-people cut on the
 *    tenant clock.
 * Revenue from before this step is not in the monthly history: it is put
 * in the UTC month of the customer's first purchase (the month a late link
 * credited it to before). Link depths become the referee's current depth. */
static const char step2[] =
    "ALTER TABLE referral_nodes ADD COLUMN net_revenue double precision;"
    "UPDATE referral_nodes SET net_revenue = own_revenue;"
    "ALTER TABLE referral_nodes ALTER COLUMN net_revenue SET DEFAULT 0,"
    "  ALTER COLUMN net_revenue SET NOT NULL,"
    "  ADD COLUMN first_event text, ADD COLUMN first_order_id text,"
    "  ADD COLUMN first_amount double precision;"
    "ALTER TABLE referral_links ADD COLUMN order_id text, ADD COLUMN amount double precision;"
    "UPDATE referral_links l SET depth = n.depth FROM referral_nodes n"
    "  WHERE n.tenant = l.tenant AND n.customer = l.referee AND n.depth <> l.depth;"
    "CREATE TABLE referral_revenue ("
    "  tenant text NOT NULL,"
    "  customer text NOT NULL,"
    "  month text NOT NULL,"
    "  partition int NOT NULL,"
    "  revenue double precision NOT NULL,"
    "  PRIMARY KEY (tenant, customer, month));"
    "INSERT INTO referral_revenue (tenant, customer, month, partition, revenue)"
    "  SELECT tenant, customer,"
    "    to_char(to_timestamp(first_purchase_ms / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM'),"
    "    partition, own_revenue"
    "  FROM referral_nodes WHERE own_revenue <> 0 AND first_purchase_ms IS NOT NULL;"
    "CREATE TABLE referral_key_people_cut ("
    "  tenant text NOT NULL PRIMARY KEY,"
    "  partition int NOT NULL,"
    "  next_ms bigint NOT NULL)";

const rp_migration rf_migrations[] = {
    {1, step1},
    {2, step2},
    {0, NULL},
};
