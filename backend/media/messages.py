"""Error codes of the media domain (kk / ru / en) beyond the core ones in backend.lib.messages."""

from __future__ import annotations

from backend.lib.messages import register_errors

register_errors({
    # a file is closed once checked, whichever way: verified (its bytes must not be replaced) or refused (its
    # upload is never looked at again; a new declaration brings a new upload)
    "media.upload_closed": {
        "ru": "Файл уже проверен (принят или отклонён), загрузить его заново нельзя. Чтобы отправить файл, "
              "объявите его снова и загрузите по новой ссылке",
        "kk": "Файл тексеріліп қойған (қабылданған не қабылданбаған), оны қайта жүктеуге болмайды. Файлды жіберу "
              "үшін оны қайта мәлімдеп, жаңа сілтеме арқылы жүктеңіз",
        "en": "The file has already been checked (accepted or refused) and cannot be uploaded again; declare it "
              "anew and upload it through the new link",
    },
    "media.verifying": {
        "ru": "Файл ещё проверяется. Повторите запрос через несколько секунд",
        "kk": "Файл әлі тексерілуде. Сұрауды бірнеше секундтан кейін қайталаңыз",
        "en": "The file is still being checked; retry in a few seconds",
    },
    "media.length_required": {
        "ru": "Укажите размер файла в заголовке Content-Length",
        "kk": "Файл өлшемін Content-Length тақырыбында көрсетіңіз",
        "en": "Send the file's size in the Content-Length header",
    },
})
