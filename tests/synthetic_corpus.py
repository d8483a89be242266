"""A judged corpus written by the tests themselves: ~430 short documents over twelve fields, a query per
topic, and graded judgments. Deterministic (one seed) and licence-clean (every sentence is written here).

Why generated: the suite must pass on a clone with nothing beside it, and a search test is only honest
when relevant documents have to be found among many close distractors. Each field has six subjects
and five aspects. Every (subject, aspect) pair gets one focused document (grade 2 for that pair's
query) and every subject an overview that touches each aspect (grade 1), so a query's relevant
documents sit among a dozen or so that share its subject or its aspect (some both: each focused
document compares its subject with another of its field on the same aspect), and hundreds that share
neither. Texts are fluent English built from hand-written templates (the facts in them are invented),
so BM25 and a real bi-encoder (all-MiniLM-L6-v2) behave on them roughly as on real abstracts.

    python tests/synthetic_corpus.py OUT_DIR    # BEIR layout: corpus.jsonl, queries.jsonl, qrels/test.tsv
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass
from pathlib import Path

GRADE_FOCUSED = 2
GRADE_OVERVIEW = 1


@dataclass(frozen=True)
class Subject:
    name: str  # as written mid-sentence: "vitamin D", "the Moon"
    facts: tuple[str, ...]  # sentences about the subject alone


@dataclass(frozen=True)
class Aspect:
    name: str  # as written in a title: "cancer risk"
    queries: tuple[str, ...]  # query templates with {s}; worded unlike the titles
    findings: tuple[str, ...]  # sentence templates with {s}/{S} and number slots
    mention: str  # the one sentence an overview gives this aspect


@dataclass(frozen=True)
class Field:
    name: str
    subjects: tuple[Subject, ...]
    aspects: tuple[Aspect, ...]
    titles: tuple[str, ...]  # with {s}/{S} and {a}/{A}
    openings: tuple[str, ...]
    context: tuple[str, ...]  # sentences naming neither subject nor aspect
    closings: tuple[str, ...]
    overview_titles: tuple[str, ...]


@dataclass(frozen=True)
class SyntheticCorpus:
    documents: list[dict[str, str]]  # {"_id", "title", "text"} in corpus (shuffled) order
    queries: dict[str, str]  # query id -> text, in a shuffled order that mixes fields
    qrels: dict[str, dict[str, int]]  # query id -> {doc id: grade}


def _s(name: str, *facts: str) -> Subject:
    return Subject(name, facts)


def _a(name: str, queries: tuple[str, ...], findings: tuple[str, ...], mention: str) -> Aspect:
    return Aspect(name, queries, findings, mention)


FIELDS: tuple[Field, ...] = (
    Field(
        "medicine",
        (
            _s(
                "aspirin",
                "Aspirin is an inexpensive anti-inflammatory drug that also thins the blood.",
                "Low-dose aspirin is taken daily by millions of older adults.",
            ),
            _s(
                "vitamin D",
                "Vitamin D is made in the skin under sunlight and helps the body absorb calcium.",
                "Vitamin D deficiency is common in northern countries during winter.",
            ),
            _s(
                "statins",
                "Statins lower LDL cholesterol by blocking an enzyme in the liver.",
                "Statins are among the most widely prescribed medicines in the world.",
            ),
            _s(
                "metformin",
                "Metformin is the usual first treatment for type 2 diabetes.",
                "Metformin lowers blood sugar mainly by reducing glucose production in the liver.",
            ),
            _s(
                "melatonin",
                "Melatonin is a hormone released by the pineal gland when it gets dark.",
                "Melatonin supplements are sold over the counter in many countries.",
            ),
            _s(
                "fish oil",
                "Fish oil supplements provide omega-3 fatty acids such as EPA and DHA.",
                "Fish oil is one of the most popular dietary supplements.",
            ),
        ),
        (
            _a(
                "cancer risk",
                ("does {s} lower the chance of getting cancer", "{s} use and tumour incidence in older adults"),
                (
                    "Among {n} participants, regular {s} use was linked to a {pct} percent lower rate of colorectal "
                    "cancer.",
                    "Tumours of the stomach and bowel were diagnosed less often in people who took {s}.",
                    "The protective association with cancer appeared only after {years} years of continuous use.",
                ),
                "Studies of cancer risk in people taking {s} have given mixed results.",
            ),
            _a(
                "heart disease",
                ("can {s} prevent heart attacks", "{s} and cardiovascular events"),
                (
                    "Heart attacks and strokes were {pct} percent less frequent in the {s} group.",
                    "Patients with coronary artery disease who took {s} had fewer hospital admissions for chest pain.",
                    "Blood pressure and arterial stiffness improved modestly over {years} years of {s} treatment.",
                ),
                "Its effect on heart disease is the reason many patients are offered {s}.",
            ),
            _a(
                "bone density",
                ("does {s} make bones stronger", "{s} and osteoporotic fractures"),
                (
                    "Bone mineral density at the hip rose by {x} percent in women given {s}.",
                    "Hip and wrist fractures were less common among {s} users in a registry of {n} patients.",
                    "Scans of the spine showed less bone loss after {years} years of {s} than with placebo.",
                ),
                "Effects on bone density and fractures have been measured in older women taking {s}.",
            ),
            _a(
                "sleep quality",
                ("does {s} help you sleep better", "{s} as a remedy for insomnia"),
                (
                    "Volunteers taking {s} fell asleep {x} minutes faster and woke less often during the night.",
                    "People with insomnia reported deeper sleep after {x} weeks of {s}.",
                    "Sleep diaries and wrist monitors showed longer total sleep time with {s}.",
                ),
                "A few trials have asked whether {s} changes sleep quality.",
            ),
            _a(
                "memory and cognition",
                ("can {s} protect the ageing brain", "{s} and the risk of dementia"),
                (
                    "Memory test scores declined more slowly in older adults who took {s}.",
                    "The rate of dementia over {years} years was {pct} percent lower among regular {s} users.",
                    "Attention and recall improved slightly in a trial of {n} volunteers given {s}.",
                ),
                "Whether {s} protects memory and cognition is still debated.",
            ),
        ),
        ("{S} and {a}", "{A} in adults taking {s}", "Does {s} change {a}?"),
        (
            "This study examined whether {s} is associated with {a}.",
            "We followed {n} adults for {years} years to ask how {s} relates to {a}.",
            "Clinicians often ask whether {s} influences {a}.",
        ),
        (
            "Participants were recruited from general practices and completed health questionnaires every year.",
            "Analyses were adjusted for age, sex, smoking and body mass index.",
            "Adverse events were recorded by trained nurses at each visit.",
        ),
        (
            "These results suggest that {s} may influence {a}, but randomised trials are needed.",
            "Doctors should weigh the possible effect of {s} on {a} against its side effects.",
        ),
        ("{S}: what the evidence says", "A clinical overview of {s}"),
    ),
    Field(
        "cell biology",
        (
            _s(
                "protein kinases",
                "Protein kinases are enzymes that attach phosphate groups to other proteins.",
                "The human genome encodes more than five hundred protein kinases.",
            ),
            _s(
                "mitochondria",
                "Mitochondria are the organelles that produce most of the cell's chemical energy.",
                "Mitochondria carry their own small circular genome.",
            ),
            _s(
                "ribosomes",
                "Ribosomes are the molecular machines that build proteins from messenger RNA.",
                "A growing cell may contain millions of ribosomes.",
            ),
            _s(
                "stem cells",
                "Stem cells can renew themselves and give rise to specialised cell types.",
                "Adult stem cells maintain tissues such as blood, skin and the gut lining.",
            ),
            _s(
                "T cells",
                "T cells are white blood cells that recognise infected or abnormal cells.",
                "T cells mature in the thymus before circulating through the body.",
            ),
            _s(
                "microtubules",
                "Microtubules are hollow protein filaments that give the cell its shape and tracks for transport.",
                "Microtubules grow and shrink constantly by adding and removing tubulin.",
            ),
        ),
        (
            _a(
                "cell division",
                ("how do {s} control mitosis", "what part do {s} play when a cell splits in two"),
                (
                    "Cells lacking normal {s} stalled before mitosis and failed to separate their chromosomes.",
                    "Live imaging showed that {s} help set the timing of each cell division.",
                    "Blocking {s} in dividing yeast cells produced cells with two nuclei.",
                ),
                "{S} take part in cell division, the process by which one cell becomes two.",
            ),
            _a(
                "energy metabolism",
                ("how do {s} affect the way cells use glucose", "{s} and ATP production"),
                (
                    "Cells with altered {s} consumed {pct} percent less oxygen and relied more on glycolysis.",
                    "The supply of ATP fell when {s} were disrupted in cultured muscle cells.",
                    "Fasting mice showed changes in {s} that shifted metabolism towards burning fat.",
                ),
                "{S} are also tied to energy metabolism and the supply of ATP.",
            ),
            _a(
                "ageing",
                ("do {s} decline in old age", "{s} and cellular senescence"),
                (
                    "In tissue from older donors, {s} worked less efficiently than in tissue from young donors.",
                    "Senescent cells showed damaged {s} and stopped dividing.",
                    "Worms with more robust {s} lived {pct} percent longer than controls.",
                ),
                "With age, {s} gradually lose some of their function.",
            ),
            _a(
                "inflammation",
                ("are {s} involved in chronic inflammatory disease", "{s} and cytokine signalling"),
                (
                    "Stressed {s} released signals that switched on inflammatory genes such as interleukin 6.",
                    "Mice lacking normal {s} developed chronic inflammation of the gut.",
                    "Anti-inflammatory drugs reversed the changes in {s} within {x} days.",
                ),
                "{S} can also trigger or dampen inflammation.",
            ),
            _a(
                "gene expression",
                ("how do {s} influence which genes are switched on", "{s} and transcription in the nucleus"),
                (
                    "RNA sequencing revealed that {n} genes changed their expression when {s} were disturbed.",
                    "{S} sent signals to the nucleus that altered transcription of growth genes.",
                    "Gene expression returned to normal within {x} hours once {s} recovered.",
                ),
                "Changes in {s} feed back on gene expression in the nucleus.",
            ),
        ),
        ("{S} and {a}", "The role of {s} in {a}", "{A}: new insights into {s}"),
        (
            "Here we investigate how {s} contribute to {a}.",
            "Little is known about the link between {s} and {a}.",
            "Using human cell lines and mice, we studied {s} in the context of {a}.",
        ),
        (
            "Cells were grown in culture and imaged by fluorescence microscopy.",
            "Protein levels were measured by western blot in three independent experiments.",
            "Knockout mice were generated with CRISPR gene editing.",
        ),
        ("Our findings place {s} at the centre of {a}.", "Targeting {s} could offer a new way to modify {a}."),
        ("{S}: a review", "An introduction to {s}"),
    ),
    Field(
        "astronomy",
        (
            _s(
                "the Moon",
                "The Moon is Earth's only natural satellite and is about a quarter of Earth's width.",
                "The Moon always shows the same face to Earth.",
            ),
            _s(
                "Mars",
                "Mars is a cold desert planet with a thin carbon dioxide atmosphere.",
                "Mars has the largest volcano in the solar system, Olympus Mons.",
            ),
            _s(
                "Jupiter",
                "Jupiter is the largest planet in the solar system, a giant ball of hydrogen and helium.",
                "Jupiter's Great Red Spot is a storm larger than Earth.",
            ),
            _s(
                "Venus",
                "Venus is the hottest planet, wrapped in thick clouds of sulphuric acid.",
                "Venus spins slowly backwards compared with most planets.",
            ),
            _s(
                "Halley's Comet",
                "Halley's Comet returns to the inner solar system about every 76 years.",
                "Halley's Comet is a dirty snowball of ice and dust a few kilometres across.",
            ),
            _s(
                "the Sun",
                "The Sun is a middle-aged star that turns hydrogen into helium in its core.",
                "The Sun holds more than 99 percent of the mass of the solar system.",
            ),
        ),
        (
            _a(
                "origin and formation",
                ("how did {s} come into being", "where did {s} come from"),
                (
                    "Computer models suggest {s} formed about 4.5 billion years ago from a disc of gas and dust.",
                    "The chemistry of {s} carries clues to the conditions in which it was born.",
                    "Isotope ratios point to a violent early history for {s}.",
                ),
                "Theories of how {s} formed are still being tested.",
            ),
            _a(
                "orbit and motion",
                ("how does {s} travel through space", "what path does {s} follow"),
                (
                    "Precise tracking shows that the orbit of {s} changes slightly over {n} years.",
                    "The motion of {s} is tugged by the gravity of its neighbours.",
                    "Astronomers timed the rotation of {s} to within a few seconds.",
                ),
                "The orbit and rotation of {s} have been measured with great precision.",
            ),
            _a(
                "magnetic field",
                ("is {s} magnetic", "auroras and magnetism around {s}"),
                (
                    "Spacecraft measured a magnetic field around {s} that varies from place to place.",
                    "Charged particles trapped by the magnetic field of {s} produce faint auroras.",
                    "The magnetic field of {s} is thought to have changed strength over time.",
                ),
                "Measurements of the magnetic field of {s} surprised many scientists.",
            ),
            _a(
                "observation from Earth",
                ("how can I see {s} with a telescope", "tips for amateur astronomers watching {s}"),
                (
                    "With a small telescope, amateur observers can pick out details on {s}.",
                    "The best time to observe {s} is when the air is steady and the view is clear.",
                    "Binoculars are enough to show {s} as more than a point of light.",
                ),
                "Amateur astronomers can observe {s} from a back garden.",
            ),
            _a(
                "space missions",
                ("which spacecraft have visited {s}", "probes sent to explore {s}"),
                (
                    "The first probe to study {s} up close was launched in the {decade}s.",
                    "A mission planned for the coming decade will map {s} in greater detail.",
                    "Data returned by robotic spacecraft changed our picture of {s}.",
                ),
                "Several space missions have been sent to study {s}.",
            ),
        ),
        ("{S}: {a}", "New results on {s} and its {a}", "{A} of {s}"),
        (
            "This article looks at {s}, focusing on {a}.",
            "Astronomers have long studied {s}, and {a} remains an active topic.",
            "Recent work sheds new light on {s} and its {a}.",
        ),
        (
            "Observations were combined from ground-based telescopes and spacecraft.",
            "Distances in the solar system are measured in astronomical units.",
            "Light from the planets is only reflected sunlight.",
        ),
        (
            "Future observations of {s} should settle open questions about its {a}.",
            "{S} remains one of the best-studied bodies in the sky.",
        ),
        ("{S}: a beginner's guide", "Everything about {s}"),
    ),
    Field(
        "cooking",
        (
            _s(
                "sourdough bread",
                "Sourdough bread is leavened with a starter of wild yeast and lactic acid bacteria.",
                "A good sourdough loaf has an open crumb and a crisp, dark crust.",
            ),
            _s(
                "tomato sauce",
                "Tomato sauce is a staple of Italian cooking, made from tomatoes, olive oil and garlic.",
                "A simple tomato sauce can be ready in twenty minutes.",
            ),
            _s(
                "risotto",
                "Risotto is a creamy northern Italian rice dish cooked slowly in stock.",
                "Arborio and carnaroli are the classic rice varieties for risotto.",
            ),
            _s(
                "roast chicken",
                "Roast chicken is a classic Sunday dinner in many homes.",
                "A whole chicken roasts evenly when it is dried and seasoned well beforehand.",
            ),
            _s(
                "chocolate cake",
                "Chocolate cake is made from flour, sugar, eggs, butter and cocoa or melted chocolate.",
                "A rich chocolate cake is often finished with ganache.",
            ),
            _s(
                "miso soup",
                "Miso soup is a Japanese soup of dashi stock and fermented soybean paste.",
                "Miso soup is often served with tofu, seaweed and spring onions.",
            ),
        ),
        (
            _a(
                "ingredients",
                ("what do I need to buy to make {s}", "best things to put in {s}"),
                (
                    "The quality of the ingredients matters more for {s} than any technique.",
                    "For {s}, use fresh produce and measure the salt carefully.",
                    "Substituting cheaper ingredients changed the flavour of {s} noticeably in our tests.",
                ),
                "Good ingredients are the starting point for {s}.",
            ),
            _a(
                "cooking time and temperature",
                ("how long should {s} be in the oven or on the stove", "how hot should the heat be for {s}"),
                (
                    "We cooked {s} at several temperatures and found that {temp} degrees gave the best result.",
                    "Cooking {s} for {x} minutes longer than the recipe says dried it out.",
                    "A kitchen thermometer removes the guesswork from timing {s}.",
                ),
                "Getting the cooking time and temperature right makes or breaks {s}.",
            ),
            _a(
                "common mistakes",
                ("why did my {s} go wrong", "errors to avoid when making {s}"),
                (
                    "The most common mistake with {s} is rushing it.",
                    "Too much liquid or too little salt are frequent problems with {s}.",
                    "Many home cooks stir or open the oven too often when making {s}.",
                ),
                "Most failures with {s} come from a few common mistakes.",
            ),
            _a(
                "storage and freezing",
                ("how long does {s} keep in the fridge", "can you put leftover {s} in the freezer"),
                (
                    "Leftover {s} keeps for {x} days in a sealed container in the fridge.",
                    "{S} freezes well for up to {x} months if it is cooled quickly first.",
                    "Reheat frozen {s} gently so that the texture survives.",
                ),
                "Leftover {s} can be stored in the fridge or frozen.",
            ),
            _a(
                "regional variations",
                ("how is {s} made in different countries", "traditional family versions of {s}"),
                (
                    "Every region has its own version of {s}, shaped by local produce.",
                    "Family recipes for {s} were handed down for generations.",
                    "Cooks in the north make {s} differently from cooks in the south.",
                ),
                "Regional variations of {s} are found around the world.",
            ),
        ),
        ("{S}: {a}", "A cook's guide to {s} and its {a}", "Getting {s} right: {a}"),
        (
            "Home cooks often ask about {s} and {a}.",
            "In this kitchen guide we look at {s}, with a focus on {a}.",
            "After testing dozens of batches of {s}, we have some advice on {a}.",
        ),
        (
            "Weigh ingredients with a digital scale for consistent results.",
            "Taste as you go and adjust the seasoning at the end.",
            "Most of the work can be done a day ahead.",
        ),
        ("With attention to {a}, anyone can make excellent {s}.", "Practice is the best teacher for {s}."),
        ("{S}: the complete guide", "Everything you need to know about {s}"),
    ),
    Field(
        "gardening",
        (
            _s(
                "tomato plants",
                "Tomato plants need full sun and a long warm season to ripen their fruit.",
                "Tomato plants are either bush types or tall vining types that need support.",
            ),
            _s(
                "roses",
                "Roses are woody shrubs grown for their scented flowers.",
                "Roses flower best in rich soil with plenty of sun.",
            ),
            _s(
                "apple trees",
                "Apple trees need a cold winter to flower well in spring.",
                "Most apple trees need a second variety nearby for pollination.",
            ),
            _s(
                "blueberries",
                "Blueberries need acidic soil to grow well.",
                "Blueberry bushes give fruit for decades once established.",
            ),
            _s(
                "potatoes",
                "Potatoes are grown from seed tubers planted in spring.",
                "Potatoes are one of the easiest crops for a vegetable garden.",
            ),
            _s(
                "strawberries",
                "Strawberries are low-growing perennials that spread by runners.",
                "Strawberries fruit in early summer and are best eaten fresh.",
            ),
        ),
        (
            _a(
                "watering",
                ("how often do {s} need water", "keeping {s} from drying out in hot weather"),
                (
                    "Water {s} deeply once or twice a week rather than a little every day.",
                    "In our trial, {s} watered at the base gave {pct} percent more yield than those sprayed overhead.",
                    "Mulch keeps the soil moist around {s} during dry spells.",
                ),
                "Watering {s} correctly is important in dry summers.",
            ),
            _a(
                "pruning",
                ("when should I cut back {s}", "how to trim {s} for a better crop"),
                (
                    "Prune {s} in late winter, before new growth begins.",
                    "Remove dead and crossing stems from {s} to let air and light in.",
                    "Hard pruning every {x} years keeps {s} vigorous.",
                ),
                "Pruning keeps {s} healthy and productive.",
            ),
            _a(
                "pests and diseases",
                ("what bugs attack {s}", "why are the leaves of my {s} going brown"),
                (
                    "Aphids and slugs are the pests most often found on {s}.",
                    "Fungal diseases spread quickly among {s} in humid weather.",
                    "Healthy {s} grown in good soil resist pests and diseases better.",
                ),
                "{S} can suffer from several pests and diseases.",
            ),
            _a(
                "soil and fertiliser",
                ("what kind of ground suits {s}", "how to feed {s}"),
                (
                    "{S} prefer well-drained soil with plenty of organic matter.",
                    "A balanced fertiliser applied in spring gave {s} stronger growth.",
                    "Too much nitrogen makes {s} leafy at the expense of flowers and fruit.",
                ),
                "The right soil and fertiliser help {s} thrive.",
            ),
            _a(
                "harvest",
                ("when are {s} ready to pick", "how big a crop can {s} give"),
                (
                    "{S} are ready to harvest when they come away easily from the plant.",
                    "Pick from {s} in the cool of the morning for the best flavour.",
                    "A single season gave {x} kilograms from a small bed of {s}.",
                ),
                "Harvest time for {s} depends on the variety and the weather.",
            ),
        ),
        ("{S}: {a}", "A gardener's guide to {a} for {s}", "{A} for {s}"),
        (
            "Gardeners often ask about {a} for {s}.",
            "This guide covers {a} for {s} in a home garden.",
            "Over {x} seasons we tested different approaches to {a} with {s}.",
        ),
        (
            "Our trial beds were on clay soil in a temperate climate.",
            "Keep a notebook of sowing dates and weather.",
            "Compost improves almost any garden soil.",
        ),
        ("Get {a} right and {s} will reward you.", "With care, {s} will give years of pleasure."),
        ("Growing {s}: a complete guide", "{S} in the home garden"),
    ),
    Field(
        "software",
        (
            _s(
                "Python",
                "Python is a popular programming language known for its readable syntax.",
                "Python is widely used for data analysis, scripting and web services.",
            ),
            _s(
                "PostgreSQL",
                "PostgreSQL is an open source relational database with a long history.",
                "PostgreSQL supports transactions, JSON columns and many index types.",
            ),
            _s(
                "Kubernetes",
                "Kubernetes schedules containers across a cluster of machines.",
                "Kubernetes restarts failed containers and scales services up and down.",
            ),
            _s(
                "Git",
                "Git is a distributed version control system for tracking changes in source code.",
                "Git stores the full history of a project in every clone.",
            ),
            _s(
                "the Linux kernel",
                "The Linux kernel is the core of most servers and Android phones.",
                "The Linux kernel manages memory, processes and hardware devices.",
            ),
            _s(
                "Rust",
                "Rust is a systems programming language focused on memory safety.",
                "Rust's compiler checks ownership and borrowing rules at compile time.",
            ),
        ),
        (
            _a(
                "performance tuning",
                ("how to make {s} faster", "{s} is slow under heavy load"),
                (
                    "Profiling showed that most of the time in {s} went into a handful of hot functions.",
                    "After tuning, {s} handled {pct} percent more requests per second on the same hardware.",
                    "Caching and batching cut the latency of {s} from {ms} to {ms2} milliseconds.",
                ),
                "Performance tuning of {s} can give large gains.",
            ),
            _a(
                "security vulnerabilities",
                ("known exploits affecting {s}", "how to keep attackers out of {s}"),
                (
                    "A vulnerability in {s} allowed attackers to read data they should not see.",
                    "Security patches for {s} should be applied as soon as they are released.",
                    "Running {s} with the least privileges limits the damage of an attack.",
                ),
                "Like any software, {s} has had security vulnerabilities.",
            ),
            _a(
                "configuration",
                ("recommended settings for {s} in production", "how to set up {s} properly"),
                (
                    "The default configuration of {s} is rarely right for production.",
                    "Keep the configuration of {s} in version control and review changes.",
                    "A single wrong setting in {s} can take a service down.",
                ),
                "Careful configuration of {s} avoids many problems.",
            ),
            _a(
                "debugging",
                ("how do I find the cause of a crash in {s}", "troubleshooting errors in {s}"),
                (
                    "Most problems with {s} can be traced through its logs and error messages.",
                    "A minimal example that reproduces the bug in {s} saves hours of debugging.",
                    "Debugging {s} became easier after we added tracing to every request.",
                ),
                "Debugging {s} is easier with good logging.",
            ),
            _a(
                "upgrades",
                ("moving to a new version of {s} without breaking things", "how to update {s} safely"),
                (
                    "Before upgrading {s}, read the release notes for breaking changes.",
                    "We upgraded {s} across {n} machines without downtime by rolling the change out slowly.",
                    "Test every upgrade of {s} in a staging environment first.",
                ),
                "Upgrading {s} to new versions needs planning.",
            ),
        ),
        ("{S}: {a}", "{A} in {s}", "Practical {a} for {s}"),
        (
            "Engineers running {s} often struggle with {a}.",
            "This post describes our experience with {a} in {s}.",
            "We collected lessons about {a} from teams using {s}.",
        ),
        (
            "All measurements were made on a four-core virtual machine.",
            "Automated tests ran on every change before it was merged.",
            "Monitoring dashboards tracked error rates and latency.",
        ),
        ("Good habits around {a} make {s} pleasant to run.", "We hope these notes on {s} help other teams."),
        ("{S} explained for beginners", "An introduction to {s}"),
    ),
    Field(
        "personal finance",
        (
            _s(
                "index funds",
                "Index funds track a market index such as the S&P 500 instead of picking stocks.",
                "Index funds are popular because they are cheap and broadly diversified.",
            ),
            _s(
                "mortgages",
                "A mortgage is a long-term loan used to buy a home, secured on the property.",
                "Most mortgages are repaid over twenty to thirty years.",
            ),
            _s(
                "government bonds",
                "Government bonds are loans to a national government that pay regular interest.",
                "Government bonds are often seen as the safest investment.",
            ),
            _s(
                "credit cards",
                "Credit cards let people borrow money for purchases and repay it later.",
                "Credit cards charge high interest on balances that are not paid off each month.",
            ),
            _s(
                "pension savings",
                "Pension savings are set aside during working life to provide income in retirement.",
                "Employers often add to the pension savings of their staff.",
            ),
            _s(
                "cryptocurrency",
                "Cryptocurrency is digital money recorded on a public blockchain.",
                "Bitcoin was the first cryptocurrency and is still the largest.",
            ),
        ),
        (
            _a(
                "interest rates",
                ("what happens to {s} when the central bank raises rates", "{s} and the cost of borrowing"),
                (
                    "When interest rates rose by {x} percentage points, the cost of {s} changed sharply.",
                    "Central bank decisions on interest rates feed directly into {s}.",
                    "Over the last {years} years, falling interest rates made {s} more attractive.",
                ),
                "Interest rates have a strong influence on {s}.",
            ),
            _a(
                "fees and costs",
                ("hidden charges of {s}", "how much does {s} really cost me each year"),
                (
                    "Annual fees of just {x} percent can eat a large share of the returns from {s} over decades.",
                    "Compare the total cost of {s}, not just the headline rate.",
                    "Many people pay more for {s} than they need because they never compare providers.",
                ),
                "Fees and costs of {s} vary widely between providers.",
            ),
            _a(
                "risk",
                ("is {s} safe", "can I lose money with {s}"),
                (
                    "The value of {s} can fall as well as rise.",
                    "In the worst year of our sample, losses on {s} reached {pct} percent.",
                    "Spreading money across several products reduces the risk of relying on {s}.",
                ),
                "Every form of {s} carries some risk.",
            ),
            _a(
                "taxes",
                ("how is {s} taxed", "what the tax office wants to know about {s}"),
                (
                    "Tax rules for {s} differ from country to country.",
                    "Using a tax-free account can shelter {s} from income tax.",
                    "Gains from {s} may be subject to capital gains tax above an annual allowance.",
                ),
                "Taxes can change the real value of {s}.",
            ),
            _a(
                "inflation",
                ("does rising prices hurt {s}", "{s} when the cost of living climbs"),
                (
                    "When inflation reached {pct} percent, the real value of {s} fell.",
                    "Inflation erodes fixed payments, which matters for {s}.",
                    "Over {years} years, inflation halved the purchasing power tied to {s}.",
                ),
                "Inflation slowly erodes what {s} is worth.",
            ),
        ),
        ("{S} and {a}", "Understanding {a}: {s}", "A guide to {s} and {a}"),
        (
            "Savers and borrowers often ask about {s} and {a}.",
            "This guide explains how {a} applies to {s}.",
            "Using data from {n} households, we looked at {s} and {a}.",
        ),
        (
            "Figures are given in nominal terms unless stated otherwise.",
            "Past performance is no guarantee of future results.",
            "Independent financial advice can help with personal decisions.",
        ),
        (
            "Understanding {a} helps you make better decisions about {s}.",
            "Review how {s} fits your plans at least once a year.",
        ),
        ("{S}: a beginner's guide", "How {s} works"),
    ),
    Field(
        "history",
        (
            _s(
                "the Roman Empire",
                "The Roman Empire ruled the Mediterranean world for centuries.",
                "At its height the Roman Empire stretched from Britain to Mesopotamia.",
            ),
            _s(
                "the Industrial Revolution",
                "The Industrial Revolution began in Britain in the late eighteenth century.",
                "Steam engines and factories transformed how goods were made during the Industrial Revolution.",
            ),
            _s(
                "the printing press",
                "The printing press with movable type was developed by Johannes Gutenberg around 1440.",
                "The printing press made books cheaper and far more common.",
            ),
            _s(
                "the Silk Road",
                "The Silk Road was a network of trade routes linking China with the Mediterranean.",
                "Merchants on the Silk Road carried silk, spices, paper and ideas.",
            ),
            _s(
                "the French Revolution",
                "The French Revolution began in 1789 and overthrew the monarchy.",
                "The storming of the Bastille became a symbol of the French Revolution.",
            ),
            _s(
                "the Black Death",
                "The Black Death was a plague pandemic that swept through Europe in the 1340s.",
                "The Black Death killed perhaps a third of Europe's population.",
            ),
        ),
        (
            _a(
                "causes and origins",
                ("what led to {s}", "how did {s} begin"),
                (
                    "Historians trace the origins of {s} to a mix of economic, social and political causes.",
                    "Long before {s}, there were signs of the changes to come.",
                    "Recent archival work has changed the story of how {s} began.",
                ),
                "Historians still argue about the causes of {s}.",
            ),
            _a(
                "trade and economy",
                ("how did {s} change commerce", "money, merchants and {s}"),
                (
                    "Trade patterns shifted dramatically because of {s}.",
                    "Prices and wages recorded in old ledgers show the economic impact of {s}.",
                    "Merchants and bankers grew rich in the wake of {s}.",
                ),
                "{S} had major effects on trade and the economy.",
            ),
            _a(
                "daily life",
                ("what was it like for ordinary families during {s}", "food, work and homes in the time of {s}"),
                (
                    "Letters and diaries show how {s} changed the daily life of ordinary families.",
                    "Food, work and housing changed for millions of people during {s}.",
                    "Children's lives were shaped by {s} in ways that are often overlooked.",
                ),
                "{S} changed daily life for ordinary people.",
            ),
            _a(
                "religion and culture",
                ("how did {s} affect the church and the arts", "paintings, songs and sermons about {s}"),
                (
                    "Artists and writers responded to {s} in paintings, songs and sermons.",
                    "The church's role in society was challenged by {s}.",
                    "New ideas spread quickly in the years after {s}.",
                ),
                "Religion, art and culture all felt the influence of {s}.",
            ),
            _a(
                "legacy",
                ("why does {s} still matter today", "long-term consequences of {s}"),
                (
                    "The legacy of {s} can still be seen in modern laws and institutions.",
                    "Centuries later, {s} still shapes how we think about the past.",
                    "Museums and monuments keep the memory of {s} alive.",
                ),
                "The legacy of {s} is still felt today.",
            ),
        ),
        ("{S}: {a}", "Rethinking {s}: {a}", "{A} and {s}"),
        (
            "This essay considers {s} from the angle of {a}.",
            "Few subjects have been debated as much as {s} and its {a}.",
            "Drawing on {n} contemporary documents, we look at {s} and {a}.",
        ),
        (
            "Primary sources from the period are often incomplete.",
            "Chronicles were usually written by the educated elite.",
            "Archaeology adds evidence that written records lack.",
        ),
        ("Seen through its {a}, {s} looks different.", "The story of {s} is far from finished."),
        ("{S}: a short history", "A history of {s}"),
    ),
    Field(
        "sport",
        (
            _s(
                "marathon running",
                "A marathon is a road race of 42.195 kilometres.",
                "Marathon running has become a popular goal for amateur athletes.",
            ),
            _s(
                "swimming",
                "Swimming works the whole body while putting little strain on the joints.",
                "Competitive swimming includes freestyle, backstroke, breaststroke and butterfly.",
            ),
            _s(
                "cycling",
                "Cycling is both a way of getting around and a competitive sport.",
                "Road cycling, mountain biking and track cycling need different skills.",
            ),
            _s(
                "yoga",
                "Yoga combines postures, breathing exercises and meditation.",
                "Yoga originated in ancient India and is now practised worldwide.",
            ),
            _s(
                "weight training",
                "Weight training builds strength by working muscles against resistance.",
                "Free weights and machines are both used in weight training.",
            ),
            _s(
                "football",
                "Football is the world's most popular team sport.",
                "A football match lasts ninety minutes, played in two halves.",
            ),
        ),
        (
            _a(
                "injuries",
                ("how to avoid getting hurt doing {s}", "sprains and strains from {s}"),
                (
                    "Knee and ankle injuries were the most frequent problems among {n} people who do {s}.",
                    "Most injuries in {s} come from doing too much too soon.",
                    "A proper warm-up cut injuries in {s} by {pct} percent in one club.",
                ),
                "Injuries in {s} are common but often preventable.",
            ),
            _a(
                "training plans",
                ("a weekly schedule for beginners at {s}", "how should I prepare for {s}"),
                (
                    "A good training plan for {s} builds up slowly over {x} weeks.",
                    "Alternate hard and easy days when training for {s}.",
                    "Beginners who followed a structured plan for {s} improved faster than those who did not.",
                ),
                "A sensible training plan makes progress in {s} steady.",
            ),
            _a(
                "nutrition",
                ("what should I eat before {s}", "diet and drinks for {s}"),
                (
                    "Carbohydrates are the main fuel for {s} at high intensity.",
                    "Athletes in {s} need enough protein to repair muscle.",
                    "Drink regularly during long sessions of {s} to avoid dehydration.",
                ),
                "Nutrition and hydration support performance in {s}.",
            ),
            _a(
                "equipment",
                ("what gear do I need for {s}", "choosing shoes and clothing for {s}"),
                (
                    "The right shoes and clothing make {s} more comfortable.",
                    "Expensive equipment for {s} helps less than regular practice.",
                    "Check your equipment for {s} for wear every few months.",
                ),
                "You need only modest equipment to start {s}.",
            ),
            _a(
                "recovery",
                ("how to bounce back after {s}", "sore muscles and rest days in {s}"),
                (
                    "Sleep is the most important part of recovery from {s}.",
                    "Gentle stretching and easy movement speed recovery after {s}.",
                    "Muscle soreness after {s} usually fades within {x} days.",
                ),
                "Rest and recovery are part of any {s} routine.",
            ),
        ),
        ("{S}: {a}", "{A} in {s}", "A coach's notes on {s} and {a}"),
        (
            "Coaches and athletes often ask about {a} in {s}.",
            "This article reviews {a} for people who take up {s}.",
            "We surveyed {n} amateurs about {s} and {a}.",
        ),
        (
            "Always check with a doctor before starting a new exercise programme.",
            "Consistency matters more than intensity for most people.",
            "Heart rate monitors help athletes measure effort.",
        ),
        ("Paying attention to {a} keeps {s} enjoyable for years.", "Whatever your level, {s} rewards patience."),
        ("{S} for beginners", "Getting started with {s}"),
    ),
    Field(
        "environment",
        (
            _s(
                "glaciers",
                "Glaciers are slow rivers of ice that form where snow builds up year after year.",
                "Glaciers store much of the world's fresh water.",
            ),
            _s(
                "coral reefs",
                "Coral reefs are built by tiny animals that live together with algae.",
                "Coral reefs shelter about a quarter of all marine species.",
            ),
            _s(
                "tropical rainforests",
                "Tropical rainforests grow near the equator where it is warm and wet all year.",
                "The Amazon is the largest tropical rainforest on Earth.",
            ),
            _s(
                "deserts",
                "Deserts receive less than 250 millimetres of rain a year.",
                "Deserts can be hot like the Sahara or cold like the Gobi.",
            ),
            _s(
                "wetlands",
                "Wetlands include marshes, swamps and peat bogs.",
                "Wetlands filter water and store large amounts of carbon.",
            ),
            _s(
                "mountain forests",
                "Mountain forests cover steep slopes and protect valleys from landslides.",
                "Conifers dominate most mountain forests in the northern hemisphere.",
            ),
        ),
        (
            _a(
                "rising temperatures",
                ("how does global warming affect {s}", "{s} in a hotter climate"),
                (
                    "Temperatures around {s} have risen by {x} tenths of a degree per decade.",
                    "Satellite records show that warming is changing {s} faster than expected.",
                    "Heat waves put {s} under severe stress.",
                ),
                "Rising temperatures are changing {s}.",
            ),
            _a(
                "drought",
                ("what happens to {s} when the rain stops", "changing rainfall and {s}"),
                (
                    "Long droughts left {s} drier than at any time in {n} years of records.",
                    "Changes in rainfall patterns alter how {s} function.",
                    "After the drought, {s} took {years} years to recover.",
                ),
                "Drought and shifting rainfall affect {s}.",
            ),
            _a(
                "biodiversity",
                ("which species live in {s}", "plants and animals found in {s}"),
                (
                    "Surveys counted {n} species of plants and animals in {s}.",
                    "Many species found in {s} live nowhere else.",
                    "Biodiversity in {s} has declined by {pct} percent since the 1970s.",
                ),
                "{S} support a surprising variety of wildlife.",
            ),
            _a(
                "pollution",
                ("how do plastic and chemicals harm {s}", "dirty water and air around {s}"),
                (
                    "Plastic waste and chemical runoff were found throughout {s}.",
                    "Soot and dust darken {s} and speed up damage.",
                    "Cleaning up pollution helped parts of {s} recover.",
                ),
                "Pollution is a growing threat to {s}.",
            ),
            _a(
                "conservation",
                ("how can we protect {s}", "restoring damaged {s}"),
                (
                    "Protected areas have slowed the loss of {s}.",
                    "Local communities play a key role in conserving {s}.",
                    "A restoration project covering {n} hectares brought parts of {s} back.",
                ),
                "Conservation efforts aim to protect {s}.",
            ),
        ),
        ("{S} and {a}", "{A}: the case of {s}", "{S} under pressure: {a}"),
        (
            "Scientists are watching {s} closely because of {a}.",
            "This report examines {a} and what it means for {s}.",
            "Field data from {n} sites show how {a} is affecting {s}.",
        ),
        (
            "Measurements came from satellites, weather stations and field surveys.",
            "Data were averaged over decades to remove year-to-year noise.",
            "Climate models project further change this century.",
        ),
        (
            "Without attention to {a}, {s} will keep changing.",
            "What happens to {s} matters far beyond the places themselves.",
        ),
        ("{S}: an introduction", "The importance of {s}"),
    ),
    Field(
        "animals",
        (
            _s(
                "honeybees",
                "Honeybees live in colonies of tens of thousands with a single queen.",
                "Honeybees pollinate many of the crops we eat.",
            ),
            _s(
                "wolves",
                "Wolves are social predators that live and hunt in packs.",
                "Wolves once roamed most of the northern hemisphere.",
            ),
            _s(
                "dolphins",
                "Dolphins are marine mammals known for their playful behaviour.",
                "Dolphins breathe air through a blowhole on top of their heads.",
            ),
            _s(
                "octopuses",
                "Octopuses are soft-bodied molluscs with eight arms.",
                "Octopuses can change colour and texture in a fraction of a second.",
            ),
            _s(
                "crows",
                "Crows are black birds of the corvid family found on most continents.",
                "Crows thrive in cities as well as in the countryside.",
            ),
            _s(
                "domestic cats",
                "Domestic cats descend from wild cats of the Near East.",
                "Domestic cats sleep for much of the day.",
            ),
        ),
        (
            _a(
                "communication",
                ("how do {s} talk to each other", "calls and signals of {s}"),
                (
                    "Recordings revealed that {s} use dozens of distinct calls or signals.",
                    "Young {s} learn to communicate by copying adults.",
                    "Some signals used by {s} seem to carry information about food.",
                ),
                "{S} communicate in ways researchers are still decoding.",
            ),
            _a(
                "diet and hunting",
                ("what do {s} eat", "how {s} find their food"),
                (
                    "Stomach contents and field observations show what {s} eat through the year.",
                    "{S} adjust their diet to what is available each season.",
                    "Hunting or foraging takes up most of the waking hours of {s}.",
                ),
                "The diet of {s} changes with the seasons.",
            ),
            _a(
                "social behaviour",
                ("do {s} live in groups", "friendships and rivalries among {s}"),
                (
                    "{S} form social bonds that can last for years.",
                    "Conflicts among {s} are usually settled without serious injury.",
                    "Group size among {s} varied with the season in our study area.",
                ),
                "The social behaviour of {s} is surprisingly complex.",
            ),
            _a(
                "intelligence",
                ("how clever are {s}", "puzzle solving and memory in {s}"),
                (
                    "In experiments, {s} solved puzzles to reach hidden food.",
                    "{S} remembered the location of objects for weeks.",
                    "Tests of problem solving put {s} among the cleverest animals studied.",
                ),
                "The intelligence of {s} has impressed researchers.",
            ),
            _a(
                "lifespan and ageing",
                ("how long do {s} live", "old age in {s}"),
                (
                    "In the wild, {s} live on average {x} years.",
                    "Older {s} move and feed less than younger ones.",
                    "The longest-lived {s} in our records reached an unusual age.",
                ),
                "The lifespan of {s} depends on where they live.",
            ),
        ),
        ("{S}: {a}", "{A} in {s}", "What we know about {a} in {s}"),
        (
            "Animal behaviour researchers are fascinated by {a} in {s}.",
            "This study looks at {a} in {s} observed over {years} years.",
            "We watched {s} in the wild to learn about {a}.",
        ),
        (
            "Animals were observed from hides to avoid disturbing them.",
            "Field notes were backed up with video recordings.",
            "Some individuals were fitted with small GPS tags.",
        ),
        ("Studying {a} helps us understand {s} better.", "There is still much to learn about {s}."),
        ("{S}: a natural history", "Meet the {s}"),
    ),
    Field(
        "energy",
        (
            _s(
                "electric cars",
                "Electric cars run on batteries charged from the grid instead of petrol.",
                "Electric cars are quiet and have no tailpipe emissions.",
            ),
            _s(
                "solar panels",
                "Solar panels turn sunlight into electricity using silicon cells.",
                "Rooftop solar panels are now common on homes.",
            ),
            _s(
                "wind turbines",
                "Wind turbines turn the energy of moving air into electricity.",
                "Offshore wind turbines can be taller than 200 metres.",
            ),
            _s(
                "heat pumps",
                "Heat pumps move heat from the outside air or ground into a building.",
                "Heat pumps can replace gas boilers for home heating.",
            ),
            _s(
                "high-speed trains",
                "High-speed trains carry passengers at over 250 kilometres per hour.",
                "Japan opened the first high-speed railway line in 1964.",
            ),
            _s(
                "lithium batteries",
                "Lithium batteries store energy for phones, laptops and vehicles.",
                "Lithium batteries are light and hold a lot of energy for their weight.",
            ),
        ),
        (
            _a(
                "cost",
                ("how much do {s} cost", "are {s} worth the money"),
                (
                    "The price of {s} has fallen by {pct} percent over the past decade.",
                    "Running costs of {s} are lower than many buyers expect.",
                    "Subsidies cut the upfront cost of {s} for households.",
                ),
                "The cost of {s} keeps falling.",
            ),
            _a(
                "efficiency",
                ("how much energy do {s} waste", "getting more output from {s}"),
                (
                    "Modern {s} convert energy far more efficiently than older designs.",
                    "In cold weather the efficiency of {s} dropped by {pct} percent.",
                    "Engineers squeezed a few more percent of efficiency out of {s}.",
                ),
                "The efficiency of {s} has improved steadily.",
            ),
            _a(
                "environmental impact",
                ("are {s} really green", "carbon footprint of {s}"),
                (
                    "Over their lifetime, {s} emit far less carbon dioxide than fossil alternatives.",
                    "Mining raw materials for {s} has its own environmental cost.",
                    "Recycling can recover most of the materials in {s}.",
                ),
                "The environmental impact of {s} is mostly positive.",
            ),
            _a(
                "maintenance",
                ("how long do {s} last", "servicing and repairing {s}"),
                (
                    "Regular inspection keeps {s} running for {years} years or more.",
                    "Most faults in {s} are minor and cheap to fix.",
                    "Dust, dirt and wear reduce the output of {s} over time.",
                ),
                "{S} need little maintenance.",
            ),
            _a(
                "adoption",
                ("why are people switching to {s}", "government incentives for {s}"),
                (
                    "Sales of {s} doubled in {x} years as governments offered incentives.",
                    "Surveys of {n} people found growing support for {s}.",
                    "Some communities oppose new {s} near their homes.",
                ),
                "Adoption of {s} is growing quickly.",
            ),
        ),
        ("{S}: {a}", "{A} of {s}", "The truth about {s} and {a}"),
        (
            "As the energy transition speeds up, people ask about {s} and {a}.",
            "This report examines {a} for {s}.",
            "Data from {n} installations shed light on {s} and {a}.",
        ),
        (
            "Figures refer to typical European conditions.",
            "Electricity prices vary widely between countries.",
            "Grid operators must balance supply and demand every second.",
        ),
        ("Understanding {a} helps people choose {s} wisely.", "{S} will play a big part in a low-carbon future."),
        ("{S}: how they work", "A guide to {s}"),
    ),
)


# One sentence in each focused document names another subject of its field with the same aspect: the
# hard negatives of a query share both its subject and its aspect words, as near misses do in real data.
COMPARISONS = (
    "Earlier work on {o} reached a similar conclusion about {a}.",
    "The picture is different for {o}, where {a} has been studied less.",
    "For comparison, the same questions about {a} were asked of {o}.",
)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _slots(rng: random.Random, subject: str, aspect: str = "") -> dict[str, object]:
    """Everything a template may name; str.format ignores what a template does not use."""
    return {
        "s": subject,
        "S": _cap(subject),
        "a": aspect,
        "A": _cap(aspect),
        "n": rng.randrange(40, 5000),
        "pct": rng.randrange(5, 60),
        "years": rng.randrange(2, 20),
        "x": rng.randrange(2, 10),
        "temp": rng.randrange(160, 231, 5),
        "ms": rng.randrange(80, 400),
        "ms2": rng.randrange(10, 60),
        "decade": rng.randrange(1960, 2020, 10),
    }


def _focused(rng: random.Random, field: Field, subject: Subject, aspect: Aspect) -> dict[str, str]:
    slots = _slots(rng, subject.name, aspect.name)
    slots["o"] = rng.choice([other.name for other in field.subjects if other != subject])
    sentences = [
        rng.choice(field.openings),
        rng.choice(subject.facts),
        *rng.sample(aspect.findings, 2),
        rng.choice(COMPARISONS),
        rng.choice(field.context),
        rng.choice(field.closings),
    ]
    return {
        "title": rng.choice(field.titles).format(**slots),
        "text": " ".join(sentence.format(**slots) for sentence in sentences),
    }


def _overview(rng: random.Random, field: Field, subject: Subject) -> dict[str, str]:
    slots = _slots(rng, subject.name)
    sentences = [*subject.facts, *(aspect.mention for aspect in field.aspects), rng.choice(field.context)]
    return {
        "title": rng.choice(field.overview_titles).format(**slots),
        "text": " ".join(sentence.format(**slots) for sentence in sentences),
    }


def build(seed: int = 0) -> SyntheticCorpus:
    """The corpus, its queries and graded judgments; the same seed gives byte-identical output."""
    rng = random.Random(seed)
    documents: list[tuple[dict[str, str], list[tuple[int, int]]]] = []  # doc, [(topic, grade)]
    topics: list[str] = []  # query text per topic index
    for field in FIELDS:
        for subject in field.subjects:
            subject_topics = []
            for aspect in field.aspects:
                topic = len(topics)
                topics.append(rng.choice(aspect.queries).format(s=subject.name))
                subject_topics.append(topic)
                documents.append((_focused(rng, field, subject, aspect), [(topic, GRADE_FOCUSED)]))
            documents.append((_overview(rng, field, subject), [(t, GRADE_OVERVIEW) for t in subject_topics]))
    rng.shuffle(documents)
    query_order = list(range(len(topics)))
    rng.shuffle(query_order)
    query_id = {topic: f"q{rank + 1:03d}" for rank, topic in enumerate(query_order)}
    qrels: dict[str, dict[str, int]] = {query_id[t]: {} for t in query_order}
    corpus = []
    for number, (doc, judged) in enumerate(documents, start=1):
        doc_id = f"doc{number:04d}"
        corpus.append({"_id": doc_id, **doc})
        for topic, grade in judged:
            qrels[query_id[topic]][doc_id] = grade
    queries = {query_id[t]: topics[t] for t in query_order}
    return SyntheticCorpus(documents=corpus, queries=queries, qrels=qrels)


def write_beir(corpus: SyntheticCorpus, out_dir: Path) -> Path:
    """corpus.jsonl, queries.jsonl and qrels/test.tsv (BEIR layout, what `ingest`/`evaluate` read)."""
    (out_dir / "qrels").mkdir(parents=True, exist_ok=True)
    (out_dir / "corpus.jsonl").write_text("".join(json.dumps(doc) + "\n" for doc in corpus.documents))
    (out_dir / "queries.jsonl").write_text(
        "".join(json.dumps({"_id": q, "text": text}) + "\n" for q, text in corpus.queries.items())
    )
    rows = [f"{q}\t{d}\t{grade}" for q, judged in corpus.qrels.items() for d, grade in judged.items()]
    (out_dir / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n" + "\n".join(rows) + "\n")
    return out_dir


def main() -> None:
    parser = argparse.ArgumentParser(description="Write the synthetic judged corpus in BEIR layout.")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    corpus = build(args.seed)
    write_beir(corpus, args.out_dir)
    print(f"{len(corpus.documents)} documents, {len(corpus.queries)} judged queries in {args.out_dir}")


if __name__ == "__main__":
    main()
