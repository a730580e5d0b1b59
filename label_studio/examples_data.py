"""Sample values for example tasks (spec label-config.md §7).

Two sample sets: "editor_preview" (shown while editing a config) and "upload"
(example files to download). Texts are written for this project.
"""

_CHAT_HTML = (
    "<div style='max-width: 720px'>"
    "<p><b>Jules:</b> You ever notice how nobody reads the manual?</p>"
    "<p><b>Vincent:</b> I read the manual. Twice. It did not mention the coffee machine.</p>"
    "<p><b>Jules:</b> The coffee machine is not in the manual because nobody expected you to break it.</p>"
    "<p><b>Vincent:</b> I did not break it. It was already making that noise.</p>"
    "<p><b>The Wolf:</b> Gentlemen, the machine is fine. Press the green button and wait.</p>"
    "<p><b>Jules:</b> There is no green button.</p>"
    "<p><b>The Wolf:</b> Then we have a different problem.</p>"
    "</div>"
)

_LONG_TEXT = (
    "The Virginia opossum is the only marsupial found north of Mexico. It is about the size "
    "of a house cat, carries its young in a pouch for roughly two months, and then lets them "
    "ride on its back while it forages at night. Opossums eat almost anything: insects, fruit, "
    "snails, carrion and the occasional garden tomato. They are famous for playing dead when "
    "threatened, a reflex that can last for hours, and they rarely carry rabies because their "
    "body temperature is lower than that of most mammals. A single opossum may eat thousands "
    "of ticks in one season, which makes it a welcome, if odd-looking, neighbor."
)

_DIALOG = [
    ("Alice", "Hi, Bob."),
    ("Bob", "Hello, Alice!"),
    ("Alice", "Did you finish the report?"),
    ("Bob", "Almost. I need one more chart."),
    ("Alice", "Great, send it over when it is ready."),
]

_COMMON = {
    "Text": "To have faith is to trust yourself to the water",
    "TextUrl": "https://htx-pub.s3.amazonaws.com/example.txt",
    "Image": "static/samples/sample.jpg",
    "Audio": "static/samples/game.wav",
    "AudioPlus": "static/samples/game.wav",
    "Header": "Task header",
    "Table": {"Card number": 18799210, "First name": "Max", "Last name": "Nobel"},
    "List": [
        {"id": 1, "title": "First item", "text": "Opossums play dead when threatened"},
        {"id": 2, "title": "Second item", "text": "Opossums eat ticks"},
        {"id": 3, "title": "Third item", "text": "Opossums carry their young in a pouch"},
    ],
    "$video": "<video src='static/samples/opossum_snow.mp4' width=100% controls>",
    "$longText": _LONG_TEXT,
    "$pdf": "<embed src='static/samples/sample.pdf' width='100%' height='600px'/>",
    "$headlessCsv": "static/samples/sample-task-sin-headless.csv",
}

SAMPLES = {
    "editor_preview": {
        **_COMMON,
        "HyperText": _CHAT_HTML,
        "$website": "<iframe src='http://heartex.ai' width='100%' height='600px'/>",
    },
    "upload": {
        **_COMMON,
        "HyperText": "<a href='heartex.net'>Heartex</a>",
        "$website": "<iframe src='https://heartex.ai' width='100%' height='600px'/>",
    },
}

DIALOG = _DIALOG
FALLBACK = "Something"
