"""Small hand-made word lists the matcher needs: common names, particles, titles.

The common-name lists are the commonness prior: a form made only of these tokens
("José Hernández", "María López") names thousands of people, so on its own it is weak
evidence. They are deliberately short (the most frequent names in Spanish-, Portuguese-,
French- and English-language news); the watchlist itself adds more (see index.py: a token
shared by many watched names is also treated as common).
"""

from __future__ import annotations

COMMON_GIVEN = frozenset(
    (
        "aaron", "abdul", "abigail", "adam", "adrian", "adriana", "ahmed", "alain", "alberto",
        "alejandra", "alejandro", "alexander", "alexis", "alfonso", "alfredo", "ali", "alice",
        "alicia", "aline", "amanda", "amber", "amy", "ana", "andrea", "andres", "andrew", "angel",
        "angela", "ann", "anna", "anne", "anthony", "antonia", "antonio", "armando", "arturo",
        "ashley", "barbara", "beatriz", "benjamin", "betty", "beverly", "brandon", "brenda",
        "brian", "brittany", "bruno", "camila", "carlos", "carmen", "carol", "carolina", "carolyn",
        "catherine", "cesar", "charles", "cheryl", "christina", "christine", "christophe",
        "christopher", "claudia", "cristina", "cynthia", "daniel", "daniela", "danielle", "david",
        "deborah", "debra", "denise", "dennis", "diana", "diane", "diego", "dolores", "donald",
        "donna", "doris", "dorothy", "eduardo", "edward", "elena", "elizabeth", "emily", "emma",
        "enrique", "eric", "ernesto", "eva", "evelyn", "felipe", "fernanda", "fernando", "frances",
        "francisca", "francisco", "francois", "frank", "frederic", "gabriel", "gabriela", "gary",
        "george", "gerardo", "gloria", "grace", "gregory", "guadalupe", "guillermo", "gustavo",
        "hannah", "hassan", "heather", "hector", "helen", "henry", "hugo", "hussein", "ibrahim",
        "ignacio", "irene", "isabel", "isabelle", "ivan", "jack", "jacob", "jacqueline", "jacques",
        "james", "jane", "janet", "janice", "jason", "javier", "jean", "jeffrey", "jennifer",
        "jerry", "jessica", "jesus", "joan", "joao", "joaquin", "john", "jonathan", "jorge", "jose",
        "josefa", "joseph", "joshua", "joyce", "juan", "juana", "judith", "judy", "julia",
        "juliana", "julie", "julio", "justin", "karen", "katherine", "kathleen", "kathryn", "kayla",
        "kelly", "kenneth", "kevin", "kimberly", "kyle", "larry", "laura", "lauren", "laurent",
        "leonardo", "linda", "lisa", "lorena", "lori", "lucas", "lucia", "luis", "luz", "madison",
        "mahmoud", "manuel", "marcia", "marco", "marcos", "margaret", "margarita", "maria",
        "mariana", "marie", "marilyn", "mario", "mark", "marta", "martha", "martin", "mary",
        "mateus", "matthew", "megan", "melissa", "mercedes", "michael", "michel", "michelle",
        "miguel", "mohamed", "mohammed", "monica", "muhammad", "nancy", "natalia", "natalie",
        "nathalie", "nathan", "nicholas", "nicolas", "nicole", "olivia", "olivier", "omar", "oscar",
        "pablo", "pamela", "patricia", "patrick", "paul", "paula", "paulo", "pedro", "peter",
        "philippe", "pierre", "pilar", "rachel", "rafael", "ramon", "raquel", "raul", "raymond",
        "rebecca", "ricardo", "richard", "robert", "roberto", "rodrigo", "ronald", "rosa", "rose",
        "ruben", "ruth", "ryan", "salvador", "samantha", "samuel", "sandra", "santiago", "sara",
        "sarah", "scott", "sebastian", "sebastien", "sergio", "sharon", "shirley", "silvia",
        "sofia", "sophia", "sophie", "stephane", "stephanie", "stephen", "steven", "susan",
        "sylvie", "teresa", "theresa", "thiago", "thierry", "thomas", "timothy", "tyler",
        "valentina", "valerie", "veronica", "victor", "victoria", "william", "yolanda", "zachary"
    )
)

COMMON_SURNAMES = frozenset(
    (
        "acosta", "adams", "aguilar", "allen", "almeida", "alonso", "alvarez", "alves", "anderson",
        "andrade", "andre", "arias", "avila", "ayala", "bailey", "baker", "barbosa", "barrios",
        "bautista", "beltran", "benitez", "bennett", "bernard", "bertrand", "blanco", "bonnet",
        "bravo", "briceno", "brooks", "brown", "caballero", "cabrera", "calvo", "campbell",
        "campos", "cano", "cardenas", "cardoso", "carmona", "carrasco", "carter", "carvalho",
        "castillo", "castro", "cervantes", "chavez", "cisneros", "clark", "collins", "colmenares",
        "contreras", "cook", "cooper", "correia", "cortes", "costa", "cox", "crespo", "cruz",
        "david", "davis", "delgado", "dias", "diaz", "diez", "dominguez", "dubois", "dupont",
        "duran", "durand", "edwards", "escobar", "espinosa", "esteban", "estrada", "evans",
        "fernandes", "fernandez", "ferreira", "ferrer", "figueroa", "flores", "foster", "fournier",
        "franco", "francois", "freitas", "fuentes", "gallardo", "gallego", "garcia", "garrido",
        "gil", "gimenez", "girard", "gomes", "gomez", "goncalves", "gonzalez", "gray", "green",
        "guerrero", "gutierrez", "guzman", "harris", "hernandez", "herrera", "herrero", "hidalgo",
        "hill", "howard", "hughes", "ibanez", "iglesias", "izquierdo", "jackson", "james",
        "jimenez", "johnson", "jones", "kelly", "king", "lambert", "lara", "laurent", "lefebvre",
        "lefevre", "leon", "leroy", "lewis", "lima", "long", "lopes", "lopez", "lorenzo", "lozano",
        "luna", "machado", "maldonado", "marin", "marques", "marquez", "martin", "martinez",
        "martins", "medina", "mejia", "mendes", "mendez", "mendoza", "mercier", "merino", "michel",
        "miller", "miranda", "mitchell", "molina", "montero", "moore", "mora", "morales", "moreau",
        "moreira", "morel", "moreno", "morgan", "morris", "mota", "moya", "munoz", "murphy",
        "myers", "nascimento", "navarro", "nelson", "nieto", "nunes", "nunez", "ochoa", "oliveira",
        "orozco", "ortega", "ortiz", "padilla", "pardo", "paredes", "parker", "parra", "pascual",
        "pastor", "paz", "pena", "pereira", "perez", "peterson", "petit", "phillips", "pineda",
        "price", "prieto", "quintero", "ramirez", "ramos", "rangel", "reed", "reyes", "ribeiro",
        "richard", "richardson", "rincon", "rios", "rivas", "rivera", "robert", "roberts",
        "robinson", "rocha", "rodrigues", "rodriguez", "rogers", "rojas", "roman", "romero", "rosa",
        "rosales", "ross", "roux", "rubio", "ruiz", "saez", "salazar", "salinas", "sanchez",
        "sanders", "sandoval", "santana", "santiago", "santos", "sanz", "scott", "serrano", "silva",
        "simon", "smith", "soares", "soler", "soto", "sousa", "souza", "stewart", "suarez",
        "taylor", "teixeira", "thomas", "thompson", "torres", "turner", "valencia", "vargas",
        "vazquez", "vega", "velasco", "velazquez", "vicente", "vieira", "villalobos", "villanueva",
        "vincent", "walker", "ward", "watson", "white", "williams", "wilson", "wood", "wright",
        "young", "zambrano", "zamora"
    )
)

COMMON_NAMES = COMMON_GIVEN | COMMON_SURNAMES

# Dropped from names and skipped between name tokens in text: "María de la Cruz".
PARTICLES = frozenset(
    (
        "da", "das", "de", "del", "den", "der", "di", "do", "dos", "du", "la", "las", "le", "lo",
        "los", "ten", "ter", "van", "von"
    )
)

# Join two surnames in a name ("Ortega y Gasset") but usually two people in text, so
# they are skipped in text only for people whose own name contains one.
CONNECTORS = frozenset(
    (
        "e", "i", "y"
    )
)

# Honorifics: dropped from watchlist names; before a lone surname they support it
# ("Sr. Hernández") but never create a mention on their own.
TITLES = frozenset(
    (
        "capt", "col", "don", "dona", "dr", "father", "fr", "gen", "gov", "judge", "lady", "lt",
        "m", "madam", "miss", "mister", "mlle", "mme", "monsieur", "mr", "mrs", "ms", "padre",
        "pres", "prof", "rep", "rev", "sen", "senor", "senora", "sgt", "sir", "sr", "sra", "srta"
    )
)

# Capitalized words that commonly sit right before a name without being part of
# another name (sentence starts, articles): never a name conflict.
NOT_NAMES = frozenset(
    (
        "a", "according", "after", "an", "and", "as", "at", "before", "but", "by", "con", "cuando",
        "dijo", "disse", "dit", "e", "el", "en", "entre", "et", "for", "from", "if", "in", "la",
        "las", "le", "les", "los", "mais", "mas", "mientras", "o", "of", "on", "or", "os", "para",
        "pero", "por", "quand", "quando", "said", "says", "segun", "segundo", "selon", "so",
        "sobre", "the", "then", "to", "um", "uma", "un", "una", "une", "when", "while", "with", "y"
    )
)

# Generational suffixes: not surnames ("Patrick Carlineo Jr." is Patrick Carlineo).
SUFFIXES = frozenset(
    (
        "ii", "iii", "iv", "jnr", "jr", "snr", "sr"
    )
)
