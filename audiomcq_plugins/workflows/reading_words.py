"""The words of the general models' reading tasks (:mod:`.general_data`): general topics with
their questions and options, words and glue of random option phrases, and questions over them.
None is a question, option set or hint wording of the suite."""

#: General topics of the reading tasks: question wordings and an option pool each.
TOPICS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (
        ("Which colour was the car?", "What colour is the door in the story?"),
        ("red", "green", "blue", "yellow", "white", "black", "dark grey", "pale pink"),
    ),
    (
        ("Which animal did the child see?", "What animal lives in the barn?"),
        ("a cat", "a dog", "a horse", "an owl", "a small goat", "two geese", "a fox"),
    ),
    (
        ("Where did the meeting take place?", "In which place does the story begin?"),
        ("at the station", "in the kitchen", "by the river", "on the roof", "in a library"),
    ),
    (
        ("Which day was the concert?", "On what day does the shop close early?"),
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    ),
    (
        ("What did the baker sell first?", "Which food was served at the party?"),
        ("bread", "apple pie", "rice and beans", "cheese", "soup, then salad", "cake"),
    ),
    (
        ("Which tool does the carpenter need?", "What did the worker carry?"),
        ("a hammer", "a saw", "a ladder", "nails, then glue", "a long rope", "a drill"),
    ),
    (
        ("How did the traveller arrive?", "Which vehicle was parked outside?"),
        ("by train", "by bus", "on foot", "by bicycle", "by boat", "in a taxi"),
    ),
    (
        ("What is the weather like today?", "How was the weather during the trip?"),
        ("sunny", "rainy", "windy", "foggy", "snowy, then clear", "hot and dry"),
    ),
    (
        ("How many people came to the party?", "How many chairs are in the room?"),
        ("one", "two", "three", "four", "five", "six", "a dozen", "none at all"),
    ),
    (
        ("Which season is it in the story?", "When does the festival happen?"),
        ("spring", "summer", "autumn", "winter", "early morning", "late at night"),
    ),
)
#: Words of the random option phrases: copying must not depend on what the option says.
WORDS = (
    "stone paper river cloud lamp garden window mirror silver copper quiet bright slow early "
    "late north south open closed round square thin thick warm cold soft narrow wide old new "
    "first last upper lower inner outer empty full sharp dull apple table chair bottle ribbon "
    "candle basket pocket ladder bridge tower island forest desert valley meadow harbour "
    "market castle temple cottage village city road path gate fence wall roof floor corner "
    "shadow light storm rain snow wind fire water earth sand glass wood iron gold leaf branch "
    "root seed flower berry grape lemon orange plum melon bread butter honey sugar salt pepper "
    "tea coffee milk juice soup rice bean corn wheat oat barley horse sheep goat rabbit mouse "
    "eagle sparrow swan fish whale shark crab snail bee ant spider tiger lion bear wolf deer "
    "red green blue yellow purple brown grey black white pink golden pale dark long short tall "
    "small large heavy light quick calm busy lazy happy tired proud brave kind clever gentle "
    "rough smooth sweet bitter sour fresh stale clean dirty dry wet hot deep shallow near far "
    "morning evening night noon winter summer spring autumn monday friday sunday one two three "
    "four five six seven eight nine ten hundred twice half double single pair dozen many few"
).split()
#: Questions over random phrases; some ask about a recording, none is a question of the suite.
QUESTIONS = (
    "Which phrase was written on the card?",
    "What did the sign say?",
    "Which answer is right?",
    "What does the recording contain?",
    "How does the sound change over time?",
    "What is heard first?",
    "Which description is correct?",
    "What did the speaker mention?",
)
#: Short words, numbers and units that options of any benchmark are made of.
GLUE = "a an the of in on at by to for with from near into over under then and or".split()
NUMBERS = "1 2 3 4 5 10 12 20 30 45 60 90 100 120 150 200 300 500".split()
UNITS = "Hz kHz dB ms AM PM km kg cm %".split()
