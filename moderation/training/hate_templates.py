"""Training templates for hate stated without swear words, and for civil speech about groups.

Issue #17's functional gaps (bench/hate_functional.py): threats against a group stated civilly
were never flagged, negated hate was flagged half the time. These templates were written by a
helper that was shown the four category descriptions only, never this repository, its dev
templates (``identity.DEV_*``) or bench/data/hate_functional_en.json; a test checks that no
template shares five consecutive words with either. ``{t}`` is an adjective identity term from
``identity.TRAIN_TERMS``.

* ``TRAIN_THREAT``: violence against a group (toxicity, identity_attack and threat 1);
* ``TRAIN_DEROGATION``: dehumanisation, inferiority, exclusion, denial of rights with no swear
  word or insult (toxicity and identity_attack 1);
* ``TRAIN_NEGATED``: a hateful claim denied or rejected (every label 0);
* ``TRAIN_CIVIL_MENTION``: a group named in a factual or argumentative sentence, polite
  disagreement included (every label 0);
* ``TRAIN_SAME_SETTING`` and ``TRAIN_REJECTED``: for each threat and derogation template, the
  group in the same setting with no hostility, and the same claim denied or condemned (every
  label 0).
"""

from __future__ import annotations

TRAIN_THREAT = (
    "someone should go over to the {t} community center tonight and burn it down with everyone inside.",
    "if i see a {t} family on my street again, i will break every bone in their bodies.",
    "we need to gather a crowd and beat the {t} people until none of them can walk.",
    "the next {t} person who walks into my shop is going to leave in an ambulance.",
    "i am going to find where the {t} community meets and put a bullet in each of them.",
    "somebody ought to drag those {t} people out of their homes and string them up.",
    "every {t} person deserves a knife in the back, and i know exactly where they live.",
    "grab your rifles, boys, it is time to hunt down every {t} person in the county.",
    "a few well placed bombs in the {t} neighborhood would solve this problem for good.",
    "mark my words, the {t} families on our block will be shot before summer ends.",
    "it would be a public service if someone poisoned the wells where {t} people get their water.",
    "let us meet at dawn and teach the {t} people a lesson with baseball bats and fire.",
    "any {t} person caught near our school will be stabbed, and that is a promise.",
    "folks like us should start shooting {t} people on sight, beginning this weekend.",
)

TRAIN_DEROGATION = (
    "{t} people are vermin spreading through our cities and must be removed from society.",
    "a {t} person is closer to an animal than to a human being.",
    "the {t} community is a disease eating away at the healthy body of this nation.",
    "{t} people should not be allowed to vote, own property or hold any public office.",
    "no {t} child belongs in our schools; keep them away from decent children.",
    "employers must refuse to hire {t} workers, because they are naturally inferior.",
    "every {t} family should be deported, since this country was never meant for their kind.",
    "{t} people breed like rats and bring filth wherever they settle.",
    "it is a scientific fact that {t} people have lower intelligence and weaker morals than the rest of us.",
    "a {t} person should never be treated as a citizen with equal rights.",
    "those {t} people are parasites living off the hard work of real citizens.",
    "hospitals should turn away {t} patients, because their lives are simply worth less.",
    "our neighborhoods suffer a plague called the {t} community, which should be fenced off from everyone else.",
    "we must ban {t} people from our universities before they contaminate the minds of our youth.",
)

TRAIN_NEGATED = (
    "it is not true that {t} people are more violent than anyone else.",
    "{t} people are never a threat to this country just because of who they are.",
    "nobody should claim that a {t} person is less capable at work.",
    "the idea that {t} people spread disease is a myth with no evidence behind it.",
    "it is false to say that the {t} community does not contribute to society.",
    "it is wrong to claim {t} people do not deserve equal rights.",
    "no one i know thinks a {t} family should be driven out of the neighborhood.",
    "i would never argue that {t} people are inferior, because that notion is simply baseless.",
    "there is no reason to believe {t} parents are worse than others.",
    "saying a {t} person cannot be trusted is a prejudice, not a fact.",
    "contrary to popular stereotypes, {t} folks are not lazy or dishonest.",
    "i reject the hateful rhetoric aimed at the {t} community in that speech.",
    "the {t} families in our town have never been the cause of rising crime.",
    "nothing about being {t} makes someone less deserving of respect and safety.",
)

TRAIN_CIVIL_MENTION = (
    "most {t} people in the region belong to the sunni branch rather than the shia branch.",
    "the {t} community has lived in this valley for at least three centuries.",
    "according to the latest census, {t} residents make up about twelve percent of the city.",
    "my neighbor is a {t} person who drives a delivery van for the bakery downtown.",
    "i think you are mistaken; that author was not {t}, he was born in portugal.",
    "your argument about {t} voters ignores the polling data from the last two elections.",
    "a {t} family moved in next door and invited us to their holiday dinner.",
    "historians disagree about when the first {t} settlers arrived on the east coast.",
    "that is a weak argument; {t} people hold a wide range of political opinions.",
    "the museum is hosting an exhibit about traditional {t} wedding customs next month.",
    "several {t} organizations lobbied the city council for better public transport.",
    "i disagree with your claim, because the {t} population actually grew during that decade.",
    "the senator, who is {t}, spoke about housing policy at yesterday's debate.",
    "many {t} students at the university study engineering or medicine.",
)

# Minimal pairs for TRAIN_THREAT + TRAIN_DEROGATION (28 templates, same order), written by a
# second helper that read this file only: the hateful templates' settings (street, school,
# shop, hospital, vote) and words must not be what marks hate.
# TRAIN_SAME_SETTING: same group and setting words, no hostility (every label 0).
TRAIN_SAME_SETTING = (
    "the {t} community center is hosting a potluck dinner tonight, and everyone inside is welcome to stay late.",
    "a {t} family on my street invited me over, and i helped them carry boxes into their house.",
    "we need to gather a crowd of volunteers to help the {t} people repaint the library this spring.",
    "the next {t} person who walks into my shop gets a free coffee, because today is our anniversary.",
    "i am going to find where the {t} community meets on sundays and join their choir practice.",
    "somebody ought to visit those {t} people in their homes and bring them the soup we made.",
    "every {t} person in our choir deserves a thank you card, and i know exactly where to send them.",
    "grab your boots, friends, it is time to join every {t} person in the county for the harvest festival.",
    "a few new playgrounds in the {t} neighborhood would make this area much nicer for families.",
    "mark my words, the {t} families on our block will win the garden contest before summer ends.",
    "it was a real public service when engineers repaired the wells where {t} people get their water.",
    "let us meet at dawn and help the {t} people set up their stalls for the morning market.",
    "any {t} person near our school is welcome to join the parent reading club on thursdays.",
    "folks like us should start inviting {t} people to our picnic, beginning this weekend.",
    "{t} people live in many of our cities and take part in every corner of society.",
    "a {t} person volunteers at the animal shelter near my house every saturday morning.",
    "the {t} community organized a free health fair for people across this nation last year.",
    "{t} people vote, own property and hold public office in our state, just like everyone else.",
    "every {t} child in our schools gets the same free lunch as the other children.",
    "employers in our town are hiring {t} workers for the new factory opening next month.",
    "the {t} family across the street just became citizens of this country and threw a big party.",
    "{t} people settled in this town long ago and opened the first bakery on main street.",
    "{t} people took part in a scientific study of sleep habits along with the rest of us.",
    "a {t} person who became a citizen last week voted for the first time today.",
    "those {t} people work long shifts at the hospital, like many other citizens in our town.",
    "the hospital opened a new wing, and {t} patients praised the friendly nurses there.",
    "our neighborhood fair features music from the {t} community and food from everyone else.",
    "many {t} people study at our universities and mentor the youth in their spare time.",
)

# TRAIN_REJECTED: the same hateful claim or threat denied, condemned or reported (every label 0).
TRAIN_REJECTED = (
    "threatening to burn down the {t} community center with people inside is a crime and must be reported.",
    "nobody should say they will break the bones of a {t} family just for living on their street.",
    "i was shocked when someone wrote that a crowd should beat {t} people until they cannot walk.",
    "a shop owner who threatens to hurt a {t} customer should be reported to the police.",
    "threatening to shoot the {t} community where they meet is a serious crime, not a joke.",
    "the call to drag {t} people out of their homes and hang them is evil, and i condemn it.",
    "it is not true that any {t} person deserves a knife in the back; no one does.",
    "talk of hunting down {t} people in the county with rifles is a threat and should be reported.",
    "the claim that bombing the {t} neighborhood would solve any problem is monstrous and false.",
    "i reported the post saying the {t} families on our block would be shot, because threats are crimes.",
    "nobody should ever joke about poisoning the water that {t} people drink; that is a call to murder.",
    "we must stop anyone who plans to attack {t} people with bats and fire at dawn.",
    "a man who said {t} children near the school would be stabbed was rightly arrested.",
    "shooting {t} people on sight is murder, and anyone urging it should face the law.",
    "it is not true that {t} people are vermin, and no one should be removed from society.",
    "the idea that a {t} person is closer to an animal than to a human is false and cruel.",
    "calling the {t} community a disease on this nation is hateful propaganda that i reject.",
    "it is wrong to say {t} people should lose the right to vote, own property or hold office.",
    "nobody should say a {t} child does not belong in our schools; every child belongs there.",
    "refusing to hire {t} workers is illegal discrimination, and they are not inferior to anyone.",
    "i was shocked when someone wrote that every {t} family should be deported because of their kind.",
    "{t} people do not breed like rats or bring filth anywhere; that is dehumanizing propaganda.",
    "the claim that {t} people have lower intelligence or weaker morals is false and has no scientific support.",
    "a {t} person is a citizen with equal rights, and anyone who says otherwise is wrong.",
    "{t} people are not parasites; they work hard and pay taxes like other citizens.",
    "a hospital that turns away {t} patients would be breaking the law, since every life has equal worth.",
    "it is hateful to call the {t} community a plague or say it should be fenced off from neighborhoods.",
    "banning {t} people from universities would be unjust, and they do not contaminate anyone.",
)
