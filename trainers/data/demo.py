"""The demo corpus: sentences and scored pairs that simcse-tui wrote itself, for use with no data.

When there is neither network nor a data folder, the app still needs
something to search and score. These 150 sentences (ten topics of fifteen, so
nearest-neighbour search has clusters to find) and 30 hand-scored pairs were
written for this project; they are no benchmark, and every place that shows
them says so through DEMO_LABEL. Scores here are our own judgement on the STS
scale (0 unrelated .. 5 equivalent), not annotations.

Standard library only; nothing here downloads.
"""

from __future__ import annotations

from pathlib import Path

from trainers.data.sts import STSSet

DEMO_LABEL = "demo corpus (written by simcse-tui, 150 sentences; not a benchmark)"
DEMO_PAIRS_LABEL = "demo pairs (written and scored by simcse-tui; not a benchmark)"

DEMO_TOPICS: dict[str, tuple[str, ...]] = {
    "cooking": (
        "Chop the onions finely before adding them to the hot pan.",
        "Let the bread dough rise for an hour in a warm place.",
        "She seasoned the soup with salt, pepper and a little lemon.",
        "Simmer the tomato sauce slowly so it thickens.",
        "He burned the pancakes because the stove was too hot.",
        "Roast the vegetables in the oven until they turn golden.",
        "The recipe calls for two cups of flour and three eggs.",
        "Whisk the cream until it forms soft peaks.",
        "My grandmother makes the best apple pie in town.",
        "Boil the pasta in salted water for about nine minutes.",
        "Marinate the chicken overnight in yogurt and spices.",
        "A sharp knife makes cutting vegetables safer and faster.",
        "We baked chocolate cookies for the school fair.",
        "Fry the garlic gently so it does not turn bitter.",
        "The chef tasted the risotto and added more parmesan.",
    ),
    "weather": (
        "It is going to rain all afternoon, so take an umbrella.",
        "A cold wind is blowing from the north tonight.",
        "The forecast says there will be snow by the weekend.",
        "It was so hot yesterday that the streets were empty.",
        "Thick fog covered the valley early this morning.",
        "A thunderstorm knocked out the power across the town.",
        "The sky cleared up and the sun came out after lunch.",
        "Heavy rain flooded several roads near the river.",
        "Temperatures will drop below freezing overnight.",
        "The summer has been unusually dry this year.",
        "Strong gusts of wind blew the leaves off the trees.",
        "We watched the lightning flash over the sea.",
        "The weather was mild and sunny for the whole trip.",
        "Hail damaged the cars parked outside the station.",
        "A light drizzle fell while we waited for the bus.",
    ),
    "sports": (
        "The striker scored twice in the second half.",
        "She won the marathon in under three hours.",
        "Our team lost the final on penalties.",
        "He practises his tennis serve every morning.",
        "The referee showed the defender a red card.",
        "The basketball game went into overtime.",
        "The swimmer broke the national record in the relay.",
        "Thousands of fans filled the stadium for the derby.",
        "The coach changed the team's tactics at half time.",
        "The cyclist crashed on the final descent of the race.",
        "The goalkeeper saved a penalty in the last minute.",
        "They train at the gym three times a week.",
        "The boxer was knocked down in the fourth round.",
        "The runner pulled a muscle and had to stop.",
        "The match was cancelled because the pitch was waterlogged.",
    ),
    "programming": (
        "The program crashed because a variable was never initialised.",
        "Write a unit test before you fix the bug.",
        "This function returns a list of sorted numbers.",
        "He spent the whole day debugging a memory leak.",
        "The compiler reported a type error on line twelve.",
        "Use version control so you can undo your changes.",
        "The web server handles thousands of requests per second.",
        "She refactored the code into smaller functions.",
        "The database query was slow until we added an index.",
        "Python is a popular language for data analysis.",
        "The script reads a file and counts the words in it.",
        "Our build failed after someone updated a dependency.",
        "A loop that never ends will freeze the application.",
        "The API returns its results as JSON.",
        "He reviewed the pull request and left a few comments.",
    ),
    "music": (
        "She plays the violin in the city orchestra.",
        "The band released their new album last Friday.",
        "He is learning to play the guitar from online videos.",
        "The concert was sold out within minutes.",
        "The pianist performed a sonata by Beethoven.",
        "We sang songs around the campfire until midnight.",
        "The drummer kept a steady beat through the whole song.",
        "This jazz record has a wonderful saxophone solo.",
        "The choir rehearses every Thursday evening.",
        "The singer forgot the lyrics in the middle of the show.",
        "My neighbour practises the trumpet every morning.",
        "The festival featured rock bands from all over the country.",
        "She composed a short piece for piano and cello.",
        "The crowd clapped along to the chorus.",
        "He listens to classical music while he studies.",
    ),
    "travel": (
        "Our flight to Lisbon was delayed by two hours.",
        "We booked a small hotel near the old harbour.",
        "Do not forget to bring your passport to the airport.",
        "The train journey through the mountains was beautiful.",
        "They spent a week backpacking across Vietnam.",
        "The museum was closed, so we walked around the old town.",
        "She lost her luggage on the way to Tokyo.",
        "We rented a car to drive along the coast.",
        "The ferry to the island leaves every hour.",
        "He always packs too many clothes for a short trip.",
        "The tour guide showed us the ancient ruins.",
        "We missed the last bus and had to take a taxi.",
        "The campsite had a view of the lake.",
        "Tourists queued for hours to see the famous tower.",
        "Our hostel was cheap but very noisy at night.",
    ),
    "health": (
        "The doctor told him to rest and drink plenty of water.",
        "Regular exercise lowers the risk of heart disease.",
        "She caught a cold and stayed home from work.",
        "Getting enough sleep helps the body recover.",
        "The nurse took his blood pressure and temperature.",
        "Eating more vegetables is good for your health.",
        "He broke his arm and needed a cast for six weeks.",
        "The vaccine protects children against measles.",
        "Stress can cause headaches and trouble sleeping.",
        "The dentist found a small cavity in one tooth.",
        "She has been taking antibiotics for a throat infection.",
        "Walking every day can improve your mood.",
        "The hospital opened a new emergency ward.",
        "He felt dizzy after standing up too quickly.",
        "Washing your hands stops germs from spreading.",
    ),
    "finance": (
        "The bank raised interest rates again this month.",
        "She saves a part of her salary every month.",
        "The stock market fell sharply after the announcement.",
        "He took out a loan to buy his first house.",
        "Inflation has made groceries more expensive.",
        "The company reported record profits this quarter.",
        "Pay off your credit card to avoid high interest.",
        "Investors moved their money into government bonds.",
        "The rent on our flat went up by ten percent.",
        "They opened a savings account for their daughter.",
        "The price of petrol rose for the third week in a row.",
        "The startup raised money from several investors.",
        "He keeps track of his spending in a spreadsheet.",
        "The shop offers a discount if you pay in cash.",
        "Taxes are due at the end of the financial year.",
    ),
    "animals": (
        "The cat slept in the sun on the windowsill.",
        "A dog barked at the postman all morning.",
        "The birds built a nest under the roof.",
        "We saw a family of deer at the edge of the forest.",
        "The puppy chewed one of my shoes.",
        "Elephants live in large family groups.",
        "The horse galloped across the field.",
        "A fox was digging in our garden last night.",
        "The kitten is playing with a ball of wool.",
        "Bees collect pollen from the flowers in spring.",
        "The parrot can repeat a few words.",
        "Whales migrate thousands of kilometres every year.",
        "The farmer feeds the chickens every morning.",
        "A squirrel buried nuts in the park.",
        "Our dog loves to chase sticks at the beach.",
    ),
    "science": (
        "Water boils at one hundred degrees Celsius at sea level.",
        "The telescope captured images of a distant galaxy.",
        "Plants turn sunlight into energy through photosynthesis.",
        "The experiment had to be repeated to confirm the results.",
        "Light travels faster than sound.",
        "The Moon's gravity causes the tides in the ocean.",
        "Researchers sequenced the genome of a rare plant.",
        "An atom has a nucleus surrounded by electrons.",
        "The chemist mixed the two liquids in a glass beaker.",
        "Earthquakes happen when tectonic plates shift.",
        "The satellite measures the temperature of the oceans.",
        "Scientists discovered a new species of frog in the rainforest.",
        "The physicist explained how magnets attract iron.",
        "Fossils tell us which animals lived millions of years ago.",
        "The rocket reached orbit after a nine-minute flight.",
    ),
}

DEMO_SENTENCES: tuple[str, ...] = tuple(s for topic in DEMO_TOPICS.values() for s in topic)

# (sentence1, sentence2, score on the STS scale 0..5), our own judgement.
_DEMO_PAIRS: tuple[tuple[str, str, float], ...] = (
    ("A man is playing the guitar.", "A man is playing a guitar on stage.", 4.2),
    ("The cat is sleeping on the sofa.", "A cat is asleep on the couch.", 4.8),
    ("It is raining heavily outside.", "There is a heavy downpour outside.", 4.6),
    ("The train was delayed by an hour.", "The train arrived one hour late.", 4.4),
    ("She is cooking pasta for dinner.", "She is making spaghetti for the evening meal.", 4.0),
    ("The team won the championship.", "The team lost the final game.", 2.0),
    ("He fixed the bug in the code.", "He repaired the error in the program.", 4.5),
    ("The bank raised interest rates.", "Interest rates were increased by the bank.", 5.0),
    ("A dog is running in the park.", "A dog is chasing a ball in the park.", 3.6),
    ("The doctor examined the patient.", "The patient was checked by a physician.", 4.6),
    ("The stock market crashed today.", "Share prices fell sharply today.", 4.2),
    ("A woman is slicing an onion.", "A woman is cutting an onion.", 4.9),
    ("The children are playing football.", "Kids are kicking a ball around.", 3.8),
    ("The concert was cancelled.", "The show did not take place.", 4.0),
    ("The flight leaves at nine.", "The plane departs at nine o'clock.", 4.8),
    ("He is reading a book.", "He is writing a letter.", 1.6),
    ("A bird is singing in a tree.", "A man is driving a truck.", 0.0),
    ("The soup needs more salt.", "The stock market fell today.", 0.0),
    ("She plays the piano every day.", "She practises the piano daily.", 4.7),
    ("The weather is cold and windy.", "It is a warm and calm day.", 1.2),
    ("The server is down.", "The website cannot be reached.", 3.4),
    ("Two dogs are fighting.", "Two dogs are playing together.", 2.6),
    ("The scientist ran an experiment.", "The researcher carried out a test.", 4.3),
    ("He saved money for a new car.", "He bought a new bicycle.", 1.4),
    ("The river flooded the village.", "The village was flooded by the river.", 5.0),
    ("A girl is riding a horse.", "A girl is feeding a horse.", 2.8),
    ("The museum opens at ten.", "The gallery opens in the morning.", 3.0),
    ("The baby is crying.", "The infant is in tears.", 4.5),
    ("A man is swimming in the sea.", "A man is sunbathing on the beach.", 2.2),
    ("Python is a programming language.", "Bananas grow in warm countries.", 0.0),
)


def demo_sts_pairs() -> list[tuple[str, str, float]]:
    """Thirty hand-written sentence pairs with our own 0..5 scores, labelled by DEMO_PAIRS_LABEL."""
    return list(_DEMO_PAIRS)


def demo_sts_set() -> STSSet:
    """The demo pairs as an STSSet named "demo", for the pair browser when no STS data exists."""
    s1, s2, scores = (list(column) for column in zip(*_DEMO_PAIRS, strict=True))
    return STSSet("demo", s1, s2, scores, (("demo", 0, len(scores)),), 0, (DEMO_PAIRS_LABEL,))


def write_demo_corpus(path: str | Path) -> Path:
    """Write DEMO_SENTENCES one a line to `path` (folders created) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(s + "\n" for s in DEMO_SENTENCES), encoding="utf-8")
    return path
