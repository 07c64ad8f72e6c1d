"""JRN-7: the history of marks is append-only in the database itself.

A trigger refuses UPDATE and DELETE on ``journal_markchange`` (PostgreSQL and SQLite), so no
code path — a bug, the admin, a hand-written query — can rewrite a legal record. Deleting a
whole data set (a generated region) truncates through ``journal.datasets``, which lets the
trigger pass for that one transaction (``SET LOCAL parta.history_purge``) on PostgreSQL and
drops and recreates the triggers on SQLite.
"""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION journal_markchange_append_only() RETURNS trigger AS $$
BEGIN
    IF current_setting('parta.history_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'journal history is append-only (JRN-7)';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER journal_markchange_no_update BEFORE UPDATE OR DELETE ON journal_markchange
    FOR EACH ROW EXECUTE FUNCTION journal_markchange_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS journal_markchange_no_update ON journal_markchange;
DROP FUNCTION IF EXISTS journal_markchange_append_only();
"""
SQLITE_UP = [
    """CREATE TRIGGER journal_markchange_no_update BEFORE UPDATE ON journal_markchange
    BEGIN SELECT RAISE(ABORT, 'journal history is append-only (JRN-7)'); END;""",
    """CREATE TRIGGER journal_markchange_no_delete BEFORE DELETE ON journal_markchange
    BEGIN SELECT RAISE(ABORT, 'journal history is append-only (JRN-7)'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS journal_markchange_no_update;",
    "DROP TRIGGER IF EXISTS journal_markchange_no_delete;",
]


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UP)
    elif vendor == "sqlite":
        for sql in SQLITE_UP:
            schema_editor.execute(sql)


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DOWN)
    elif vendor == "sqlite":
        for sql in SQLITE_DOWN:
            schema_editor.execute(sql)


GRADE_TYPES = [
    # code, name, short, weight, position
    ("answer", "Ответ на уроке", "Отв", "1.00", 10),
    ("homework", "Домашняя работа", "ДЗ", "1.00", 20),
    ("classwork", "Работа на уроке", "Раб", "1.00", 30),
    ("independent", "Самостоятельная работа", "Сам", "1.50", 40),
    ("dictation", "Диктант", "Дикт", "2.00", 50),
    ("lab", "Лабораторная работа", "Лаб", "1.50", 60),
    ("test", "Контрольная работа", "КР", "2.00", 70),
    ("project", "Проект", "Пр", "1.50", 80),
    ("sor", "Суммативное оценивание за раздел (СОР)", "СОР", "2.00", 90),
    ("soch", "Суммативное оценивание за четверть (СОЧ)", "СОЧ", "3.00", 100),
]


def catalogue(apps, schema_editor):
    GradeType = apps.get_model("journal", "GradeType")
    for code, name, short, weight, position in GRADE_TYPES:
        GradeType.objects.update_or_create(
            organization=None,
            code=code,
            defaults={"name": name, "short_name": short, "weight": weight, "position": position},
        )


class Migration(migrations.Migration):
    dependencies = [("journal", "0001_initial")]

    operations = [
        migrations.RunPython(up, down),
        migrations.RunPython(catalogue, migrations.RunPython.noop),
    ]
