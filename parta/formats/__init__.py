"""Date and number formats where Django's own do not fit Parta's readers (FORMAT_MODULE_PATH).

Django has no formats for Kazakh, so a Kazakh page showed dates the American way
(11/29/2026); and its English formats are American too, while an English reader of Parta
lives in Russia or Kazakhstan and reads school documents dated 29.11.2026. Russian keeps
Django's formats.
"""
