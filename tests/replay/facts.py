"""The order-independent facts: what the fully shuffled run (no order kept,
not even a customer's) must still agree on with the reference.

The late-event policy (proto/README.md): a fact the docs define by event
time is computed by event time whatever the arrival order. "First X" is the
least ts, "last X" the greatest, a conversion the earliest qualifying
purchase by ts, sums and counts commute, a profile field is the one of the
latest upsert by ts. Those columns are listed here, per table (primary key
columns are always compared, to pair the rows). Not listed: whatever a timer
decides from the state at its due time (tiers, scores, P(alive), care tasks
and their ledger, survey sends and expiries, escalations, coverage gaps and
strengths), since with no order kept a timer may fire before events that
precede it in event time; and bookkeeping of which event came first
(referral_links.source and cause, referral_rejections).

A plugin whose doc says a listed fact legitimately depends on arrival order
takes it out here, with the reason, in the same change."""

ORDER_INDEPENDENT = {
    # scoring: purchase history and profile links (evidence.c, handlers.c).
    "public.scoring_customers": ["first_purchase_ms", "last_purchase_ms", "bgnbd_x", "referred_by"],
    "public.scoring_promos": ["starts_ms", "ends_ms", "depth"],
    # care: the profile (customer.upsert) and the first event seen.
    "public.care_customers": ["timezone", "channel", "consent_contact", "consent_marketing", "special_days",
                              "first_seen_ms"],
    "public.care_holdings": ["customer", "product", "quantity", "buy_price", "stop_loss", "take_profit",
                             "risk_preference"],
    "public.contact_budget": ["max_touches"],
    # survey: complaints (opened, first response, resolution, their SLA
    # verdicts follow from those times), suggestions, profiles.
    "public.survey_complaints": ["customer", "source", "survey_id", "severity", "category", "text", "opened_ms",
                                 "opened_month", "first_response_due_ms", "resolution_due_ms",
                                 "first_response_ms", "first_response_met", "resolved_ms", "resolved_month",
                                 "outcome", "resolution_business_ms", "resolution_met"],
    "public.survey_suggestions": ["customer", "ts_ms", "topic", "text", "adopted"],
    "public.survey_customers": ["timezone"],
    # referral: who referred whom, the conversion (earliest qualifying
    # purchase by ts), revenue and the tree built from them.
    "public.referral_links": ["referrer", "referred_ms", "status", "converted_ms", "days_to_convert", "depth",
                              "flags"],
    "public.referral_nodes": ["referred_by", "depth", "height", "subtree_size", "own_revenue", "subtree_revenue",
                              "converted", "converted_referrals", "first_purchase_ms", "timezone", "email_hash",
                              "phone_hash", "profession", "industry"],
    "public.referral_attribution": ["revenue"],
    "public.referral_rewards": ["rule", "side", "beneficiary", "referrer", "referee", "amount"],
    # stakeholder: the org and its members as the upserts (latest by ts)
    # and departures say; interactions counted, the last one by ts.
    "public.stakeholder_orgs": ["name", "industry", "size", "country", "timezone", "owner", "members",
                                "half_life_ms"],
    "public.stakeholder_members": ["roles", "influence", "attitude", "title", "interests_collective",
                                   "interests_personal", "active", "joined_ms", "left_ms", "left_reason"],
    "public.stakeholder_people": ["style", "interactions", "last_interaction_ms"],
    "public.stakeholder_advice": ["advice"],
}
