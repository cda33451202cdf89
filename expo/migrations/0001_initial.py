from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from enum import StrEnum


# Frozen copies of the app's enums: a migration never imports the live code.
class Role(StrEnum):
    """expo.accounts.models.Role when this migration was written."""

    COMMITTEE = 'committee'
    CURATOR = 'curator'
    GATE = 'gate'
    EXHIBITOR = 'exhibitor'


class EventStatus(StrEnum):
    """expo.events.models.EventStatus when this migration was written."""

    DRAFT = 'draft'
    PUBLISHED = 'published'
    CLOSED = 'closed'


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Event',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('slug', fields.CharField(unique=True, max_length=60)),
                ('name', fields.CharField(max_length=160)),
                ('description', fields.TextField(default='', unique=False)),
                ('venue', fields.CharField(max_length=160)),
                ('address', fields.CharField(default='', max_length=300)),
                ('city', fields.CharField(default='', max_length=80)),
                ('timezone', fields.CharField(default='Asia/Makassar', max_length=64)),
                ('starts_on', fields.DateField()),
                ('ends_on', fields.DateField()),
                ('exhibitor_reg_opens', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('exhibitor_reg_closes', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('visitor_reg_opens', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('visitor_reg_closes', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('status', fields.CharEnumField(default=EventStatus.DRAFT, description='DRAFT: draft\nPUBLISHED: published\nCLOSED: closed', enum_type=EventStatus, max_length=12)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'events', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='EventDay',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='days', on_delete=OnDelete.CASCADE)),
                ('date', fields.DateField()),
                ('opens_at', fields.CharField(max_length=5)),
                ('closes_at', fields.CharField(max_length=5)),
            ],
            options={'table': 'event_days', 'app': 'models', 'unique_together': (('event', 'date'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LoginThrottle',
            fields=[
                ('key', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=300)),
                ('failures', fields.IntField(default=0)),
                ('window_start', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('locked_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'login_throttle', 'app': 'models', 'pk_attr': 'key', 'table_description': 'Failed sign-ins per key (an email or a client address) within a window.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OutboxMessage',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('to', fields.CharField(max_length=254)),
                ('subject', fields.CharField(max_length=255)),
                ('body', fields.TextField(unique=False)),
                ('sent', fields.BooleanField(default=False)),
                ('error', fields.CharField(default='', max_length=255)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'outbox', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Every email expo sends. Without SMTP settings this is where it can be read.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='User',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('email', fields.CharField(unique=True, max_length=254)),
                ('name', fields.CharField(max_length=120)),
                ('password_hash', fields.CharField(default='', max_length=255)),
                ('is_superuser', fields.BooleanField(default=False, db_default=False)),
                ('is_active', fields.BooleanField(default=True, db_default=True)),
                ('locale', fields.CharField(default='id', db_default='id', max_length=5)),
                ('session_epoch', fields.IntField(default=0, db_default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('last_login_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'users', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', null=True, db_constraint=True, to_field='id', related_name='audit_entries', on_delete=OnDelete.CASCADE)),
                ('actor', fields.ForeignKeyField('models.User', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='audit_entries', on_delete=OnDelete.SET_NULL)),
                ('action', fields.CharField(db_index=True, max_length=80)),
                ('object_type', fields.CharField(default='', max_length=40)),
                ('object_id', fields.CharField(default='', max_length=64)),
                ('summary', fields.CharField(default='', max_length=300)),
                ('data', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('ip', fields.CharField(default='', max_length=45)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'audit_log', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='EventRole',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='roles', on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='roles', on_delete=OnDelete.CASCADE)),
                ('role', fields.CharEnumField(description='COMMITTEE: committee\nCURATOR: curator\nGATE: gate\nEXHIBITOR: exhibitor', enum_type=Role, max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'event_roles', 'app': 'models', 'unique_together': (('event', 'user', 'role'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PasswordToken',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='password_tokens', on_delete=OnDelete.CASCADE)),
                ('digest', fields.CharField(unique=True, max_length=64)),
                ('purpose', fields.CharField(default='reset', max_length=16)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'password_tokens', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A one-time link to set a password (reset or invitation). Only the digest is stored.'},
            bases=['Model'],
        ),
    ]
