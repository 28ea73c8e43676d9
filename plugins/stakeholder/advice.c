/*
 * advice.c - the static advice tables of seed 004: the six role tactics
 * ("always show the client's gain; activate the initiator; win over
 * influencers; acknowledge the executor; serve the users; respect the
 * decision maker") and the four personality styles with how to deal with
 * each.
 */
#include "advice.h"

static const char *const role_actions[SH_ROLE_COUNT] = {
    [SH_ROLE_INITIATOR_INTERNAL] =
        "activate the initiator: give them the business case and material to push the purchase inside",
    [SH_ROLE_INFLUENCER_INTERNAL] =
        "win over the internal influencer: ask their view early, share evidence, make them co-author",
    [SH_ROLE_INFLUENCER_EXTERNAL] =
        "win over the external influencer: brief them first and make the recommendation easy to give",
    [SH_ROLE_EXECUTOR] =
        "acknowledge the executor: recognise their work and make the process easy for them",
    [SH_ROLE_DECISION_MAKER] =
        "respect the decision maker: be prepared and brief, speak to their goals, let them decide",
    [SH_ROLE_USER] =
        "serve the users: training, quick support, collect their feedback",
};

static const char *const style_advice[SH_STYLE_COUNT] = {
    [SH_STYLE_UNKNOWN] = "style unknown: observe and record it (customer.upsert style)",
    [SH_STYLE_DOMINANT] =
        "be punctual, brief and factual; bring data and facts; a professional image; let them decide",
    [SH_STYLE_ANALYTICAL] =
        "detailed data and analysis; pros and cons; raise objections yourself with reasons; "
        "evidence and guarantees; precise language",
    [SH_STYLE_AMIABLE] =
        "personal care; find common ground; a relaxed pace; visit often; never attack competitors",
    [SH_STYLE_EXPRESSIVE] =
        "build rapport first; share expectations; talk about success; keep in touch",
};

const char *sh_role_action(sh_role role)
{
    return (unsigned)role < SH_ROLE_COUNT ? role_actions[role] : "";
}

const char *sh_style_advice(sh_style style)
{
    return (unsigned)style < SH_STYLE_COUNT ? style_advice[style] : style_advice[SH_STYLE_UNKNOWN];
}

const char *sh_general_action(void)
{
    return "always show the client's gain: the collective interest first, then the personal one";
}

const char *sh_attitude_action(sh_attitude attitude)
{
    switch (attitude) {
    case SH_ATTITUDE_OPPONENT:
        return "opponent: understand the objection (collective or personal interest) before pushing";
    case SH_ATTITUDE_SUPPORTER:
        return "supporter: keep them informed and give them arguments to carry inside";
    default:
        return NULL;
    }
}

bool sh_is_champion(unsigned roles, sh_attitude attitude)
{
    unsigned champion_roles = SH_ROLE_BIT(SH_ROLE_DECISION_MAKER) | SH_ROLE_BIT(SH_ROLE_INITIATOR_INTERNAL);
    return attitude == SH_ATTITUDE_SUPPORTER && (roles & champion_roles) != 0;
}
