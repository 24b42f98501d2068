"""The two preset option sets of DOMAIN.md, from survey_calculations (the single source)."""

from django.db import migrations

PRESETS = {
    "five_level": "五级满意度（很满意 100 … 不满意 0）",
    "twelve340": "12340 四级（满意 100、比较满意 80、不太满意 40、不满意 0）",
}


def add_presets(apps, schema_editor):
    from kaoping.appraisal.survey_calculations import FIVE_LEVEL, TWELVE340

    OptionSet = apps.get_model("surveys", "OptionSet")
    for preset in (FIVE_LEVEL, TWELVE340):
        OptionSet.objects.get_or_create(
            code=preset.code,
            defaults={
                "name": PRESETS[preset.code],
                "options": [[label, score] for label, score in preset.options],
            },
        )


def remove_presets(apps, schema_editor):
    apps.get_model("surveys", "OptionSet").objects.filter(code__in=PRESETS).delete()


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]

    operations = [migrations.RunPython(add_presets, remove_presets)]
