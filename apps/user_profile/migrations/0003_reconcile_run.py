"""The activity log, its stats and the reconcile runs: everything derived from profiles and achievements.

The log and stats tables were created by 0001 before; they moved here so that `migrate user_profile 0002`
(the documented rollback target, docs/operations.md) drops the derived data and keeps the source tables.
A database that applied the old 0001..0007 has these tables already and never runs this again.
"""

import django.db.models.deletion
import django.db.models.expressions
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models


def create_missing_stats(apps, schema_editor):
    """Every user has a stats row, including users who existed before the log."""
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    UserProfileStats = apps.get_model("user_profile", "UserProfileStats")
    user_ids = list(User.objects.values_list("pk", flat=True))
    UserProfileStats.objects.bulk_create(
        [UserProfileStats(user_id=pk) for pk in user_ids], ignore_conflicts=True, batch_size=1000
    )


class Migration(migrations.Migration):
    dependencies = [
        ("user_profile", "0002_profiles_for_existing_users"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='UserProfileStats',
            fields=[
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='stats', serialize=False, to=settings.AUTH_USER_MODEL)),
                ('tournaments_registered', models.PositiveIntegerField(default=0)),
                ('tournaments_played', models.PositiveIntegerField(default=0, help_text='Tournaments checked in to.')),
                ('tournaments_completed', models.PositiveIntegerField(default=0)),
                ('tournaments_won', models.PositiveIntegerField(default=0)),
                ('tournaments_runner_up', models.PositiveIntegerField(default=0)),
                ('tournaments_top4', models.PositiveIntegerField(default=0, help_text='Placed 3rd or 4th.')),
                ('matches_played', models.PositiveIntegerField(default=0)),
                ('matches_won', models.PositiveIntegerField(default=0)),
                ('matches_lost', models.PositiveIntegerField(default=0)),
                ('matches_drawn', models.PositiveIntegerField(default=0)),
                ('total_earned', models.PositiveBigIntegerField(default=0, help_text='DC coins earned, all time.')),
                ('total_spent', models.PositiveBigIntegerField(default=0, help_text='DC coins spent, all time.')),
                ('achievements_unlocked', models.PositiveIntegerField(default=0)),
                ('teams_joined', models.PositiveIntegerField(default=0)),
                ('teams_left', models.PositiveIntegerField(default=0)),
                ('first_activity_at', models.DateTimeField(blank=True, null=True)),
                ('last_activity_at', models.DateTimeField(blank=True, null=True)),
            ],
            options={
                'verbose_name_plural': 'user profile stats',
                'indexes': [models.Index(fields=['-tournaments_won', 'user'], name='stats_lb_tournaments_won'), models.Index(fields=['-matches_won', 'user'], name='stats_lb_matches_won'), models.Index(fields=['-total_earned', 'user'], name='stats_lb_total_earned')],
                'constraints': [models.CheckConstraint(condition=models.Q(('tournaments_registered__gte', 0)), name='stats_tournaments_registered_non_negative'), models.CheckConstraint(condition=models.Q(('tournaments_played__gte', 0)), name='stats_tournaments_played_non_negative'), models.CheckConstraint(condition=models.Q(('tournaments_completed__gte', 0)), name='stats_tournaments_completed_non_negative'), models.CheckConstraint(condition=models.Q(('tournaments_won__gte', 0)), name='stats_tournaments_won_non_negative'), models.CheckConstraint(condition=models.Q(('tournaments_runner_up__gte', 0)), name='stats_tournaments_runner_up_non_negative'), models.CheckConstraint(condition=models.Q(('tournaments_top4__gte', 0)), name='stats_tournaments_top4_non_negative'), models.CheckConstraint(condition=models.Q(('matches_played__gte', 0)), name='stats_matches_played_non_negative'), models.CheckConstraint(condition=models.Q(('matches_won__gte', 0)), name='stats_matches_won_non_negative'), models.CheckConstraint(condition=models.Q(('matches_lost__gte', 0)), name='stats_matches_lost_non_negative'), models.CheckConstraint(condition=models.Q(('matches_drawn__gte', 0)), name='stats_matches_drawn_non_negative'), models.CheckConstraint(condition=models.Q(('total_earned__gte', 0)), name='stats_total_earned_non_negative'), models.CheckConstraint(condition=models.Q(('total_spent__gte', 0)), name='stats_total_spent_non_negative'), models.CheckConstraint(condition=models.Q(('achievements_unlocked__gte', 0)), name='stats_achievements_unlocked_non_negative'), models.CheckConstraint(condition=models.Q(('teams_joined__gte', 0)), name='stats_teams_joined_non_negative'), models.CheckConstraint(condition=models.Q(('teams_left__gte', 0)), name='stats_teams_left_non_negative'), models.CheckConstraint(condition=models.Q(('matches_won__lte', django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(models.F('matches_played'), '-', models.F('matches_lost')), '-', models.F('matches_drawn')))), name='stats_match_outcomes_le_played'), models.CheckConstraint(condition=models.Q(('tournaments_won__lte', django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(models.F('tournaments_completed'), '-', models.F('tournaments_runner_up')), '-', models.F('tournaments_top4')))), name='stats_placements_le_completed'), models.CheckConstraint(condition=models.Q(('tournaments_completed__lte', models.F('tournaments_played'))), name='stats_completed_le_played'), models.CheckConstraint(condition=models.Q(('tournaments_played__lte', models.F('tournaments_registered'))), name='stats_played_le_registered'), models.CheckConstraint(condition=models.Q(('teams_left__lte', models.F('teams_joined'))), name='stats_left_le_joined'), models.CheckConstraint(condition=models.Q(('first_activity_at__lte', models.F('last_activity_at')), models.Q(('first_activity_at__isnull', True), ('last_activity_at__isnull', True)), _connector='OR'), name='stats_first_le_last_activity')],
            },
        ),
        migrations.CreateModel(
            name='UserActivity',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('event_type', models.CharField(choices=[('tournament_registered', 'Registered for a tournament'), ('tournament_joined', 'Checked in to a tournament'), ('tournament_completed', 'Completed a tournament'), ('tournament_won', 'Won a tournament'), ('tournament_runner_up', 'Runner-up in a tournament'), ('tournament_top4', 'Top 4 in a tournament'), ('match_played', 'Played a match'), ('match_won', 'Won a match'), ('match_lost', 'Lost a match'), ('match_drawn', 'Drew a match'), ('coins_earned', 'Earned DC coins'), ('coins_spent', 'Spent DC coins'), ('achievement_unlocked', 'Unlocked an achievement'), ('team_joined', 'Joined a team'), ('team_left', 'Left a team')], max_length=32)),
                ('timestamp', models.DateTimeField(help_text="When it happened (the source's own time).")),
                ('metadata', models.JSONField(blank=True, default=dict)),
                ('source_model', models.CharField(help_text='app_label.model of the row this came from.', max_length=64)),
                ('source_id', models.BigIntegerField()),
                ('recorded_at', models.DateTimeField(auto_now_add=True)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.DO_NOTHING, related_name='activities', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name_plural': 'user activities',
                'ordering': ['-timestamp', '-id'],
                'indexes': [models.Index(fields=['user', '-timestamp', '-id'], name='activity_feed'), models.Index(fields=['user', 'event_type', '-timestamp', '-id'], name='activity_user_type'), models.Index(fields=['event_type', 'timestamp'], name='activity_type_time'), models.Index(fields=['source_model', 'source_id'], name='activity_source')],
                'constraints': [models.UniqueConstraint(fields=('user', 'source_model', 'source_id', 'event_type'), name='activity_idempotency_key')],
            },
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='useractivity',
            trigger=pgtrigger.compiler.Trigger(name='append_only', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;", hash='7fb1e90ba8cf1f5e29a2de9b4eee02d4c0102ead', operation='UPDATE OR DELETE', pgid='pgtrigger_append_only_96184', table='user_profile_useractivity', when='BEFORE')),
        ),
        migrations.RunPython(create_missing_stats, migrations.RunPython.noop),
        migrations.CreateModel(
            name="ReconcileRun",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("started_at", models.DateTimeField()),
                (
                    "finished_at",
                    models.DateTimeField(blank=True, help_text="Empty while running or if it crashed.", null=True),
                ),
                (
                    "scope",
                    models.CharField(
                        choices=[
                            ("all", "All players"),
                            ("shard", "One shard of the players"),
                            ("users", "Selected players"),
                        ],
                        default="all",
                        max_length=8,
                    ),
                ),
                (
                    "shard_index",
                    models.PositiveIntegerField(blank=True, help_text="K of --shard K/N (1-based).", null=True),
                ),
                ("shard_count", models.PositiveIntegerField(blank=True, help_text="N of --shard K/N.", null=True)),
                ("fix", models.BooleanField(default=False, help_text="Whether drifted players were corrected.")),
                ("users_checked", models.PositiveIntegerField(default=0)),
                ("users_with_drift", models.PositiveIntegerField(default=0)),
                ("fixed", models.PositiveIntegerField(default=0)),
                ("drift_percent", models.FloatField(default=0.0)),
            ],
            options={
                "ordering": ["-started_at", "-id"],
                "indexes": [models.Index(fields=["scope", "-finished_at"], name="reconcile_run_latest")],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("shard_count__isnull", True), ("shard_index__isnull", True)),
                            models.Q(("shard_index__gte", 1), ("shard_index__lte", models.F("shard_count"))),
                            _connector="OR",
                        ),
                        name="reconcile_run_shard_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("users_with_drift__lte", models.F("users_checked"))),
                        name="reconcile_run_drift_le_checked",
                    ),
                ],
            },
        ),
    ]
