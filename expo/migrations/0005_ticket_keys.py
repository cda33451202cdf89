from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0004_sessions_job_heartbeat_dashboard_indexes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='TicketKey',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='ticket_keys', on_delete=OnDelete.CASCADE)),
                ('generation', fields.IntField()),
                ('key_id', fields.CharField(max_length=2)),
                ('public_key', fields.BinaryField()),
                ('private_key', fields.BinaryField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('retired_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('valid_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'visitor_ticket_keys', 'app': 'models', 'unique_together': (('event', 'generation'), ('event', 'key_id')), 'pk_attr': 'id', 'table_description': "One of an event's Ed25519 ticket-signing keys (``expo.visitors.keys``)."},
            bases=['Model'],
        ),
    ]
