"""English reports are flagged urgent like Russian and Kazakh ones (ml.urgency_signals_en).

The two lists are a development set written for these rules from how tourists, expats and students write (typos,
no "now", the danger named late in the sentence): danger happening now, and look-alikes that are not urgent (past
events, questions about the law, hypotheticals, chronic situations). bench/routing_en.jsonl is never tuned on.
"""

from __future__ import annotations

import re

import pytest

from ml import urgency
from ml.dataset import load_examples
from ml.lang import reading_text
from ml.text import fold
from ml.urgency import detect_urgency
from ml.urgency_signals import SIGNALS

URGENT = [
    "please help, a man is attacking my wife in the street, come fast",
    "they are attacking us near the club on Dostyk, come quickly!!",
    "he grabbed me by the throat tonight, he is still in the apartment and i am scared",
    "my boyfriend choked me 10 minutes ago and he is still here, i locked myself in the bathroom",
    "my leg is broken and the driver drove away, i am lying near the bus stop on Tole bi",
    "a car hit me on the crosswalk and drove off, i cant stand up",
    "there is a drunk driver swerving all over the road on Al-Farabi now",
    "the guy driving the white Camry in front of me is totally drunk, he is going to Medeu now",
    "my taxi driver is drunk and driving very fast, i am in the car now",
    "my father has Alzheimer's and left the house this morning, we cant find him anywhere",
    "my grandmother with dementia is missing since 2pm, she wandered off from the park",
    "my brother said he wants to end his life and he left the house, his phone is off",
    "my friend texted me that he wants to die and now he is not answering",
    "a man is standing on the roof of our building and says he will jump",
    "someone is trying to break into my apartment, i hear them at the door",
    "there is a stranger in my house, i am hiding in the bedroom",
    "two men broke into the neighbours flat, they are still inside",
    "help! my husband is hitting me and the kids",
    "my neighbour is screaming, someone is hurting her, please send police",
    "a guy pulled a knife on me at the bus stop, he is still around",
    "a man is threatening people with a gun in the mall",
    "i was stabbed, bleeding a lot, in the courtyard of Abay 45",
    "man collapsed in the metro station and is not breathing",
    "my friend is having a seizure in the hostel, what do i do",
    "a woman is lying on the road after an accident, she is not moving",
    "a kid fell from the 4th floor window, he is lying on the ground",
    "there is a fire in our dorm kitchen, lots of smoke",
    "the apartment above us is on fire",
    "very strong gas smell in our stairwell",
    "a man is drowning at Kapchagay, nobody can reach him",
    "two men are robbing a woman near the ATM right now",
    "a group of guys is beating a man at the bus stop, he is on the ground",
    "my ex is banging on my door and says he will kill me, he is drunk",
    "my husband is threatening to kill me with a knife",
    "someone is kidnapping a girl, they pushed her into a car on Satpayev",
    "i think a woman is being raped in the next hotel room, she is screaming",
    "my 6 year old son got lost in Dostyk Plaza, we cant find him",
    "my daughter is 14, she hasn't come home and doesn't answer the phone",
    "there was an explosion in the building next door, people are running out",
    "the taxi driver refuses to let me out of the car and is driving me somewhere else",
    "my landlord locked me in the apartment and took my passport, he won't let me out",
    "a man is having a heart attack in the shop",
    "my wife is unconscious, she hit her head on the floor",
    "a pedestrian was hit by a car just now on Abay, he is lying there",
    "guys are fighting with knives outside the bar",
    "my friend overdosed, he is not responding",
    "my roommate cut her wrists, there is blood everywhere",
    "a man wants to jump off the bridge over the river",
    "fight outside my window, one guy is bleeding badly",
    "help, i am being attacked",
    "we are being attacked by a group of men near the hostel",
    "he is beating his wife again, i can hear her crying now",
    "a baby is locked in a hot car at the Magnum parking",
    "an old man fell on the ice and cant get up, his head is bleeding",
    "my mom is 78 and has memory problems, she went out 5 hours ago and hasn't come back",
    "my uncle suffers from dementia and got lost, he does not speak russian",
    "my sister is threatening suicide and locked herself in the bathroom",
    "a drunk guy is driving a truck on the highway, he keeps crossing into the other lane",
    "a man is attacking people with a broken bottle at the bazaar",
    "a guy just punched me in the face and grabbed my bag, he is running towards the park",
    "there is a man with a gun in front of the school",
    "the house next to us is burning and there are kids inside",
    "my girlfriend's ex is outside our door with a bat, he is trying to get in",
    "my husband is strangling me please come",
    "somebody is stealing my car right now from the parking lot",
    "the old lady next door fell and is not responding when we knock",
    "a motorbike hit a boy on the street and the driver ran away, the boy's leg is broken",
    "my friend is threatening to kill himself, he has pills",
    "someone is shooting in the street near our hotel",
    "our autistic son ran away from home an hour ago, he is 12 and non-verbal",
    "a man is following me and grabbed my arm, i am scared, near Esentai mall",
    "my drunk neighbour is attacking his mother, we hear her screaming",
    "someone is hitting a woman in the car next to mine at the parking, she is crying for help",
    "my flatmate took a lot of pills and is not waking up",
    "there are men with guns near the embassy",
    "the hostel is on fire, we cant get out of the room",
    "my wife is having a stroke i think, she cant speak, send ambulance",
    "a man is beating a child in the playground",
    "our 3 year old wandered off at the Green bazaar, we can't find her",
    "my dad has dementia, he left home 3 hours ago and isn't answering his phone",
    "my friend posted a goodbye message and says she wants to end her life tonight",
    "a car just ran over a cyclist on Zhandosov and drove away",
    "please come fast, my neighbour is attacking his wife with a hammer",
    "the driver of this bus is drunk, he can hardly speak and is driving now",
]

CALM = [
    "my phone was stolen last week at the bazaar",
    "yesterday someone broke into my car and took my laptop",
    "i was attacked two weeks ago and want to know the status of my case",
    "what is the penalty for drunk driving in Kazakhstan?",
    "what should i do if a police officer asks me for a bribe",
    "if my husband hits me can i get a protection order?",
    "is it legal to carry a knife for self defence in Almaty",
    "my grandmother has dementia, how do i register her in case she gets lost one day",
    "my landlord won't return my deposit",
    "there was a fire in our building last month, how do i get a police report for insurance",
    "the driver who hit my car last Friday drove away, i have his plate number",
    "my neighbours fight and shout every weekend, it is really annoying",
    "my neighbour plays loud music every night",
    "my bike was stolen from the university parking yesterday",
    "i lost my passport, how can i get a certificate from the police",
    "someone keeps parking in front of my garage",
    "how long does it take to investigate a fraud case",
    "a man scammed me online and took 50000 tenge",
    "my ex has been sending me threatening messages for months, which law protects me",
    "in 2023 he said he would kill me if i left, can i still report it",
    "i found a wallet on the street, where should i bring it",
    "my car was scratched in the parking lot overnight, no one was hurt",
    "minor accident, no injuries, the other driver agreed to pay",
    "how do i report a drunk driver i saw last weekend?",
    "my son got into a fight at school last week and now the other parents are threatening to sue us",
    "i want to complain that a taxi driver overcharged me",
    "a stray dog bit me three days ago, the wound is healing",
    "my friend went missing last year and was found, how do we close the case",
    "what happens if i overstay my visa",
    "is it a crime to film police officers",
    "someone is using my photos on instagram",
    "the street lights are not working on our street",
    "the fire alarm in our dorm goes off for no reason every day",
    "my neighbours smoke on the stairs and the smell comes into our flat",
    "how do i get a gun licence as a foreigner",
    "i had a car accident in March and my arm was broken, how do i claim compensation",
    "my husband used to beat me, we are divorced now and he wants custody",
    "can the police help me find my father who i have not seen for 20 years",
    "my elderly neighbour says someone steals her mail",
    "someone stole my wallet on the bus this morning",
    "i was robbed last night near the hostel, they took my phone and passport",
    "what is the punishment for hitting a pedestrian",
    "the car that ran over my foot last month, the driver still hasn't paid",
    "how can i check if a car is stolen before buying it",
    "i want to complain about a police officer who was rude to me",
    "our neighbour's dog barks all night",
    "which number should i call if there is a fire",
    "my friend was beaten by police two months ago, where can he complain",
    "i need a certificate of no criminal record for my visa",
    "someone threatened me on telegram, he said he will find me",
    "is it normal that police stop foreigners to check documents",
    "the kids in our yard always fight after school",
    "how to report a missing person in Kazakhstan?",
    "i witnessed a robbery last saturday and want to give a statement",
    "my car was stolen 3 days ago, any news?",
    "our building has no smoke detectors, is that legal?",
    "if someone breaks into my house can i defend myself with a knife?",
    "the security guard at the mall pushed me yesterday",
    "my son was bullied at school and came home with bruises, what can i do",
    "a man exposed himself to my daughter in the park last week",
    "my ex-husband threatened to kill me two years ago, he is in prison now, when will he be released",
    "what happens to a driver who leaves the scene of an accident",
    "a drunk man sleeps in our entrance every night, he is harmless but it is unpleasant",
    "my neighbour grows cannabis on his balcony",
    "my grandfather with alzheimer's got lost last month but we found him, can we get a gps tracker from police",
    "someone broke my car window in the night and stole the radio",
    "how do i get a copy of the accident report from last week",
    "my friend said he wanted to die when he was a teenager, should i worry?",
    "what is the fine for not wearing a seat belt",
    "a neighbour keeps threatening to call the police on us for noise",
    "the fire exit in the shopping mall is blocked with boxes",
    "my bag was stolen at the airport on monday",
    "how do i report domestic violence anonymously",
    "the police fined me for jaywalking, can i appeal",
    "my neighbour threatened to call the police if we park there",
    "i was in a fight at a bar in 2022, is there a criminal record",
    "someone hacked my instagram and asks my friends for money",
    "my dad with dementia lives alone, can a social worker visit him",
    "can i drink beer in the park",
    "there was a hit and run last month on my street, did police catch the driver",
    "the neighbours kids set off fireworks every night",
]


@pytest.mark.parametrize("text", URGENT)
def test_urgent(text: str) -> None:
    verdict = detect_urgency(text, "en")
    assert verdict.urgent and verdict.advise, text


@pytest.mark.parametrize("text", CALM)
def test_not_urgent(text: str) -> None:
    assert not detect_urgency(text, "en").urgent, detect_urgency(text, "en")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("my father has Alzheimer's and left the house this morning, we cant find him anywhere", "vulnerable_missing"),
        ("my brother said he wants to end his life and he left the house, his phone is off", "suicide_risk"),
        ("they are attacking us near the club on Dostyk, come quickly!!", "violence_in_progress"),
        ("he grabbed me by the throat tonight, he is still in the apartment", "violence_in_progress"),
        ("my leg is broken and the driver drove away", "injury"),
        ("the guy driving the white Camry in front of me is totally drunk, he is going to Medeu now", "drunk_driver"),
        ("a car hit me on the crosswalk and drove off", "hit_person"),
    ],
)
def test_reason(text: str, reason: str) -> None:
    assert reason in detect_urgency(text, "en").reasons


def test_found_again_is_not_missing() -> None:
    assert detect_urgency("my grandfather with dementia is missing since 2pm", "en").urgent
    assert not detect_urgency("my grandfather with dementia went missing but the police found him", "en").urgent


def test_english_patterns_never_fire_on_russian_or_kazakh_examples() -> None:
    # the English block cannot change a Russian or Kazakh verdict: none of its patterns matches any of their texts
    texts = [fold(reading_text(e.text)) for e in load_examples()]
    english = [sig for sig in SIGNALS if not re.search("[а-я]", sig.pattern.pattern)]
    assert len(english) >= 20
    for sig in english:
        assert not [t for t in texts if sig.pattern.search(t)], sig.code


def test_the_gate_agrees_with_the_patterns_on_english_texts() -> None:
    texts = [fold(reading_text(t)) for t in URGENT + CALM]
    texts += [fold(reading_text(e.text)) for e in load_examples(languages=("en",))]
    gated = [
        urgency._GATED_NOW,
        urgency._GATED_NOW_NEGATED,
        urgency._GATED_PAST,
        urgency._GATED_HABITUAL,
        urgency._GATED_HYPOTHETICAL,
        urgency._GATED_NO_VICTIMS,
    ] + [g for _, g in urgency._GATED_SIGNALS]
    for text in texts:
        grams = urgency._grams(text)
        for g in gated:
            assert g.search(text, grams) is (g.pattern.search(text) is not None), (g.pattern.pattern[:80], text)
