from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
from enum import StrEnum


# Frozen copies of the app's enums: a migration never imports the live code.
class ImportKind(StrEnum):
    """expo.exhibitors.import_models.ImportKind when this migration was written."""

    PRODUCERS = 'producers'
    BOOTHS = 'booths'


class ImportStatus(StrEnum):
    """expo.exhibitors.import_models.ImportStatus when this migration was written."""

    QUEUED = 'queued'
    RUNNING = 'running'
    DONE = 'done'
    FAILED = 'failed'


class JobState(StrEnum):
    """expo.jobs.models.JobState when this migration was written."""

    QUEUED = 'queued'
    RUNNING = 'running'
    FAILED = 'failed'
    DEAD = 'dead'
    DONE = 'done'


class Channel(StrEnum):
    """expo.outbox.Channel when this migration was written."""

    EMAIL = 'email'
    WHATSAPP = 'whatsapp'


class Delivery(StrEnum):
    """expo.outbox.Delivery when this migration was written."""

    QUEUED = 'queued'
    SENDING = 'sending'
    SENT = 'sent'
    DELIVERED = 'delivered'
    READ = 'read'
    FAILED = 'failed'
    HELD = 'held'
    SKIPPED = 'skipped'


class Migration(migrations.Migration):
    dependencies = [('models', '0005_ticket_keys')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Broadcast',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='broadcasts', on_delete=OnDelete.CASCADE)),
                ('subject', fields.CharField(max_length=120)),
                ('text', fields.TextField(unique=False)),
                ('channels', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('audience', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('producer_ids', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('recipients', fields.IntField(default=0)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='broadcasts', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('done_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'exhibitor_broadcasts', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One broadcast: what was written, on which channels (``channels``: outbox channel'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ImportJob',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='import_jobs', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='PRODUCERS: producers\nBOOTHS: booths', enum_type=ImportKind, max_length=10)),
                ('status', fields.CharEnumField(default=ImportStatus.QUEUED, description='QUEUED: queued\nRUNNING: running\nDONE: done\nFAILED: failed', enum_type=ImportStatus, max_length=8)),
                ('token', fields.CharField(max_length=32)),
                ('locale', fields.CharField(default='id', max_length=5)),
                ('result', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('error', fields.CharField(default='', max_length=500)),
                ('problems', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('requested_by', fields.ForeignKeyField('models.User', source_field='requested_by_id', null=True, db_constraint=True, to_field='id', related_name='import_jobs', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('started_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'import_jobs', 'app': 'models', 'pk_attr': 'id', 'table_description': 'The upload waits in ``uploads_dir/imports/<event id>-<token>.xlsx`` until the import'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Job',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharField(max_length=60)),
                ('payload', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('state', fields.CharEnumField(default=JobState.QUEUED, description='QUEUED: queued\nRUNNING: running\nFAILED: failed\nDEAD: dead\nDONE: done', enum_type=JobState, max_length=8)),
                ('key', fields.CharField(null=True, unique=True, max_length=200)),
                ('event_id', fields.IntField(null=True, db_index=True)),
                ('run_at', fields.BigIntField()),
                ('attempts', fields.IntField(default=0, db_default=0)),
                ('max_attempts', fields.IntField(default=8, db_default=8)),
                ('last_error', fields.TextField(default='', unique=False)),
                ('locked_by', fields.CharField(default='', db_default='', max_length=100)),
                ('lease_until', fields.BigIntField(default=0, db_default=0)),
                ('tried_at', fields.BigIntField(default=0, db_default=0)),
                ('finished_at', fields.BigIntField(default=0, db_default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'jobs', 'app': 'models', 'indexes': [Index(fields=['state', 'run_at'])], 'pk_attr': 'id', 'table_description': 'One piece of background work, waiting, running or ended.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OptOut',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('channel', fields.CharEnumField(description='EMAIL: email\nWHATSAPP: whatsapp', enum_type=Channel, max_length=8)),
                ('address', fields.CharField(max_length=254)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'outbox_opt_outs', 'app': 'models', 'unique_together': (('channel', 'address'),), 'pk_attr': 'id', 'table_description': 'An address that asked for no more broadcasts (a phone in E.164 digits, or an email).'},
            bases=['Model'],
        ),
        ops.AlterModelOptions(
            name='OutboxMessage',
            options={'table': 'outbox', 'app': 'models', 'indexes': [Index(fields=['event_id', 'state']), Index(fields=['provider', 'provider_id']), Index(fields=['to', 'kind', 'created_at'])], 'pk_attr': 'id', 'table_description': 'One message to one address on one channel.'},
        ),
        ops.AlterField(
            model_name='OutboxMessage',
            name='error',
            field=fields.CharField(default='', max_length=500),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='attachment',
            field=fields.BinaryField(null=True),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='attachment_name',
            field=fields.CharField(default='', db_default='', max_length=100),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='attempts',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='channel',
            field=fields.CharEnumField(default=Channel.EMAIL, description='EMAIL: email\nWHATSAPP: whatsapp', db_default='email', enum_type=Channel, max_length=8),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='delivered_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='event_id',
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='handled_by',
            field=fields.CharField(default='', db_default='', max_length=254),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='key',
            field=fields.CharField(null=True, unique=True, max_length=200),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='kind',
            field=fields.CharField(default='', db_default='', max_length=60),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='locale',
            field=fields.CharField(default='id', db_default='id', max_length=5),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='marketing',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='media_url',
            field=fields.CharField(default='', db_default='', max_length=500),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='name',
            field=fields.CharField(default='', db_default='', max_length=120),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='provider',
            field=fields.CharField(default='', db_default='', max_length=20),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='provider_id',
            field=fields.CharField(default='', db_default='', max_length=128),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='read_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='sent_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='state',
            field=fields.CharEnumField(default=Delivery.QUEUED, description='QUEUED: queued\nSENDING: sending\nSENT: sent\nDELIVERED: delivered\nREAD: read\nFAILED: failed\nHELD: held\nSKIPPED: skipped', db_default='queued', enum_type=Delivery, max_length=10),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='template',
            field=fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        # Messages kept before the job queue: sent ones stay sent, the rest were held (no SMTP)
        # or failed; none is queued again.
        ops.RunSQL("UPDATE outbox SET state = CASE WHEN sent THEN 'sent' WHEN error <> '' "
                   "THEN 'failed' ELSE 'held' END"),
        ops.RemoveField(model_name='OutboxMessage', name='sent'),
        ops.AddIndex(
            model_name='OutboxMessage',
            index=Index(fields=['event_id', 'state']),
        ),
        ops.AddIndex(
            model_name='OutboxMessage',
            index=Index(fields=['provider', 'provider_id']),
        ),
        ops.AddIndex(
            model_name='OutboxMessage',
            index=Index(fields=['to', 'kind', 'created_at']),
        ),
        ops.AddField(
            model_name='Visitor',
            name='locale',
            field=fields.CharField(default='id', db_default='id', max_length=5),
        ),
        ops.AddIndex(
            model_name='Visitor',
            index=Index(fields=['event_id', 'phone']),
        ),
    ]
