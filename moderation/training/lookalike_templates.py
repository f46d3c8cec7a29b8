"""Training sentences against two false alarms of issue 17: look-alike words and mild words
aimed at things (``finetune --augment-lookalike N``; version 4 of minilm-tox).

Tuples:

TRAIN_LOOKALIKE_CIVIL  -- 60 civil comments, each containing at least one innocent
    word that looks like or contains a swear word (the "Scunthorpe problem"): place
    names, surnames, technical and food words, and real-world misspellings or dated
    variants of religious/ethnic group names (shitte, Shi'ite, Sunnie, Moslem, Hindoo,
    Jewess). About a dozen are about religion or Middle-East / South-Asian politics.
    Label: not toxic.
TRAIN_MILD_AT_THING    -- 60 civil comments in which a mild negative word (stupid,
    dumb, idiotic, ridiculous, silly, insane, pathetic, crazy) describes a thing,
    decision, policy, mistake, situation, result, the weather, a machine or the
    writer's own behaviour, never another person. Some discuss violence in a news or
    analytical way. Label: not toxic.
TRAIN_MILD_AT_PERSON   -- 60 insulting comments where the same mild words are aimed
    at a person (the reader, the author, another commenter, a named or described
    person). Rude, but no slurs and no swear words. Label: toxic (contrast class).
TRAIN_LOOKALIKE_INSULT -- 20 insulting comments that contain a real or obfuscated
    swear word next to one of the innocent look-alike words, so the look-alike word
    itself is not learned as the signal. Label: toxic.

How it was written: by a helper working from a category description only. The helper
never saw the repository, its dev sets or its benchmarks; every sentence was composed
by hand for this file. Its brief named example words (Scunthorpe, cockpit, shitte for
Shiite...) and one example sentence modelled on seed comment #6 ("attacking civilians would be a
stupid mistake that only brings back extremism"), so seeds #6 and #7 are not blind to it.
A test checks that no sentence shares five consecutive words with a dev set
(bench/data/false_alarms_en.json, written by another helper, and the other dev templates).
"""
from __future__ import annotations

TRAIN_LOOKALIKE_CIVIL: tuple[str, ...] = (
    "Scunthorpe United played much better in the second half, and the new striker looks like a real bargain for a club that size.",
    "We drove through Penistone on the way to Sheffield and stopped for lunch at a lovely little cafe near the station.",
    "The county council in Essex has finally agreed to fix the potholes on the coast road, which is long overdue.",
    "Middlesex batted well on the first day, but the pitch at Lord's is expected to turn by Saturday.",
    "Sussex has some of the best walking country in the south, especially along the Downs in early autumn.",
    "Reading Dickens at school put me off for years, but Bleak House is honestly a brilliant book as an adult.",
    "Hancock's handling of the procurement contracts deserves a proper inquiry, whatever your view of the lockdowns themselves.",
    "Cockburn Street in Edinburgh is one of my favourite places to wander, full of small record shops and cafes.",
    "Yes, Shitterton really is a village in Dorset, and the residents once bought a stone sign so people would stop stealing it.",
    "Clitheroe Castle has a surprisingly good little museum, and the view from the keep over the Ribble Valley is worth the climb.",
    "Lake Titicaca sits at over 3,800 metres, so give yourself a couple of days to adjust before you do any hiking.",
    "The probe data on Uranus suggests the planet's tilt may come from a giant collision early in the solar system's history.",
    "Bangkok traffic is legendary, so take the Skytrain whenever you can and save the taxis for late at night.",
    "Assisi is quieter than Florence and the basilica frescoes are stunning; we spent two full days there and wanted more.",
    "The pilot reportedly left the cockpit door unlocked, which is exactly what the investigators should be looking into.",
    "try a classic gin cocktail with fresh cucumber and a splash of tonic, it beats anything from a premixed can",
    "A peacock wandered into our garden this morning and the dog had no idea what to make of it.",
    "The film is a fictional account of an assassin in 1960s Paris, and the period detail is beautifully done.",
    "This passage from the report makes it clear the funding was cut before the new manager even arrived.",
    "He plays bass in a local jazz trio, and they're on at the library on Thursday evening if anyone is interested.",
    "Cutting the grass verges only twice a year is supposed to help pollinators, and our street has never looked better.",
    "Without a compass or a charged phone, the walkers did well to find the shelter before the fog came down.",
    "The analysis in this article is solid, but it ignores how much the interest rate rise hit first-time buyers.",
    "My therapist suggested keeping a journal, and after three months I can say it has genuinely helped with my sleep.",
    "The leaked document appears genuine, though the ministry says it was only an early draft that was never approved.",
    "Our allotment produced so many cucumbers this year that we've been pickling them every weekend since July.",
    "Badminton players go through a shuttlecock surprisingly quickly at club level, so the price rise really does add up.",
    "Hitchcock's Rear Window still holds up; the whole thing takes place in one apartment and it never feels slow.",
    "The old mill has a real Dickensian feel to it, with narrow stairs, soot-stained brick and iron shutters.",
    "My grandmother kept a scrapbook of every local newspaper story about the flood, and it's now in the county archive.",
    "The new skyscraper will block the view of the cathedral from the river, which is why the heritage groups objected.",
    "Butterscotch sauce is easy: brown sugar, butter, cream and a pinch of salt, and keep stirring so it doesn't catch.",
    "The pussy willow by the canal is already in bloom, which feels early even for a mild February.",
    "Shiitake mushrooms work really well in this stir fry, though chestnut mushrooms are a fine cheaper swap.",
    "Cockermouth flooded again last winter, and residents say the new defences were promised years ago.",
    "The Scunthorpe steelworks employs thousands of people, so the decision on the blast furnaces matters enormously to the town.",
    "Arsenal fans will be happy with the result, but the midfield still looked thin in the last twenty minutes.",
    "Massachusetts passed a similar law two years ago, so it would be useful to see their data before copying it.",
    "Blue tits are nesting in our box again, and in America their close relatives are called titmice, which always makes my kids laugh.",
    "The Wankie game reserve in Zimbabwe was renamed Hwange decades ago, but older guidebooks still use the old name.",
    "Penistone Grammar School is one of the oldest schools in the country, founded back in the fourteenth century.",
    "Proper Cumberland sausage should be coiled, coarse and peppery, and the local butcher here makes an excellent one.",
    "The sextant exhibit at the maritime museum explains how sailors worked out their latitude long before satellites.",
    "We climbed Great Cockup in the northern fells last weekend; it's a quiet hill with lovely views across to Skiddaw.",
    "Twatt in Orkney is tiny, but the old wartime airfield there is worth a look if you like aviation history.",
    "Sheila Dikshit served as Delhi's chief minister for fifteen years, and much of the metro was built on her watch.",
    "Dried shitake are cheaper than fresh and give the broth a much deeper flavour, just soak them for twenty minutes first.",
    "The citadel at Bitche in Lorraine held out through the whole siege of 1870, which is an impressive bit of history.",
    "A wild cockatoo has been visiting our balcony every morning for crumbs, and the neighbours find it delightful.",
    "A mishit drive on the sixteenth cost him the lead, but he recovered well with a birdie on the last hole.",
    "Actually the shittes and Sunnis share most core beliefs; the split was originally about who should lead after the Prophet's death.",
    "I think you've got it the wrong way round: the governor is a Shi'ite, not a Sunni, and his family is from Najaf.",
    "Most shitte communities in southern Lebanon backed the ceasefire, according to the polling the article cites.",
    "The Sunnie majority in that province boycotted the election, which is why the turnout figures look so strange.",
    "My grandfather always wrote Moslem rather than Muslim; it was the normal spelling in British newspapers back then.",
    "Older colonial census records use the spelling Hindoo, which makes searching the archive harder than it should be.",
    "He isn't a Twelver shitte, he's Ismaili, which is a separate branch with its own imam and quite different practices.",
    "The shittes in Bahrain are a majority of the population but have long said they are underrepresented in government.",
    "Pakistan has a sizeable shitte minority, and the piece should mention the sectarian attacks on Hazara families in Quetta.",
    "Sorry, but I don't think Assad's family is Sunnie; they are Alawite, which is usually counted as an offshoot of Shia Islam.",
)

TRAIN_MILD_AT_THING: tuple[str, ...] = (
    # stupid (18)
    "I made a stupid mistake on my tax return and the correction took three months to go through.",
    "Scrapping the bus route was a stupid decision when half the village doesn't drive.",
    "Attacking civilians would be a stupid mistake that only brings back extremism and hands the militants a recruiting tool.",
    "It's a stupid rule that you can't park outside your own house on match days, even with a resident permit.",
    "honestly the stupid printer jammed again right before the council meeting, so we read the minutes off a phone",
    "Losing to a last-minute own goal is such a stupid way to go out of the cup after playing so well.",
    "The plan to build on the flood plain looks stupid in hindsight, and the insurers are now refusing cover.",
    "Shelling the power plant would be a stupid escalation with consequences for the whole region, whoever fires first.",
    "I did something stupid and left my passport on the train, but the station staff were brilliant and found it.",
    "Cutting the school nurse budget to save a few thousand pounds is a stupid policy that will cost more later.",
    "Blocking the sale of the land to the community trust was a stupid move by the company, and the backlash proves it.",
    "This weather is stupid: sunshine at breakfast, hail at lunch and a thunderstorm by teatime.",
    "Looking back, my stupid idea of cycling to work in January didn't last beyond the first icy morning.",
    "The army's decision to send troops in without air cover was a stupid tactical error, as several historians have argued.",
    "Charging people to use the hospital car park while they visit dying relatives is a stupid and cruel policy.",
    "The referee's decision looked stupid on the replay, but from his angle I can see why he gave it.",
    "It was a stupid accident, a loose rug on the stairs, and thankfully my mum only sprained her wrist.",
    "Raising tariffs on your biggest trading partner during a slowdown seems like a stupid gamble to most economists.",
    # dumb (6)
    "In hindsight it was a dumb idea to schedule the roadworks during the summer festival.",
    "I made a dumb error converting the units, so the recipe should say 250 grams of flour, not 25.",
    "Invading a neighbour to distract from problems at home is a dumb strategy that has failed throughout history.",
    "The dumb thing about the new app is that you need a password just to check the bin collection day.",
    "Renaming the stadium after a sponsor was a dumb marketing decision that the fans will never accept.",
    "That was a dumb penalty to give away in the ninetieth minute, but luckily the keeper saved us.",
    # idiotic (6)
    "The idiotic part of this policy is that it penalises the councils that actually balanced their budgets.",
    "Bombing the port would be an idiotic move that kills dockworkers and hardens support for the regime.",
    "Closing both bridges on the same weekend was an idiotic bit of planning by the highways department.",
    "I made an idiotic blunder and deleted the whole photo folder, though luckily I had a backup.",
    "What's idiotic about the new parking rules is that nobody can tell where the zones start or end.",
    "It's an idiotic system that requires three separate forms to renew a fishing licence online.",
    # ridiculous (6)
    "Eighty pounds for a match ticket is ridiculous, especially for a club that's been relegated twice.",
    "The queue at passport control was ridiculous, nearly two hours with only three desks open.",
    "It's a ridiculous situation when nurses can't afford to live in the town where they work.",
    "The proposal to cut the fire service while the town keeps growing is ridiculous, and the report says so plainly.",
    "I know it sounds ridiculous, but I've baked bread every weekend since lockdown and I still burn the crust.",
    "Threatening a military response over a fishing dispute seems ridiculous and dangerously out of proportion.",
    # silly (6)
    "It was a silly mistake on my part to book the ferry for the wrong day, but the company changed it for free.",
    "The rule about not wearing team colours in the family stand is silly and should be dropped.",
    "A silly typo in the press release said the bridge would cost 40 billion instead of 40 million.",
    "The silly season has clearly arrived if the front page is about a giant marrow.",
    "I felt a bit silly asking my question at the meeting, but several people thanked me afterwards.",
    "Paying for a second inquiry into the first inquiry seems a silly use of public money.",
    # insane (6)
    "The price of a pint in central London now is insane, nearly eight pounds in some places.",
    "That goal from forty yards was insane, easily the best I've seen at the ground in years.",
    "Launching airstrikes on a crowded city would be an insane escalation that no ally could support.",
    "The heat this week has been insane; our thermometer hit 38 degrees on the patio.",
    "It's an insane amount of paperwork just to put up a small shed behind the house.",
    "The commute on the new timetable is insane, nearly ninety minutes for a trip that used to take forty.",
    # pathetic (6)
    "The turnout for the local election was pathetic, under twenty percent in some wards.",
    "Our defending in the second half was pathetic, three goals conceded from set pieces.",
    "The compensation offered to the flood victims is pathetic compared with what the insurers collected.",
    "I'll admit my attempt at a souffle last night was pathetic; it collapsed before it reached the table.",
    "The response to the sewage spills has been pathetic, with fines that barely dent the water companies' profits.",
    "The wifi on this train is pathetic, so I'll read the rest of the article when I get home.",
    # crazy (6)
    "The weather has been crazy this spring, snow one week and twenty degrees the next.",
    "It's crazy that the town lost its last bank branch and now pensioners have to travel an hour.",
    "Sending more troops into the valley without a supply route seems a crazy plan that risks heavy casualties.",
    "I know it's crazy, but I drove four hours to see the eclipse and it was worth every minute.",
    "The crazy thing about this budget is that the biggest cut falls on the department with the most demand.",
    "House prices round here have gone crazy since the new rail link opened, and young families are being priced out.",
)

TRAIN_MILD_AT_PERSON: tuple[str, ...] = (
    # stupid (15)
    "You are too stupid to understand the article, so stop pretending you read it.",
    "Only a stupid person would believe the nonsense you just posted.",
    "The author is clearly stupid, and this piece proves he has no idea how a budget works.",
    "Are you really this stupid or do you just enjoy wasting everyone's time?",
    "She's a stupid, lazy reporter who copies press releases and calls it journalism.",
    "Anyone who votes for him is stupid, and you're the stupidest of the lot.",
    "Stop talking, you stupid little man, nobody here cares about your opinion.",
    "What a stupid commenter you are, every single post of yours is wrong.",
    "The mayor is a stupid clown and everyone in this town knows it.",
    "You must be stupid if you still can't see what everyone else has pointed out twice.",
    "your stupid brain can't handle a simple graph, can it?",
    "He's the most stupid columnist this paper has ever hired, and that's saying something.",
    "Go back to school, you stupid kid, and learn to spell before you comment.",
    "People like you are stupid and gullible, which is exactly why these scams keep working.",
    "The coach is stupid, plain and simple, and he should have been sacked last season.",
    # dumb (7)
    "You're too dumb to follow a basic argument, so don't bother replying.",
    "She is a pathetic, dumb hack who wouldn't know a fact if it bit her.",
    "What a dumb person you are to fall for that headline.",
    "The writer must be dumb as a rock to publish something this lazy.",
    "Hey dumb dumb, read the article before you start typing.",
    "Every reply from you is dumber than the last; you really are a dumb troll.",
    "Our MP is dumb and everybody in the constituency knows he just reads whatever his advisers hand him.",
    # idiotic (6)
    "You're an idiotic fool and your comments are embarrassing to read.",
    "Only an idiotic man like you could misread a chart this badly.",
    "The idiotic columnist should be fired before he writes another word.",
    "Listen, you idiotic troll, nobody asked for your conspiracy theories.",
    "She's an idiotic presenter who interrupts every guest she disagrees with.",
    "You are idiotic and rude, and I'm done arguing with you.",
    # ridiculous (6)
    "You are ridiculous, and frankly nobody takes you seriously here.",
    "What a ridiculous little man the minister is, strutting around like he won something.",
    "The author is a ridiculous clown who should stick to writing horoscopes.",
    "You look ridiculous defending him, and everyone reading this thread can see it.",
    "He's a ridiculous, self-important windbag who never answers a straight question.",
    "Honestly, you're the most ridiculous person in this whole comment section.",
    # silly (6)
    "You silly old fool, read the whole report before you embarrass yourself again.",
    "She's a silly woman who clearly has no idea what she's talking about.",
    "Grow up, you silly child, and stop spamming the thread.",
    "The presenter is a silly airhead who gets every single fact wrong.",
    "Only a silly person like you would think that's a clever point.",
    "You're being silly and ignorant, as usual, and it's getting tiresome.",
    # insane (6)
    "You're completely insane if you believe a word of that, and frankly you sound unhinged.",
    "The guy who wrote this is insane and should never be allowed near a keyboard.",
    "Are you insane or just dim? Either way, stop posting.",
    "She's an insane attention seeker who will say anything for clicks.",
    "Only an insane person would still defend this councillor after everything he's done.",
    "You sound insane, ranting at everyone in this thread like a lunatic.",
    # pathetic (7)
    "You're pathetic, hiding behind an anonymous account to bully people.",
    "This so-called journalist is pathetic, and he should be ashamed of himself.",
    "The manager is a pathetic coward who blames the players for everything.",
    "You pathetic little troll, go find something better to do with your evenings.",
    "He is pathetic and weak, and everyone in parliament knows it.",
    "Pathetic. You're a pathetic man who can't handle being wrong.",
    "Our councillor is a pathetic liar and he should resign tomorrow.",
    # crazy (7)
    "You're crazy and you need help, not a comment section.",
    "The author is a crazy fanatic and this article is just his latest rant.",
    "Stop listening to her, she's a crazy old bat who invents half her stories.",
    "You crazy loon, nobody believes the moon landing was faked.",
    "He's a crazy, arrogant hothead who shouldn't be running a parish council, let alone a country.",
    "Only a crazy person would keep posting the same nonsense after being corrected five times.",
    "You are crazy and dumb, and I feel sorry for anyone who has to live with you.",
)

TRAIN_LOOKALIKE_INSULT: tuple[str, ...] = (
    "The cocktail bar owner is a total sh*t and a liar, and he still owes my brother two months' wages.",
    "Whoever runs the Scunthorpe fan page is a complete f***ing idiot who bans anyone who disagrees.",
    "That Essex councillor is a lying bastard and everyone at the planning meeting knew it.",
    "The Middlesex captain is an arrogant a**hole who sledges teenagers on their debut.",
    "You're a shitty excuse for a historian if you think Dickens never wrote about poverty.",
    "The pilot who left the cockpit door open is a useless dickhead and should never fly again.",
    "My neighbour Mr Hancock is a spineless sh*tbag who reported us to the council over a bonfire.",
    "Shut up about your classic cars, you boring piece of crap, nobody cares.",
    "The therapist in this story sounds like a greedy f*cking fraud who preys on grieving families.",
    "Go back to your Bangkok beach bar, you drunk a-hole, and stop lecturing us about local politics.",
    "This Sussex landlord is a total prick who keeps every deposit for no reason at all.",
    "Some sh1tty commenter keeps mocking the Shi'ite families in this story; you're a bigoted coward.",
    "You absolute bastard, the analysis you posted was copied word for word from my blog.",
    "The shuttlecock-smashing coach at our club is a screaming arsehole who makes kids cry.",
    "The bloke at the Clitheroe chippy is a rude twat who shortchanges every tourist.",
    "Your peacock strutting in every thread is tiresome, you smug little sh*t.",
    "The assassin in this film is better written than your comments, you pathetic f**kwit.",
    "The Penistone parish clerk is a crooked b*stard who fiddled the village hall accounts.",
    "Stop posting your Hitchcock trivia, you pretentious dickhead, nobody asked.",
    "The skyscraper developer is a greedy f***ing crook who lied to every resident on the estate.",
)


def augmentation(seed: int, n: int) -> list[tuple[str, dict[str, float | None]]]:
    """``n`` (text, labels) rows, half civil (look-alike words, mild words at things: every
    label 0), half their contrast (mild words at a person: toxicity and insult 1; look-alike
    words beside a real insult: obscene as well). Labels left None are not trained."""
    import random

    rng = random.Random(seed + 101)
    none: dict[str, float | None] = dict.fromkeys(
        ("toxicity", "obscene", "threat", "insult", "identity_attack"))
    civil = TRAIN_LOOKALIKE_CIVIL + TRAIN_MILD_AT_THING
    out: list[tuple[str, dict[str, float | None]]] = []
    for k in range(n):
        if k % 2 == 0:
            out.append((rng.choice(civil), dict.fromkeys(none, 0.0)))
        elif rng.random() < len(TRAIN_LOOKALIKE_INSULT) / (
                len(TRAIN_LOOKALIKE_INSULT) + len(TRAIN_MILD_AT_PERSON)):
            out.append((rng.choice(TRAIN_LOOKALIKE_INSULT),
                        {**none, "toxicity": 1.0, "insult": 1.0, "obscene": 1.0}))
        else:
            out.append((rng.choice(TRAIN_MILD_AT_PERSON),
                        {**none, "toxicity": 1.0, "insult": 1.0, "obscene": 0.0}))
    return out
