from django.conf import settings
from django.db import migrations


def create_missing_profiles(apps, schema_editor):
    """Every user has a profile, including users who existed before this app (stats rows: 0003)."""
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    UserProfile = apps.get_model("user_profile", "UserProfile")
    user_ids = list(User.objects.values_list("pk", flat=True))
    UserProfile.objects.bulk_create([UserProfile(user_id=pk) for pk in user_ids], ignore_conflicts=True, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("user_profile", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(create_missing_profiles, migrations.RunPython.noop)]
