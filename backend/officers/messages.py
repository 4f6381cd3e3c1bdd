"""Error codes of the officers domain (kk / ru / en)."""

from __future__ import annotations

from backend.lib.messages import register_errors

register_errors({
    "officer.bad_credentials": {
        "ru": "Неверный номер жетона или пароль",
        "kk": "Жетон нөмірі немесе құпиясөз қате",
        "en": "Wrong badge number or password",
    },
    "officer.device_not_allowed": {
        "ru": "Это устройство не зарегистрировано для сотрудника",
        "kk": "Бұл құрылғы қызметкерге тіркелмеген",
        "en": "This device is not enrolled for the officer",
    },
    "officer.token_invalid": {
        "ru": "Сессия недействительна или истекла, войдите снова",
        "kk": "Сессия жарамсыз немесе мерзімі өтті, қайта кіріңіз",
        "en": "The session is invalid or expired; sign in again",
    },
    "officer.not_found": {
        "ru": "Сотрудник не найден",
        "kk": "Қызметкер табылмады",
        "en": "Officer not found",
    },
    "officer.unit_not_found": {
        "ru": "Наряд не найден",
        "kk": "Жасақ табылмады",
        "en": "Unit not found",
    },
    "officer.badge_taken": {
        "ru": "Такой номер жетона уже есть",
        "kk": "Мұндай жетон нөмірі бар",
        "en": "This badge number already exists",
    },
    "officer.no_unit": {
        "ru": "Сотрудник не состоит в наряде",
        "kk": "Қызметкер жасақта емес",
        "en": "The officer is not in a unit",
    },
    # the admin API (backend.officers.admin_controller): what backend.officers.rules refuses, and the admin's limits
    "officer.password_policy": {
        "ru": "Пароль должен содержать от 12 до 200 символов",
        "kk": "Құпиясөз 12-ден 200-ге дейін таңбадан тұруы керек",
        "en": "The password must be 12 to 200 characters long",
    },
    # an officer's own password change (POST /api/v1/officer/me/password)
    "officer.current_password_wrong": {
        "ru": "Текущий пароль указан неверно",
        "kk": "Ағымдағы құпиясөз қате",
        "en": "The current password is wrong",
    },
    "officer.password_unchanged": {
        "ru": "Новый пароль должен отличаться от текущего",
        "kk": "Жаңа құпиясөз ағымдағысынан өзгеше болуы керек",
        "en": "The new password must differ from the current one",
    },
    "officer.department_unknown": {
        "ru": "Неизвестное подразделение полиции",
        "kk": "Белгісіз полиция бөлімшесі",
        "en": "Unknown police department",
    },
    "officer.district_required": {
        "ru": "Укажите район сотрудника (или республиканский уровень для штабных ролей)",
        "kk": "Қызметкердің ауданын көрсетіңіз (немесе штаб рөлдері үшін республикалық деңгейді)",
        "en": "Give the officer's district (or national scope, for staff roles)",
    },
    "officer.district_unknown": {
        "ru": "Неизвестный код района",
        "kk": "Белгісіз аудан коды",
        "en": "Unknown district code",
    },
    "officer.national_with_district": {
        "ru": "Укажите либо район, либо республиканский уровень, но не то и другое сразу",
        "kk": "Ауданды немесе республикалық деңгейді көрсетіңіз: екеуін бірге көрсетуге болмайды",
        "en": "Give either a district or national scope, not both",
    },
    "officer.field_role_national": {
        "ru": "Патрульный полицейский или участковый инспектор закреплён за районом: укажите район",
        "kk": ("Патрульдік полиция қызметкері немесе учаскелік полиция инспекторы ауданға бекітіледі: "
               "ауданды көрсетіңіз"),
        "en": "A patrol officer or district inspector works in a district: give one",
    },
    "officer.national_in_unit": {
        "ru": "Сотрудник республиканского уровня не может состоять в наряде",
        "kk": "Республикалық деңгейдегі қызметкер жасақта бола алмайды",
        "en": "A national officer cannot be in a unit",
    },
    "officer.unit_misfit": {
        "ru": "Наряд должен быть того же подразделения и региона, что и сотрудник",
        "kk": "Жасақ қызметкермен бір бөлімшеден және бір өңірден болуы керек",
        "en": "The unit must be of the officer's department and region",
    },
    "officer.out_of_jurisdiction": {
        "ru": "Это за пределами вашего региона",
        "kk": "Бұл сіздің өңіріңізден тыс",
        "en": "This is outside your region",
    },
    "officer.self_change": {
        "ru": ("Нельзя отключить свою учётную запись, изменить свою роль или задать себе новый пароль "
               "(свой пароль меняют, указав текущий)"),
        "kk": ("Өз есептік жазбаңызды өшіруге, рөліңізді өзгертуге немесе өзіңізге жаңа құпиясөз орнатуға болмайды "
               "(өз құпиясөзіңізді ағымдағысын көрсетіп өзгертіңіз)"),
        "en": ("You cannot deactivate your own account, change your own role or set your own new password "
               "(change yours with the current one)"),
    },
    "officer.oversight_account": {
        "ru": ("Учётные записи прокуроров ведёт оператор сервиса: администратор полиции не может их создавать "
               "или изменять, назначать или снимать роль прокурора"),
        "kk": ("Прокурорлардың есептік жазбаларын сервис операторы жүргізеді: полиция әкімшісі оларды құра "
               "немесе өзгерте алмайды, прокурор рөлін бере немесе алып тастай алмайды"),
        "en": ("Prosecutors' accounts are kept by the service operator: a police admin cannot create or change "
               "them, nor give or take away the prosecutor role"),
    },
    "officer.changed": {
        "ru": "Учётную запись тем временем изменил другой администратор: обновите данные и повторите попытку",
        "kk": "Есептік жазбаны осы уақытта басқа әкімші өзгертті: деректерді жаңартып, әрекетті қайталаңыз",
        "en": "Another admin changed the account meanwhile; reload it and try again",
    },
    # backend.officers.admins: a deactivation, demotion or move that would leave a region (or the country, for a
    # national admin) with no active admin answering for it (a region's own or, for a region, a national one)
    "officer.last_admin": {
        "ru": ("Это последний действующий администратор региона (для администратора республиканского уровня — "
               "страны): сначала назначьте администратором другого сотрудника"),
        "kk": ("Бұл өңірдегі (республикалық деңгейдегі әкімші үшін — елдегі) соңғы белсенді әкімші: алдымен басқа "
               "қызметкерді әкімші етіп тағайындаңыз"),
        "en": ("This is the region's last active admin (the country's, for a national admin): make another officer "
               "an admin first"),
    },
    "officer.reason_required": {
        "ru": "Укажите причину отключения учётной записи (для журнала аудита)",
        "kk": "Есептік жазбаны өшіру себебін көрсетіңіз (аудит журналы үшін)",
        "en": "Give the reason for deactivating the account (for the audit log)",
    },
})
