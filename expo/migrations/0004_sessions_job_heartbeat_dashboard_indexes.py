from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0003_visitor_erased_at')]

    initial = False

    operations = [
        ops.CreateModel(
            name='UserSession',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('digest', fields.CharField(unique=True, max_length=64)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='sessions', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('last_seen_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('agent', fields.CharField(default='', db_default='', max_length=80)),
                ('ip', fields.CharField(default='', db_default='', max_length=45)),
            ],
            options={'table': 'user_sessions', 'app': 'models', 'indexes': [Index(fields=['user_id', 'revoked_at'])], 'pk_attr': 'id', 'table_description': 'A signed-in browser. Its cookie holds a random id, this table only a digest of it.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='ExportJob',
            name='heartbeat_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='ExportJob',
            name='worker',
            field=fields.CharField(default='', db_default='', max_length=100),
        ),
        ops.AddIndex(
            model_name='Lead',
            index=Index(fields=['event_id', 'first_at']),
        ),
        ops.AddIndex(
            model_name='Lead',
            index=Index(fields=['event_id', 'application_id', 'last_at']),
        ),
        ops.RemoveIndex(
            model_name='Scan',
            name=None,
            fields=['event_id', 'day', 'ok'],
        ),
        ops.AddIndex(
            model_name='Scan',
            index=Index(fields=['event_id', 'day', 'ok', 'direction', 'gate_id', 'scanned_at']),
        ),
        ops.AddIndex(
            model_name='Scan',
            index=Index(fields=['event_id', 'day', 'ok', 'direction', 'visitor_id']),
        ),
        ops.RemoveField(model_name='User', name='session_epoch'),
        ops.AddIndex(
            model_name='Visitor',
            index=Index(fields=['event_id', 'created_at']),
        ),
        ops.AddIndex(
            model_name='Visitor',
            index=Index(fields=['event_id', 'last_in_day', 'inside']),
        ),
    ]
