"""Answer templates in Russian, Kazakh and English (the law itself is always quoted in Russian, as published)."""

from __future__ import annotations

from ml.legal.codes import CODE_BY_KEY

TEMPLATES: dict[str, dict[str, str]] = {
    "urgent": {
        "ru": "Если вам или кому-то угрожает опасность прямо сейчас — немедленно звоните {numbers}. "
        "Постарайтесь уйти в безопасное место и оставайтесь на связи с оператором.",
        "kk": "Егер сізге немесе басқа біреуге дәл қазір қауіп төніп тұрса — дереу {numbers} нөміріне қоңырау "
        "шалыңыз. Қауіпсіз жерге барып, оператормен байланыста болыңыз.",
        "en": "If you or someone else is in danger right now, call {numbers} immediately. "
        "Move to a safe place and stay on the line with the operator.",
    },
    "article": {
        "ru": "По вашему вопросу применима норма {ref} «{title}»: «{excerpt}»",
        "kk": "Сұрағыңызға қатысты норма — {ref} «{title}» (мәтін орыс тілінде): «{excerpt}»",
        "en": "The relevant provision is {ref} \u201c{title}\u201d (official text in Russian): \u201c{excerpt}\u201d",
    },
    "article_weak": {
        "ru": "Возможно, к вашему вопросу относится {ref} «{title}»: «{excerpt}»",
        "kk": "Сұрағыңызға {ref} «{title}» қатысты болуы мүмкін (мәтін орыс тілінде): «{excerpt}»",
        "en": "Possibly relevant: {ref} \u201c{title}\u201d (official text in Russian): \u201c{excerpt}\u201d",
    },
    "weak_route": {
        "ru": "Я не уверен, что это точный ответ: уточните, пожалуйста, у юриста — бесплатную юридическую помощь "
        "оказывает коллегия адвокатов вашего региона.",
        "kk": "Бұл нақты жауап екеніне сенімді емеспін: заңгерден нақтылаңыз — тегін заң көмегін өңіріңіздегі "
        "адвокаттар алқасы көрсетеді.",
        "en": "I am not sure this answers your question exactly: please check with a lawyer — your regional bar "
        "association provides free legal aid.",
    },
    "reference": {
        "ru": "{ref} «{title}»: «{excerpt}»",
        "kk": "{ref} «{title}» (мәтін орыс тілінде): «{excerpt}»",
        "en": "{ref} \u201c{title}\u201d (official text in Russian): \u201c{excerpt}\u201d",
    },
    "repealed": {
        "ru": "{ref} «{title}» утратила силу (исключена).",
        "kk": "{ref} «{title}» күшін жойған (алып тасталған).",
        "en": "{ref} \u201c{title}\u201d has been repealed.",
    },
    "see_also": {"ru": "См. также: {refs}.", "kk": "Сондай-ақ қараңыз: {refs}.", "en": "See also: {refs}."},
    "disclaimer": {
        "ru": "Это справочная информация, а не юридическая консультация.",
        "kk": "Бұл анықтамалық ақпарат, заң кеңесі емес.",
        "en": "This is reference information, not legal advice.",
    },
    # the corpus holds the codes' full texts (the Civil Code's general part only), so "not found" is what we know
    "missing_article": {
        "ru": "Я не нашёл {refs} в текстах кодексов, с которыми работаю. Проверьте, пожалуйста, номер статьи и "
        "название кодекса — отвечать другой статьёй я не буду, чтобы не ввести вас в заблуждение. Бесплатную "
        "юридическую помощь оказывает коллегия адвокатов вашего региона. Если правонарушение происходит сейчас — "
        "звоните 102.",
        "kk": "Мен жұмыс істейтін кодекстердің мәтінінен {refs} таппадым. Бап нөмірі мен кодекс атауын тексеріңіз — "
        "сізді жаңылыстырмау үшін басқа баппен жауап бермеймін. Тегін заң көмегін өңіріңіздегі адвокаттар алқасы "
        "көрсетеді. Құқық бұзушылық дәл қазір болып жатса — 102-ге қоңырау шалыңыз.",
        "en": "I could not find {refs} in the codes I work with. Please check the article number and the name of the "
        "code — I will not answer with a different article, so as not to mislead you. Your regional bar association "
        "provides free legal aid. If an offence is happening now, call 102.",
    },
    "missing_article_note": {
        "ru": "Не найдено: {refs} — проверьте номер статьи.",
        "kk": "Табылмады: {refs} — бап нөмірін тексеріңіз.",
        "en": "Not found: {refs} — please check the article number.",
    },
    # the article exists but not the part asked for ("ч. 9 ст. 188 УК"): the article is quoted after this note
    "missing_part_note": {
        "ru": "Не найдено: {ref} — в статье нет такой части, проверьте её номер. Ниже — сама статья.",
        "kk": "Табылмады: {ref} — бапта мұндай бөлік жоқ, оның нөмірін тексеріңіз. Төменде — баптың өзі.",
        "en": "Not found: {ref} — the article has no such part; please check its number. The article itself follows.",
    },
    "not_found": {
        "ru": "Я не нашёл нормы закона, которая точно отвечает на ваш вопрос, и не хочу ввести вас в заблуждение. "
        "Обратитесь, пожалуйста, за бесплатной юридической помощью (коллегия адвокатов вашего региона) или "
        "задайте вопрос сотруднику полиции. Если правонарушение происходит сейчас — звоните 102. "
        "Я отвечаю на вопросы о законах и работе полиции: опишите, что случилось, например: "
        "«у меня украли телефон, что делать?»",
        "kk": "Сұрағыңызға нақты жауап беретін заң нормасын таба алмадым, сізді жаңылыстырғым келмейді. "
        "Тегін заң көмегіне (өңіріңіздегі адвокаттар алқасына) немесе полиция қызметкеріне жүгініңіз. "
        "Құқық бұзушылық дәл қазір болып жатса — 102-ге қоңырау шалыңыз. "
        "Мен заңдар мен полиция жұмысы туралы сұрақтарға жауап беремін: не болғанын жазыңыз, мысалы: "
        "«телефонымды ұрлап кетті, не істеймін?»",
        "en": "I could not find a provision of law that clearly answers your question, and I do not want to mislead "
        "you. Please ask for free legal aid (your regional bar association) or a police officer. If an offence is "
        "happening now, call 102. I answer questions about the law and the police: describe what happened, "
        "for example: \u201cmy phone was stolen, what should I do?\u201d",
    },
    # a question about another country's law ("статья 158 УК РФ"): the codes here are Kazakhstan's only
    "foreign_law": {
        "ru": "Я отвечаю только по законам Республики Казахстан и не могу сказать, что предусматривает право другой "
        "страны; чтобы не ввести вас в заблуждение, статьи казахстанских кодексов здесь не привожу. О законах другой "
        "страны спросите юриста этой страны или её консульство; бесплатную юридическую помощь в Казахстане оказывает "
        "коллегия адвокатов вашего региона. Если вопрос о случившемся в Казахстане — опишите, что произошло, и я "
        "приведу статьи кодексов РК. Если правонарушение происходит сейчас — звоните 102.",
        "kk": "Мен тек Қазақстан Республикасының заңдары бойынша жауап беремін, басқа елдің құқығында не көзделгенін "
        "айта алмаймын; сізді жаңылыстырмау үшін қазақстандық кодекстердің баптарын мұнда келтірмеймін. Басқа елдің "
        "заңдары туралы сол елдің заңгерінен немесе консулдығынан сұраңыз; Қазақстанда тегін заң көмегін өңіріңіздегі "
        "адвокаттар алқасы көрсетеді. Сұрақ Қазақстанда болған оқиға туралы болса — не болғанын жазыңыз, ҚР "
        "кодекстерінің баптарын келтіремін. Құқық бұзушылық дәл қазір болып жатса — 102-ге қоңырау шалыңыз.",
        "en": "I answer only about the law of the Republic of Kazakhstan and cannot tell what another country's law "
        "provides; so as not to mislead you, I quote no Kazakh article here. Ask a lawyer of that country or its "
        "consulate about its law; in Kazakhstan, your regional bar association provides free legal aid. If your "
        "question is about something that happened in Kazakhstan, describe it and I will cite the codes of "
        "Kazakhstan. If an offence is happening now, call 102.",
    },
    # a message that is only a greeting, or only an insult: what the assistant can do, politely
    "greeting": {
        "ru": "Здравствуйте! Я отвечаю на вопросы о законах Казахстана и работе полиции со ссылками на статьи "
        "кодексов. Опишите, что случилось, например: «у меня украли телефон, что делать?» "
        "Если вам угрожает опасность — звоните 102.",
        "kk": "Сәлеметсіз бе! Мен Қазақстан заңдары мен полиция жұмысы туралы сұрақтарға кодекс баптарына "
        "сілтеме жасап жауап беремін. Не болғанын жазыңыз, мысалы: «телефонымды ұрлап кетті, не істеймін?» "
        "Қауіп төніп тұрса — 102-ге қоңырау шалыңыз.",
        "en": "Hello! I answer questions about the law of Kazakhstan and the police, with references to the codes. "
        "Describe what happened, for example: \u201cmy phone was stolen, what should I do?\u201d "
        "If you are in danger, call 102.",
    },
    # a message that only thanks for or acknowledges an answer ("понятно, спасибо", "this is fine")
    "thanks": {
        "ru": "Пожалуйста! Если появится ещё вопрос о законе или работе полиции — напишите его. "
        "Если вам угрожает опасность — звоните 102.",
        "kk": "Әрқашан көмектесуге дайынмын! Заң немесе полиция жұмысы туралы тағы сұрағыңыз болса — жазыңыз. "
        "Қауіп төніп тұрса — 102-ге қоңырау шалыңыз.",
        "en": "You are welcome! If you have another question about the law or the police, just write it. "
        "If you are in danger, call 102.",
    },
    "abuse": {
        "ru": "Я здесь, чтобы помочь. Я отвечаю на вопросы о законах и работе полиции: опишите, пожалуйста, что "
        "случилось, и я подскажу, какая статья к этому относится и куда обратиться. "
        "Если вам угрожает опасность — звоните 102.",
        "kk": "Мен көмектесу үшін осындамын. Заңдар мен полиция жұмысы туралы сұрақтарға жауап беремін: не "
        "болғанын жазыңызшы, қай бап қатысты екенін және қайда жүгіну керегін айтамын. "
        "Қауіп төніп тұрса — 102-ге қоңырау шалыңыз.",
        "en": "I am here to help. I answer questions about the law and the police: please describe what happened, "
        "and I will tell you which article applies and where to turn. If you are in danger, call 102.",
    },
}


def message(key: str, language: str, **values: str) -> str:
    templates = TEMPLATES[key]
    return templates.get(language, templates["ru"]).format(**values)


def format_ref(code: str, article: str, part: str | None, language: str) -> str:
    """ "КоАП РК ст. 592 ч. 3-1" / "ҚР ӘҚБтК 592-бабының 3-1-бөлігі" / "Code of Administrative Offences, Art. 592(3-1)";
    without a part "ҚР ӘҚБтК 592-бап"."""
    info = CODE_BY_KEY[code]
    note = part is not None and part.startswith("note")
    if language == "kk":
        if part is None:
            return f"{info.kk} {article}-бап"
        # a part or a note belongs to the article, which official acts write in the genitive: "188-бабының 9-бөлігі"
        tail = "ескертпесі" if note else f"{part}-бөлігі"
        return f"{info.kk} {article}-бабының {tail}"
    if language == "en":
        tail = "" if part is None else (", note" if note else f", part {part}")
        return f"{info.en}, Art. {article}{tail}"
    tail = "" if part is None else (", примечание" if note else f" ч. {part}")
    return f"{info.ru} ст. {article}{tail}"


def answer_language(language: str | None) -> str | None:
    """The requested answer language (kk / ru / en, "kz" accepted; anything else reads as ru); None if none was."""
    if not language:
        return None
    lang = language.lower()
    return "kk" if lang in {"kz", "kaz", "kk"} else lang if lang in {"ru", "en"} else "ru"
